package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"hongyan/internal/slicepool"
)

// messagesTable is the definition of the messages table, shared by the
// schema and by the migration that rebuilds a table of an older definition
// (rebuildMessages).
//
// The UID constraint's index is in descending UID order. A sync stores
// the newest messages first, so in ascending order every batch went in at
// the far left of that index, and SQLite rebalanced pages there for every
// few rows; descending, new entries are appended at its right end, as they
// are in the table and in messages_by_date_flags
// (BenchmarkPutSummariesSynced: about 5.5 against 4.9 µs a row).
const messagesTable = `(
	id              INTEGER PRIMARY KEY,
	folder_id       INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
	uid             INTEGER NOT NULL,
	flags           INTEGER NOT NULL DEFAULT 0,
	keywords        TEXT    NOT NULL DEFAULT '',
	modseq          INTEGER NOT NULL DEFAULT 0,
	internal_date   INTEGER NOT NULL DEFAULT 0,
	date            INTEGER NOT NULL DEFAULT 0,
	size            INTEGER NOT NULL DEFAULT 0,
	subject         TEXT    NOT NULL DEFAULT '',
	from_name       TEXT    NOT NULL DEFAULT '',
	from_addr       TEXT    NOT NULL DEFAULT '',
	to_json         TEXT    NOT NULL DEFAULT '[]',
	cc_json         TEXT    NOT NULL DEFAULT '[]',
	reply_to        TEXT    NOT NULL DEFAULT '',
	message_id      TEXT    NOT NULL DEFAULT '',
	in_reply_to     TEXT    NOT NULL DEFAULT '',
	refs            TEXT    NOT NULL DEFAULT '',
	has_attachments INTEGER NOT NULL DEFAULT 0,
	preview         TEXT    NOT NULL DEFAULT '',
	thread_id       INTEGER NOT NULL DEFAULT 0,
	pending         INTEGER NOT NULL DEFAULT 0,
	UNIQUE(folder_id, uid DESC)
)`

func init() {
	registerSchema(20, "messages", `
CREATE TABLE IF NOT EXISTS messages `+messagesTable+`;
-- The list's order, with the flags so that Counts finds a folder's total
-- and unread counts in one pass over this index. (A partial index of the
-- unread messages cost every stored summary one more index entry.)
CREATE INDEX IF NOT EXISTS messages_by_date_flags ON messages(folder_id, date DESC, id DESC, flags);
DROP INDEX IF EXISTS messages_by_date;
DROP INDEX IF EXISTS messages_unseen;
-- Watermarks of work done after new rows are stored (see noteNewRows):
-- search_upto for the search index, thread_upto for threading.
CREATE TABLE IF NOT EXISTS marks (k TEXT PRIMARY KEY, v INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS bodies (
	message INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
	raw     BLOB NOT NULL
);`)
}

// Flags is a bit set of the IMAP system flags and the keywords Hongyan uses.
type Flags uint32

const (
	Seen Flags = 1 << iota
	Answered
	Flagged
	Deleted
	Draft
	Forwarded // $Forwarded
	Junk      // $Junk
	NotJunk   // $NotJunk
)

// Address is one mailbox: display name and address.
type Address struct {
	Name string `json:"n,omitempty"`
	Addr string `json:"a"`
}

func (a Address) String() string {
	if a.Name == "" {
		return a.Addr
	}
	return a.Name + " <" + a.Addr + ">"
}

// Summary is what the message list needs of a message: its envelope, flags
// and a preview, without the body.
type Summary struct {
	ID           int64
	FolderID     int64
	UID          uint32
	Flags        Flags
	Keywords     []string
	ModSeq       uint64
	InternalDate time.Time
	Date         time.Time
	Size         int64
	Subject      string
	From         Address
	To           []Address
	Cc           []Address
	// ReplyTo is the Reply-To address where it is not From's (servers
	// fill ENVELOPE's reply-to with From when a message has none).
	ReplyTo        string
	MessageID      string
	InReplyTo      string
	References     []string
	HasAttachments bool
	Preview        string
	ThreadID       int64
	Pending        bool
}

const summaryCols = `id, folder_id, uid, flags, keywords, modseq, internal_date, date, size,
	subject, from_name, from_addr, to_json, cc_json, reply_to, message_id, in_reply_to, refs,
	has_attachments, preview, thread_id, pending`

func scanSummary(r interface{ Scan(...any) error }) (Summary, error) {
	var m Summary
	var kw, toJ, ccJ, refs string
	var idate, date int64
	var hasAtt, pending int
	err := r.Scan(&m.ID, &m.FolderID, &m.UID, &m.Flags, &kw, &m.ModSeq, &idate, &date, &m.Size,
		&m.Subject, &m.From.Name, &m.From.Addr, &toJ, &ccJ, &m.ReplyTo, &m.MessageID, &m.InReplyTo, &refs,
		&hasAtt, &m.Preview, &m.ThreadID, &pending)
	if err != nil {
		return m, err
	}
	if kw != "" {
		m.Keywords = strings.Fields(kw)
	}
	if refs != "" {
		m.References = strings.Fields(refs)
	}
	m.InternalDate = time.Unix(idate, 0)
	m.Date = time.Unix(date, 0)
	m.HasAttachments, m.Pending = hasAtt != 0, pending != 0
	_ = json.Unmarshal([]byte(toJ), &m.To)
	_ = json.Unmarshal([]byte(ccJ), &m.Cc)
	return m, nil
}

// addrJSON encodes addresses as encoding/json does. It is written out by
// hand for the common case (it runs for two lists of every summary a sync
// stores, where json.Marshal cost about 0.5 µs each); any text that JSON
// would escape goes through json.Marshal, so the output is always the
// same (FuzzAddrJSON checks it).
func addrJSON(a []Address) string {
	if len(a) == 0 {
		return "[]"
	}
	n := 2
	for _, x := range a {
		if !jsonPlain(x.Name) || !jsonPlain(x.Addr) {
			b, _ := json.Marshal(a)
			return string(b)
		}
		n += len(x.Name) + len(x.Addr) + 16
	}
	b := make([]byte, 0, n)
	b = append(b, '[')
	for i, x := range a {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '{')
		if x.Name != "" {
			b = append(b, `"n":"`...)
			b = append(b, x.Name...)
			b = append(b, `",`...)
		}
		b = append(b, `"a":"`...)
		b = append(b, x.Addr...)
		b = append(b, `"}`...)
	}
	b = append(b, ']')
	return string(b)
}

// jsonPlain reports whether encoding/json writes s unchanged between
// quotes: valid UTF-8 without control characters, quotes, backslashes,
// the HTML characters it escapes, or U+2028 and U+2029.
func jsonPlain(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r == '\u2028' || r == '\u2029' {
			return false
		}
		i += size
	}
	return true
}

func unix(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

// putInsert writes summaries of one folder, many rows per statement
// (batchInsert). A UID already cached is refreshed in place: it keeps its
// id and body.
var putInsert = newBatchInsert(putHead,
	`(?,?,?,coalesce(?,''),?,?,?,?,?,?,?,?,coalesce(?,'[]'),coalesce(?,''),?,coalesce(?,''),coalesce(?,''),?,coalesce(?,''))`,
	putUpsert, 19)

// putHeaders is putInsert for summaries as a header sync makes them: no
// MODSEQ, no references (ENVELOPE has none) and no preview (that comes
// with the body). Those three are written in the statement instead of
// bound: 8% less of the writer's time a row (BenchmarkPutSummariesSynced/
// headers, medians of eight runs in turns: 4.57 against 4.96 µs).
var putHeaders = newBatchInsert(putHead,
	`(?,?,?,coalesce(?,''),0,?,?,?,?,?,?,?,coalesce(?,'[]'),coalesce(?,''),?,coalesce(?,''),'',?,'')`,
	putUpsert, 16)

// putHead is the start of putInsert and putHeaders.
const putHead = `INSERT INTO messages(folder_id, uid, flags, keywords, modseq, internal_date, date,
	size, subject, from_name, from_addr, to_json, cc_json, reply_to, message_id, in_reply_to, refs, has_attachments, preview) VALUES `

// putUpsert refreshes a row already cached: everything but its id, body
// and, when the new summary has none, its preview.
const putUpsert = `
ON CONFLICT(folder_id, uid) DO UPDATE SET flags=excluded.flags, keywords=excluded.keywords,
	modseq=excluded.modseq, internal_date=excluded.internal_date, date=excluded.date, size=excluded.size,
	subject=excluded.subject, from_name=excluded.from_name, from_addr=excluded.from_addr,
	to_json=excluded.to_json, cc_json=excluded.cc_json, reply_to=excluded.reply_to,
	message_id=excluded.message_id, in_reply_to=excluded.in_reply_to, refs=excluded.refs,
	has_attachments=excluded.has_attachments,
	preview=CASE WHEN excluded.preview != '' THEN excluded.preview ELSE messages.preview END`

// PutSummaries inserts or refreshes message summaries of one folder in one
// transaction. An existing row (same UID) keeps its id and body; its flags
// and envelope are replaced. A UID given twice ends with the later copy.
// This is the sync engine's batch write. New rows are queued for the
// search index in one statement at the end (a per-row trigger cost a
// fifth of the write).
func (s *Store) PutSummaries(ctx context.Context, folderID int64, msgs []Summary) error {
	if len(msgs) == 0 {
		return nil
	}
	enc := EncodeSummaries(folderID, msgs)
	return s.connTx(ctx, "put summaries", false, func(c *sql.Conn, tx *sql.Tx) error {
		return putEncoded(ctx, c, tx, enc)
	})
}

// SyncPoint is a folder's server state as SetSyncState records it.
type SyncPoint struct {
	UIDValidity, UIDNext uint32
	HighestModSeq        uint64
	SyncedFrom           uint32
}

// EncodedSummaries are summaries of one folder turned into the values of
// the statements that store them. A sync encodes each batch on the
// goroutine that decoded it, in parallel with the store writing the
// previous one: the store's single writer is what a large sync waits for.
// The values are already the driver's (see execRows).
type EncodedSummaries struct {
	folderID int64
	ins      *batchInsert // putHeaders or putInsert
	vals     []driver.NamedValue
	rows     int
}

// EncodeSummaries encodes msgs of folderID for PutSummariesSynced.
func EncodeSummaries(folderID int64, msgs []Summary) *EncodedSummaries {
	ins := putHeaders
	for i := range msgs {
		if m := &msgs[i]; m.ModSeq != 0 || len(m.References) > 0 || m.Preview != "" {
			ins = putInsert
			break
		}
	}
	e := &EncodedSummaries{folderID: folderID, ins: ins, rows: len(msgs), vals: valsPool.Get(ins.params * len(msgs))}
	fid := any(folderID) // one boxed value for every row
	full := ins == putInsert
	for i := range msgs {
		m := &msgs[i]
		date := m.Date
		if date.IsZero() {
			date = m.InternalDate
		}
		// Only int64, string and nil: the types the driver binds as they
		// are. The columns a header sync usually leaves empty (keywords,
		// Cc, Reply-To, In-Reply-To) go as nil when they are, and the
		// statement turns that back into their empty value: the driver
		// copies every string argument into memory of its own, and a NULL
		// costs nothing of the kind. putHeaders has no parameters for
		// MODSEQ, references and preview.
		e.add(fid, int64(m.UID), int64(m.Flags), orNil(strings.Join(m.Keywords, " ")))
		if full {
			e.add(int64(m.ModSeq))
		}
		e.add(unix(m.InternalDate), unix(date), int64(m.Size), m.Subject, m.From.Name, m.From.Addr,
			addrJSON(m.To), addrsOrNil(m.Cc), orNil(m.ReplyTo), m.MessageID, orNil(m.InReplyTo))
		if full {
			e.add(orNil(strings.Join(m.References, " ")))
		}
		e.add(int64(boolInt(m.HasAttachments)))
		if full {
			e.add(orNil(m.Preview))
		}
	}
	return e
}

// valsPool keeps the value slices of stored batches for the next ones
// (Release). A 2,000-message batch of a header sync has 38,000 values
// (1.5 MB); made new for every batch they were the largest allocation of
// a large sync, and every page of fresh memory costs a page fault and its
// zeroing (about a tenth of a cold sync's CPU time on the development
// machine).
var valsPool slicepool.Pool[driver.NamedValue]

// Release hands e's memory back for later batches once e is stored (or
// given up); e must not be used again.
func (e *EncodedSummaries) Release() {
	if e == nil || e.vals == nil {
		return
	}
	valsPool.Put(e.vals)
	e.vals, e.rows = nil, 0
}

// add appends the values of one row's parameters, in order.
func (e *EncodedSummaries) add(vs ...any) { e.vals = appendVals(e.vals, vs...) }

// appendVals appends vs to dst as driver values (for execRows; each must
// be a type the driver binds as it is: int64, string or nil).
func appendVals(dst []driver.NamedValue, vs ...any) []driver.NamedValue {
	for _, v := range vs {
		dst = append(dst, driver.NamedValue{Value: v})
	}
	return dst
}

// orNil is s, or nil for an empty s (see EncodeSummaries).
func orNil(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// addrsOrNil is addrJSON(a), or nil for no address.
func addrsOrNil(a []Address) any {
	if len(a) == 0 {
		return nil
	}
	return addrJSON(a)
}

// PutSummariesSynced stores summaries as PutSummaries does and records
// the folder's sync state p in the same transaction. A sync step and the
// resume point it reaches are committed together, never one without the
// other, and without waiting for the disk (relaxed, see connTx).
func (s *Store) PutSummariesSynced(ctx context.Context, enc *EncodedSummaries, p SyncPoint) error {
	return s.connTx(ctx, "put summaries", true, func(c *sql.Conn, tx *sql.Tx) error {
		if enc.rows > 0 {
			if err := putEncoded(ctx, c, tx, enc); err != nil {
				return err
			}
		}
		return setSyncState(ctx, tx, enc.folderID, p)
	})
}

func putEncoded(ctx context.Context, c *sql.Conn, tx *sql.Tx, enc *EncodedSummaries) error {
	var before int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM messages`).Scan(&before); err != nil {
		return err
	}
	if err := execRows(ctx, c, enc.ins, enc.vals, enc.rows); err != nil {
		return err
	}
	// New rows took ids above every id in use before.
	return noteNewRows(ctx, tx, before)
}

// FlagUpdate is a flag change reported by the server.
type FlagUpdate struct {
	UID      uint32
	Flags    Flags
	Keywords []string
	ModSeq   uint64
}

// UpdateFlags applies server flag changes in one transaction. Messages with
// a local change not yet confirmed (pending) keep their local flags.
func (s *Store) UpdateFlags(ctx context.Context, folderID int64, ups []FlagUpdate) error {
	if len(ups) == 0 {
		return nil
	}
	return s.tx(ctx, "update flags", func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `UPDATE messages SET flags=?, keywords=?, modseq=? WHERE folder_id=? AND uid=? AND pending=0`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, u := range ups {
			if _, err := st.ExecContext(ctx, u.Flags, strings.Join(u.Keywords, " "), u.ModSeq, folderID, u.UID); err != nil {
				return err
			}
		}
		return nil
	})
}

// DeleteUIDs removes messages (expunged on the server) from a folder.
func (s *Store) DeleteUIDs(ctx context.Context, folderID int64, uids []uint32) error {
	if len(uids) == 0 {
		return nil
	}
	return s.tx(ctx, "delete", func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `DELETE FROM messages WHERE folder_id=? AND uid=?`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, u := range uids {
			if _, err := st.ExecContext(ctx, folderID, u); err != nil {
				return err
			}
		}
		return nil
	})
}

// UIDs returns every cached UID of a folder, ascending.
func (s *Store) UIDs(ctx context.Context, folderID int64) ([]uint32, error) {
	return column[uint32](ctx, s, "uids", `SELECT uid FROM messages WHERE folder_id=? ORDER BY uid`, folderID)
}

// column runs a query of one column and returns its values.
func column[T any](ctx context.Context, s *Store, op, q string, args ...any) ([]T, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, storageErr(op, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := rows.Scan(&v); err != nil {
			return nil, storageErr(op, err)
		}
		out = append(out, v)
	}
	return out, storageErr(op, rows.Err())
}

// SortOrder of the message list.
type SortOrder int

const (
	ByDateDesc SortOrder = iota
	ByDateAsc
	BySender
	BySubject
)

func (o SortOrder) clause() string {
	switch o {
	case ByDateAsc:
		return "date ASC, id ASC"
	case BySender:
		return "CASE WHEN from_name != '' THEN from_name ELSE from_addr END COLLATE NOCASE, date DESC"
	case BySubject:
		return "subject COLLATE NOCASE, date DESC"
	}
	return "date DESC, id DESC"
}

// Page returns limit summaries of a folder starting at offset in the given
// order: the message list asks only for the rows it is about to draw.
func (s *Store) Page(ctx context.Context, folderID int64, order SortOrder, offset, limit int) ([]Summary, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+summaryCols+` FROM messages WHERE folder_id=? ORDER BY `+order.clause()+` LIMIT ? OFFSET ?`,
		folderID, limit, offset)
	if err != nil {
		return nil, storageErr("page", err)
	}
	return collectSummaries(rows)
}

// PageMany is Page over several folders at once (the unified inbox).
func (s *Store) PageMany(ctx context.Context, folderIDs []int64, order SortOrder, offset, limit int) ([]Summary, error) {
	if len(folderIDs) == 0 {
		return nil, nil
	}
	ph := strings.TrimSuffix(strings.Repeat("?,", len(folderIDs)), ",")
	args := make([]any, 0, len(folderIDs)+2)
	for _, id := range folderIDs {
		args = append(args, id)
	}
	args = append(args, limit, offset)
	rows, err := s.db.QueryContext(ctx, `SELECT `+summaryCols+` FROM messages WHERE folder_id IN (`+ph+`) ORDER BY `+order.clause()+` LIMIT ? OFFSET ?`, args...)
	if err != nil {
		return nil, storageErr("page", err)
	}
	return collectSummaries(rows)
}

func collectSummaries(rows *sql.Rows) ([]Summary, error) {
	defer rows.Close()
	var out []Summary
	for rows.Next() {
		m, err := scanSummary(rows)
		if err != nil {
			return nil, storageErr("page", err)
		}
		out = append(out, m)
	}
	return out, storageErr("page", rows.Err())
}

// Counts returns the number of cached messages and unread ones of a folder.
func (s *Store) Counts(ctx context.Context, folderID int64) (total, unread int, err error) {
	err = s.db.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(flags & 1 = 0), 0) FROM messages WHERE folder_id=?`,
		folderID).Scan(&total, &unread)
	return total, unread, storageErr("counts", err)
}

// UnreadIDs lists the ids of a folder's unread messages (from the list
// order index, which holds the flags).
func (s *Store) UnreadIDs(ctx context.Context, folderID int64) ([]int64, error) {
	return column[int64](ctx, s, "unread ids", `SELECT id FROM messages WHERE folder_id=? AND flags & 1 = 0`, folderID)
}

// MessageIDs returns the ids of every cached message of a folder.
func (s *Store) MessageIDs(ctx context.Context, folderID int64) ([]int64, error) {
	return column[int64](ctx, s, "message ids", `SELECT id FROM messages WHERE folder_id=?`, folderID)
}

// Message returns one summary by id.
func (s *Store) Message(ctx context.Context, id int64) (Summary, error) {
	m, err := scanSummary(s.db.QueryRowContext(ctx, `SELECT `+summaryCols+` FROM messages WHERE id=?`, id))
	return m, storageErr("message", err)
}

// MessageByUID returns one summary by folder and UID.
func (s *Store) MessageByUID(ctx context.Context, folderID int64, uid uint32) (Summary, error) {
	m, err := scanSummary(s.db.QueryRowContext(ctx, `SELECT `+summaryCols+` FROM messages WHERE folder_id=? AND uid=?`, folderID, uid))
	return m, storageErr("message", err)
}

// FindByMessageID returns the messages of an account carrying a Message-ID.
// It looks in msgid_lookup (filled by the search indexer) and among the
// rows still waiting for the indexer, so a message stored a moment ago is
// found too; right after a large sync that wait list is long and the
// lookup slower until the background indexer has caught up.
func (s *Store) FindByMessageID(ctx context.Context, account, messageID string) ([]Summary, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+summaryCols+` FROM messages
WHERE id IN (SELECT id FROM msgid_lookup WHERE msgid = ?1 UNION ALL SELECT id FROM search_dirty
		UNION ALL SELECT id FROM messages WHERE id > (SELECT v FROM marks WHERE k = 'search_upto'))
	AND message_id = ?1 AND folder_id IN (SELECT id FROM folders WHERE account = ?2)`, messageID, account)
	if err != nil {
		return nil, storageErr("find", err)
	}
	return collectSummaries(rows)
}

// SetBody caches a message's raw RFC 5322 source and, when given, its preview.
func (s *Store) SetBody(ctx context.Context, id int64, raw []byte, preview string) error {
	return s.tx(ctx, "set body", func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO bodies(message, raw) VALUES(?,?)`, id, raw); err != nil {
			return err
		}
		// The new source replaces a packed one (whose bytes stay in the pack).
		if _, err := tx.ExecContext(ctx, `DELETE FROM packed_bodies WHERE message=?`, id); err != nil {
			return err
		}
		if preview != "" {
			_, err := tx.ExecContext(ctx, `UPDATE messages SET preview=? WHERE id=?`, preview, id)
			return err
		}
		return nil
	})
}

// Body returns the cached raw source of a message, or ErrNotFound. The
// source is a row of bodies or lies in a pack (bodypack.go).
func (s *Store) Body(ctx context.Context, id int64) ([]byte, error) {
	var raw []byte
	var pack, off, n sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT b.raw, p.pack, p.off, p.len FROM (SELECT ? AS id) q
	LEFT JOIN bodies b ON b.message = q.id LEFT JOIN packed_bodies p ON p.message = q.id`, id).Scan(&raw, &pack, &off, &n)
	if err != nil {
		return nil, storageErr("body", err)
	}
	if raw != nil {
		return raw, nil
	}
	if !pack.Valid {
		return nil, ErrNotFound
	}
	raw, err = readPacked(packDir(s.path), PackRef{pack.Int64, off.Int64, n.Int64})
	return raw, storageErr("body", err)
}

// HasBody reports whether a message's source is cached.
func (s *Store) HasBody(ctx context.Context, id int64) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM bodies WHERE message=?1) + (SELECT count(*) FROM packed_bodies WHERE message=?1)`, id).Scan(&n)
	return n > 0, storageErr("body", err)
}

// SetFlagsLocal changes a message's flags in the cache and marks it pending
// until the server confirms (offline operations).
func (s *Store) SetFlagsLocal(ctx context.Context, id int64, set, clear Flags, pending bool) error {
	return s.SetFlagsLocalMany(ctx, []int64{id}, set, clear, pending)
}

// SetFlagsLocalMany is SetFlagsLocal for many messages in one transaction.
//
// The actions on a selection (mark read, delete, move) changed the cache
// one transaction per message, each waiting for the disk: about 0.2 ms a
// message here, 2 s for 10,000 selected. Each batch is one transaction.
func (s *Store) SetFlagsLocalMany(ctx context.Context, ids []int64, set, clear Flags, pending bool) error {
	return s.eachIn(ctx, "set flags", `UPDATE messages SET flags = (flags | ?) & ~?, pending=? WHERE id=?`, ids,
		func(id int64) []any { return []any{set, clear, boolInt(pending), id} })
}

// eachIn runs statement q once for every id, with the arguments args
// gives, in one transaction.
func (s *Store) eachIn(ctx context.Context, op, q string, ids []int64, args func(id int64) []any) error {
	if len(ids) == 0 {
		return nil
	}
	return s.tx(ctx, op, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, q)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, id := range ids {
			if _, err := st.ExecContext(ctx, args(id)...); err != nil {
				return err
			}
		}
		return nil
	})
}

// ClearPending marks messages as confirmed by the server.
func (s *Store) ClearPending(ctx context.Context, ids []int64) error {
	return s.eachIn(ctx, "clear pending", `UPDATE messages SET pending=0 WHERE id=?`, ids, func(id int64) []any { return []any{id} })
}

// DeleteMessage removes one message (and its body) from the cache.
func (s *Store) DeleteMessage(ctx context.Context, id int64) error {
	return s.DeleteMessages(ctx, []int64{id})
}

// DeleteMessages removes messages (and their bodies) from the cache in
// one transaction.
func (s *Store) DeleteMessages(ctx context.Context, ids []int64) error {
	return s.eachIn(ctx, "delete message", `DELETE FROM messages WHERE id=?`, ids, func(id int64) []any { return []any{id} })
}

// MoveLocal moves a message to another folder of the cache, giving it the
// next local UID there (local folders; for IMAP the server assigns the UID
// and the sync brings the message back). It returns the new UID.
func (s *Store) MoveLocal(ctx context.Context, id, toFolder int64) (uint32, error) {
	uids, err := s.MoveLocalMany(ctx, []int64{id}, toFolder)
	if err != nil {
		return 0, err
	}
	return uids[0], nil
}

// MoveLocalMany is MoveLocal for many messages in one transaction (see
// SetFlagsLocalMany); they take the folder's next UIDs in the order of
// ids, which it returns.
func (s *Store) MoveLocalMany(ctx context.Context, ids []int64, toFolder int64) ([]uint32, error) {
	uids := make([]uint32, len(ids))
	if len(ids) == 0 {
		return uids, nil
	}
	err := s.tx(ctx, "move", func(tx *sql.Tx) error {
		var next uint32
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(uid),0)+1 FROM messages WHERE folder_id=?`, toFolder).Scan(&next); err != nil {
			return err
		}
		return moveNumbered(ctx, tx, `UPDATE messages SET folder_id=?, uid=? WHERE id=?`, toFolder, next, ids, uids)
	})
	if err != nil {
		return nil, err
	}
	return uids, nil
}

// moveNumbered moves messages ids to folder toFolder in tx under the
// consecutive UIDs from first, which it writes to uids, with statement
// set (arguments: folder, UID, message id).
func moveNumbered(ctx context.Context, tx *sql.Tx, set string, toFolder int64, first uint32, ids []int64, uids []uint32) error {
	st, err := tx.PrepareContext(ctx, set)
	if err != nil {
		return err
	}
	defer st.Close()
	for i, id := range ids {
		uids[i] = first + uint32(i)
		if _, err := st.ExecContext(ctx, toFolder, uids[i], id); err != nil {
			return err
		}
	}
	return nil
}

// AddLocal stores a message in a local folder with its raw source in one
// durable transaction (synchronous=FULL), assigning the next local UID.
// POP3 retrieval calls this before it may delete anything on the server.
func (s *Store) AddLocal(ctx context.Context, folderID int64, m Summary, raw []byte) (int64, uint32, error) {
	var id int64
	var uid uint32
	err := s.tx(ctx, "add local", func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(uid),0)+1 FROM messages WHERE folder_id=?`, folderID).Scan(&uid); err != nil {
			return err
		}
		var err error
		id, err = insertMessage(ctx, tx, folderID, uid, m, raw, false)
		return err
	})
	return id, uid, err
}

// insertMessage writes one message row (and its source, when given) under
// a UID the caller chose, inside the caller's transaction.
func insertMessage(ctx context.Context, tx *sql.Tx, folderID int64, uid uint32, m Summary, raw []byte, pending bool) (int64, error) {
	date := m.Date
	if date.IsZero() {
		date = m.InternalDate
	}
	var id int64
	if err := tx.QueryRowContext(ctx, `
INSERT INTO messages(folder_id, uid, flags, keywords, internal_date, date, size, subject, from_name, from_addr,
	to_json, cc_json, reply_to, message_id, in_reply_to, refs, has_attachments, preview, pending)
VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id`,
		folderID, uid, m.Flags, strings.Join(m.Keywords, " "), unix(m.InternalDate), unix(date), m.Size,
		m.Subject, m.From.Name, m.From.Addr, addrJSON(m.To), addrJSON(m.Cc), m.ReplyTo, m.MessageID,
		m.InReplyTo, strings.Join(m.References, " "), boolInt(m.HasAttachments), m.Preview, boolInt(pending)).Scan(&id); err != nil {
		return 0, err
	}
	if raw != nil {
		if _, err := tx.ExecContext(ctx, `INSERT INTO bodies(message, raw) VALUES(?,?)`, id, raw); err != nil {
			return 0, err
		}
	}
	return id, noteNewRows(ctx, tx, id-1)
}
