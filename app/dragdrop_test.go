package app

import (
	"context"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
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
	mv.reloadTree()
	var keepID int64
	keepUID := ""
	h.ui.waitFor(t, "the Keep folder", func() bool {
		for uid, n := range mv.tm.nodes {
			if n.folder.Name == "Keep" {
				keepID, keepUID = n.folder.ID, uid
				return true
			}
		}
		return false
	})
	drv := fyne.CurrentApp().Driver()
	center := func(o fyne.CanvasObject) fyne.Position {
		return drv.AbsolutePositionForObject(o).Add(fyne.NewPos(o.Size().Width/2, o.Size().Height/2))
	}
	// The node the tree draws for Keep, where the tree draws it.
	var keep fyne.Position
	h.ui.waitFor(t, "the Keep folder drawn in the tree", func() bool {
		for n, uid := range mv.treeNodes {
			if uid == keepUID {
				if p := center(n); inside(p, drv.AbsolutePositionForObject(mv.tree), mv.tree.Size()) {
					keep = p
					return true
				}
			}
		}
		return false
	})
	at := func(p fyne.Position) *fyne.DragEvent {
		return &fyne.DragEvent{PointEvent: fyne.PointEvent{AbsolutePosition: p}, Dragged: fyne.NewDelta(4, 4)}
	}
	folderOf := func(id int64) int64 {
		m, err := h.eng.Store().Message(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return m.FolderID
	}

	// Two selected messages dragged by one of them: both move.
	h.click(1, 0)
	h.click(2, fyne.KeyModifierShift)
	ids := mv.list.selectedIDs()
	row := h.row(2)
	row.Dragged(at(center(row)))
	row.Dragged(at(keep))
	if mv.drag == nil || mv.drag.label.Text != "Move 2 messages to Keep" {
		t.Fatalf("while dragging over Keep the label says %+v", mv.drag)
	}
	row.DragEnd()
	h.ui.waitFor(t, "both messages in Keep", func() bool { return folderOf(ids[0]) == keepID && folderOf(ids[1]) == keepID })
	h.ui.waitFor(t, "the offer to undo", func() bool { return mv.undo.label.Text == "2 messages moved to Keep." })
	test.Tap(mv.undo.button)
	h.ui.waitFor(t, "both back", func() bool { return folderOf(ids[0]) == inbox && folderOf(ids[1]) == inbox })

	// Dropped on the message list: nothing moves.
	h.ui.waitFor(t, "the list of five", func() bool { return mv.list.total == 5 })
	row = h.row(0)
	first, _ := mv.list.row(0)
	row.Dragged(at(center(row)))
	if mv.drag.label.Text != "Move 1 message" {
		t.Fatalf("over the list the label says %q", mv.drag.label.Text)
	}
	row.DragEnd()
	h.ui.pump()
	if mv.drag != nil || folderOf(first.ID) != inbox {
		t.Fatal("a drop outside the folders moved the message")
	}
}
