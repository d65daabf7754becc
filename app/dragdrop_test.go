package app

import (
	"context"
	"fmt"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"hongyan/mailcore/account"
)

// Messages dragged from the list onto a folder of the tree move there,
// and the move can be undone; dropped anywhere else they stay.
func TestDragMessagesToFolder(t *testing.T) {
	useEnglish(t)
	h := newHarness(t, 5, "", true)
	inbox, mv := h.openInbox(5)
	ctx := context.Background()
	if err := h.eng.CreateFolder(ctx, h.acct.ID, "Keep"); err != nil {
		t.Fatal(err)
	}
	keepID, keep := h.treeFolder(mv, "Keep")
	drv := fyne.CurrentApp().Driver()
	center := func(o fyne.CanvasObject) fyne.Position {
		return drv.AbsolutePositionForObject(o).Add(fyne.NewPos(o.Size().Width/2, o.Size().Height/2))
	}
	folderOf := func(id int64) int64 {
		m, err := h.eng.Store().Message(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return m.FolderID
	}

	// A folder is a target for messages of its own account only (or of
	// several, each then moving to its own account's folder).
	for acct, want := range map[string]bool{h.acct.ID: true, "": true, "another-account": false} {
		if _, ok := mv.dropTarget(keep, acct); ok != want {
			t.Errorf("Keep as a target for messages of %q: %v, want %v", acct, ok, want)
		}
	}

	// Two selected messages dragged by one of them: both move.
	h.click(1, 0)
	h.click(2, fyne.KeyModifierShift)
	ids := mv.list.selectedIDs()
	row := h.row(2)
	row.Dragged(dragTo(center(row)))
	row.Dragged(dragTo(keep))
	if mv.drag == nil || mv.drag.label.Text != "Move 2 messages to Keep" {
		t.Fatalf("while dragging over Keep the label says %+v", mv.drag)
	}
	marked := 0
	for n, uid := range mv.treeNodes {
		if n.IsDropTarget() {
			marked++
			if mv.tm.nodes[uid].folder.ID != keepID {
				t.Fatalf("%q is marked as the drop target", mv.tm.nodes[uid].label())
			}
		}
	}
	if marked == 0 {
		t.Fatal("no folder is marked as the drop target")
	}
	row.DragEnd()
	for n := range mv.treeNodes {
		if n.IsDropTarget() {
			t.Fatal("a folder stays marked after the drop")
		}
	}
	h.ui.waitFor(t, "both messages in Keep", func() bool { return folderOf(ids[0]) == keepID && folderOf(ids[1]) == keepID })
	h.ui.waitFor(t, "the offer to undo", func() bool { return mv.undo.label.Text == "2 messages moved to Keep." })
	test.Tap(mv.undo.button)
	h.ui.waitFor(t, "both back", func() bool { return folderOf(ids[0]) == inbox && folderOf(ids[1]) == inbox })

	// Dropped on the message list: nothing moves.
	h.ui.waitFor(t, "the list of five", func() bool { return mv.list.total == 5 })
	row = h.row(0)
	first, _ := mv.list.row(0)
	row.Dragged(dragTo(center(row)))
	if mv.drag.label.Text != "Move 1 message" {
		t.Fatalf("over the list the label says %q", mv.drag.label.Text)
	}
	row.DragEnd()
	h.ui.pump()
	if mv.drag != nil || folderOf(first.ID) != inbox {
		t.Fatal("a drop outside the folders moved the message")
	}
}

// dragTo is a drag event with the pointer at p.
func dragTo(p fyne.Position) *fyne.DragEvent {
	return &fyne.DragEvent{PointEvent: fyne.PointEvent{AbsolutePosition: p}, Dragged: fyne.NewDelta(4, 4)}
}

// treeFolder waits for the folder named name in mv's tree and returns its
// id and the middle of the node the tree draws for it.
func (h *harness) treeFolder(mv *mailView, name string) (int64, fyne.Position) {
	h.t.Helper()
	mv.reloadTree()
	var id int64
	uid := ""
	h.ui.waitFor(h.t, "the "+name+" folder", func() bool {
		for u, n := range mv.tm.nodes {
			if n.folder.Name == name {
				id, uid = n.folder.ID, u
				return true
			}
		}
		return false
	})
	drv := fyne.CurrentApp().Driver()
	var at fyne.Position
	h.ui.waitFor(h.t, "the "+name+" folder drawn in the tree", func() bool {
		for n, u := range mv.treeNodes {
			if u != uid {
				continue
			}
			p := drv.AbsolutePositionForObject(n).Add(fyne.NewPos(n.Size().Width/2, n.Size().Height/2))
			if inside(p, drv.AbsolutePositionForObject(mv.tree), mv.tree.Size()) {
				at = p
				return true
			}
		}
		return false
	})
	return id, at
}

// A conversation dragged onto a folder moves all its messages there.
func TestDragConversationToFolder(t *testing.T) {
	useEnglish(t)
	h := newMailHarness(t, threadMails, account.ProtocolPOP3)
	h.waitInbox(len(threadMails))
	mv := h.mw.mv
	ctx := context.Background()
	if err := h.eng.CreateFolder(ctx, h.acct.ID, "Keep"); err != nil {
		t.Fatal(err)
	}
	keepID, keep := h.treeFolder(mv, "Keep")
	h.viewMenuItem(T("menu.conversations")).Action()
	h.ui.waitFor(t, "three conversations", func() bool { return len(mv.conv.rows) == 3 && len(h.threadRows()) == 3 })
	row := h.threadRows()[0]
	n := mv.conv.rows[0].Count
	row.Dragged(dragTo(keep))
	if want := fmt.Sprintf("Move %d messages to Keep", n); mv.drag == nil || mv.drag.label.Text != want {
		t.Fatalf("dragging the conversation of %d says %+v, want %q", n, mv.drag, want)
	}
	row.DragEnd()
	h.ui.waitFor(t, "the conversation in Keep", func() bool {
		total, _, _ := h.eng.Store().Counts(ctx, keepID)
		return total == n && len(mv.conv.rows) == 2
	})
	h.ui.waitFor(t, "the offer to undo", func() bool { return mv.undo.label.Text == fmt.Sprintf("%d messages moved to Keep.", n) })
}
