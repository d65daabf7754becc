// Package store is Hongyan's local cache: one SQLite database (WAL mode)
// per profile holding folders, message summaries, bodies, flags, pending
// offline operations, the outbox and POP3 bookkeeping. Every folder opens
// from here instantly; the network only brings it up to date.
//
// The pure-Go driver modernc.org/sqlite is used so that the binary builds
// without a C SQLite and cross-compiles; it includes FTS5.
package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"hongyan/mailcore/mailerr"

	"modernc.org/sqlite"
)

// Store is the local cache. It is safe for concurrent use.
type Store struct {
	db   *sql.DB
	path string
}

// schemaPart is one group of tables. Parts are applied in order of their
// key at every Open; each statement must be idempotent (IF NOT EXISTS).
type schemaPart struct {
	order int
	name  string
	sql   string
}

var (
	schemaMu    sync.Mutex
	schemaParts []schemaPart
)

// registerSchema adds a group of tables; files of this package call it
// from init so that each feature keeps its tables next to its code.
func registerSchema(order int, name, sql string) {
	schemaMu.Lock()
	defer schemaMu.Unlock()
	schemaParts = append(schemaParts, schemaPart{order, name, sql})
}

// Open opens (creating if needed) the database at path.
func Open(path string) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, storageErr("open", err)
	}
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	// FULL: a commit is on disk when Commit returns. POP3 relies on this
	// before it deletes anything from the server.
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "busy_timeout(15000)")
	// Statement journals (kept for every multi-row INSERT of a batch
	// write) and temporary staging tables stay in memory instead of going
	// to a temporary file a page write at a time.
	q.Add("_pragma", "temp_store(MEMORY)")
	q.Add("_txlock", "immediate")
	dsn := "file:" + path + "?" + q.Encode()
	conn, err := sqlite.NewConnector(dsn)
	if err != nil {
		return nil, storageErr("open", err)
	}
	db := sql.OpenDB(storeConnector{conn})
	db.SetMaxOpenConns(4)
	s := &Store{db: db, path: path}
	if err := s.migrate(); err != nil {
		db.Close()
		return nil, err
	}
	if err := os.Chmod(path, 0o600); err != nil {
		db.Close()
		return nil, storageErr("open", err)
	}
	s.removeOrphanPacks()
	return s, nil
}

func (s *Store) migrate() error {
	schemaMu.Lock()
	parts := append([]schemaPart(nil), schemaParts...)
	schemaMu.Unlock()
	sort.Slice(parts, func(i, j int) bool { return parts[i].order < parts[j].order })
	if err := s.rebuildMessages(); err != nil {
		return err
	}
	for _, p := range parts {
		if _, err := s.db.Exec(p.sql); err != nil {
			return storageErr("migrate "+p.name, err)
		}
	}
	return nil
}

// rebuildMessages brings a messages table of an older definition to
// messagesTable. SQLite cannot change a table's constraints in place, so
// the table is copied into a new one, which then takes its name (the
// procedure of SQLite's ALTER TABLE documentation). Dropping the old table
// drops its indexes and triggers; the schema parts, run next, create them
// again. Rows keep their ids, so bodies and the search index stay linked.
func (s *Store) rebuildMessages() error {
	ctx := context.Background()
	var def string
	err := s.db.QueryRowContext(ctx, `SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'messages'`).Scan(&def)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // a new database
	}
	if err != nil {
		return storageErr("migrate messages", err)
	}
	if strings.Contains(def, "UNIQUE(folder_id, uid DESC)") {
		return nil
	}
	// On one connection, for the copy: foreign keys off (the pragma is a
	// no-op inside a transaction), or dropping the old table would delete
	// every body with it; and the legacy rename, which leaves the triggers
	// of other tables alone (the current one checks them, and those on
	// bodies name messages, which is then missing for a moment).
	c, err := s.db.Conn(ctx)
	if err != nil {
		return storageErr("migrate messages", err)
	}
	defer c.Close()
	if _, err := c.ExecContext(ctx, `PRAGMA foreign_keys=OFF; PRAGMA legacy_alter_table=ON`); err != nil {
		return storageErr("migrate messages", err)
	}
	defer func() {
		if _, err := c.ExecContext(ctx, `PRAGMA foreign_keys=ON; PRAGMA legacy_alter_table=OFF`); err != nil {
			_ = c.Raw(func(any) error { return driver.ErrBadConn })
		}
	}()
	tx, err := c.BeginTx(ctx, nil)
	if err != nil {
		return storageErr("migrate messages", err)
	}
	err = func() error {
		if _, err := tx.ExecContext(ctx, `CREATE TABLE messages_rebuild `+messagesTable); err != nil {
			return err
		}
		// Columns by name: the old table's order need not be the new one's.
		rows, err := tx.QueryContext(ctx, `SELECT n.name FROM pragma_table_info('messages_rebuild') n
			JOIN pragma_table_info('messages') o ON o.name = n.name ORDER BY n.cid`)
		if err != nil {
			return err
		}
		var cols []string
		for rows.Next() {
			var name string
			if err := rows.Scan(&name); err != nil {
				rows.Close()
				return err
			}
			cols = append(cols, `"`+name+`"`)
		}
		if err := rows.Err(); err != nil {
			rows.Close()
			return err
		}
		if err := rows.Close(); err != nil {
			return err
		}
		list := strings.Join(cols, ", ")
		for _, q := range []string{
			`INSERT INTO messages_rebuild(` + list + `) SELECT ` + list + ` FROM messages`,
			`DROP TABLE messages`,
			`ALTER TABLE messages_rebuild RENAME TO messages`,
		} {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		return tx.Commit()
	}()
	if err != nil {
		tx.Rollback()
		return storageErr("migrate messages", err)
	}
	return nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Path is the database file.
func (s *Store) Path() string { return s.path }

// DB exposes the handle for packages that keep their own tables (search).
func (s *Store) DB() *sql.DB { return s.db }

// ErrNotFound is returned when a folder or message does not exist.
var ErrNotFound = &mailerr.Error{Kind: mailerr.NotFound, Op: "store", Text: "not found"}

func storageErr(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	var me *mailerr.Error
	if errors.As(err, &me) {
		return err
	}
	// A cancelled or timed-out caller is not a storage failure.
	switch {
	case errors.Is(err, context.Canceled):
		return &mailerr.Error{Kind: mailerr.Canceled, Op: "store: " + op, Err: err}
	case errors.Is(err, context.DeadlineExceeded):
		return &mailerr.Error{Kind: mailerr.Timeout, Op: "store: " + op, Err: err}
	}
	return &mailerr.Error{Kind: mailerr.Storage, Op: "store: " + op, Err: err}
}

// tx runs f in one write transaction.
func (s *Store) tx(ctx context.Context, op string, f func(*sql.Tx) error) error {
	t, err := s.db.BeginTx(ctx, nil)
	return finishTx(t, err, op, f)
}

// finishTx runs f in t (begun with err) and commits, or rolls back when f
// fails.
func finishTx(t *sql.Tx, err error, op string, f func(*sql.Tx) error) error {
	if err != nil {
		return storageErr(op, err)
	}
	if err := f(t); err != nil {
		t.Rollback()
		return storageErr(op, err)
	}
	if err := t.Commit(); err != nil {
		return storageErr(op, err)
	}
	return nil
}

// connTx runs f in one write transaction on one connection of the pool,
// which f also gets (for writes through the driver, see execRows).
//
// relaxed is for data the server still has (IMAP headers): the commit
// does not wait for the disk (synchronous=NORMAL on the connection for
// this transaction only). A power cut may lose the last such commits,
// never consistency: a sync step and its resume point are committed
// together, so the next sync starts where the cache really ends. Skipping
// the sync of the write-ahead log at each batch made a cold header sync
// about 8% faster here. Anything whose loss would lose mail (a POP3
// download before DELE, the outbox, drafts) is not relaxed.
func (s *Store) connTx(ctx context.Context, op string, relaxed bool, f func(*sql.Conn, *sql.Tx) error) error {
	c, err := s.db.Conn(ctx)
	if err != nil {
		return storageErr(op, err)
	}
	defer c.Close()
	if relaxed {
		if _, err := c.ExecContext(ctx, `PRAGMA synchronous=NORMAL`); err != nil {
			return storageErr(op, err)
		}
		defer func() {
			// The connection goes back to the pool only with full
			// durability restored; otherwise it is discarded.
			if _, err := c.ExecContext(context.WithoutCancel(ctx), `PRAGMA synchronous=FULL`); err != nil {
				_ = c.Raw(func(any) error { return driver.ErrBadConn })
			}
		}()
	}
	t, err := c.BeginTx(ctx, nil)
	return finishTx(t, err, op, func(tx *sql.Tx) error { return f(c, tx) })
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func wrapf(format string, a ...any) error { return fmt.Errorf(format, a...) }
