package store

import (
	"context"
	"database/sql"
)

// Held deletes are messages Hongyan marked \Deleted on a server without
// UIDPLUS and could not expunge yet: there a plain EXPUNGE removes every
// \Deleted message of the folder, so it is sent only when no other
// client's marked message would go with it (see the imap package's
// expunge). Remembering its own marks lets a later EXPUNGE take them too,
// instead of their blocking every EXPUNGE of the folder from then on.
func init() {
	registerSchema(31, "held deletes", `
CREATE TABLE IF NOT EXISTS held_deletes (
	folder_id   INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
	uidvalidity INTEGER NOT NULL,
	uid         INTEGER NOT NULL,
	PRIMARY KEY(folder_id, uid)
) WITHOUT ROWID;`)
}

// HeldDeletes are the UIDs of a folder (under uidValidity) that Hongyan
// marked \Deleted and has not expunged.
func (s *Store) HeldDeletes(ctx context.Context, folderID int64, uidValidity uint32) ([]uint32, error) {
	return column[uint32](ctx, s, "held deletes", `SELECT uid FROM held_deletes WHERE folder_id=? AND uidvalidity=? ORDER BY uid`, folderID, uidValidity)
}

// HoldDeletes records UIDs of a folder that Hongyan marked \Deleted and
// left for a later EXPUNGE.
func (s *Store) HoldDeletes(ctx context.Context, folderID int64, uidValidity uint32, uids []uint32) error {
	return s.tx(ctx, "hold deletes", func(tx *sql.Tx) error {
		for _, u := range uids {
			if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO held_deletes(folder_id, uidvalidity, uid) VALUES(?,?,?)`,
				folderID, uidValidity, u); err != nil {
				return err
			}
		}
		return nil
	})
}

// ReleaseHeldDeletes forgets a folder's held deletes (after an EXPUNGE).
func (s *Store) ReleaseHeldDeletes(ctx context.Context, folderID int64) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM held_deletes WHERE folder_id=?`, folderID)
	return storageErr("release held deletes", err)
}
