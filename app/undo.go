package app

import (
	"context"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"hongyan/mailcore"
)

// undoShown is how long the bar under the list offers to undo a move; the
// last move stays undoable (Ctrl+Z, Message → Undo) after the bar hides,
// until the next one.
const undoShown = 12 * time.Second

// undoBar is the line under the message list that says what the last
// move or delete did and offers to undo it.
type undoBar struct {
	box    *fyne.Container
	label  *widget.Label
	button *widget.Button
	last   *mailcore.Undo // nil: nothing to undo
	gen    int            // bumped per message shown, so that only its own timer hides it
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

// showUndoBar shows text, with the Undo button when undo is possible, for
// undoShown.
func (mv *mailView) showUndoBar(text string, canUndo bool) {
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
	time.AfterFunc(undoShown, func() {
		mv.ui.do(func() {
			if b.gen == gen {
				b.box.Hide()
			}
		})
	})
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
		mv.undo.last = &u
		mv.showUndoBar(TN(key, u.Len(), map[string]any{"Folder": where}), true)
	})
}

// undoLast puts the messages of the last move or delete back.
func (mv *mailView) undoLast() {
	u := mv.undo.last
	if u == nil {
		mv.showUndoBar(T("undo.nothing"), false)
		return
	}
	mv.undo.last = nil
	mv.undo.box.Hide()
	mv.ui.goWork(func(ctx context.Context) {
		n, err := mv.eng.Undo(ctx, *u)
		mv.ui.do(func() {
			if err != nil {
				mv.showError(err)
			} else {
				mv.showUndoBar(TN("undo.done", n, nil), false)
			}
			mv.list.reload(true)
			mv.srch.recount()
			mv.reloadTree()
		})
	})
}
