package store

import (
	"context"
	"database/sql"
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
// copy may be deleted. A UIDL already recorded for the account is skipped
// (no duplicate). It returns the local ids in order (0 for skipped ones).
func (s *Store) AddPOP3Messages(ctx context.Context, account string, folderID int64, seen time.Time, msgs []POP3Message) ([]int64, error) {
	ids := make([]int64, len(msgs))
	if len(msgs) == 0 {
		return ids, nil
	}
	err := s.tx(ctx, "add pop3 messages", func(tx *sql.Tx) error {
		var uid uint32
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(uid),0) FROM messages WHERE folder_id=?`, folderID).Scan(&uid); err != nil {
			return err
		}
		known, err := tx.PrepareContext(ctx, `SELECT count(*) FROM pop3_uidls WHERE account=? AND uidl=?`)
		if err != nil {
			return err
		}
		defer known.Close()
		ins, err := tx.PrepareContext(ctx, `
INSERT INTO messages(folder_id, uid, flags, keywords, internal_date, date, size, subject, from_name, from_addr,
	to_json, cc_json, reply_to, message_id, in_reply_to, refs, has_attachments, preview)
VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id`)
		if err != nil {
			return err
		}
		defer ins.Close()
		body, err := tx.PrepareContext(ctx, `INSERT INTO bodies(message, raw) VALUES(?,?)`)
		if err != nil {
			return err
		}
		defer body.Close()
		rec, err := tx.PrepareContext(ctx, `INSERT INTO pop3_uidls(account, uidl, message_id, first_seen) VALUES(?,?,?,?)`)
		if err != nil {
			return err
		}
		defer rec.Close()
		batch := make(map[string]bool, len(msgs))
		for i := range msgs {
			m := &msgs[i]
			if batch[m.UIDL] {
				continue
			}
			var n int
			if err := known.QueryRowContext(ctx, account, m.UIDL).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				continue
			}
			batch[m.UIDL] = true
			uid++
			sm := &m.Summary
			date := sm.Date
			if date.IsZero() {
				date = sm.InternalDate
			}
			var id int64
			if err := ins.QueryRowContext(ctx, folderID, uid, sm.Flags, strings.Join(sm.Keywords, " "),
				unix(sm.InternalDate), unix(date), sm.Size, sm.Subject, sm.From.Name, sm.From.Addr,
				addrJSON(sm.To), addrJSON(sm.Cc), sm.ReplyTo, sm.MessageID, sm.InReplyTo,
				strings.Join(sm.References, " "), boolInt(sm.HasAttachments), sm.Preview).Scan(&id); err != nil {
				return err
			}
			raw := m.Raw
			if raw == nil {
				raw = []byte{}
			}
			if _, err := body.ExecContext(ctx, id, raw); err != nil {
				return err
			}
			if _, err := rec.ExecContext(ctx, account, m.UIDL, id, unix(seen)); err != nil {
				return err
			}
			ids[i] = id
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ids, nil
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
