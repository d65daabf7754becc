package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"os"
	"strings"
	"time"
)

// POP3 bookkeeping: which server messages (by UIDL, or by a fallback
// identity when the server has no UIDL) were already retrieved into which
// local message, and which of them were deleted on the server.
//
// The local message id is deliberately not a foreign key: when the user
// removes the local copy the row must stay, so that the engine can tell the
// message was deleted locally (and delete it on the server if the account
// asks for that) and so that it is never downloaded again.
func init() {
	registerSchema(60, "pop3", `
CREATE TABLE IF NOT EXISTS pop3_uidls (
	account           TEXT    NOT NULL,
	uidl              TEXT    NOT NULL,
	message_id        INTEGER NOT NULL DEFAULT 0, -- messages.id of the local copy
	first_seen        INTEGER NOT NULL,           -- unix seconds of retrieval
	deleted_on_server INTEGER NOT NULL DEFAULT 0,
	delete_requested  INTEGER NOT NULL DEFAULT 0, -- user deleted the local copy
	PRIMARY KEY(account, uidl)
);
CREATE INDEX IF NOT EXISTS pop3_uidls_message ON pop3_uidls(message_id);`)
}

// POP3Entry is one retrieved server message.
type POP3Entry struct {
	UIDL            string
	MessageID       int64 // local message id
	FirstSeen       time.Time
	DeletedOnServer bool
	// DeleteRequested: the user deleted the local copy through an explicit
	// request (RequestPOP3Delete).
	DeleteRequested bool
	// LocalExists: the local message still exists (in any folder).
	LocalExists bool
}

// POP3Message is a retrieved message to store with its identity.
type POP3Message struct {
	UIDL    string
	Summary Summary
	Raw     []byte
	// Body, when its Pack is set, is where the source already lies in a
	// durable pack (Pack.Append); Raw is then not used.
	Body PackRef
}

// POP3Entries returns every bookkeeping row of an account, keyed by UIDL.
func (s *Store) POP3Entries(ctx context.Context, account string) (map[string]POP3Entry, error) {
	rows, err := s.db.QueryContext(ctx, `
SELECT p.uidl, p.message_id, p.first_seen, p.deleted_on_server, p.delete_requested,
	EXISTS(SELECT 1 FROM messages m WHERE m.id = p.message_id)
FROM pop3_uidls p WHERE p.account=?`, account)
	if err != nil {
		return nil, storageErr("pop3 entries", err)
	}
	defer rows.Close()
	out := make(map[string]POP3Entry)
	for rows.Next() {
		var e POP3Entry
		var first int64
		var del, req, exists int
		if err := rows.Scan(&e.UIDL, &e.MessageID, &first, &del, &req, &exists); err != nil {
			return nil, storageErr("pop3 entries", err)
		}
		e.FirstSeen = time.Unix(first, 0)
		e.DeletedOnServer, e.DeleteRequested, e.LocalExists = del != 0, req != 0, exists != 0
		out[e.UIDL] = e
	}
	return out, storageErr("pop3 entries", rows.Err())
}

// AddPOP3Messages stores retrieved messages in a local folder and records
// their identities, all in ONE durable transaction (synchronous=FULL): when
// it returns nil every message and its UIDL row are on disk, so the server
// copy may be deleted. The sources go to one new pack file (bodypack.go),
// synced before the transaction commits. A UIDL already recorded for the account is skipped
// (no duplicate). It returns the local ids in order (0 for skipped ones).
//
// The rows are written with multi-row INSERTs (batchInsert says why). The
// local ids are allocated here, above every id in use, so that the three
// tables can be filled chunk by chunk without reading ids back.
func (s *Store) AddPOP3Messages(ctx context.Context, account string, folderID int64, seen time.Time, msgs []POP3Message) ([]int64, error) {
	ids := make([]int64, len(msgs))
	if len(msgs) == 0 {
		return ids, nil
	}
	err := s.connTx(ctx, "add pop3 messages", false, func(c *sql.Conn, tx *sql.Tx) (ferr error) {
		known, err := knownPOP3(ctx, tx, account, msgs)
		if err != nil {
			return err
		}
		var uid uint32
		var next int64
		if err := tx.QueryRowContext(ctx, `SELECT
	COALESCE((SELECT MAX(uid) FROM messages WHERE folder_id=?), 0),
	MAX(COALESCE((SELECT MAX(id) FROM messages), 0), COALESCE((SELECT MAX(message_id) FROM pop3_uidls), 0))`,
			folderID).Scan(&uid, &next); err != nil {
			return err
		}
		firstID := next + 1
		// keep lists the indexes of the messages to store, in order.
		keep := make([]int, 0, len(msgs))
		for i := range msgs {
			u := msgs[i].UIDL
			if known[u] {
				continue
			}
			known[u] = true // a UIDL given twice keeps its first copy
			next++
			ids[i] = next
			keep = append(keep, i)
		}
		if len(keep) == 0 {
			return nil
		}
		// Sources not yet in a pack go to a new one, durable before any
		// row names it.
		refs := make([]PackRef, len(msgs))
		var raws [][]byte
		for _, i := range keep {
			if msgs[i].Body.Pack > 0 {
				refs[i] = msgs[i].Body
			} else {
				raws = append(raws, msgs[i].Raw)
			}
		}
		if len(raws) > 0 {
			pack, packed, err := s.writePack(ctx, tx, raws)
			if err != nil {
				return err
			}
			defer func() {
				if ferr != nil {
					// Rolled back: nothing refers to the pack. (After a
					// failed commit it stays for Open to judge by the
					// references.)
					os.Remove(packName(packDir(s.path), pack))
				}
			}()
			k := 0
			for _, i := range keep {
				if msgs[i].Body.Pack <= 0 {
					refs[i] = packed[k]
					k++
				}
			}
		}
		// The values are the driver's own (int64 and string, see
		// execRows), each table's rows in one run of statements.
		at := unix(seen)
		vals := make([]driver.NamedValue, 0, len(keep)*pop3Inserts[0].params)
		for _, i := range keep {
			uid++
			sm := &msgs[i].Summary
			date := sm.Date
			if date.IsZero() {
				date = sm.InternalDate
			}
			vals = appendVals(vals, ids[i], folderID, int64(uid), int64(sm.Flags), strings.Join(sm.Keywords, " "),
				unix(sm.InternalDate), unix(date), int64(sm.Size), sm.Subject, sm.From.Name, sm.From.Addr,
				addrJSON(sm.To), addrJSON(sm.Cc), sm.ReplyTo, sm.MessageID, sm.InReplyTo,
				strings.Join(sm.References, " "), int64(boolInt(sm.HasAttachments)), sm.Preview)
		}
		if err := execRows(ctx, c, pop3Inserts[0], vals, len(keep)); err != nil {
			return err
		}
		vals = vals[:0]
		for _, i := range keep {
			r := refs[i]
			vals = appendVals(vals, ids[i], r.Pack, r.Off, r.Len)
		}
		if err := execRows(ctx, c, pop3Inserts[1], vals, len(keep)); err != nil {
			return err
		}
		vals = vals[:0]
		for _, i := range keep {
			vals = appendVals(vals, account, msgs[i].UIDL, ids[i], at)
		}
		if err := execRows(ctx, c, pop3Inserts[2], vals, len(keep)); err != nil {
			return err
		}
		return noteNewRows(ctx, tx, firstID-1)
	})
	if err != nil {
		return nil, err
	}
	return ids, nil
}

// pop3Inserts are the three INSERTs of AddPOP3Messages.
var pop3Inserts = [3]*batchInsert{
	newBatchInsert(`INSERT INTO messages(id, folder_id, uid, flags, keywords, internal_date, date, size, subject, from_name,
	from_addr, to_json, cc_json, reply_to, message_id, in_reply_to, refs, has_attachments, preview) VALUES `,
		`(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`, ``, 19),
	newBatchInsert(`INSERT INTO packed_bodies(message, pack, off, len) VALUES `, `(?,?,?,?)`, ``, 4),
	newBatchInsert(`INSERT INTO pop3_uidls(account, uidl, message_id, first_seen) VALUES `, `(?,?,?,?)`, ``, 4),
}

// knownPOP3 returns which UIDLs of msgs are already recorded for account,
// asking for many at a time.
func knownPOP3(ctx context.Context, tx *sql.Tx, account string, msgs []POP3Message) (map[string]bool, error) {
	known := make(map[string]bool, len(msgs))
	const chunk = 500
	args := make([]any, 0, chunk+1)
	for rest := msgs; len(rest) > 0; {
		part := rest[:min(len(rest), chunk)]
		rest = rest[len(part):]
		args = append(args[:0], account)
		for i := range part {
			args = append(args, part[i].UIDL)
		}
		q := `SELECT uidl FROM pop3_uidls WHERE account=? AND uidl IN (` +
			strings.TrimSuffix(strings.Repeat("?,", len(part)), ",") + `)`
		rows, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var u string
			if err := rows.Scan(&u); err != nil {
				rows.Close()
				return nil, err
			}
			known[u] = true
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return known, nil
}

// MarkPOP3Deleted records that messages are gone from the server (deleted
// after a successful QUIT, or no longer listed there).
func (s *Store) MarkPOP3Deleted(ctx context.Context, account string, uidls []string) error {
	if len(uidls) == 0 {
		return nil
	}
	return s.tx(ctx, "pop3 mark deleted", func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `UPDATE pop3_uidls SET deleted_on_server=1 WHERE account=? AND uidl=?`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, u := range uidls {
			if _, err := st.ExecContext(ctx, account, u); err != nil {
				return err
			}
		}
		return nil
	})
}

// RequestPOP3Delete marks the server copy of a local message for deletion
// at the next check (used when the user deletes the local copy and the
// account deletes on the server in that case). It reports whether the
// message came from POP3 retrieval.
func (s *Store) RequestPOP3Delete(ctx context.Context, messageID int64) (bool, error) {
	var n int64
	err := s.tx(ctx, "pop3 request delete", func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, `UPDATE pop3_uidls SET delete_requested=1 WHERE message_id=? AND deleted_on_server=0`, messageID)
		if err != nil {
			return err
		}
		n, err = r.RowsAffected()
		return err
	})
	return n > 0, err
}

// RequestPOP3Deletes is RequestPOP3Delete for many messages in one
// transaction.
func (s *Store) RequestPOP3Deletes(ctx context.Context, messageIDs []int64) error {
	return s.eachIn(ctx, "pop3 request delete", `UPDATE pop3_uidls SET delete_requested=1 WHERE message_id=? AND deleted_on_server=0`,
		messageIDs, func(id int64) []any { return []any{id} })
}

// POP3UIDLOf returns the server identity of a local message, or ErrNotFound.
func (s *Store) POP3UIDLOf(ctx context.Context, messageID int64) (string, error) {
	var u string
	err := s.db.QueryRowContext(ctx, `SELECT uidl FROM pop3_uidls WHERE message_id=? LIMIT 1`, messageID).Scan(&u)
	return u, storageErr("pop3 uidl", err)
}

// DeletePOP3Account forgets every bookkeeping row of an account (call it
// together with DeleteAccount when an account is removed).
func (s *Store) DeletePOP3Account(ctx context.Context, account string) error {
	return s.tx(ctx, "pop3 delete account", func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM pop3_uidls WHERE account=?`, account)
		return err
	})
}
