package store

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
)

func threadOf(t *testing.T, s *Store, fid int64, uid uint32) int64 {
	t.Helper()
	m, err := s.MessageByUID(context.Background(), fid, uid)
	if err != nil {
		t.Fatal(err)
	}
	return m.ThreadID
}

// SQLite gives a new row the id after the highest one in use, so when the
// newest message is deleted its id comes back. A message stored under such
// an id is still indexed for search and threaded: the writers lower the
// marks below it.
func TestReusedIDIsIndexedAndThreaded(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	fid, _ := s.UpsertFolder(ctx, Folder{Account: "a", Name: "INBOX", Role: RoleInbox})
	if err := s.PutSummaries(ctx, fid, syncLikeBatch(3, 3)); err != nil {
		t.Fatal(err)
	}
	if err := s.IndexAllPending(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ThreadNew(ctx); err != nil {
		t.Fatal(err)
	}
	// The batch is newest first, so UID 1 has the highest id.
	gone, _ := s.MessageByUID(ctx, fid, 1)
	if err := s.DeleteUIDs(ctx, fid, []uint32{1}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutSummaries(ctx, fid, []Summary{{UID: 9, Subject: "Zebra crossing minutes", MessageID: "z@x"}}); err != nil {
		t.Fatal(err)
	}
	fresh, _ := s.MessageByUID(ctx, fid, 9)
	if fresh.ID != gone.ID {
		t.Fatalf("new row got id %d, not the deleted %d: this test no longer covers id reuse", fresh.ID, gone.ID)
	}
	if n, err := s.PendingIndex(ctx); err != nil || n != 1 {
		t.Fatalf("%d rows waiting for the index (%v), want 1", n, err)
	}
	if got := ftsIDs(t, s, "search_hdr", `"Zebra"`); !slices.Equal(got, []int64{fresh.ID}) {
		t.Fatalf("search for the new message: %v, want [%d]", got, fresh.ID)
	}
	if n, err := s.ThreadNew(ctx); err != nil || n != 1 {
		t.Fatalf("ThreadNew threaded %d (%v), want 1", n, err)
	}
	if threadOf(t, s, fid, 9) == 0 {
		t.Fatal("the new message was not threaded")
	}
	if n, _ := s.ThreadNew(ctx); n != 0 {
		t.Fatalf("a second ThreadNew threaded %d again", n)
	}
}

// A cache written before the marks existed had its waiting rows in
// search_dirty and its unthreaded ones at thread_id 0 anywhere: opening it
// starts the marks so that none of them is skipped.
func TestMarksStartedForOldCache(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cache.db")
	s, fid := indexedStore(t, path, 100)
	if _, err := s.ThreadNew(ctx); err != nil {
		t.Fatal(err)
	}
	// As an old cache would be: two rows queued, rows 40..60 unthreaded,
	// no marks.
	for _, q := range []string{
		`DELETE FROM marks`,
		`INSERT INTO search_dirty(id) SELECT id FROM messages WHERE uid IN (10, 90)`,
		`UPDATE messages SET thread_id = 0 WHERE uid BETWEEN 40 AND 60`,
	} {
		if _, err := s.db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()

	s = reopenTest(t, path)
	if n, err := s.PendingIndex(ctx); err != nil || n != 2 {
		t.Fatalf("%d rows waiting for the index (%v), want the 2 queued", n, err)
	}
	if n, err := s.ThreadNew(ctx); err != nil || n != 21 {
		t.Fatalf("ThreadNew threaded %d (%v), want the 21 unthreaded", n, err)
	}
	for uid := uint32(40); uid <= 60; uid++ {
		if threadOf(t, s, fid, uid) == 0 {
			t.Fatalf("uid %d left unthreaded", uid)
		}
	}
}

// Counts reads total and unread from one index; it follows flag changes.
func TestCountsFollowFlags(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	fid, _ := s.UpsertFolder(ctx, Folder{Account: "a", Name: "INBOX", Role: RoleInbox})
	other, _ := s.UpsertFolder(ctx, Folder{Account: "a", Name: "Other"})
	batch := syncLikeBatch(30, 30)
	unread := 0
	for _, m := range batch {
		if m.Flags&Seen == 0 {
			unread++
		}
	}
	if err := s.PutSummaries(ctx, fid, batch); err != nil {
		t.Fatal(err)
	}
	if err := s.PutSummaries(ctx, other, syncLikeBatch(5, 5)); err != nil {
		t.Fatal(err)
	}
	check := func(total, unread int) {
		t.Helper()
		if n, u, err := s.Counts(ctx, fid); err != nil || n != total || u != unread {
			t.Fatalf("counts %d/%d (%v), want %d/%d", n, u, err, total, unread)
		}
	}
	check(30, unread)
	// UID 1 is read, 2 and 3 are not: one read, one marked unread, one
	// flagged and left unread.
	if err := s.UpdateFlags(ctx, fid, []FlagUpdate{{UID: 1, Flags: 0}, {UID: 2, Flags: Seen}, {UID: 3, Flags: Flagged}}); err != nil {
		t.Fatal(err)
	}
	check(30, unread)
	if err := s.UpdateFlags(ctx, fid, []FlagUpdate{{UID: 5, Flags: Seen}}); err != nil {
		t.Fatal(err)
	}
	check(30, unread-1)
	if n, u, err := s.Counts(ctx, 999); err != nil || n != 0 || u != 0 {
		t.Fatalf("counts of an empty folder %d/%d (%v)", n, u, err)
	}
}
