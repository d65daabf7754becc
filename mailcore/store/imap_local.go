package store

import (
	"context"
	"database/sql"
	"fmt"
)

// PlaceholderUIDBase is the first UID given to messages the IMAP engine put
// into a folder locally (an offline move or append) before the server
// assigned a real UID. Real servers do not reach this range; the sync
// leaves such rows alone and the replay of the operation removes them.
const PlaceholderUIDBase uint32 = 0xF0000000

// FlagState is a cached message's flags as the IMAP sync compares them.
type FlagState struct {
	Flags    Flags
	Keywords string // space separated, as stored
}

// IMAPFlagsByUID returns the flags of every cached message of a folder by
// UID (for servers without CONDSTORE, whose full flag listing is compared
// with the cache so that only changes are written).
func (s *Store) IMAPFlagsByUID(ctx context.Context, folderID int64) (map[uint32]FlagState, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT uid, flags, keywords FROM messages WHERE folder_id=?`, folderID)
	if err != nil {
		return nil, storageErr("flags", err)
	}
	defer rows.Close()
	out := map[uint32]FlagState{}
	for rows.Next() {
		var uid uint32
		var st FlagState
		if err := rows.Scan(&uid, &st.Flags, &st.Keywords); err != nil {
			return nil, storageErr("flags", err)
		}
		out[uid] = st
	}
	return out, storageErr("flags", rows.Err())
}

func nextPlaceholder(ctx context.Context, tx *sql.Tx, folderID int64) (uint32, error) {
	var uid uint32
	err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(uid), ?)+1 FROM messages WHERE folder_id=? AND uid >= ?`,
		PlaceholderUIDBase-1, folderID, PlaceholderUIDBase).Scan(&uid)
	return uid, err
}

// MoveToPlaceholder moves a cached message to another folder under a
// placeholder UID, marked pending, until the server confirms the move.
func (s *Store) MoveToPlaceholder(ctx context.Context, id, toFolder int64) (uint32, error) {
	uids, err := s.MoveToPlaceholders(ctx, []int64{id}, toFolder)
	if err != nil {
		return 0, err
	}
	return uids[0], nil
}

// MoveToPlaceholders is MoveToPlaceholder for many messages in one
// transaction (see SetFlagsLocalMany); it returns their placeholder UIDs
// in the order of ids.
func (s *Store) MoveToPlaceholders(ctx context.Context, ids []int64, toFolder int64) ([]uint32, error) {
	uids := make([]uint32, len(ids))
	if len(ids) == 0 {
		return uids, nil
	}
	err := s.tx(ctx, "move", func(tx *sql.Tx) error {
		next, err := nextPlaceholder(ctx, tx, toFolder)
		if err != nil {
			return err
		}
		return moveNumbered(ctx, tx, `UPDATE messages SET folder_id=?, uid=?, pending=1 WHERE id=?`, toFolder, next, ids, uids)
	})
	if err != nil {
		return nil, err
	}
	return uids, nil
}

// PutBack returns a message to a folder under its real UID (an offline
// move the server refused). If the folder already holds that UID again
// (a sync brought it back), the placeholder row is dropped.
func (s *Store) PutBack(ctx context.Context, id, folderID int64, uid uint32) error {
	return s.PutBackMany(ctx, folderID, []int64{id}, []uint32{uid})
}

// PutBackMany is PutBack for messages ids[i] under uids[i], in one
// transaction (the replay of a move of thousands of messages gives each
// its UID on the server).
func (s *Store) PutBackMany(ctx context.Context, folderID int64, ids []int64, uids []uint32) error {
	if len(ids) != len(uids) {
		return fmt.Errorf("store: %d messages for %d UIDs", len(ids), len(uids))
	}
	if len(ids) == 0 {
		return nil
	}
	return s.tx(ctx, "put back", func(tx *sql.Tx) error {
		for i, id := range ids {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM messages WHERE folder_id=? AND uid=?`, folderID, uids[i]).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				if _, err := tx.ExecContext(ctx, `DELETE FROM messages WHERE id=?`, id); err != nil {
					return err
				}
				continue
			}
			if _, err := tx.ExecContext(ctx, `UPDATE messages SET folder_id=?, uid=?, pending=0 WHERE id=?`, folderID, uids[i], id); err != nil {
				return err
			}
		}
		return nil
	})
}

// AddPlaceholder stores a message appended while offline (with its raw
// source) under a placeholder UID, pending.
func (s *Store) AddPlaceholder(ctx context.Context, folderID int64, m Summary, raw []byte) (int64, uint32, error) {
	var id int64
	var uid uint32
	err := s.tx(ctx, "add placeholder", func(tx *sql.Tx) error {
		var err error
		if uid, err = nextPlaceholder(ctx, tx, folderID); err != nil {
			return err
		}
		id, err = insertMessage(ctx, tx, folderID, uid, m, raw, true)
		return err
	})
	return id, uid, err
}
