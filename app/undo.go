package app

import (
	"context"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"hongyan/mailcore"
)

// undoShown is how long the bar under the list offers to undo a move; the
// last move stays undoable (Ctrl+Z, Message → Undo) after the bar hides,
// until the next undoable action.
const undoShown = 12 * time.Second

// undoBar is the line under the message list that says what the last
// undoable action did (a move, a delete, "mark all as read", a message
// sent) and offers to undo it.
type undoBar struct {
	box    *fyne.Container
	label  *widget.Label
	button *widget.Button
	last   func() // undoes the last undoable action; nil: nothing to undo
	lastID int    // bumped per offer, so that an expired offer can withdraw itself only
	gen    int    // bumped per line shown, so that only its own timer hides it
}

func (mv *mailView) newUndoBar() {
	b := &mv.undo
	b.label = widget.NewLabel("")
	b.label.Wrapping = fyne.TextWrapWord
	b.button = widget.NewButtonWithIcon(T("undo.button"), theme.ContentUndoIcon(), mv.undoLast)
	dismiss := widget.NewButtonWithIcon("", theme.CancelIcon(), func() { b.box.Hide() })
	dismiss.Importance = widget.LowImportance
	b.box = container.NewBorder(nil, nil, nil, container.NewHBox(b.button, dismiss), b.label)
	b.box.Hide()
}

// showUndoBar shows text for shown, with the Undo button when undo is
// possible, and returns the line's number (undoBar.gen).
func (mv *mailView) showUndoBar(text string, canUndo bool, shown time.Duration) int {
	b := &mv.undo
	b.gen++
	gen := b.gen
	b.label.SetText(text)
	if canUndo {
		b.button.Show()
	} else {
		b.button.Hide()
	}
	b.box.Show()
	time.AfterFunc(shown, func() {
		mv.ui.do(func() {
			if b.gen == gen {
				b.box.Hide()
			}
		})
	})
	return gen
}

// offer makes undo the last undoable action and says text with the Undo
// button, for shown. It runs on the UI goroutine and returns withdraw,
// which takes the offer back (hides its line, forgets its undo) unless
// another has come since.
func (mv *mailView) offer(text string, undo func(), shown time.Duration) (withdraw func()) {
	b := &mv.undo
	b.last = undo
	b.lastID++
	id := b.lastID
	gen := mv.showUndoBar(text, true, shown)
	return func() {
		if b.gen == gen {
			b.box.Hide()
		}
		if b.lastID == id {
			b.last = nil
		}
	}
}

// undoable wraps an action that takes messages out of where they are
// (to Trash, Archive, Junk, another folder; where names it for the
// user): the engine notes where they were first, and once the action is
// done the bar offers to put them back. Messages in a folder of role
// except are left out (a delete in Trash is for good).
func (mv *mailView) undoable(where, except string, f func(ctx context.Context, ids []int64) error) func(ctx context.Context, ids []int64) error {
	return func(ctx context.Context, ids []int64) error {
		u, rerr := mv.eng.Remember(ctx, ids)
		if err := f(ctx, ids); err != nil {
			return err
		}
		if rerr != nil {
			return nil // the move is done; only its undo is lost
		}
		if except != "" {
			u = u.Except(except)
		}
		mv.offerUndo(u, "undo.moved", where)
		return nil
	}
}

// offerUndo makes u the last undoable action and shows the bar saying
// what was done (key, about u.Len() messages, in folder where); it does
// nothing for an empty u. It may be called from any goroutine.
func (mv *mailView) offerUndo(u mailcore.Undo, key, where string) {
	if u.Len() == 0 {
		return
	}
	mv.ui.do(func() {
		mv.offer(TN(key, u.Len(), map[string]any{"Folder": where}), func() { mv.runUndo(u) }, undoShown)
	})
}

// undoLast undoes the last undoable action (the bar's button, Ctrl+Z).
func (mv *mailView) undoLast() {
	undo := mv.undo.last
	if undo == nil {
		mv.showUndoBar(T("undo.nothing"), false, undoShown)
		return
	}
	mv.undo.last = nil
	mv.undo.box.Hide()
	undo()
}

// runUndo puts back the messages of u.
func (mv *mailView) runUndo(u mailcore.Undo) {
	mv.ui.goWork(func(ctx context.Context) {
		n, err := mv.eng.Undo(ctx, u)
		mv.ui.do(func() {
			if err != nil {
				mv.showError(err)
			} else {
				mv.showUndoBar(TN("undo.done", n, nil), false, undoShown)
				mv.selectRestored(u.Moved())
			}
			mv.list.reload(true)
			mv.srch.recount()
			mv.reloadTree()
		})
	})
}

// selectRestored selects the messages an undo put back, as they were
// selected when they were moved away; the reload that follows keeps those
// the list shows.
func (mv *mailView) selectRestored(ids []int64) {
	if len(ids) == 0 || mv.conv.active() {
		return
	}
	l := mv.list
	l.selected = map[int64]bool{}
	for _, id := range ids {
		l.selected[id] = true
	}
	l.cursor, l.anchor = ids[0], ids[0]
}

// sentNotice is the compose windows' undo-send notice in the main window:
// the bar says the message was sent and offers to take it back (undo, also
// Ctrl+Z) until the returned hide is called, when the message leaves the
// outbox. Both run on the UI goroutine.
func (mv *mailView) sentNotice(text string, undo func()) (hide func()) {
	return mv.offer(text, undo, time.Hour)
}

// mailViews holds the main window's mail view of each Fyne app (one in
// the program; one per app in tests), for the compose windows' notices.
var mailViews sync.Map // fyne.App → *mailView

// sentNoticeFor is the undo-send notice for compose windows of a: in the
// main window when a has one, else a small window of its own.
func sentNoticeFor(a fyne.App) func(text string, undo func()) func() {
	if v, ok := mailViews.Load(a); ok {
		return v.(*mailView).sentNotice
	}
	return showNotice(a)
}
