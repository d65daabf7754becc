package store

import "context"

// RealUIDCount is the number of messages of a folder with a server UID
// (placeholders of offline moves and appends left out). The IMAP sync
// compares it with the server's message count before it lists UIDs.
func (s *Store) RealUIDCount(ctx context.Context, folderID int64) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM messages WHERE folder_id=? AND uid < ?`, folderID, PlaceholderUIDBase).Scan(&n)
	return n, storageErr("count uids", err)
}
