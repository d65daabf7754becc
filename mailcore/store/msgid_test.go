package store

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
)

// findIDs returns the store ids FindByMessageID gives, sorted.
func findIDs(t *testing.T, s *Store, account, msgid string) []int64 {
	t.Helper()
	ms, err := s.FindByMessageID(context.Background(), account, msgid)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, m := range ms {
		if m.MessageID != msgid {
			t.Fatalf("asked for %q, got a message with %q", msgid, m.MessageID)
		}
		ids = append(ids, m.ID)
	}
	slices.Sort(ids)
	return ids
}

// A Message-ID is found whether or not the indexer has seen the message,
// follows changes and deletes, and stays within its account.
func TestFindByMessageIDBeforeAndAfterIndexing(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	inbox, _ := s.UpsertFolder(ctx, Folder{Account: "a", Name: "INBOX", Role: RoleInbox})
	sent, _ := s.UpsertFolder(ctx, Folder{Account: "a", Name: "Sent", Role: RoleSent})
	other, _ := s.UpsertFolder(ctx, Folder{Account: "b", Name: "INBOX", Role: RoleInbox})
	put := func(fid int64, uid uint32, msgid string) int64 {
		t.Helper()
		if err := s.PutSummaries(ctx, fid, []Summary{{UID: uid, Subject: "s", MessageID: msgid}}); err != nil {
			t.Fatal(err)
		}
		m, err := s.MessageByUID(ctx, fid, uid)
		if err != nil {
			t.Fatal(err)
		}
		return m.ID
	}
	a1 := put(inbox, 1, "same@x")
	a2 := put(sent, 7, "same@x")
	put(other, 1, "same@x")
	put(inbox, 2, "else@x")
	want := []int64{min(a1, a2), max(a1, a2)}

	if got := findIDs(t, s, "a", "same@x"); !slices.Equal(got, want) {
		t.Fatalf("before indexing: %v, want %v", got, want)
	}
	if err := s.IndexAllPending(ctx); err != nil {
		t.Fatal(err)
	}
	if got := findIDs(t, s, "a", "same@x"); !slices.Equal(got, want) {
		t.Fatalf("after indexing: %v, want %v", got, want)
	}
	if got := findIDs(t, s, "a", "none@x"); len(got) != 0 {
		t.Fatalf("unknown id found %v", got)
	}

	// The server reports another Message-ID for the same UID.
	put(sent, 7, "changed@x")
	if got := findIDs(t, s, "a", "same@x"); !slices.Equal(got, []int64{a1}) {
		t.Fatalf("after a change, old id: %v, want [%d]", got, a1)
	}
	if got := findIDs(t, s, "a", "changed@x"); !slices.Equal(got, []int64{a2}) {
		t.Fatalf("after a change, new id: %v, want [%d]", got, a2)
	}
	if err := s.IndexAllPending(ctx); err != nil {
		t.Fatal(err)
	}
	if got := findIDs(t, s, "a", "changed@x"); !slices.Equal(got, []int64{a2}) {
		t.Fatalf("after a change, indexed: %v, want [%d]", got, a2)
	}
	if got := findIDs(t, s, "a", "same@x"); !slices.Equal(got, []int64{a1}) {
		t.Fatalf("after a change, indexed, old id: %v, want [%d]", got, a1)
	}

	if err := s.DeleteUIDs(ctx, inbox, []uint32{1}); err != nil {
		t.Fatal(err)
	}
	if got := findIDs(t, s, "a", "same@x"); len(got) != 0 {
		t.Fatalf("deleted message still found: %v", got)
	}
	var left int
	if err := s.db.QueryRow(`SELECT count(*) FROM msgid_lookup WHERE id = ?`, a1).Scan(&left); err != nil || left != 0 {
		t.Fatalf("lookup rows of a deleted message: %d (%v)", left, err)
	}
}

// A cache written before msgid_lookup existed (an index on
// messages.message_id instead) gets every Message-ID into the lookup
// table when it is opened.
func TestMsgIDLookupFilledForOldCache(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cache.db")
	s, fid := indexedStore(t, path, 300)
	// Make it look like an old cache: indexed, but no lookup rows.
	for _, q := range []string{`DELETE FROM msgid_lookup`, `DELETE FROM search_meta WHERE k = 'msgid_lookup'`} {
		if _, err := s.db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()

	s = reopenTest(t, path)
	m, err := s.MessageByUID(ctx, fid, 123)
	if err != nil {
		t.Fatal(err)
	}
	if got := findIDs(t, s, "a", m.MessageID); !slices.Equal(got, []int64{m.ID}) {
		t.Fatalf("after reopening an old cache: %v, want [%d]", got, m.ID)
	}
	var n int
	if err := s.db.QueryRow(`SELECT count(*) FROM msgid_lookup`).Scan(&n); err != nil || n != 300 {
		t.Fatalf("%d lookup rows (%v), want 300", n, err)
	}
}

// indexedStore opens a store at path (the caller closes it) with n
// summaries in an INBOX, all of them indexed for search.
func indexedStore(t *testing.T, path string, n int) (*Store, int64) {
	t.Helper()
	ctx := context.Background()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	fid, _ := s.UpsertFolder(ctx, Folder{Account: "a", Name: "INBOX", Role: RoleInbox})
	if err := s.PutSummaries(ctx, fid, syncLikeBatch(n, n)); err != nil {
		t.Fatal(err)
	}
	if err := s.IndexAllPending(ctx); err != nil {
		t.Fatal(err)
	}
	return s, fid
}
