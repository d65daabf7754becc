package store

import (
	"context"
	"database/sql"
	"strings"
)

func init() {
	registerSchema(10, "folders", `
CREATE TABLE IF NOT EXISTS folders (
	id            INTEGER PRIMARY KEY,
	account       TEXT    NOT NULL,
	name          TEXT    NOT NULL,          -- the server's name (UTF-8)
	delim         TEXT    NOT NULL DEFAULT '/',
	role          TEXT    NOT NULL DEFAULT '',
	subscribed    INTEGER NOT NULL DEFAULT 1,
	selectable    INTEGER NOT NULL DEFAULT 1,
	local         INTEGER NOT NULL DEFAULT 0, -- exists only here (POP3 accounts)
	uidvalidity   INTEGER NOT NULL DEFAULT 0,
	uidnext       INTEGER NOT NULL DEFAULT 0,
	highestmodseq INTEGER NOT NULL DEFAULT 0,
	-- newest-first sync: every UID >= synced_from (and < uidnext at that
	-- time) is in the cache; 0 means nothing synced yet.
	synced_from   INTEGER NOT NULL DEFAULT 0,
	server_total  INTEGER NOT NULL DEFAULT 0,
	server_unseen INTEGER NOT NULL DEFAULT 0,
	UNIQUE(account, name)
);`)
}

// Role names of special folders (RFC 6154 SPECIAL-USE, lower case).
const (
	RoleInbox   = "inbox"
	RoleDrafts  = "drafts"
	RoleSent    = "sent"
	RoleTrash   = "trash"
	RoleJunk    = "junk"
	RoleArchive = "archive"
)

// RoleOrder ranks special folders for display; user folders come after.
func RoleOrder(role string) int {
	switch role {
	case RoleInbox:
		return 0
	case RoleDrafts:
		return 1
	case RoleSent:
		return 2
	case RoleArchive:
		return 3
	case RoleJunk:
		return 4
	case RoleTrash:
		return 5
	}
	return 10
}

// Folder is one mailbox of an account.
type Folder struct {
	ID            int64
	Account       string
	Name          string
	Delim         string
	Role          string
	Subscribed    bool
	Selectable    bool
	Local         bool
	UIDValidity   uint32
	UIDNext       uint32
	HighestModSeq uint64
	SyncedFrom    uint32
	// ServerTotal and ServerUnseen are the server's counts as last
	// reported: both by STATUS when folders are listed, the total also by
	// the SELECT of each sync. A synced folder's unread count is the
	// cache's (Counts).
	ServerTotal  int
	ServerUnseen int
}

// DisplayName is the last component of the folder's name.
func (f Folder) DisplayName() string {
	if f.Delim != "" {
		if i := strings.LastIndex(f.Name, f.Delim); i >= 0 {
			return f.Name[i+len(f.Delim):]
		}
	}
	return f.Name
}

const folderCols = `id, account, name, delim, role, subscribed, selectable, local,
	uidvalidity, uidnext, highestmodseq, synced_from, server_total, server_unseen`

func scanFolder(r interface{ Scan(...any) error }) (Folder, error) {
	var f Folder
	var sub, sel, loc int
	err := r.Scan(&f.ID, &f.Account, &f.Name, &f.Delim, &f.Role, &sub, &sel, &loc,
		&f.UIDValidity, &f.UIDNext, &f.HighestModSeq, &f.SyncedFrom, &f.ServerTotal, &f.ServerUnseen)
	f.Subscribed, f.Selectable, f.Local = sub != 0, sel != 0, loc != 0
	return f, err
}

// UpsertFolder creates the folder or updates its listing attributes (name,
// delimiter, role, subscription), keeping its sync state. It returns the id.
func (s *Store) UpsertFolder(ctx context.Context, f Folder) (int64, error) {
	var id int64
	err := s.tx(ctx, "upsert folder", func(tx *sql.Tx) error {
		var err error
		id, err = upsertFolder(ctx, tx, f)
		return err
	})
	return id, err
}

func upsertFolder(ctx context.Context, tx *sql.Tx, f Folder) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `
INSERT INTO folders(account, name, delim, role, subscribed, selectable, local)
VALUES(?,?,?,?,?,?,?)
ON CONFLICT(account, name) DO UPDATE SET delim=excluded.delim, role=excluded.role,
	subscribed=excluded.subscribed, selectable=excluded.selectable, local=excluded.local
RETURNING id`, f.Account, f.Name, f.Delim, f.Role, boolInt(f.Subscribed), boolInt(f.Selectable), boolInt(f.Local)).Scan(&id)
	return id, err
}

// ListedFolder is one folder of a server's folder list; with Counted, its
// ServerTotal and ServerUnseen are the server's STATUS counts.
type ListedFolder struct {
	Folder
	Counted bool
}

// UpsertFolders stores a folder list as UpsertFolder would, with the
// STATUS counts where given, in one transaction (one disk sync instead
// of two per folder), and returns the folders' ids in order.
func (s *Store) UpsertFolders(ctx context.Context, fs []ListedFolder) ([]int64, error) {
	ids := make([]int64, len(fs))
	err := s.tx(ctx, "upsert folders", func(tx *sql.Tx) error {
		for i, f := range fs {
			id, err := upsertFolder(ctx, tx, f.Folder)
			if err != nil {
				return err
			}
			ids[i] = id
			if f.Counted {
				if err := setServerCounts(ctx, tx, id, f.ServerTotal, f.ServerUnseen); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ids, nil
}

// Folders lists an account's folders, special folders first, then by name.
func (s *Store) Folders(ctx context.Context, account string) ([]Folder, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+folderCols+` FROM folders WHERE account=? ORDER BY name`, account)
	if err != nil {
		return nil, storageErr("folders", err)
	}
	defer rows.Close()
	var out []Folder
	for rows.Next() {
		f, err := scanFolder(rows)
		if err != nil {
			return nil, storageErr("folders", err)
		}
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, storageErr("folders", err)
	}
	sortFolders(out)
	return out, nil
}

func sortFolders(fs []Folder) {
	// Insertion sort keeps this dependency-free and folder lists are short.
	less := func(a, b Folder) bool {
		ra, rb := RoleOrder(a.Role), RoleOrder(b.Role)
		if ra != rb {
			return ra < rb
		}
		return strings.ToLower(a.Name) < strings.ToLower(b.Name)
	}
	for i := 1; i < len(fs); i++ {
		for j := i; j > 0 && less(fs[j], fs[j-1]); j-- {
			fs[j], fs[j-1] = fs[j-1], fs[j]
		}
	}
}

// Folder returns one folder by id.
func (s *Store) Folder(ctx context.Context, id int64) (Folder, error) {
	f, err := scanFolder(s.db.QueryRowContext(ctx, `SELECT `+folderCols+` FROM folders WHERE id=?`, id))
	return f, storageErr("folder", err)
}

// FolderByName returns an account's folder by its server name.
func (s *Store) FolderByName(ctx context.Context, account, name string) (Folder, error) {
	f, err := scanFolder(s.db.QueryRowContext(ctx, `SELECT `+folderCols+` FROM folders WHERE account=? AND name=?`, account, name))
	return f, storageErr("folder", err)
}

// FolderByRole returns an account's special folder (inbox, sent, ...).
func (s *Store) FolderByRole(ctx context.Context, account, role string) (Folder, error) {
	f, err := scanFolder(s.db.QueryRowContext(ctx, `SELECT `+folderCols+` FROM folders WHERE account=? AND role=? ORDER BY id LIMIT 1`, account, role))
	return f, storageErr("folder", err)
}

// SetSyncState records a folder's server state after a sync step.
func (s *Store) SetSyncState(ctx context.Context, id int64, uidValidity, uidNext uint32, highestModSeq uint64, syncedFrom uint32) error {
	return s.tx(ctx, "sync state", func(tx *sql.Tx) error {
		return setSyncState(ctx, tx, id, SyncPoint{uidValidity, uidNext, highestModSeq, syncedFrom})
	})
}

func setSyncState(ctx context.Context, tx *sql.Tx, id int64, p SyncPoint) error {
	_, err := tx.ExecContext(ctx, `UPDATE folders SET uidvalidity=?, uidnext=?, highestmodseq=?, synced_from=? WHERE id=?`,
		p.UIDValidity, p.UIDNext, p.HighestModSeq, p.SyncedFrom, id)
	return err
}

// SetServerTotal records the server's message count of a folder (from a
// SELECT), leaving the unread count of its last STATUS.
func (s *Store) SetServerTotal(ctx context.Context, id int64, total int) error {
	return s.tx(ctx, "server counts", func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE folders SET server_total=? WHERE id=?`, total, id)
		return err
	})
}

func setServerCounts(ctx context.Context, tx *sql.Tx, id int64, total, unseen int) error {
	_, err := tx.ExecContext(ctx, `UPDATE folders SET server_total=?, server_unseen=? WHERE id=?`, total, unseen, id)
	return err
}

// ResetFolder forgets every cached message of a folder and its sync state
// (the server changed UIDVALIDITY). The server is not touched.
func (s *Store) ResetFolder(ctx context.Context, id int64, uidValidity uint32) error {
	return s.tx(ctx, "reset folder", func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM messages WHERE folder_id=?`, id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE folders SET uidvalidity=?, uidnext=0, highestmodseq=0, synced_from=0 WHERE id=?`, uidValidity, id)
		return err
	})
}

// RenameFolder renames a folder (and its children, whose names start with
// the old name and the delimiter) in the cache.
func (s *Store) RenameFolder(ctx context.Context, id int64, newName string) error {
	return s.tx(ctx, "rename folder", func(tx *sql.Tx) error {
		var account, old, delim string
		if err := tx.QueryRowContext(ctx, `SELECT account, name, delim FROM folders WHERE id=?`, id).Scan(&account, &old, &delim); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE folders SET name=? WHERE id=?`, newName, id); err != nil {
			return err
		}
		if delim == "" {
			return nil
		}
		prefix := old + delim
		_, err := tx.ExecContext(ctx, `UPDATE folders SET name=? || substr(name, ?) WHERE account=? AND substr(name, 1, ?)=?`,
			newName+delim, len(prefix)+1, account, len(prefix), prefix)
		return err
	})
}

// DeleteFolder removes a folder and its cached messages.
func (s *Store) DeleteFolder(ctx context.Context, id int64) error {
	return s.tx(ctx, "delete folder", func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM messages WHERE folder_id=?`, id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM folders WHERE id=?`, id)
		return err
	})
}

// DeleteAccount removes every folder and message of an account.
func (s *Store) DeleteAccount(ctx context.Context, account string) error {
	return s.tx(ctx, "delete account", func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM messages WHERE folder_id IN (SELECT id FROM folders WHERE account=?)`, account); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM folders WHERE account=?`, account)
		return err
	})
}
