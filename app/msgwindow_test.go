package app

import (
	"context"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"hongyan/mailcore/store"
)

// A message opened in a window of its own can be answered, forwarded and
// deleted from there.
func TestMessageWindowActions(t *testing.T) {
	useEnglish(t)
	h := newHarness(t, 3, "", true)
	h.waitInbox(3)
	mv := h.mw.mv
	m, ok := mv.list.peek(0)
	if !ok {
		t.Fatal("no first row")
	}
	var win fyne.Window
	mv.onMessageWindow = func(w fyne.Window) { win = w }
	// Enter opens the current message in a window, as a double click.
	c := h.mw.win.Canvas()
	test.TypeOnCanvas(c, "j")
	if mv.list.cursor != m.ID {
		t.Fatalf("j made %d current, want the first row (%d)", mv.list.cursor, m.ID)
	}
	c.OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyReturn})
	h.ui.waitFor(t, "the message window", func() bool { return win != nil })
	if win.Title() != m.Subject {
		t.Fatalf("window %q for %q", win.Title(), m.Subject)
	}

	oldR, oldF := openReply, openForward
	defer func() { openReply, openForward = oldR, oldF }()
	var replied, forwarded int64
	var all bool
	openReply = func(_ *mainWindow, id int64, a bool) { replied, all = id, a }
	openForward = func(_ *mainWindow, id int64) { forwarded = id }
	content := win.Canvas().Content()
	test.Tap(findButton(content, T("action.reply_all")))
	test.Tap(findButton(content, T("action.forward")))
	if replied != m.ID || !all || forwarded != m.ID {
		t.Fatalf("reply %d (all %v), forward %d; want %d", replied, all, forwarded, m.ID)
	}

	// The main window's view is rebuilt (as by a change of language) while
	// the message window stays open: its delete is offered for undo in
	// the view now shown.
	h.mw.relabel()
	nv := h.mw.mv
	if nv == mv {
		t.Fatal("relabel kept the old view")
	}
	closed := false
	win.SetOnClosed(func() { closed = true })
	test.Tap(findButton(content, T("action.delete")))
	h.ui.waitFor(t, "the undo offer in the view shown", func() bool { return nv.undo.box.Visible() && nv.undo.last != nil })
	h.ui.waitFor(t, "the message in Trash", func() bool {
		got, err := h.eng.Store().Message(context.Background(), m.ID)
		if err != nil {
			return false
		}
		f, err := h.eng.Store().Folder(context.Background(), got.FolderID)
		return err == nil && f.Role == store.RoleTrash
	})
	if !closed {
		t.Fatal("the window stayed open after the delete")
	}
}
