package store

import (
	"context"
	"database/sql"
	"time"
)

func init() {
	registerSchema(60, "drafts", `
CREATE TABLE IF NOT EXISTS drafts (
	id        INTEGER PRIMARY KEY,
	account   TEXT    NOT NULL,
	updated   INTEGER NOT NULL,
	subject   TEXT    NOT NULL DEFAULT '',
	meta      BLOB    NOT NULL,             -- the draft without attachment bytes (JSON, owned by the engine)
	server_id INTEGER NOT NULL DEFAULT 0    -- cache id of the copy in the server's Drafts folder, 0 if none
);
CREATE INDEX IF NOT EXISTS drafts_by_account ON drafts(account, updated DESC);
CREATE TABLE IF NOT EXISTS draft_blobs (
	draft INTEGER NOT NULL REFERENCES drafts(id) ON DELETE CASCADE,
	hash  TEXT    NOT NULL,
	data  BLOB    NOT NULL,
	PRIMARY KEY(draft, hash)
);`)
}

// DraftRecord is one locally saved draft. Meta is opaque to the store;
// attachment bytes live beside it, keyed by a content hash, so that an
// autosave that only changed the text does not rewrite them.
type DraftRecord struct {
	ID       int64
	Account  string
	Updated  time.Time
	Subject  string
	Meta     []byte
	ServerID int64
}

// SaveDraft inserts (ID 0) or replaces a draft and its attachment blobs in
// one transaction, so that after a crash either the old or the new version
// is there, whole. blobs holds every attachment the draft keeps, by hash;
// blobs already stored under the same hash are not rewritten, and blobs no
// longer listed are removed. It returns the draft's id.
func (s *Store) SaveDraft(ctx context.Context, rec DraftRecord, blobs map[string][]byte) (int64, error) {
	if rec.Updated.IsZero() {
		rec.Updated = time.Now()
	}
	id := rec.ID
	err := s.tx(ctx, "save draft", func(tx *sql.Tx) error {
		if id == 0 {
			r, err := tx.ExecContext(ctx, `INSERT INTO drafts(account, updated, subject, meta, server_id) VALUES(?,?,?,?,?)`,
				rec.Account, rec.Updated.UnixMilli(), rec.Subject, rec.Meta, rec.ServerID)
			if err != nil {
				return err
			}
			id, err = r.LastInsertId()
			if err != nil {
				return err
			}
		} else {
			r, err := tx.ExecContext(ctx, `UPDATE drafts SET account=?, updated=?, subject=?, meta=?, server_id=? WHERE id=?`,
				rec.Account, rec.Updated.UnixMilli(), rec.Subject, rec.Meta, rec.ServerID, id)
			if err != nil {
				return err
			}
			if n, _ := r.RowsAffected(); n == 0 {
				// The draft was deleted meanwhile (sent from another
				// window): keep the user's words under the same id.
				if _, err := tx.ExecContext(ctx, `INSERT INTO drafts(id, account, updated, subject, meta, server_id) VALUES(?,?,?,?,?,?)`,
					id, rec.Account, rec.Updated.UnixMilli(), rec.Subject, rec.Meta, rec.ServerID); err != nil {
					return err
				}
			}
		}
		have := map[string]bool{}
		rows, err := tx.QueryContext(ctx, `SELECT hash FROM draft_blobs WHERE draft=?`, id)
		if err != nil {
			return err
		}
		for rows.Next() {
			var h string
			if err := rows.Scan(&h); err != nil {
				rows.Close()
				return err
			}
			have[h] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for h, data := range blobs {
			if have[h] {
				delete(have, h)
				continue
			}
			if data == nil {
				data = []byte{}
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO draft_blobs(draft, hash, data) VALUES(?,?,?)`, id, h, data); err != nil {
				return err
			}
		}
		for h := range have {
			if _, err := tx.ExecContext(ctx, `DELETE FROM draft_blobs WHERE draft=? AND hash=?`, id, h); err != nil {
				return err
			}
		}
		return nil
	})
	return id, err
}

// SetDraftServerID records the cache id of the draft's server copy.
func (s *Store) SetDraftServerID(ctx context.Context, id, serverID int64) error {
	_, err := s.db.ExecContext(ctx, `UPDATE drafts SET server_id=? WHERE id=?`, serverID, id)
	return storageErr("draft server id", err)
}

// Draft returns one draft with its attachment blobs by hash.
func (s *Store) Draft(ctx context.Context, id int64) (DraftRecord, map[string][]byte, error) {
	var rec DraftRecord
	var upd int64
	err := s.db.QueryRowContext(ctx, `SELECT id, account, updated, subject, meta, server_id FROM drafts WHERE id=?`, id).
		Scan(&rec.ID, &rec.Account, &upd, &rec.Subject, &rec.Meta, &rec.ServerID)
	if err != nil {
		return rec, nil, storageErr("draft", err)
	}
	rec.Updated = time.UnixMilli(upd)
	rows, err := s.db.QueryContext(ctx, `SELECT hash, data FROM draft_blobs WHERE draft=?`, id)
	if err != nil {
		return rec, nil, storageErr("draft", err)
	}
	defer rows.Close()
	blobs := map[string][]byte{}
	for rows.Next() {
		var h string
		var data []byte
		if err := rows.Scan(&h, &data); err != nil {
			return rec, nil, storageErr("draft", err)
		}
		blobs[h] = data
	}
	return rec, blobs, storageErr("draft", rows.Err())
}

// Drafts lists the saved drafts of an account (all accounts with ""),
// newest first, without their contents.
func (s *Store) Drafts(ctx context.Context, account string) ([]DraftRecord, error) {
	q := `SELECT id, account, updated, subject, server_id FROM drafts`
	var args []any
	if account != "" {
		q += ` WHERE account=?`
		args = append(args, account)
	}
	q += ` ORDER BY updated DESC, id DESC`
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, storageErr("drafts", err)
	}
	defer rows.Close()
	var out []DraftRecord
	for rows.Next() {
		var r DraftRecord
		var upd int64
		if err := rows.Scan(&r.ID, &r.Account, &upd, &r.Subject, &r.ServerID); err != nil {
			return nil, storageErr("drafts", err)
		}
		r.Updated = time.UnixMilli(upd)
		out = append(out, r)
	}
	return out, storageErr("drafts", rows.Err())
}

// DeleteDraft removes a draft and its blobs. A missing draft is not an
// error.
func (s *Store) DeleteDraft(ctx context.Context, id int64) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM drafts WHERE id=?`, id)
	return storageErr("delete draft", err)
}
