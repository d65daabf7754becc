package app

import (
	"context"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"

	"hongyan/mailcore/store"
)

// "Mark all as read" on a folder's menu, and on the unified inbox's.
func TestMarkAllRead(t *testing.T) {
	useEnglish(t)
	h := newHarness(t, 6, "", true)
	inbox := h.waitInbox(6)
	mv := h.mw.mv
	var node string
	for _, uid := range mv.tm.children[accountNode(h.acct.ID)] {
		if mv.tm.nodes[uid].folder.ID == inbox {
			node = uid
		}
	}
	h.ui.waitFor(t, "six unread", func() bool { return mv.tm.nodes[nodeUnified].unread == 6 })
	ctx := context.Background()

	// Two read by hand first, then all by the folder's menu item.
	ids, err := h.eng.Store().UnreadIDs(ctx, inbox)
	if err != nil || len(ids) != 6 {
		t.Fatalf("unread ids %v %v", ids, err)
	}
	if err := h.eng.SetFlags(ctx, ids[:2], store.Seen, 0); err != nil {
		t.Fatal(err)
	}
	if ids, _ := h.eng.Store().UnreadIDs(ctx, inbox); len(ids) != 4 {
		t.Fatalf("%d unread after reading two", len(ids))
	}
	mv.reloadTree()
	h.ui.waitFor(t, "four unread", func() bool { return mv.tm.nodes[nodeUnified].unread == 4 })
	mv.folderMenu(node, &fyne.PointEvent{})
	item := menuItem(t, mv.win, T("folder.mark_read.menu"))
	test.Tap(item)
	h.ui.waitFor(t, "the folder read", func() bool {
		_, unread, _ := h.eng.Store().Counts(ctx, inbox)
		return unread == 0 && mv.tm.nodes[nodeUnified].unread == 0
	})

	// Three unread again, then the unified inbox's item.
	if err := h.eng.SetFlags(ctx, ids[:3], 0, store.Seen); err != nil {
		t.Fatal(err)
	}
	mv.reloadTree()
	h.ui.waitFor(t, "three unread again", func() bool { return mv.tm.nodes[nodeUnified].unread == 3 })
	mv.markAllRead(nodeUnified)
	h.ui.waitFor(t, "the unified inbox read", func() bool {
		_, unread, _ := h.eng.Store().Counts(ctx, inbox)
		return unread == 0 && mv.tm.nodes[nodeUnified].unread == 0
	})
	// Marking all as read can be undone: the three are unread again.
	h.ui.waitFor(t, "the offer to undo", func() bool { return mv.undo.label.Text == "3 messages marked as read." })
	test.Tap(mv.undo.button)
	h.ui.waitFor(t, "three unread after the undo", func() bool {
		_, unread, _ := h.eng.Store().Counts(ctx, inbox)
		return unread == 3 && mv.tm.nodes[nodeUnified].unread == 3 && mv.undo.label.Text == "3 messages restored."
	})
}

// menuItem finds an item of the pop-up menu shown on w by its label.
// The items are Fyne's own widgets: the item is the last tappable object
// before its label's text in the walk of the menu.
func menuItem(t *testing.T, w fyne.Window, label string) fyne.Tappable {
	t.Helper()
	var last fyne.Tappable
	for _, o := range test.LaidOutObjects(w.Canvas().Overlays().Top()) {
		if tp, ok := o.(fyne.Tappable); ok {
			last = tp
		}
		if txt, ok := o.(*canvas.Text); ok && txt.Text == label && last != nil {
			return last
		}
	}
	t.Fatalf("no menu item %q in %s", label, overlayText(w.Canvas().Overlays().Top()))
	return nil
}
