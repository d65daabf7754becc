package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"time"

	"hongyan/mailcore/mailerr"
)

func init() {
	registerSchema(40, "outbox", `
CREATE TABLE IF NOT EXISTS outbox (
	id           INTEGER PRIMARY KEY,
	account      TEXT    NOT NULL,
	state        TEXT    NOT NULL,           -- queued, sending, sent, copied, failed, uncertain
	raw          BLOB    NOT NULL,           -- the message exactly as it will be sent
	env_from     TEXT    NOT NULL,
	rcpts        TEXT    NOT NULL,           -- JSON array of envelope recipients
	message_id   TEXT    NOT NULL DEFAULT '',
	draft        BLOB,                       -- the draft it was built from (opaque), for undo/edit
	attempts     INTEGER NOT NULL DEFAULT 0,
	next_attempt INTEGER NOT NULL DEFAULT 0, -- unix seconds
	send_after   INTEGER NOT NULL DEFAULT 0, -- unix seconds: send later / undo window
	last_error   TEXT    NOT NULL DEFAULT '',
	created      INTEGER NOT NULL,
	updated      INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_state ON outbox(state, account);`)
}

// Outbox states.
const (
	OutboxQueued    = "queued"    // waiting for its time (send_after, next_attempt)
	OutboxSending   = "sending"   // handed to the server; outcome not yet recorded
	OutboxSent      = "sent"      // the server accepted it; the Sent copy is pending
	OutboxCopied    = "copied"    // accepted and filed in Sent: done
	OutboxFailed    = "failed"    // refused permanently; kept for the user to edit or retry
	OutboxUncertain = "uncertain" // interrupted while sending: the server may have it
)

// OutboxItem is one outgoing message.
type OutboxItem struct {
	ID          int64
	Account     string
	State       string
	Raw         []byte
	Head        []byte // in lists instead of Raw: its first 16 KB
	From        string
	Recipients  []string
	MessageID   string
	Draft       []byte
	Attempts    int
	NextAttempt time.Time
	SendAfter   time.Time
	LastError   string
	Created     time.Time
	Updated     time.Time
}

// ErrOutboxState is returned when an outbox item is not in the state an
// operation requires (for example Cancel after sending started).
var ErrOutboxState = &mailerr.Error{Kind: mailerr.NotFound, Op: "outbox", Text: "the message is no longer in that state"}

const outboxCols = `id, account, state, raw, env_from, rcpts, message_id, draft, attempts,
	next_attempt, send_after, last_error, created, updated`

// outboxListCols are outboxCols for lists: of the source only its start
// (Head: the header, for the subject), no draft. A list is read on every
// send event; the whole sources and drafts (with their attachments) were
// read and thrown away each time.
const outboxListCols = `id, account, state, substr(raw, 1, 16384), env_from, rcpts, message_id, NULL, attempts,
	next_attempt, send_after, last_error, created, updated`

func scanOutbox(r interface{ Scan(...any) error }, withRaw bool) (OutboxItem, error) {
	var it OutboxItem
	var rcpts string
	var next, after, created, updated int64
	var raw, draft []byte
	err := r.Scan(&it.ID, &it.Account, &it.State, &raw, &it.From, &rcpts, &it.MessageID, &draft,
		&it.Attempts, &next, &after, &it.LastError, &created, &updated)
	if err != nil {
		return it, err
	}
	if withRaw {
		it.Raw = raw
	} else {
		it.Head = raw
	}
	it.Draft = draft
	_ = json.Unmarshal([]byte(rcpts), &it.Recipients)
	it.NextAttempt, it.SendAfter = unixTime(next), unixTime(after)
	it.Created, it.Updated = time.Unix(created, 0), time.Unix(updated, 0)
	return it, nil
}

func unixTime(s int64) time.Time {
	if s == 0 {
		return time.Time{}
	}
	return time.Unix(s, 0)
}

// OutboxAdd commits messages to the outbox in one durable transaction
// (state queued unless set) and returns their ids. Nothing may touch the
// network for a message before this returned.
func (s *Store) OutboxAdd(ctx context.Context, now time.Time, items ...OutboxItem) ([]int64, error) {
	ids := make([]int64, 0, len(items))
	err := s.tx(ctx, "outbox add", func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `INSERT INTO outbox(account, state, raw, env_from, rcpts, message_id, draft,
	next_attempt, send_after, created, updated) VALUES(?,?,?,?,?,?,?,?,?,?,?) RETURNING id`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, it := range items {
			state := it.State
			if state == "" {
				state = OutboxQueued
			}
			rc, _ := json.Marshal(it.Recipients)
			var id int64
			if err := st.QueryRowContext(ctx, it.Account, state, it.Raw, it.From, string(rc), it.MessageID, it.Draft,
				unix(it.NextAttempt), unix(it.SendAfter), now.Unix(), now.Unix()).Scan(&id); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ids, nil
}

// OutboxItem returns one item with its raw source.
func (s *Store) OutboxItem(ctx context.Context, id int64) (OutboxItem, error) {
	it, err := scanOutbox(s.db.QueryRowContext(ctx, `SELECT `+outboxCols+` FROM outbox WHERE id=?`, id), true)
	return it, storageErr("outbox item", err)
}

// OutboxList returns the items of an account (all accounts if account is
// empty) in the given states (all if none), oldest first, without raw
// sources or drafts (Head holds the start of the source).
func (s *Store) OutboxList(ctx context.Context, account string, states ...string) ([]OutboxItem, error) {
	q := `SELECT ` + outboxListCols + ` FROM outbox WHERE 1=1`
	var args []any
	if account != "" {
		q += ` AND account=?`
		args = append(args, account)
	}
	if len(states) > 0 {
		q += ` AND state IN (?` + strings.Repeat(",?", len(states)-1) + `)`
		for _, st := range states {
			args = append(args, st)
		}
	}
	return s.outboxQuery(ctx, q+` ORDER BY id`, false, args...)
}

func (s *Store) outboxQuery(ctx context.Context, q string, withRaw bool, args ...any) ([]OutboxItem, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, storageErr("outbox list", err)
	}
	defer rows.Close()
	var out []OutboxItem
	for rows.Next() {
		it, err := scanOutbox(rows, withRaw)
		if err != nil {
			return nil, storageErr("outbox list", err)
		}
		out = append(out, it)
	}
	return out, storageErr("outbox list", rows.Err())
}

// OutboxDue returns queued items whose time has come, with raw sources,
// oldest first.
func (s *Store) OutboxDue(ctx context.Context, now time.Time, limit int) ([]OutboxItem, error) {
	if limit <= 0 {
		limit = 1000
	}
	n := now.Unix()
	return s.outboxQuery(ctx, `SELECT `+outboxCols+` FROM outbox WHERE state=? AND next_attempt<=? AND send_after<=? ORDER BY id LIMIT ?`,
		true, OutboxQueued, n, n, limit)
}

// OutboxNextWake returns the earliest time a queued item becomes due, and
// false when nothing is queued.
func (s *Store) OutboxNextWake(ctx context.Context) (time.Time, bool, error) {
	var t sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT MIN(MAX(next_attempt, send_after)) FROM outbox WHERE state=?`, OutboxQueued).Scan(&t)
	if err != nil {
		return time.Time{}, false, storageErr("outbox wake", err)
	}
	if !t.Valid {
		return time.Time{}, false, nil
	}
	return time.Unix(t.Int64, 0), true, nil
}

// OutboxChange is what OutboxTransition writes along with the new state.
// Nil fields are left as they are.
type OutboxChange struct {
	Attempts    *int
	AddAttempt  bool
	NextAttempt *time.Time
	SendAfter   *time.Time
	LastError   *string
}

// OutboxTransition moves an item to state `to` if (and only if) it is in one
// of the states `from`, durably, in one transaction. It returns
// ErrOutboxState when the item is in another state and ErrNotFound when it
// does not exist.
func (s *Store) OutboxTransition(ctx context.Context, id int64, from []string, to string, now time.Time, ch OutboxChange) error {
	return s.tx(ctx, "outbox "+to, func(tx *sql.Tx) error {
		set := `state=?, updated=?`
		args := []any{to, now.Unix()}
		if ch.Attempts != nil {
			set += `, attempts=?`
			args = append(args, *ch.Attempts)
		} else if ch.AddAttempt {
			set += `, attempts=attempts+1`
		}
		if ch.NextAttempt != nil {
			set += `, next_attempt=?`
			args = append(args, unix(*ch.NextAttempt))
		}
		if ch.SendAfter != nil {
			set += `, send_after=?`
			args = append(args, unix(*ch.SendAfter))
		}
		if ch.LastError != nil {
			set += `, last_error=?`
			args = append(args, *ch.LastError)
		}
		q := `UPDATE outbox SET ` + set + ` WHERE id=? AND state IN (?` + strings.Repeat(",?", len(from)-1) + `)`
		args = append(args, id)
		for _, f := range from {
			args = append(args, f)
		}
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return nil
		}
		var st string
		if err := tx.QueryRowContext(ctx, `SELECT state FROM outbox WHERE id=?`, id).Scan(&st); err != nil {
			return err
		}
		return ErrOutboxState
	})
}

// OutboxRemove deletes an item if it is in one of the given states and
// returns it (with raw source and draft) as it was.
func (s *Store) OutboxRemove(ctx context.Context, id int64, states ...string) (OutboxItem, error) {
	var it OutboxItem
	err := s.tx(ctx, "outbox remove", func(tx *sql.Tx) error {
		var err error
		it, err = scanOutbox(tx.QueryRowContext(ctx, `SELECT `+outboxCols+` FROM outbox WHERE id=?`, id), true)
		if err != nil {
			return err
		}
		ok := false
		for _, st := range states {
			ok = ok || st == it.State
		}
		if !ok {
			return ErrOutboxState
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM outbox WHERE id=?`, id)
		return err
	})
	return it, err
}

// OutboxRecover is run once at start-up: items left in "sending" (the
// process stopped while the server had the message) become "uncertain" and
// are returned. They must not be sent again without the user's word.
func (s *Store) OutboxRecover(ctx context.Context, now time.Time) ([]OutboxItem, error) {
	var out []OutboxItem
	err := s.tx(ctx, "outbox recover", func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `UPDATE outbox SET state=?, updated=?,
	last_error='interrupted while sending: the server may have accepted it' WHERE state=? RETURNING `+outboxCols,
			OutboxUncertain, now.Unix(), OutboxSending)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			it, err := scanOutbox(rows, false)
			if err != nil {
				return err
			}
			out = append(out, it)
		}
		return rows.Err()
	})
	return out, err
}

// OutboxPurge deletes finished (copied) items last changed before t.
func (s *Store) OutboxPurge(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := s.tx(ctx, "outbox purge", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM outbox WHERE state=? AND updated<?`, OutboxCopied, before.Unix())
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return n, err
}
