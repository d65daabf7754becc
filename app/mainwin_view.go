package app

import (
	"context"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"hongyan/mailcore/message"
	"hongyan/mailcore/store"
)

// maxShownText bounds the plain text put in the simple view; a label with
// megabytes of wrapped text would make the window sluggish.
const maxShownText = 256 << 10

// messagePane is the right (or lower) pane: headers and the plain text of
// the current message. It is the seam where the richer reading view
// (widgets.MessageView) plugs in.
type messagePane struct {
	mv       *mailView
	content  fyne.CanvasObject
	subject  *widget.Label
	from     *widget.Label
	to       *widget.Label
	date     *widget.Label
	body     *widget.Label
	scroll   *container.Scroll
	head     *fyne.Container
	showing  int64
	gen      int
	markRead *time.Timer
}

func newMessagePane(mv *mailView) *messagePane {
	p := &messagePane{mv: mv,
		subject: widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		from:    widget.NewLabel(""), to: widget.NewLabel(""), date: widget.NewLabel(""),
		body: widget.NewLabel("")}
	p.subject.Wrapping = fyne.TextWrapWord
	p.to.Truncation = fyne.TextTruncateEllipsis
	p.body.Wrapping = fyne.TextWrapWord
	p.body.Selectable = true
	p.scroll = container.NewVScroll(p.body)
	p.head = container.NewVBox(p.subject, p.from, p.to, p.date, widget.NewSeparator())
	p.content = container.NewBorder(p.head, nil, nil, nil, p.scroll)
	p.clear()
	return p
}

func (p *messagePane) clear() {
	p.gen++
	p.showing = 0
	p.stopTimer()
	p.subject.SetText("")
	p.from.SetText("")
	p.to.SetText("")
	p.date.SetText("")
	p.body.SetText(T("pane.no_message"))
	p.head.Hide()
}

func (p *messagePane) showMany(n int) {
	p.gen++
	p.showing = 0
	p.stopTimer()
	p.head.Show()
	p.subject.SetText(T("view.many_selected", map[string]any{"Count": n}))
	p.from.SetText("")
	p.to.SetText("")
	p.date.SetText("")
	p.body.SetText("")
}

func (p *messagePane) stopTimer() {
	if p.markRead != nil {
		p.markRead.Stop()
		p.markRead = nil
	}
}

// show displays m: the headers at once from the summary, the text when the
// body has been read (from the cache or the server).
func (p *messagePane) show(m store.Summary) {
	if p.showing == m.ID {
		return
	}
	p.gen++
	p.showing = m.ID
	p.stopTimer()
	gen := p.gen
	p.head.Show()
	p.subject.SetText(m.Subject)
	p.from.SetText(T("view.from", map[string]any{"Value": m.From.String()}))
	to := make([]string, len(m.To))
	for i, a := range m.To {
		to[i] = a.String()
	}
	p.to.SetText(T("view.to", map[string]any{"Value": strings.Join(to, ", ")}))
	p.date.SetText(T("view.date", map[string]any{"Value": m.Date.Local().Format("2006-01-02 15:04")}))
	p.body.SetText(T("view.loading"))
	p.scroll.ScrollToTop()
	eng := p.mv.eng
	p.mv.ui.goWork(func(ctx context.Context) {
		raw, err := eng.Body(ctx, m.ID)
		text := ""
		if err == nil {
			var msg *message.Message
			msg, err = message.Parse(raw)
			if msg != nil {
				text = msg.Text
				if text == "" && msg.HTML != "" {
					text = T("view.html_only")
				}
				err = nil
			}
		}
		if len(text) > maxShownText {
			text = text[:maxShownText] + "\n…"
		}
		p.mv.ui.do(func() {
			if gen != p.gen {
				return
			}
			if err != nil {
				p.body.SetText(reasonText(err))
				return
			}
			p.body.SetText(text)
			if m.Flags&store.Seen == 0 {
				p.scheduleMarkRead(m.ID, gen)
			}
		})
	})
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
