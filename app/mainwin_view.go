package app

import (
	"context"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"hongyan/mailcore/message"
	"hongyan/mailcore/store"
	"hongyan/widgets"
)

// messagePane is the right (or lower) pane: the reading view
// (widgets.MessageView, filled by messageViewModel from readview.go) for
// one message, or a short note (nothing selected, several selected,
// loading, an error).
type messagePane struct {
	mv       *mailView
	content  fyne.CanvasObject
	note     *widget.Label
	noteBox  fyne.CanvasObject
	reader   *widgets.MessageView
	showing  int64
	gen      int
	markRead *time.Timer
}

func newMessagePane(mv *mailView) *messagePane {
	p := &messagePane{mv: mv, note: widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{Italic: true}),
		reader: widgets.NewMessageView()}
	p.note.Wrapping = fyne.TextWrapWord
	// A wrapping label needs the pane's full width (in a Center container
	// it would get its minimum, one character, and stand on end).
	p.noteBox = container.NewVBox(layout.NewSpacer(), p.note, layout.NewSpacer())
	p.content = container.NewStack(p.noteBox, p.reader)
	p.clear()
	return p
}

// showNote replaces the reading view with a note.
func (p *messagePane) showNote(text string) {
	p.note.SetText(text)
	p.reader.Hide()
	p.noteBox.Show()
}

func (p *messagePane) clear() {
	p.gen++
	p.showing = 0
	p.stopTimer()
	p.showNote(T("pane.no_message"))
}

func (p *messagePane) showMany(n int) {
	p.gen++
	p.showing = 0
	p.stopTimer()
	p.showNote(T("view.many_selected", map[string]any{"Count": n}))
}

func (p *messagePane) stopTimer() {
	if p.markRead != nil {
		p.markRead.Stop()
		p.markRead = nil
	}
}

// shownSubject is the subject in the reading view ("" when a note shows).
func (p *messagePane) shownSubject() string {
	if !p.reader.Visible() || p.reader.Model() == nil {
		return ""
	}
	return p.reader.Model().Subject
}

// show displays m: the body is read (from the cache or the server) and
// parsed off the UI goroutine, then handed to the reading view.
func (p *messagePane) show(m store.Summary) {
	if p.showing == m.ID {
		return
	}
	p.gen++
	p.showing = m.ID
	p.stopTimer()
	gen := p.gen
	p.showNote(T("view.loading"))
	p.load(m, gen, false)
}

// load reads, parses and shows m; allowRemote keeps remote images.
func (p *messagePane) load(m store.Summary, gen int, allowRemote bool) {
	eng := p.mv.eng
	p.mv.ui.goWork(func(ctx context.Context) {
		msg, vm, err := loadReadView(ctx, eng, m.ID, message.Options{AllowRemote: allowRemote})
		p.mv.ui.do(func() {
			if gen != p.gen {
				return
			}
			if err != nil {
				p.showNote(reasonText(err))
				return
			}
			p.reader.SetMessage(&vm)
			p.wire(m, msg, gen)
			p.noteBox.Hide()
			p.reader.Show()
			p.reader.ScrollToTop()
			if m.Flags&store.Seen == 0 && !allowRemote {
				p.scheduleMarkRead(m.ID, gen)
			}
		})
	})
}

// wire connects the reading view's actions: those needing only the message
// (readview.go), and remote content and saving the source, which need the
// engine.
func (p *messagePane) wire(m store.Summary, msg *message.Message, gen int) {
	win := p.mv.win
	wireReadView(p.reader, win, msg)
	p.reader.OnShowRemote = func() { p.load(m, gen, true) }
	p.reader.OnAnswerInvitation = func(accept bool) { p.mv.answerInvitation(p.reader, m.ID, accept) }
	p.reader.OnAlwaysRemote = func() {
		acct := p.mv.tm.nodes[folderNode(m.FolderID)].account
		sender := m.From.Addr
		eng := p.mv.eng
		p.mv.act(func(context.Context) error {
			a, ok := eng.Account(acct)
			if !ok || sender == "" {
				return nil
			}
			a.Options.AllowedRemoteSenders = append(a.Options.AllowedRemoteSenders, sender)
			return eng.UpdateAccount(a)
		})
		p.load(m, gen, true)
	}
	p.reader.OnSaveEML = func() {
		raw := msg.Raw
		d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
			if err != nil || w == nil {
				return
			}
			p.mv.ui.goWork(func(context.Context) {
				_, err := w.Write(raw)
				if cerr := w.Close(); err == nil {
					err = cerr
				}
				if err != nil {
					p.mv.ui.do(func() { p.mv.showError(err) })
				}
			})
		}, win)
		d.SetFileName(safeEMLName(m.Subject))
		d.Show()
	}
}

// safeEMLName is a file name for a message's source.
func safeEMLName(subject string) string {
	name := message.SafeFileName(subject)
	if name == "" {
		name = "message"
	}
	return name + ".eml"
}

// scheduleMarkRead marks the shown message read after the delay the user
// chose (0 at once, -1 never).
func (p *messagePane) scheduleMarkRead(id int64, gen int) {
	secs := p.mv.eng.Settings().MarkReadAfterSeconds
	if secs < 0 {
		return
	}
	mark := func() {
		if gen != p.gen {
			return
		}
		p.mv.act(func(ctx context.Context) error { return p.mv.eng.SetFlags(ctx, []int64{id}, store.Seen, 0) })
	}
	if secs == 0 {
		mark()
		return
	}
	p.markRead = time.AfterFunc(time.Duration(secs)*time.Second, func() { p.mv.ui.do(mark) })
}
