package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"hongyan/mailcore/store"
	"hongyan/widgets"
)

// A delete says what it did under the list and offers to undo it: the
// Undo button or Ctrl+Z puts the message back in the inbox.
func TestUndoDelete(t *testing.T) {
	useEnglish(t)
	h := newHarness(t, 8, "", true)
	inbox, mv := h.openInbox(8)
	c := h.mw.win.Canvas()
	ctx := context.Background()
	page, _ := h.eng.Store().Page(ctx, inbox, store.ByDateDesc, 0, 8)
	inInbox := func(id int64) bool {
		m, err := h.eng.Store().Message(ctx, id)
		return err == nil && m.FolderID == inbox
	}
	if mv.undo.box.Visible() {
		t.Fatal("the undo bar shows before anything was done")
	}

	// The desktop driver reports Ctrl+A and Ctrl+Z as Fyne's standard
	// shortcuts, not as custom ones; both reach the list.
	sc := c.(fyne.Shortcutable)
	sc.TypedShortcut(&fyne.ShortcutSelectAll{})
	h.ui.waitFor(t, "Select All (as the driver sends it) to select the 8 messages", func() bool { return len(mv.list.selected) == 8 })
	mv.list.selected = map[int64]bool{}

	// Clicking a message takes the focus from the search field, so that
	// the keys after it act on the message, not on the field. (Called
	// as the row calls it: the test driver's Tap unfocuses by itself,
	// the desktop driver does not, the row lying in a focusable List.)
	c.Focus(mv.searchEntry)
	mv.list.tapped(0, 0)
	h.ui.pump()
	if c.Focused() != nil {
		t.Fatalf("after a click on a message %T has the focus", c.Focused())
	}
	mv.list.selected = map[int64]bool{}
	mv.list.cursor = 0

	test.TypeOnCanvas(c, "j")
	first := mv.list.cursor
	c.OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyDelete})
	h.ui.waitFor(t, "the undo bar after the delete", func() bool { return mv.undo.box.Visible() && mv.list.total == 7 })
	if got := mv.undo.label.Text; got != "1 message moved to Trash." || !mv.undo.button.Visible() {
		t.Fatalf("undo bar says %q (button shown: %v)", got, mv.undo.button.Visible())
	}
	if inInbox(first) {
		t.Fatal("the deleted message is still in the inbox")
	}
	test.Tap(mv.undo.button)
	h.ui.waitFor(t, "the message back in the list", func() bool { return mv.list.total == 8 && inInbox(first) })
	h.ui.waitFor(t, "the message selected again", func() bool {
		return mv.list.cursor == first && len(mv.list.selected) == 1 && mv.list.selected[first]
	})
	h.ui.waitFor(t, "the bar saying so", func() bool { return mv.undo.label.Text == "1 message restored." })
	if mv.undo.button.Visible() {
		t.Fatal("the Undo button still shows after the undo")
	}

	ctrlZ := &desktop.CustomShortcut{KeyName: fyne.KeyZ, Modifier: fyne.KeyModifierShortcutDefault}
	sc.TypedShortcut(ctrlZ)
	if mv.undo.label.Text != "Nothing to undo." || mv.undo.button.Visible() {
		t.Fatalf("a second undo says %q", mv.undo.label.Text)
	}

	// Two messages at once, undone with Ctrl+Z after the bar was closed.
	mv.list.selected = map[int64]bool{page[2].ID: true, page[3].ID: true}
	mv.deleteSelected()
	h.ui.waitFor(t, "two messages moved", func() bool {
		return mv.list.total == 6 && mv.undo.label.Text == "2 messages moved to Trash."
	})
	mv.undo.box.Hide()
	sc.TypedShortcut(&fyne.ShortcutUndo{}) // Ctrl+Z as the driver sends it
	h.ui.waitFor(t, "both back", func() bool { return mv.list.total == 8 && inInbox(page[2].ID) && inInbox(page[3].ID) })
	h.ui.waitFor(t, "both selected again", func() bool {
		return len(mv.list.selected) == 2 && mv.list.selected[page[2].ID] && mv.list.selected[page[3].ID]
	})

	// A delete in Trash is for good: nothing to undo.
	trash, err := h.eng.Store().FolderByRole(ctx, h.acct.ID, store.RoleTrash)
	if err != nil {
		t.Fatal(err)
	}
	mv.list.selected = map[int64]bool{page[4].ID: true}
	mv.deleteSelected()
	h.ui.waitFor(t, "one in Trash", func() bool { n, _, _ := h.eng.Store().Counts(ctx, trash.ID); return n == 1 })
	mv.tree.Select(folderNode(trash.ID))
	h.ui.waitFor(t, "the Trash list", func() bool { m, ok := mv.list.peek(0); return ok && m.ID == page[4].ID })
	mv.undo.box.Hide()
	mv.list.selected = map[int64]bool{page[4].ID: true}
	mv.deleteSelected()
	h.ui.waitFor(t, "Trash empty", func() bool { n, _, _ := h.eng.Store().Counts(ctx, trash.ID); return n == 0 && mv.list.total == 0 })
	if mv.undo.box.Visible() {
		t.Fatalf("a delete for good offered an undo: %q", mv.undo.label.Text)
	}

	// A compose window's undo-send notice shows in this bar: Ctrl+Z (or
	// the button) takes the message back while it waits; once it has left
	// the outbox the offer is withdrawn.
	notice := sentNoticeFor(h.mw.app)
	taken := 0
	notice("Message sent.", func() { taken++ })
	if mv.undo.label.Text != "Message sent." || !mv.undo.box.Visible() || !mv.undo.button.Visible() {
		t.Fatalf("the undo-send notice: %q (shown %v)", mv.undo.label.Text, mv.undo.box.Visible())
	}
	sc.TypedShortcut(&fyne.ShortcutUndo{})
	if taken != 1 || mv.undo.box.Visible() {
		t.Fatalf("Ctrl+Z took the message back %d times (bar shown %v)", taken, mv.undo.box.Visible())
	}
	hide := notice("Message sent.", func() { taken++ })
	hide()
	if mv.undo.box.Visible() {
		t.Fatal("the notice stays after the message left the outbox")
	}
	sc.TypedShortcut(&fyne.ShortcutUndo{})
	if taken != 1 || mv.undo.label.Text != "Nothing to undo." {
		t.Fatalf("after the notice was withdrawn Ctrl+Z took %d, says %q", taken, mv.undo.label.Text)
	}
}

// The move chooser filters its folders as one types, and Enter moves to
// the first one shown; the move can be undone like any other.
func TestMoveChooserFilterAndEnter(t *testing.T) {
	useEnglish(t)
	h := newHarness(t, 4, "", true)
	inbox, mv := h.openInbox(4)
	ctx := context.Background()
	if err := h.eng.CreateFolder(ctx, h.acct.ID, "Keep"); err != nil {
		t.Fatal(err)
	}
	mv.reloadTree()
	var keep int64
	h.ui.waitFor(t, "the Keep folder", func() bool {
		for _, n := range mv.tm.nodes {
			if n.folder.Name == "Keep" {
				keep = n.folder.ID
				return true
			}
		}
		return false
	})
	h.click(0, 0)
	moved := mv.list.cursor
	mv.moveChooser()
	c := h.mw.win.Canvas()
	filter, ok := c.Focused().(*escEntry)
	if !ok {
		t.Fatalf("the move dialog opened with %T focused, want its filter", c.Focused())
	}
	var chooser *widget.List
	for _, o := range test.LaidOutObjects(c.Overlays().Top()) {
		if l, ok := o.(*widget.List); ok {
			chooser = l
		}
	}
	test.Type(filter, "KEE")
	if n := chooser.Length(); n != 1 {
		t.Fatalf("%d folders match \"KEE\", want 1 (Keep)", n)
	}
	filter.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	h.ui.waitFor(t, "the message in Keep", func() bool {
		m, err := h.eng.Store().Message(ctx, moved)
		return err == nil && m.FolderID == keep
	})
	if c.Overlays().Top() != nil {
		t.Fatal("the move dialog stayed open")
	}
	h.ui.waitFor(t, "the offer to undo", func() bool { return mv.undo.label.Text == "1 message moved to Keep." })
	test.Tap(mv.undo.button)
	h.ui.waitFor(t, "the message back", func() bool {
		m, err := h.eng.Store().Message(ctx, moved)
		return err == nil && m.FolderID == inbox
	})

	// A double click on a folder of the list moves there too.
	h.click(0, 0)
	moved = mv.list.cursor
	mv.moveChooser()
	var row *folderRow
	for _, o := range test.LaidOutObjects(c.Overlays().Top()) {
		if r, ok := o.(*folderRow); ok && r.Text == "Keep" {
			row = r
		}
	}
	if row == nil {
		t.Fatal("no Keep row in the move dialog")
	}
	row.DoubleTapped(&fyne.PointEvent{})
	h.ui.waitFor(t, "the message moved by a double click", func() bool {
		m, err := h.eng.Store().Message(ctx, moved)
		return err == nil && m.FolderID == keep
	})
	if c.Overlays().Top() != nil {
		t.Fatal("the move dialog stayed open after a double click")
	}

	// A click picks a folder for the Move button.
	h.ui.waitFor(t, "the list without the moved message", func() bool {
		m, ok := mv.list.peek(0)
		return ok && m.ID != moved && len(mv.list.loading) == 0
	})
	h.click(0, 0)
	moved = mv.list.cursor
	mv.moveChooser()
	row = nil
	h.ui.waitFor(t, "the Keep row", func() bool {
		for _, o := range test.LaidOutObjects(c.Overlays().Top()) {
			if r, ok := o.(*folderRow); ok && r.Text == "Keep" {
				row = r
			}
		}
		return row != nil
	})
	test.Tap(row)
	test.Tap(findButton(c.Overlays().Top(), "Move"))
	h.ui.waitFor(t, "the message moved by a click and Move", func() bool {
		m, err := h.eng.Store().Message(ctx, moved)
		return err == nil && m.FolderID == keep
	})
}

// junkHarness is a harness in English with n messages in the inbox, shown,
// the newest junked of them moved to Junk; page is the inbox's messages
// as they were, newest first.
func junkHarness(t *testing.T, n, junked int) (*harness, int64, *mailView, []store.Summary, store.Folder) {
	t.Helper()
	useEnglish(t)
	h := newHarness(t, n, "", true)
	inbox, mv := h.openInbox(n)
	ctx := context.Background()
	page, _ := h.eng.Store().Page(ctx, inbox, store.ByDateDesc, 0, n)
	var ids []int64
	for _, m := range page[:junked] {
		ids = append(ids, m.ID)
	}
	if err := h.eng.MoveToRole(ctx, ids, store.RoleJunk); err != nil {
		t.Fatal(err)
	}
	junk, _ := h.eng.Store().FolderByRole(ctx, h.acct.ID, store.RoleJunk)
	return h, inbox, mv, page, junk
}

// Junk and Trash have "Empty" in their menu (other folders do not): Junk
// goes to Trash after a confirmation naming the count, with an undo;
// Trash is emptied for good; an empty folder says so.
func TestEmptyJunkAndTrash(t *testing.T) {
	h, inbox, mv, page, junk := junkHarness(t, 5, 2)
	ctx := context.Background()
	trash, _ := h.eng.Store().FolderByRole(ctx, h.acct.ID, store.RoleTrash)
	count := func(id int64) int { n, _, _ := h.eng.Store().Counts(ctx, id); return n }
	answer := func(want, button string) {
		t.Helper()
		h.ui.waitFor(t, "the question "+want, func() bool { return strings.Contains(overlayText(mv.win.Canvas().Overlays().Top()), want) })
		b := findButton(mv.win.Canvas().Overlays().Top(), button)
		if b == nil {
			t.Fatalf("no %q button in %s", button, overlayText(mv.win.Canvas().Overlays().Top()))
		}
		test.Tap(b)
	}

	mv.reloadTree()
	h.ui.waitFor(t, "the tree", func() bool { _, ok := mv.tm.nodes[folderNode(junk.ID)]; return ok })
	mv.folderMenu(folderNode(inbox), &fyne.PointEvent{})
	if strings.Contains(overlayText(mv.win.Canvas().Overlays().Top()), "Empty") {
		t.Fatal("the inbox's menu offers to empty it")
	}
	mv.win.Canvas().Overlays().Top().Hide()
	mv.folderMenu(folderNode(junk.ID), &fyne.PointEvent{})
	test.Tap(menuItem(t, mv.win, "Empty Junk…"))
	answer("Move the 2 messages in Junk to Trash?", "Empty")
	h.ui.waitFor(t, "Junk emptied into Trash", func() bool { return count(junk.ID) == 0 && count(trash.ID) == 2 })
	h.ui.waitFor(t, "the offer to undo", func() bool { return mv.undo.label.Text == "2 messages moved to Trash." })
	test.Tap(mv.undo.button)
	h.ui.waitFor(t, "Junk back", func() bool { return count(junk.ID) == 2 && count(trash.ID) == 0 })

	if err := h.eng.Delete(ctx, []int64{page[2].ID}); err != nil {
		t.Fatal(err)
	}
	mv.folderMenu(folderNode(trash.ID), &fyne.PointEvent{})
	test.Tap(menuItem(t, mv.win, "Empty Trash…"))
	answer("Delete the message in Trash for good? This cannot be undone.", "Empty")
	h.ui.waitFor(t, "Trash emptied", func() bool { return count(trash.ID) == 0 })
	if count(junk.ID) != 2 || count(inbox) != 2 {
		t.Fatalf("emptying Trash left %d in Junk and %d in the inbox", count(junk.ID), count(inbox))
	}
	mv.emptyFolder(trash)
	answer("Trash is already empty.", "OK")
}

// In the Junk folder the toolbar's Junk button is Not junk: it moves the
// selected message back to the inbox, unmarked; elsewhere it is Junk. In
// the Archive the Archive button is greyed out.
func TestToolbarJunkBecomesNotJunkInJunk(t *testing.T) {
	h, inbox, mv, page, junk := junkHarness(t, 3, 1)
	ctx := context.Background()
	if mv.junkAct.Tip() != "Junk" {
		t.Fatalf("in the inbox the button is %q", mv.junkAct.Tip())
	}
	// A click on the folder's name selects it (the node, not the tree's
	// row, takes the click) and gives the tree the keys.
	_, _ = h.treeFolder(mv, junk.Name)
	var node *widgets.FolderNode
	for n, u := range mv.treeNodes {
		if u == folderNode(junk.ID) {
			node = n
		}
	}
	test.Tap(node)
	if mv.current != folderNode(junk.ID) || mv.win.Canvas().Focused() != mv.tree {
		t.Fatalf("after a click on Junk the current node is %q, focus on %T", mv.current, mv.win.Canvas().Focused())
	}
	h.ui.waitFor(t, "the junk list", func() bool { m, ok := mv.list.peek(0); return ok && m.ID == page[0].ID })
	if mv.junkAct.Tip() != "Not junk" {
		t.Fatalf("in Junk the button is %q", mv.junkAct.Tip())
	}
	h.click(0, 0)
	test.Tap(mv.junkAct.ToolbarObject().(fyne.Tappable))
	h.ui.waitFor(t, "the message back in the inbox, not junk", func() bool {
		m, err := h.eng.Store().Message(ctx, page[0].ID)
		return err == nil && m.FolderID == inbox && m.Flags&store.NotJunk != 0 && m.Flags&store.Junk == 0
	})
	mv.tree.Select(folderNode(inbox))
	if mv.junkAct.Tip() != "Junk" || mv.archiveAct.Disabled() {
		t.Fatalf("back in the inbox the button is %q, Archive greyed %v", mv.junkAct.Tip(), mv.archiveAct.Disabled())
	}
	// In the Archive, Archive is greyed out.
	archive, _ := h.eng.Store().FolderByRole(ctx, h.acct.ID, store.RoleArchive)
	mv.tree.Select(folderNode(archive.ID))
	if !mv.archiveAct.Disabled() || mv.junkAct.Tip() != "Junk" {
		t.Fatalf("in the Archive: Archive greyed %v, junk button %q", mv.archiveAct.Disabled(), mv.junkAct.Tip())
	}
}

// While a dialog is open over the main window its keys are not the
// list's: Delete and s under a question leave the selected message alone.
func TestKeysWaitWhileADialogIsOpen(t *testing.T) {
	useEnglish(t)
	h := newHarness(t, 3, "", true)
	inbox, mv := h.openInbox(3)
	ctx := context.Background()
	h.click(0, 0)
	id := mv.list.cursor
	c := h.mw.win.Canvas()
	asked := false
	confirmAction("Question", "Really?", "Do it", func() { asked = true }, h.mw.win)
	c.OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyDelete})
	c.OnTypedRune()('s')
	for i := 0; i < 20; i++ {
		h.ui.pump()
		time.Sleep(10 * time.Millisecond)
	}
	m, err := h.eng.Store().Message(ctx, id)
	if err != nil || m.FolderID != inbox || m.Flags&store.Flagged != 0 || asked {
		t.Fatalf("keys under the question acted: folder %d (inbox %d), flags %b, %v", m.FolderID, inbox, m.Flags, err)
	}
	c.Overlays().Top().Hide()
	c.OnTypedRune()('s')
	h.ui.waitFor(t, "the star from s once the question is gone", func() bool {
		m, err := h.eng.Store().Message(ctx, id)
		return err == nil && m.Flags&store.Flagged != 0
	})
}

// An action that needs a selection says so when there is none, under the
// list, without an Undo button; in the conversation view too.
func TestActionWithNothingSelectedSaysSo(t *testing.T) {
	useEnglish(t)
	h := newHarness(t, 2, "", true)
	_, mv := h.openInbox(2)
	if len(mv.list.selectedIDs()) != 0 {
		t.Fatalf("selected at the start: %v", mv.list.selectedIDs())
	}
	for name, act := range map[string]func(){"reply": func() { mv.reply(false) }, "forward": mv.forward,
		"delete": mv.deleteSelected, "move": mv.moveChooser, "star": mv.toggleFlag} {
		mv.undo.box.Hide()
		act()
		if !mv.undo.box.Visible() || mv.undo.label.Text != "Select a message first." || mv.undo.button.Visible() {
			t.Errorf("%s with nothing selected: bar shown %v saying %q, Undo %v", name, mv.undo.box.Visible(), mv.undo.label.Text, mv.undo.button.Visible())
		}
		if top := h.mw.win.Canvas().Overlays().Top(); top != nil {
			t.Errorf("%s opened %s", name, overlayText(top))
			top.Hide()
		}
	}
	mv.conv.setEnabled(true)
	defer mv.conv.setEnabled(false)
	h.ui.waitFor(t, "the conversation view", func() bool { return mv.conv.active() })
	for name, act := range map[string]func(){"reply": func() { mv.reply(false) }, "delete": mv.deleteSelected, "move": mv.moveChooser} {
		mv.undo.box.Hide()
		act()
		if !mv.undo.box.Visible() || mv.undo.label.Text != "Select a message first." {
			t.Errorf("%s with no conversation selected: bar shown %v saying %q", name, mv.undo.box.Visible(), mv.undo.label.Text)
		}
	}
}
