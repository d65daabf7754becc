package store

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"hongyan/mailcore/mailerr"
)

// reopenTest opens the store at path again (the caller closed it), closed
// at the end of the test.
func reopenTest(t testing.TB, path string) *Store {
	t.Helper()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func openTest(t testing.TB) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "cache.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestFoldersSortedAndRenamed(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	for _, f := range []Folder{
		{Account: "a", Name: "Work", Delim: "/"},
		{Account: "a", Name: "Work/2024", Delim: "/"},
		{Account: "a", Name: "已发送", Delim: "/", Role: RoleSent},
		{Account: "a", Name: "INBOX", Delim: "/", Role: RoleInbox},
		{Account: "b", Name: "INBOX", Delim: "/", Role: RoleInbox},
	} {
		if _, err := s.UpsertFolder(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	fs, err := s.Folders(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range fs {
		names = append(names, f.Name)
	}
	if fmt.Sprint(names) != "[INBOX 已发送 Work Work/2024]" {
		t.Fatalf("order %v", names)
	}
	work, _ := s.FolderByName(ctx, "a", "Work")
	if err := s.RenameFolder(ctx, work.ID, "Jobs"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.FolderByName(ctx, "a", "Jobs/2024"); err != nil {
		t.Fatalf("child not renamed: %v", err)
	}
	sent, err := s.FolderByRole(ctx, "a", RoleSent)
	if err != nil || sent.DisplayName() != "已发送" {
		t.Fatalf("role lookup: %v %v", sent, err)
	}
	if _, err := s.FolderByName(ctx, "a", "nope"); err != ErrNotFound {
		t.Fatalf("want ErrNotFound, got %v", err)
	}
}

func fill(t testing.TB, s *Store, folder int64, n int) {
	t.Helper()
	base := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	batch := make([]Summary, 0, 1000)
	for i := 1; i <= n; i++ {
		batch = append(batch, Summary{
			UID: uint32(i), Flags: Flags(i % 2), Date: base.Add(time.Duration(i) * time.Minute),
			Size: int64(1000 + i), Subject: fmt.Sprintf("message %d", i),
			From: Address{Name: fmt.Sprintf("Sender %d", i%7), Addr: "s@example.org"},
			To:   []Address{{Addr: "me@example.org"}}, MessageID: fmt.Sprintf("<%d@x>", i),
		})
		if len(batch) == cap(batch) {
			if err := s.PutSummaries(context.Background(), folder, batch); err != nil {
				t.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	if err := s.PutSummaries(context.Background(), folder, batch); err != nil {
		t.Fatal(err)
	}
}

func TestSummariesPagesFlagsAndExpunge(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	fid, _ := s.UpsertFolder(ctx, Folder{Account: "a", Name: "INBOX", Role: RoleInbox})
	fill(t, s, fid, 2500)
	total, unread, err := s.Counts(ctx, fid)
	if err != nil || total != 2500 || unread != 1250 {
		t.Fatalf("counts %d %d %v", total, unread, err)
	}
	page, err := s.Page(ctx, fid, ByDateDesc, 0, 50)
	if err != nil || len(page) != 50 || page[0].UID != 2500 || page[49].UID != 2451 {
		t.Fatalf("first page wrong: %d rows, %v", len(page), err)
	}
	if page[0].To[0].Addr != "me@example.org" || page[0].From.Name != "Sender 1" {
		t.Fatalf("fields lost: %+v", page[0])
	}
	// Re-putting the same UID updates in place, no duplicate.
	if err := s.PutSummaries(ctx, fid, []Summary{{UID: 2500, Subject: "changed", Flags: Seen | Flagged}}); err != nil {
		t.Fatal(err)
	}
	m, _ := s.MessageByUID(ctx, fid, 2500)
	if m.Subject != "changed" || m.Flags != Seen|Flagged || m.ID != page[0].ID {
		t.Fatalf("upsert wrong: %+v", m)
	}
	// Pending local change survives a server flag update until confirmed.
	if err := s.SetFlagsLocal(ctx, m.ID, 0, Flagged, true); err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateFlags(ctx, fid, []FlagUpdate{{UID: 2500, Flags: Seen | Flagged, ModSeq: 9}}); err != nil {
		t.Fatal(err)
	}
	m, _ = s.MessageByUID(ctx, fid, 2500)
	if m.Flags != Seen || !m.Pending {
		t.Fatalf("pending change overwritten: %+v", m)
	}
	if err := s.DeleteUIDs(ctx, fid, []uint32{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	uids, _ := s.UIDs(ctx, fid)
	if len(uids) != 2497 || uids[0] != 4 {
		t.Fatalf("expunge: %d uids, first %d", len(uids), uids[0])
	}
	// UIDVALIDITY change forgets everything of that folder only.
	other, _ := s.UpsertFolder(ctx, Folder{Account: "a", Name: "Other"})
	fill(t, s, other, 10)
	if err := s.ResetFolder(ctx, fid, 77); err != nil {
		t.Fatal(err)
	}
	total, _, _ = s.Counts(ctx, fid)
	ot, _, _ := s.Counts(ctx, other)
	f, _ := s.Folder(ctx, fid)
	if total != 0 || ot != 10 || f.UIDValidity != 77 || f.SyncedFrom != 0 {
		t.Fatalf("reset wrong: %d %d %+v", total, ot, f)
	}
}

func TestBodiesLocalAndOps(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "c.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	inbox, _ := s.UpsertFolder(ctx, Folder{Account: "p", Name: "Inbox", Role: RoleInbox, Local: true})
	trash, _ := s.UpsertFolder(ctx, Folder{Account: "p", Name: "Trash", Role: RoleTrash, Local: true})
	raw := []byte("Subject: hi\r\n\r\nbody\r\n")
	id, uid, err := s.AddLocal(ctx, inbox, Summary{Subject: "hi", Size: int64(len(raw))}, raw)
	if err != nil || uid != 1 {
		t.Fatal(err, uid)
	}
	_, uid2, _ := s.AddLocal(ctx, inbox, Summary{Subject: "two"}, nil)
	if uid2 != 2 {
		t.Fatalf("uid %d", uid2)
	}
	if _, err := s.AddOp(ctx, "p", Op{Kind: "flags", Folder: "INBOX", UIDs: []uint32{5}, Set: Seen}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddOp(ctx, "p", Op{Kind: "move", Folder: "INBOX", UIDs: []uint32{6}, Target: "Trash"}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	// Everything survives a reopen.
	s = reopenTest(t, path)
	got, err := s.Body(ctx, id)
	if err != nil || string(got) != string(raw) {
		t.Fatalf("body %q %v", got, err)
	}
	ops, err := s.Ops(ctx, "p")
	if err != nil || len(ops) != 2 || ops[0].Kind != "flags" || ops[1].Target != "Trash" || ops[0].Set != Seen {
		t.Fatalf("ops %+v %v", ops, err)
	}
	if err := s.DoneOp(ctx, ops[0].ID); err != nil {
		t.Fatal(err)
	}
	if ops, _ = s.Ops(ctx, "p"); len(ops) != 1 {
		t.Fatalf("op not removed: %d", len(ops))
	}
	newUID, err := s.MoveLocal(ctx, id, trash)
	if err != nil || newUID != 1 {
		t.Fatal(err, newUID)
	}
	if tot, _, _ := s.Counts(ctx, inbox); tot != 1 {
		t.Fatalf("inbox count %d", tot)
	}
	if _, err := s.Body(ctx, id); err != nil {
		t.Fatalf("body lost in move: %v", err)
	}
	if err := s.DeleteAccount(ctx, "p"); err != nil {
		t.Fatal(err)
	}
	if fs, _ := s.Folders(ctx, "p"); len(fs) != 0 {
		t.Fatalf("folders left: %v", fs)
	}
	if _, err := s.Body(ctx, id); err != ErrNotFound {
		t.Fatalf("body left after account removal: %v", err)
	}
}

func BenchmarkFirstPage(b *testing.B) {
	ctx := context.Background()
	s := openTest(b)
	fid, _ := s.UpsertFolder(ctx, Folder{Account: "a", Name: "INBOX"})
	fill(b, s, fid, 100000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.Page(ctx, fid, ByDateDesc, 0, 50); err != nil {
			b.Fatal(err)
		}
	}
}

// A caller that gave up gets Canceled or Timeout, not a storage failure.
func TestCancelledCallsAreNotStorageErrors(t *testing.T) {
	s := openTest(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.POP3Entries(ctx, "p"); !mailerr.Is(err, mailerr.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
	dctx, dcancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer dcancel()
	if _, err := s.POP3Entries(dctx, "p"); !mailerr.Is(err, mailerr.Timeout) {
		t.Fatalf("past deadline: %v", err)
	}
}

// A folder list is stored in one go: the same ids as folder by folder, and
// counts only where the server gave them. A sync's total replaces the
// total only.
func TestUpsertFolders(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	inbox, _ := s.UpsertFolder(ctx, Folder{Account: "a", Name: "INBOX", Role: RoleInbox})
	if _, err := s.UpsertFolders(ctx, []ListedFolder{
		{Folder: Folder{Account: "a", Name: "INBOX", Role: RoleInbox, ServerTotal: 7, ServerUnseen: 4}, Counted: true},
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetServerTotal(ctx, inbox, 9); err != nil {
		t.Fatal(err)
	}
	ids, err := s.UpsertFolders(ctx, []ListedFolder{
		{Folder: Folder{Account: "a", Name: "INBOX", Role: RoleInbox, Selectable: true}},
		{Folder: Folder{Account: "a", Name: "Sent", Role: RoleSent, Selectable: true, ServerTotal: 12, ServerUnseen: 1}, Counted: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 2 || ids[0] != inbox {
		t.Fatalf("ids %v, want INBOX's %d first", ids, inbox)
	}
	f, _ := s.Folder(ctx, inbox)
	if !f.Selectable || f.ServerTotal != 9 || f.ServerUnseen != 4 {
		t.Fatalf("INBOX after the list: %+v (counts not given must stay)", f)
	}
	sent, _ := s.Folder(ctx, ids[1])
	if sent.Name != "Sent" || sent.ServerTotal != 12 || sent.ServerUnseen != 1 {
		t.Fatalf("Sent after the list: %+v", sent)
	}
}
