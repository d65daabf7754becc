package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

func init() {
	registerSchema(30, "pending_ops", `
CREATE TABLE IF NOT EXISTS pending_ops (
	id       INTEGER PRIMARY KEY,        -- replay order
	account  TEXT    NOT NULL,
	kind     TEXT    NOT NULL,
	payload  TEXT    NOT NULL,           -- JSON of Op
	created  INTEGER NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0,
	last_error TEXT  NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS pending_ops_account ON pending_ops(account, id);`)
}

// Op is an operation done while offline (or not yet confirmed), queued
// durably and replayed in order against the server.
type Op struct {
	ID      int64    `json:"-"`
	Account string   `json:"-"`
	Kind    string   `json:"kind"` // "flags", "move", "delete", "expunge", "append", "create", "rename", "remove"
	Folder  string   `json:"folder,omitempty"`
	UIDs    []uint32 `json:"uids,omitempty"`
	Local   []int64  `json:"local,omitempty"` // cache ids touched, to clear their pending mark
	// Dest: for a move or an append, the placeholder UIDs the messages of
	// Local were given in the destination, until the server names theirs
	// (see RebindOps).
	Dest    []uint32  `json:"dest,omitempty"`
	Set     Flags     `json:"set,omitempty"`
	Clear   Flags     `json:"clear,omitempty"`
	Target  string    `json:"target,omitempty"` // destination folder, or new name
	Data    []byte    `json:"data,omitempty"`   // message to append
	Created time.Time `json:"-"`
	Tries   int       `json:"-"`
}

// AddOp queues an operation; it is on disk when AddOp returns.
func (s *Store) AddOp(ctx context.Context, account string, op Op) (int64, error) {
	payload, err := json.Marshal(op)
	if err != nil {
		return 0, storageErr("add op", err)
	}
	var id int64
	err = s.tx(ctx, "add op", func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO pending_ops(account, kind, payload, created) VALUES(?,?,?,?) RETURNING id`,
			account, op.Kind, string(payload), time.Now().Unix()).Scan(&id)
	})
	return id, err
}

// Ops returns an account's queued operations in replay order.
func (s *Store) Ops(ctx context.Context, account string) ([]Op, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, payload, created, attempts FROM pending_ops WHERE account=? ORDER BY id`, account)
	if err != nil {
		return nil, storageErr("ops", err)
	}
	defer rows.Close()
	var out []Op
	for rows.Next() {
		var op Op
		var payload string
		var created int64
		if err := rows.Scan(&op.ID, &payload, &created, &op.Tries); err != nil {
			return nil, storageErr("ops", err)
		}
		if err := json.Unmarshal([]byte(payload), &op); err != nil {
			return nil, storageErr("ops", err)
		}
		op.Account = account
		op.Created = time.Unix(created, 0)
		out = append(out, op)
	}
	return out, storageErr("ops", rows.Err())
}

// DoneOp removes a replayed operation.
func (s *Store) DoneOp(ctx context.Context, id int64) error {
	return s.tx(ctx, "done op", func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM pending_ops WHERE id=?`, id)
		return err
	})
}

// FailOp records a failed replay attempt.
func (s *Store) FailOp(ctx context.Context, id int64, reason string) error {
	return s.tx(ctx, "fail op", func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE pending_ops SET attempts=attempts+1, last_error=? WHERE id=?`, reason, id)
		return err
	})
}

// Rebind replaces placeholder UIDs of folder in op by the server's UIDs
// (m: placeholder to UID) and reports whether it changed anything.
func (op *Op) Rebind(folder string, m map[uint32]uint32) bool {
	if op.Folder != folder || op.Kind == "append" {
		return false
	}
	changed := false
	for i, u := range op.UIDs {
		if real, ok := m[u]; ok {
			op.UIDs[i] = real
			changed = true
		}
	}
	return changed
}

// RebindOps rewrites the queued operations of an account that name
// messages of folder by placeholder UIDs, once a replayed move or append
// has told the UIDs the server gave them (m: placeholder to UID). A
// message moved offline and then moved again, flagged or deleted before
// the first move reached the server is so followed to its real UID.
func (s *Store) RebindOps(ctx context.Context, account, folder string, m map[uint32]uint32) error {
	if len(m) == 0 {
		return nil
	}
	// A payload names a placeholder in decimal; only those naming one of
	// m's are decoded (replaying a long offline queue rebinds once per
	// move, each time over the rest of the queue).
	names := make([]string, 0, len(m))
	for p := range m {
		names = append(names, strconv.FormatUint(uint64(p), 10))
	}
	mentions := func(payload string) bool {
		for _, n := range names {
			if strings.Contains(payload, n) {
				return true
			}
		}
		return false
	}
	return s.tx(ctx, "rebind ops", func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id, payload FROM pending_ops WHERE account=? AND kind<>'append' ORDER BY id`, account)
		if err != nil {
			return err
		}
		type update struct {
			id      int64
			payload []byte
		}
		var ups []update
		for rows.Next() {
			var id int64
			var payload string
			if err := rows.Scan(&id, &payload); err != nil {
				rows.Close()
				return err
			}
			if !mentions(payload) {
				continue
			}
			var op Op
			if err := json.Unmarshal([]byte(payload), &op); err != nil {
				rows.Close()
				return err
			}
			if !op.Rebind(folder, m) {
				continue
			}
			b, err := json.Marshal(op)
			if err != nil {
				rows.Close()
				return err
			}
			ups = append(ups, update{id, b})
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, u := range ups {
			if _, err := tx.ExecContext(ctx, `UPDATE pending_ops SET payload=? WHERE id=?`, string(u.payload), u.id); err != nil {
				return err
			}
		}
		return nil
	})
}
