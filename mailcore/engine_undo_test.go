package mailcore

import (
	"context"
	"testing"

	"hongyan/internal/mailtest"
	"hongyan/mailcore/store"
)

// A delete to Trash and a move to Junk (with its junk mark) are undone on
// the server too; a delete from Trash, for good, offers nothing to undo.
func TestUndoMoveAndDelete(t *testing.T) {
	ctx := context.Background()
	st := mailtest.Shared(t)
	u := st.AddUser(t)
	if err := st.Seed(u, "INBOX", mailtest.GenerateMessages(6, 3)); err != nil {
		t.Fatal(err)
	}
	e, a := startIMAPAccount(t, st, u, &recorder{})
	inbox := waitInbox(t, e, a.ID, 6)
	page, _ := e.Store().Page(ctx, inbox.ID, store.ByDateDesc, 0, 6)
	one, two := page[0].ID, page[1].ID

	del, err := e.Remember(ctx, []int64{one, two})
	if err != nil || del.Len() != 2 || del.Except(store.RoleTrash).Len() != 2 {
		t.Fatalf("remember: %d, %v", del.Len(), err)
	}
	if err := e.Delete(ctx, []int64{one, two}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the delete to reach the server", func() bool { return serverCount(t, st, u, "Trash") == 2 })
	if n, err := e.Undo(ctx, del); n != 2 || err != nil {
		t.Fatalf("undo delete: %d, %v", n, err)
	}
	waitFor(t, "the undo to reach the server", func() bool {
		return serverCount(t, st, u, "Trash") == 0 && serverCount(t, st, u, "INBOX") == 6
	})
	for _, id := range []int64{one, two} {
		if m, err := e.Store().Message(ctx, id); err != nil || m.FolderID != inbox.ID {
			t.Fatalf("message %d after undo: folder %d, %v", id, m.FolderID, err)
		}
	}

	junk, _ := e.Remember(ctx, []int64{one})
	if err := e.SetFlags(ctx, []int64{one}, store.Junk, store.NotJunk); err != nil {
		t.Fatal(err)
	}
	if err := e.MoveToRole(ctx, []int64{one}, store.RoleJunk); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the move to Junk", func() bool { return serverCount(t, st, u, "Junk") == 1 })
	if n, err := e.Undo(ctx, junk); n != 1 || err != nil {
		t.Fatalf("undo junk: %d, %v", n, err)
	}
	waitFor(t, "the undo of junk", func() bool { return serverCount(t, st, u, "Junk") == 0 })
	if m, _ := e.Store().Message(ctx, one); m.FolderID != inbox.ID || m.Flags&store.Junk != 0 {
		t.Fatalf("after undo: folder %d, flags %v", m.FolderID, m.Flags)
	}

	// "Mark all as read" is undone on the server too.
	read, err := e.MarkFoldersRead(ctx, inbox.ID)
	if err != nil || read.Len() != 6 {
		t.Fatalf("mark all read: %d, %v", read.Len(), err)
	}
	waitFor(t, "the inbox read on the server", func() bool { return serverUnseen(t, st, u, "INBOX") == 0 })
	if n, err := e.Undo(ctx, read); n != 6 || err != nil {
		t.Fatalf("undo mark read: %d, %v", n, err)
	}
	waitFor(t, "the inbox unread on the server", func() bool { return serverUnseen(t, st, u, "INBOX") == 6 })

	// Deleting from Trash is for good: nothing to undo.
	if err := e.Delete(ctx, []int64{two}); err != nil {
		t.Fatal(err)
	}
	trash, _ := e.Store().FolderByRole(ctx, a.ID, store.RoleTrash)
	inTrash, _ := e.Store().Page(ctx, trash.ID, store.ByDateDesc, 0, 5)
	if len(inTrash) != 1 {
		t.Fatalf("%d in Trash", len(inTrash))
	}
	gone, _ := e.Remember(ctx, []int64{inTrash[0].ID})
	if gone.Except(store.RoleTrash).Len() != 0 {
		t.Fatal("a delete from Trash offered an undo")
	}
	if err := e.Delete(ctx, []int64{inTrash[0].ID}); err != nil {
		t.Fatal(err)
	}
	if n, _ := e.Undo(ctx, gone); n != 0 {
		t.Fatalf("undo brought back %d messages deleted for good", n)
	}
}

// Emptying Junk moves its messages to Trash (undoably); emptying Trash
// deletes them for good on the server; other folders cannot be emptied.
func TestEmptyJunkAndTrash(t *testing.T) {
	ctx := context.Background()
	st := mailtest.Shared(t)
	u := st.AddUser(t)
	if err := st.Seed(u, "INBOX", mailtest.GenerateMessages(5, 7)); err != nil {
		t.Fatal(err)
	}
	e, a := startIMAPAccount(t, st, u, &recorder{})
	inbox := waitInbox(t, e, a.ID, 5)
	page, _ := e.Store().Page(ctx, inbox.ID, store.ByDateDesc, 0, 5)
	ids := []int64{page[0].ID, page[1].ID, page[2].ID}
	if err := e.MoveToRole(ctx, ids, store.RoleJunk); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "three messages in Junk", func() bool { return serverCount(t, st, u, "Junk") == 3 })
	if _, _, err := e.EmptyFolder(ctx, inbox.ID); err == nil {
		t.Fatal("the inbox could be emptied")
	}
	junk, _ := e.Store().FolderByRole(ctx, a.ID, store.RoleJunk)
	trash, _ := e.Store().FolderByRole(ctx, a.ID, store.RoleTrash)

	undo, n, err := e.EmptyFolder(ctx, junk.ID)
	if err != nil || n != 3 || undo.Len() != 3 {
		t.Fatalf("empty Junk: %d taken, undo of %d, %v", n, undo.Len(), err)
	}
	if left, _ := e.Store().MessageIDs(ctx, junk.ID); len(left) != 0 {
		t.Fatalf("%d messages left in Junk's cache", len(left))
	}
	waitFor(t, "Junk emptied into Trash on the server", func() bool {
		return serverCount(t, st, u, "Junk") == 0 && serverCount(t, st, u, "Trash") == 3
	})
	if back, err := e.Undo(ctx, undo); back != 3 || err != nil {
		t.Fatalf("undo empty Junk: %d, %v", back, err)
	}
	waitFor(t, "the messages back in Junk", func() bool {
		return serverCount(t, st, u, "Junk") == 3 && serverCount(t, st, u, "Trash") == 0
	})

	// Two in Trash, emptied for good; the rest is untouched.
	if err := e.Delete(ctx, []int64{page[3].ID, page[4].ID}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "two in Trash", func() bool { return serverCount(t, st, u, "Trash") == 2 })
	undo, n, err = e.EmptyFolder(ctx, trash.ID)
	if err != nil || n != 2 || undo.Len() != 0 {
		t.Fatalf("empty Trash: %d taken, undo of %d, %v", n, undo.Len(), err)
	}
	waitFor(t, "Trash empty on the server", func() bool { return serverCount(t, st, u, "Trash") == 0 })
	if serverCount(t, st, u, "Junk") != 3 || serverCount(t, st, u, "INBOX") != 0 {
		t.Fatal("emptying Trash touched another folder")
	}
	if undo, n, err = e.EmptyFolder(ctx, trash.ID); err != nil || n != 0 {
		t.Fatalf("empty an empty Trash: %d, %v", n, err)
	}
}
