package widgets

import (
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// MessageDate is how the message view shows a date: in local time, with
// the weekday in the language of the interface (Go's layouts only know
// English names).
func MessageDate(t time.Time) string {
	return DayAndTime(t.Local())
}

// DayAndTime is t on its own location's clock with its weekday in the
// interface's language: "Monday 2026-11-30 08:00", "星期一 2026-11-30 08:00".
func DayAndTime(t time.Time) string {
	return Weekday(t) + " " + t.Format("2006-01-02 15:04")
}

// Weekday is t's day of the week in the interface's language.
func Weekday(t time.Time) string {
	day := t.Weekday()
	return lang.X("date.weekday."+strconv.Itoa(int(day)), day.String())
}

// MessageView shows one message: headers, a remote-content banner, a
// toolbar, attachment chips and the body, which scrolls. Quoted text starts
// collapsed behind a "Show quoted text" toggle.
//
// The callbacks are read when the user acts, so they may be set at any
// time. All methods must be called on the Fyne goroutine.
type MessageView struct {
	widget.BaseWidget

	OnShowRemote     func()           // "Show remote content"
	OnAlwaysRemote   func()           // "Always for this sender"
	OnLink           func(url string) // a link was tapped; the app confirms before opening
	OnSaveAttachment func(index int)
	OnOpenAttachment func(index int)
	OnSaveAll        func()
	OnViewSource     func()
	OnSaveEML        func()
	OnOpenInBrowser  func()
	// OnAnswerInvitation accepts (true) or declines a calendar
	// invitation the message carries (InvitationView.CanAnswer).
	OnAnswerInvitation func(accept bool)

	model      *MessageViewModel
	root       *fyne.Container
	scroll     *container.Scroll
	quoted     []fyne.CanvasObject
	showQuoted bool
	quoteBtn   *widget.Button
	moreBtn    *widget.Button
	bodyBox    *fyne.Container
	pending    []BodyBlock

	// Exposed for tests and keyboard handling.
	showRemoteBtn, alwaysRemoteBtn *widget.Button
	sourceBtn, emlBtn, browserBtn  *widget.Button
	saveAllBtn                     *widget.Button
	chips                          []*AttachmentChip
	banner                         *widget.Label
	inviteNote                     *widget.Label
	inviteButtons                  []*widget.Button
}

// NewMessageView returns an empty view; SetMessage fills it.
func NewMessageView() *MessageView {
	v := &MessageView{root: container.NewStack()}
	v.ExtendBaseWidget(v)
	return v
}

// CreateRenderer implements fyne.Widget.
func (v *MessageView) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(v.root)
}

// Model returns the message shown, or nil.
func (v *MessageView) Model() *MessageViewModel { return v.model }

// SetMessage shows m; nil clears the view. Quoted text is collapsed again
// unless the message has nothing but quoted text.
func (v *MessageView) SetMessage(m *MessageViewModel) {
	v.model = m
	v.quoted = nil
	v.pending = nil
	v.bodyBox, v.moreBtn = nil, nil
	v.chips = nil
	v.quoteBtn, v.saveAllBtn, v.banner = nil, nil, nil
	v.showRemoteBtn, v.alwaysRemoteBtn = nil, nil
	if m == nil {
		v.scroll = nil
		v.root.Objects = nil
		v.root.Refresh()
		return
	}
	body := make([]fyne.CanvasObject, 0, 8)
	if list, chips, all := attachmentList(m.Attachments,
		func(i int) {
			if v.OnSaveAttachment != nil {
				v.OnSaveAttachment(i)
			}
		},
		func(i int) {
			if v.OnOpenAttachment != nil {
				v.OnOpenAttachment(i)
			}
		},
		func() {
			if v.OnSaveAll != nil {
				v.OnSaveAll()
			}
		}); list != nil {
		v.chips, v.saveAllBtn = chips, all
		body = append(body, list, widget.NewSeparator())
	}
	v.pending = m.Blocks
	v.bodyBox = container.NewVBox()
	body = append(body, v.bodyBox)
	v.moreBtn = widget.NewButtonWithIcon(lang.X("reader.show_more", "Show the rest of the message"), theme.MoreVerticalIcon(), func() {
		v.LoadMore()
	})
	v.moreBtn.Importance = widget.LowImportance
	body = append(body, container.NewHBox(v.moreBtn))

	plain, quoted := 0, 0
	for i := range m.Blocks {
		if m.Blocks[i].QuoteDepth > 0 {
			quoted++
		} else {
			plain++
		}
	}
	// With nothing but quotation, hiding it would leave an empty page.
	v.showQuoted = plain == 0
	if quoted > 0 {
		v.quoteBtn = widget.NewButtonWithIcon("", theme.MoreHorizontalIcon(), func() {
			v.SetQuotedShown(!v.showQuoted)
		})
		v.quoteBtn.Importance = widget.LowImportance
	}

	v.scroll = container.NewVScroll(container.NewPadded(container.NewVBox(body...)))
	v.scroll.OnScrolled = func(fyne.Position) { v.loadIfNearEnd() }
	v.root.Objects = []fyne.CanvasObject{container.NewBorder(v.buildHeader(m), nil, nil, nil, v.scroll)}
	v.loadPage()
	v.applyQuoted()
	v.root.Refresh()
}

// PageTextBudget is about how much body text (in characters) the view lays
// out at once. Long messages are shown page by page as the reader scrolls
// towards the end (or taps "Show the rest of the message"): laying out
// hundreds of kilobytes of wrapped text up front would make opening the
// message slow.
const PageTextBudget = 6000

// Pending reports whether part of the body is not laid out yet.
func (v *MessageView) Pending() bool { return len(v.pending) > 0 }

// LoadMore lays out the next page of a long body.
func (v *MessageView) LoadMore() {
	if len(v.pending) == 0 {
		return
	}
	v.loadPage()
	v.applyQuoted()
	v.bodyBox.Refresh()
}

// LoadAll lays out the whole body (for printing, find in page, tests).
func (v *MessageView) LoadAll() {
	for len(v.pending) > 0 {
		v.loadPage()
	}
	v.applyQuoted()
	if v.bodyBox != nil {
		v.bodyBox.Refresh()
	}
}

func (v *MessageView) loadIfNearEnd() {
	if len(v.pending) == 0 || v.scroll == nil {
		return
	}
	view := v.scroll.Size().Height
	if v.scroll.Offset.Y+2*view >= v.scroll.Content.MinSize().Height {
		v.LoadMore()
	}
}

// loadPage moves the next blocks worth about PageTextBudget characters
// from pending into the body.
func (v *MessageView) loadPage() {
	n, budget := 0, 0
	for n < len(v.pending) && (n == 0 || budget < PageTextBudget) {
		b := &v.pending[n]
		for _, s := range b.Spans {
			budget += len(s.Text)
		}
		if b.Kind == BodyImage || b.Kind == BodyRule {
			budget += 200
		}
		n++
	}
	// Hidden quotations cost nothing to show: take them along so that a
	// page never ends up empty on screen.
	for n < len(v.pending) && v.pending[n].QuoteDepth > 0 && !v.showQuoted {
		n++
	}
	page := v.pending[:n]
	v.pending = v.pending[n:]
	for _, c := range buildBody(page, func(u string) {
		if v.OnLink != nil {
			v.OnLink(u)
		}
	}) {
		v.bodyBox.Add(c.obj)
		if c.quote {
			v.quoted = append(v.quoted, c.obj)
		}
	}
	if v.moreBtn != nil && len(v.pending) == 0 {
		v.moreBtn.Hide()
	}
}

// QuotedShown reports whether quoted text is visible.
func (v *MessageView) QuotedShown() bool { return v.showQuoted }

// HasQuoted reports whether the message has quoted text to toggle.
func (v *MessageView) HasQuoted() bool { return v.quoteBtn != nil }

// SetQuotedShown shows or hides quoted text.
func (v *MessageView) SetQuotedShown(show bool) {
	v.showQuoted = show
	v.applyQuoted()
}

func (v *MessageView) applyQuoted() {
	for _, o := range v.quoted {
		if v.showQuoted {
			o.Show()
		} else {
			o.Hide()
		}
	}
	if v.quoteBtn != nil {
		if v.showQuoted {
			v.quoteBtn.SetText(lang.X("reader.quoted.hide", "Hide quoted text"))
		} else {
			v.quoteBtn.SetText(lang.X("reader.quoted.show", "Show quoted text"))
		}
	}
	if v.scroll != nil {
		v.scroll.Content.Refresh()
	}
	v.loadIfNearEnd()
}

// QuoteToggle returns the "Show quoted text" button, or nil when the
// message quotes nothing.
func (v *MessageView) QuoteToggle() *widget.Button { return v.quoteBtn }

// ShowRemoteButton returns the banner's "Show remote content" button, or
// nil when nothing was blocked.
func (v *MessageView) ShowRemoteButton() *widget.Button { return v.showRemoteBtn }

// AlwaysRemoteButton returns the banner's "Always for this sender" button.
func (v *MessageView) AlwaysRemoteButton() *widget.Button { return v.alwaysRemoteBtn }

// ToolbarButtons returns the "View source", "Save as .eml" and "Open in
// browser" buttons.
func (v *MessageView) ToolbarButtons() (source, eml, browser *widget.Button) {
	return v.sourceBtn, v.emlBtn, v.browserBtn
}

// AttachmentChips returns the chips shown, in order.
func (v *MessageView) AttachmentChips() []*AttachmentChip { return v.chips }

// SaveAllButton returns "Save all", or nil with fewer than two attachments.
func (v *MessageView) SaveAllButton() *widget.Button { return v.saveAllBtn }

// ScrollToTop scrolls the body back to its start.
func (v *MessageView) ScrollToTop() {
	if v.scroll != nil {
		v.scroll.ScrollToTop()
	}
}

func (v *MessageView) buildHeader(m *MessageViewModel) fyne.CanvasObject {
	subject := oneLine(m.Subject)
	if subject == "" {
		subject = lang.X("reader.no_subject", "(no subject)")
	}
	subjStyle := widget.RichTextStyleSubHeading
	subj := widget.NewRichText(&widget.TextSegment{Style: subjStyle, Text: subject})
	subj.Wrapping = fyne.TextWrapWord

	form := container.New(layout.NewFormLayout())
	addRow := func(key, fallback, value string) {
		value = oneLine(value)
		if value == "" {
			return
		}
		k := widget.NewLabelWithStyle(lang.X(key, fallback), fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})
		val := widget.NewLabel(value)
		val.Wrapping = fyne.TextWrapWord
		form.Add(k)
		form.Add(val)
	}
	addRow("reader.from", "From", m.From)
	addRow("reader.to", "To", m.To)
	addRow("reader.cc", "Cc", m.Cc)
	if !m.Date.IsZero() {
		addRow("reader.date", "Date", MessageDate(m.Date))
	}

	v.sourceBtn = widget.NewButtonWithIcon(lang.X("reader.view_source", "View source"), theme.DocumentIcon(), func() {
		if v.OnViewSource != nil {
			v.OnViewSource()
		}
	})
	v.emlBtn = widget.NewButtonWithIcon(lang.X("reader.save_eml", "Save as .eml"), theme.DocumentSaveIcon(), func() {
		if v.OnSaveEML != nil {
			v.OnSaveEML()
		}
	})
	v.browserBtn = widget.NewButtonWithIcon(lang.X("reader.open_browser", "Open in browser"), theme.ComputerIcon(), func() {
		if v.OnOpenInBrowser != nil {
			v.OnOpenInBrowser()
		}
	})
	for _, b := range []*widget.Button{v.sourceBtn, v.emlBtn, v.browserBtn} {
		b.Importance = widget.LowImportance
	}
	toolbar := container.NewHBox(layout.NewSpacer(), v.sourceBtn, v.emlBtn, v.browserBtn)
	if v.quoteBtn != nil {
		toolbar.Objects = append([]fyne.CanvasObject{v.quoteBtn}, toolbar.Objects...)
	}

	parts := []fyne.CanvasObject{toolbar, subj, form}
	if m.Invitation != nil {
		parts = append(parts, v.invitationCard(m.Invitation))
	}
	if m.RemoteBlocked > 0 {
		parts = append(parts, v.remoteBanner(m.RemoteBlocked))
	}
	if len(m.Warnings) > 0 {
		w := widget.NewLabel(lang.X("reader.damaged", "Parts of this message are damaged; it is shown as well as possible."))
		w.Importance = widget.WarningImportance
		w.Wrapping = fyne.TextWrapWord
		parts = append(parts, w)
	}
	parts = append(parts, widget.NewSeparator())
	return container.NewVBox(parts...)
}

func (v *MessageView) remoteBanner(n int) fyne.CanvasObject {
	text := lang.X("reader.remote.blocked", "Remote content blocked: {{.Count}} items", map[string]any{"Count": n})
	if n == 1 {
		text = lang.X("reader.remote.blocked.one", "Remote content blocked: 1 item")
	}
	v.banner = widget.NewLabel(text)
	// One line: a wrapping label would be measured before it has a width
	// and make the banner very tall.
	v.banner.Truncation = fyne.TextTruncateEllipsis
	v.showRemoteBtn = widget.NewButton(lang.X("reader.remote.show", "Show remote content"), func() {
		if v.OnShowRemote != nil {
			v.OnShowRemote()
		}
	})
	v.alwaysRemoteBtn = widget.NewButton(lang.X("reader.remote.always", "Always for this sender"), func() {
		if v.OnAlwaysRemote != nil {
			v.OnAlwaysRemote()
		}
	})
	bg := canvas.NewRectangle(theme.Color(theme.ColorNameInputBackground))
	bg.CornerRadius = theme.InputRadiusSize()
	row := container.NewBorder(nil, nil, widget.NewIcon(theme.WarningIcon()),
		container.NewHBox(v.showRemoteBtn, v.alwaysRemoteBtn), v.banner)
	return container.NewStack(bg, container.NewPadded(row))
}

// BannerText returns the remote-content banner's text, "" without one.
func (v *MessageView) BannerText() string {
	if v.banner == nil {
		return ""
	}
	return v.banner.Text
}

// VisibleText returns the text of every visible part of the view in
// reading order (labels, buttons, body text), one piece per line. It is
// meant for tests and for accessibility summaries.
func (v *MessageView) VisibleText() string {
	var b strings.Builder
	collectText(&b, v.root)
	return b.String()
}

func collectText(b *strings.Builder, o fyne.CanvasObject) {
	if o == nil || !o.Visible() {
		return
	}
	switch t := o.(type) {
	case *widget.Label:
		b.WriteString(t.Text + "\n")
	case *widget.Button:
		b.WriteString(t.Text + "\n")
	case *widget.RichText:
		for _, s := range t.Segments {
			writeSegment(b, s)
		}
		b.WriteString("\n")
	case *AttachmentChip:
		b.WriteString(t.Attachment.Name + " " + FormatSize(t.Attachment.Size) + "\n")
		collectText(b, t.save)
		collectText(b, t.open)
	case *canvas.Text:
		b.WriteString(t.Text + "\n")
	case *fyne.Container:
		for _, c := range t.Objects {
			collectText(b, c)
		}
	case *container.Scroll:
		collectText(b, t.Content)
	}
}

func writeSegment(b *strings.Builder, s widget.RichTextSegment) {
	switch t := s.(type) {
	case *widget.ParagraphSegment:
		for _, c := range t.Texts {
			writeSegment(b, c)
		}
	case *widget.ListSegment:
		for _, c := range t.Items {
			writeSegment(b, c)
		}
	default:
		b.WriteString(s.Textual())
		if !s.Inline() {
			b.WriteString("\n")
		}
	}
}

// SetInvitationNote shows a line under the invitation's buttons (the
// answer sent, or why not; "" hides it) and enables the buttons again
// when enable is true.
func (v *MessageView) SetInvitationNote(text string, enable bool) {
	if v.inviteNote == nil {
		return
	}
	v.inviteNote.SetText(text)
	v.inviteNote.Hidden = text == ""
	v.inviteNote.Refresh()
	for _, b := range v.inviteButtons {
		if enable {
			b.Enable()
		} else {
			b.Disable()
		}
	}
}

// InvitationButtons are Accept and Decline (tests), nil without them.
func (v *MessageView) InvitationButtons() []*widget.Button { return v.inviteButtons }

// invitationCard shows a calendar event: what, when, where, who invites,
// and Accept / Decline when the app can answer it.
func (v *MessageView) invitationCard(inv *InvitationView) fyne.CanvasObject {
	head := widget.NewLabelWithStyle(inv.Heading, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	if inv.Cancelled {
		head.Importance = widget.DangerImportance
	}
	lines := []fyne.CanvasObject{container.NewHBox(widget.NewIcon(theme.CalendarIcon()), head)}
	if inv.Summary != "" {
		summary := widget.NewLabelWithStyle(inv.Summary, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		summary.Wrapping = fyne.TextWrapWord
		lines = append(lines, summary)
	}
	form := container.New(layout.NewFormLayout())
	row := func(key, fallback, value string) {
		if value = oneLine(value); value != "" {
			val := widget.NewLabel(value)
			val.Wrapping = fyne.TextWrapWord
			form.Add(widget.NewLabelWithStyle(lang.X(key, fallback), fyne.TextAlignTrailing, fyne.TextStyle{}))
			form.Add(val)
		}
	}
	row("invite.when", "When", inv.When)
	row("invite.where", "Where", inv.Where)
	row("invite.organizer", "Organizer", inv.Organizer)
	lines = append(lines, form)
	v.inviteButtons, v.inviteNote = nil, nil
	if inv.CanAnswer {
		answer := func(accept bool) func() {
			return func() {
				for _, b := range v.inviteButtons {
					b.Disable()
				}
				if v.OnAnswerInvitation != nil {
					v.OnAnswerInvitation(accept)
				}
			}
		}
		accept := widget.NewButtonWithIcon(lang.X("invite.accept", "Accept"), theme.ConfirmIcon(), answer(true))
		accept.Importance = widget.HighImportance
		decline := widget.NewButtonWithIcon(lang.X("invite.decline", "Decline"), theme.CancelIcon(), answer(false))
		v.inviteButtons = []*widget.Button{accept, decline}
		v.inviteNote = widget.NewLabel(inv.Answered)
		v.inviteNote.Wrapping = fyne.TextWrapWord
		v.inviteNote.Hidden = inv.Answered == ""
		lines = append(lines, container.NewHBox(accept, decline), v.inviteNote)
	}
	bg := canvas.NewRectangle(theme.Color(theme.ColorNameInputBackground))
	bg.CornerRadius = theme.Size(theme.SizeNameInputRadius)
	return container.NewStack(bg, container.NewPadded(container.NewVBox(lines...)))
}
