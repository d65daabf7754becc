package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
)

// A cache whose messages table has the older definition (ascending UID
// constraint, and here its columns in another order) is rebuilt on open:
// rows keep their ids, bodies and the search index stay linked, and the
// table's indexes, triggers and foreign keys work again.
func TestOpenRebuildsOlderMessagesTable(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cache.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	fid, err := s.UpsertFolder(ctx, Folder{Account: "a", Name: "INBOX", Role: RoleInbox})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.PutSummaries(ctx, fid, syncLikeBatch(30, 30)); err != nil {
		t.Fatal(err)
	}
	m, err := s.MessageByUID(ctx, fid, 7)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetBody(ctx, m.ID, []byte("Subject: x\r\n\r\nhello"), "hello"); err != nil {
		t.Fatal(err)
	}
	if err := s.IndexAllPending(ctx); err != nil {
		t.Fatal(err)
	}
	s.Close()

	// Turn the table back into the older definition, as a cache written
	// by an earlier version has it.
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(0)&_pragma=legacy_alter_table(1)")
	if err != nil {
		t.Fatal(err)
	}
	old := strings.Replace(messagesTable, "UNIQUE(folder_id, uid DESC)", "UNIQUE(folder_id, uid)", 1)
	old = strings.Replace(old, "\tpending         INTEGER NOT NULL DEFAULT 0,\n", "", 1)
	old = strings.Replace(old, "(\n", "(\n\tpending INTEGER NOT NULL DEFAULT 0,\n", 1)
	for _, q := range []string{
		`CREATE TABLE messages_old ` + old,
		`INSERT INTO messages_old(` + summaryCols + `) SELECT ` + summaryCols + ` FROM messages`,
		`DROP TABLE messages`,
		`ALTER TABLE messages_old RENAME TO messages`,
	} {
		if _, err := db.Exec(q); err != nil {
			db.Close()
			t.Fatalf("%s: %v", q, err)
		}
	}
	var def string
	if err := db.QueryRow(`SELECT sql FROM sqlite_master WHERE name = 'messages'`).Scan(&def); err != nil || strings.Contains(def, "uid DESC") {
		t.Fatalf("older table not set up: %v %s", err, def)
	}
	db.Close()

	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.db.QueryRow(`SELECT sql FROM sqlite_master WHERE name = 'messages'`).Scan(&def); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(def, "UNIQUE(folder_id, uid DESC)") {
		t.Fatalf("table not rebuilt: %s", def)
	}
	for _, name := range []string{"messages_by_date_flags", "messages_threaded", "search_forget_msg", "search_queue_msg_upd"} {
		var n int
		if err := s.db.QueryRow(`SELECT count(*) FROM sqlite_master WHERE name = ? AND tbl_name = 'messages'`, name).Scan(&n); err != nil || n != 1 {
			t.Errorf("%s on messages: %d, %v", name, n, err)
		}
	}
	total, _, err := s.Counts(ctx, fid)
	if err != nil || total != 30 {
		t.Fatalf("counts after rebuild: %d, %v", total, err)
	}
	again, err := s.MessageByUID(ctx, fid, 7)
	if err != nil || again.ID != m.ID || again.Subject != m.Subject || again.Preview != "hello" || again.Pending {
		t.Fatalf("message after rebuild: %+v, %v", again, err)
	}
	if raw, err := s.Body(ctx, m.ID); err != nil || !strings.Contains(string(raw), "hello") {
		t.Fatalf("body after rebuild: %q, %v", raw, err)
	}
	if found, err := s.FindByMessageID(ctx, "a", m.MessageID); err != nil || len(found) != 1 || found[0].ID != m.ID {
		t.Fatalf("Message-ID lookup after rebuild: %v, %v", found, err)
	}
	// The foreign key from bodies works again: deleting the message
	// deletes its body, and the search trigger forgets it.
	if err := s.DeleteMessage(ctx, m.ID); err != nil {
		t.Fatal(err)
	}
	var bodies, lookups int
	s.db.QueryRow(`SELECT count(*) FROM bodies WHERE message = ?`, m.ID).Scan(&bodies)
	s.db.QueryRow(`SELECT count(*) FROM msgid_lookup WHERE id = ?`, m.ID).Scan(&lookups)
	if bodies != 0 || lookups != 0 {
		t.Fatalf("after delete: %d bodies, %d lookups", bodies, lookups)
	}
	// The upsert still finds the rebuilt UID constraint.
	if err := s.PutSummaries(ctx, fid, syncLikeBatch(30, 2)); err != nil {
		t.Fatal(err)
	}
	if total, _, _ := s.Counts(ctx, fid); total != 29 {
		t.Fatalf("after upsert of two cached UIDs: %d rows", total)
	}
}
