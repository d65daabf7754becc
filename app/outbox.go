package app

import (
	"context"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"hongyan/mailcore"
	"hongyan/mailcore/store"
	"hongyan/widgets"
)

// outboxWindow lists the messages that have not left yet: scheduled for
// later, waiting to try again, refused by the server or perhaps sent when
// the connection broke. From it the user edits one (it leaves the outbox
// for a compose window), sends it now or again, or deletes it. It follows
// the outbox through the engine's send events (handleEvents).
type outboxWindow struct {
	app   fyne.App
	ui    *uiContext
	eng   *mailcore.Engine
	win   fyne.Window
	rows  *fyne.Container
	empty *widget.Label
	gen   int // bumped per reload: only the newest listing is shown

	onShown func(n int) // tests: after a listing is shown
}

// openOutbox shows the outbox window (one per main window).
func (mv *mailView) openOutbox() {
	if o := mv.outbox; o != nil {
		o.win.Show()
		o.win.RequestFocus()
		return
	}
	o := newOutboxWindow(mv.mw.app, mv.ui, mv.eng)
	mv.adoptOutbox(o)
	o.reload()
	o.win.Show()
}

// adoptOutbox makes o this view's outbox window: the one File → Outbox
// brings forward, until it is closed.
func (mv *mailView) adoptOutbox(o *outboxWindow) {
	mv.outbox = o
	o.win.SetOnClosed(func() {
		if mv.outbox == o {
			mv.outbox = nil
		}
	})
}

// relabel shows the window in the language just chosen.
func (o *outboxWindow) relabel() {
	o.win.SetTitle(T("outbox.title"))
	o.empty.SetText(T("outbox.empty"))
	o.reload()
}

func newOutboxWindow(a fyne.App, ui *uiContext, eng *mailcore.Engine) *outboxWindow {
	o := &outboxWindow{app: a, ui: ui, eng: eng, win: a.NewWindow(T("outbox.title")), rows: container.NewVBox(),
		empty: widget.NewLabel(T("outbox.empty"))}
	o.empty.Hide()
	o.win.SetContent(container.NewVScroll(container.NewVBox(o.empty, o.rows)))
	o.win.Resize(fyne.NewSize(640, 420))
	closeOnEscape(o.win)
	return o
}

// reload lists the outbox again, off the UI goroutine.
func (o *outboxWindow) reload() {
	o.gen++
	gen := o.gen
	o.ui.goWork(func(ctx context.Context) {
		msgs, err := o.eng.Unsent(ctx)
		o.ui.do(func() {
			if gen != o.gen {
				return
			}
			if err != nil {
				dialog.ShowError(userError(err), o.win)
				return
			}
			o.show(msgs, time.Now())
		})
	})
}

func (o *outboxWindow) show(msgs []mailcore.OutgoingMessage, now time.Time) {
	objs := make([]fyne.CanvasObject, 0, 2*len(msgs))
	for i, m := range msgs {
		if i > 0 {
			objs = append(objs, widget.NewSeparator())
		}
		objs = append(objs, o.row(m, now))
	}
	o.rows.Objects = objs
	o.rows.Refresh()
	if len(msgs) == 0 {
		o.empty.Show()
	} else {
		o.empty.Hide()
	}
	if o.onShown != nil {
		o.onShown(len(msgs))
	}
}

// row shows one message: subject, recipients, where it stands, and the
// actions its state allows.
func (o *outboxWindow) row(m mailcore.OutgoingMessage, now time.Time) fyne.CanvasObject {
	subject := m.Subject
	if subject == "" {
		subject = T("list.no_subject")
	}
	title := widget.NewLabelWithStyle(subject, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.Truncation = fyne.TextTruncateEllipsis
	to := widget.NewLabel(T("outbox.to", map[string]any{"To": strings.Join(m.Recipients, ", ")}))
	to.Truncation = fyne.TextTruncateEllipsis
	status := widget.NewLabel(outboxStatus(m, now))
	status.Wrapping = fyne.TextWrapWord
	if m.State == store.OutboxFailed || m.State == store.OutboxUncertain {
		status.Importance = widget.DangerImportance
	}
	var buttons []fyne.CanvasObject
	button := func(key string, icon fyne.Resource, f func()) {
		buttons = append(buttons, widget.NewButtonWithIcon(T(key), icon, f))
	}
	edit := func() { UndoSend(o.app, o.eng, m.ID, o.ui.do) }
	switch m.State {
	case store.OutboxQueued:
		button("outbox.edit", theme.DocumentCreateIcon(), edit)
		button("outbox.send_now", theme.MailSendIcon(), func() { o.act(o.eng.SendNow, m.ID) })
	case store.OutboxFailed:
		button("outbox.edit", theme.DocumentCreateIcon(), edit)
		button("outbox.try_again", theme.MailSendIcon(), func() { o.act(o.eng.Resend, m.ID) })
	case store.OutboxUncertain:
		button("outbox.send_again", theme.MailSendIcon(), func() { o.act(o.eng.Resend, m.ID) })
	}
	if m.State != store.OutboxSending {
		button("outbox.delete", theme.DeleteIcon(), func() {
			confirmAction(T("outbox.delete_title"), T("outbox.delete_confirm"), T("outbox.delete"),
				func() { o.act(o.eng.DiscardOutgoing, m.ID) }, o.win)
		})
	}
	return container.NewVBox(title, to, status, container.NewHBox(buttons...))
}

// act runs an engine call on a message off the UI goroutine; the listing
// follows from the send event it causes, or from a reload on failure (the
// message may have changed state meanwhile).
func (o *outboxWindow) act(f func(context.Context, int64) error, id int64) {
	o.ui.goWork(func(ctx context.Context) {
		err := f(ctx, id)
		o.ui.do(func() {
			if err != nil {
				dialog.ShowError(userError(err), o.win)
				o.reload()
			}
		})
	})
}

// outboxStatus says where a message stands.
func outboxStatus(m mailcore.OutgoingMessage, now time.Time) string {
	at := func(t time.Time) string { return widgets.DayAndTime(t.In(now.Location())) }
	switch m.State {
	case store.OutboxQueued:
		switch {
		case m.SendAfter.After(now):
			return T("outbox.scheduled", map[string]any{"Time": at(m.SendAfter)})
		case m.Attempts > 0 && m.NextAttempt.After(now):
			return T("outbox.retry", map[string]any{"Time": at(m.NextAttempt), "Error": m.LastError})
		}
		return T("outbox.waiting")
	case store.OutboxSending:
		return T("outbox.sending")
	case store.OutboxFailed:
		return T("outbox.failed", map[string]any{"Error": m.LastError})
	case store.OutboxUncertain:
		return T("outbox.uncertain", map[string]any{"Error": m.LastError})
	}
	return m.State
}
