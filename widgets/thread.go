package widgets

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// ThreadRowData is what one row of the conversation list shows. Texts are
// already formatted and translated by the app.
type ThreadRowData struct {
	ThreadID     int64
	Participants string
	Subject      string
	Date         string
	Count        int
	Unread       int
	CountText    string // e.g. "3 messages · 1 unread"
	Selected     bool
	Loading      bool
}

// ThreadRow is one conversation in the list: participants and date on the
// first line, subject with the message count on the second.
type ThreadRow struct {
	widget.BaseWidget

	Index int
	// OnTapped is called with the row's index.
	OnTapped func(index int)
	// OnDragged and OnDragEnd report a drag of the row (to a folder), as
	// MessageRow's do.
	OnDragged func(index int, ev *fyne.DragEvent)
	OnDragEnd func(index int)

	data ThreadRowData
}

// NewThreadRow returns an empty row.
func NewThreadRow() *ThreadRow {
	r := &ThreadRow{}
	r.ExtendBaseWidget(r)
	return r
}

// SetData shows d in the row.
func (r *ThreadRow) SetData(index int, d ThreadRowData) {
	r.Index = index
	if r.data == d {
		return
	}
	r.data = d
	r.Refresh()
}

// Data is what the row shows.
func (r *ThreadRow) Data() ThreadRowData { return r.data }

// Tapped selects the conversation.
func (r *ThreadRow) Tapped(*fyne.PointEvent) {
	if r.OnTapped != nil {
		r.OnTapped(r.Index)
	}
}

// Dragged reports the drag of the row (fyne.Draggable).
func (r *ThreadRow) Dragged(ev *fyne.DragEvent) {
	if r.OnDragged != nil {
		r.OnDragged(r.Index, ev)
	}
}

// DragEnd reports the end of the drag (fyne.Draggable).
func (r *ThreadRow) DragEnd() {
	if r.OnDragEnd != nil {
		r.OnDragEnd(r.Index)
	}
}

// CreateRenderer is part of fyne.Widget.
func (r *ThreadRow) CreateRenderer() fyne.WidgetRenderer {
	tr := &threadRowRenderer{row: r}
	tr.bg = canvas.NewRectangle(color.Transparent)
	tr.who = widget.NewLabel("")
	tr.who.Truncation = fyne.TextTruncateEllipsis
	tr.subject = widget.NewLabel("")
	tr.subject.Truncation = fyne.TextTruncateEllipsis
	tr.date = canvas.NewText("", theme.Color(theme.ColorNameForeground))
	tr.date.Alignment = fyne.TextAlignTrailing
	tr.count = canvas.NewText("", theme.Color(theme.ColorNamePlaceHolder))
	tr.count.TextSize = theme.CaptionTextSize()
	tr.dot = canvas.NewCircle(theme.Color(theme.ColorNamePrimary))
	tr.objects = []fyne.CanvasObject{tr.bg, tr.dot, tr.who, tr.subject, tr.date, tr.count}
	tr.Refresh()
	return tr
}

type threadRowRenderer struct {
	row          *ThreadRow
	bg           *canvas.Rectangle
	who, subject *widget.Label
	date, count  *canvas.Text
	dot          *canvas.Circle
	objects      []fyne.CanvasObject
}

func (tr *threadRowRenderer) Destroy()                     {}
func (tr *threadRowRenderer) Objects() []fyne.CanvasObject { return tr.objects }

func (tr *threadRowRenderer) MinSize() fyne.Size {
	lh := rowLineHeight()
	cap := fyne.MeasureText("Ag", theme.CaptionTextSize(), fyne.TextStyle{}).Height
	return fyne.NewSize(200, 2*lh-theme.InnerPadding()+cap)
}

func (tr *threadRowRenderer) Layout(size fyne.Size) {
	tr.bg.Resize(size)
	pad := theme.Padding()
	lh := rowLineHeight()
	iconSize := theme.IconInlineSize()
	left := pad + iconSize + pad
	d := iconSize / 2
	tr.dot.Resize(fyne.NewSize(d, d))
	tr.dot.Move(fyne.NewPos(pad+(iconSize-d)/2, (lh-d)/2))
	dateW := fyne.MeasureText("0000-00-00 ", theme.TextSize(), fyne.TextStyle{}).Width
	right := size.Width - pad
	tr.date.Move(fyne.NewPos(right-dateW, (lh-tr.date.MinSize().Height)/2))
	tr.date.Resize(fyne.NewSize(dateW, tr.date.MinSize().Height))
	right -= dateW + pad
	tr.who.Move(fyne.NewPos(left-theme.InnerPadding(), 0))
	tr.who.Resize(fyne.NewSize(max(0, right-left+theme.InnerPadding()), lh))
	y2 := lh - theme.InnerPadding()
	tr.subject.Move(fyne.NewPos(left-theme.InnerPadding(), y2))
	tr.subject.Resize(fyne.NewSize(max(0, size.Width-left-pad+theme.InnerPadding()), lh))
	tr.count.Move(fyne.NewPos(left, y2+lh-theme.InnerPadding()))
	tr.count.Resize(fyne.NewSize(size.Width-left-pad, tr.count.MinSize().Height))
}

func (tr *threadRowRenderer) Refresh() {
	d := tr.row.data
	if d.Selected {
		tr.bg.FillColor = theme.Color(theme.ColorNameSelection)
	} else {
		tr.bg.FillColor = color.Transparent
	}
	bold := fyne.TextStyle{Bold: d.Unread > 0}
	if d.Loading {
		tr.who.SetText("…")
		tr.subject.SetText("")
	} else {
		tr.who.TextStyle = bold
		tr.who.SetText(d.Participants)
		tr.subject.TextStyle = bold
		tr.subject.SetText(d.Subject)
	}
	tr.date.Text = d.Date
	tr.date.TextStyle = bold
	tr.date.Color = theme.Color(theme.ColorNameForeground)
	tr.count.Text = d.CountText
	tr.count.Color = theme.Color(theme.ColorNamePlaceHolder)
	tr.count.TextSize = theme.CaptionTextSize()
	tr.dot.FillColor = theme.Color(theme.ColorNamePrimary)
	setVisible(tr.dot, d.Unread > 0 && !d.Loading)
	tr.bg.Refresh()
	tr.date.Refresh()
	tr.count.Refresh()
	tr.dot.Refresh()
	tr.Layout(tr.row.Size())
}

// ThreadMessage is one message of a conversation as its header line shows
// it.
type ThreadMessage struct {
	ID      int64
	From    string
	Date    string
	Snippet string // a short line: the preview, or the size
	Unread  bool
	// Depth indents a reply under the message it answers (0: answers
	// none of the conversation's), by ThreadIndent a level.
	Depth int
}

// ThreadIndent is how far a reply is indented under the message it
// answers.
const ThreadIndent = 16

// ThreadView is the reading view of a conversation: the subject, then one
// header line per message, oldest first. A tap on a header expands the
// message into a MessageView below it (and collapses it again); the newest
// message starts expanded. The app loads bodies: OnExpand asks for one and
// SetBody hands it over. All methods must be called on the Fyne goroutine.
type ThreadView struct {
	widget.BaseWidget

	// OnExpand is called when message index (id) is expanded and has no
	// body yet.
	OnExpand func(index int, id int64)

	subject *widget.Label
	box     *fyne.Container
	scroll  *container.Scroll
	root    *fyne.Container
	items   []*threadItem
}

type threadItem struct {
	msg      ThreadMessage
	header   *ThreadHeader
	body     *fyne.Container   // holds view or note when expanded
	bodyRow  fyne.CanvasObject // body, indented as the header: shown when expanded
	view     *MessageView
	note     *widget.Label
	loaded   bool
	expanded bool
}

// NewThreadView returns an empty view.
func NewThreadView() *ThreadView {
	v := &ThreadView{subject: widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})}
	v.subject.Wrapping = fyne.TextWrapWord
	v.box = container.NewVBox()
	v.scroll = container.NewVScroll(v.box)
	v.root = container.NewBorder(v.subject, nil, nil, nil, v.scroll)
	v.ExtendBaseWidget(v)
	return v
}

// CreateRenderer implements fyne.Widget.
func (v *ThreadView) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(v.root) }

// SetThread shows a conversation: msgs oldest first. Every message starts
// collapsed except the newest, which is expanded (OnExpand is called for
// it).
func (v *ThreadView) SetThread(subject string, msgs []ThreadMessage) {
	v.subject.SetText(subject)
	v.items = nil
	v.box.RemoveAll()
	for i, m := range msgs {
		it := &threadItem{msg: m, body: container.NewStack()}
		idx := i
		it.header = newThreadHeader(m, func() { v.Toggle(idx) })
		it.bodyRow = indented(it.body, m.Depth)
		v.items = append(v.items, it)
		v.box.Add(indented(it.header, m.Depth))
		v.box.Add(it.bodyRow)
		it.bodyRow.Hide()
	}
	v.box.Refresh()
	v.scroll.ScrollToTop()
	if n := len(v.items); n > 0 {
		v.setExpanded(n-1, true)
	}
}

// Len is the number of messages shown.
func (v *ThreadView) Len() int { return len(v.items) }

// Message returns what header i shows.
func (v *ThreadView) Message(i int) ThreadMessage {
	if i < 0 || i >= len(v.items) {
		return ThreadMessage{}
	}
	return v.items[i].msg
}

// Header returns the header line of message i (nil when out of range).
func (v *ThreadView) Header(i int) *ThreadHeader {
	if i < 0 || i >= len(v.items) {
		return nil
	}
	return v.items[i].header
}

// Expanded reports whether message i is expanded.
func (v *ThreadView) Expanded(i int) bool {
	return i >= 0 && i < len(v.items) && v.items[i].expanded
}

// MessageView returns the reading view of message i once its body was
// set, else nil.
func (v *ThreadView) MessageView(i int) *MessageView {
	if i < 0 || i >= len(v.items) {
		return nil
	}
	return v.items[i].view
}

// Toggle expands or collapses message i.
func (v *ThreadView) Toggle(i int) {
	if i < 0 || i >= len(v.items) {
		return
	}
	v.setExpanded(i, !v.items[i].expanded)
}

func (v *ThreadView) setExpanded(i int, on bool) {
	it := v.items[i]
	it.expanded = on
	it.header.setExpanded(on)
	if !on {
		it.bodyRow.Hide()
		v.box.Refresh()
		return
	}
	it.bodyRow.Show()
	if !it.loaded && it.note == nil {
		it.note = widget.NewLabel("…")
		it.body.Objects = []fyne.CanvasObject{it.note}
		it.body.Refresh()
		if v.OnExpand != nil {
			v.OnExpand(i, it.msg.ID)
		}
	}
	v.box.Refresh()
}

// SetBody hands over the body of message i; the view keeps it while the
// message is collapsed.
func (v *ThreadView) SetBody(i int, m *MessageViewModel) *MessageView {
	if i < 0 || i >= len(v.items) {
		return nil
	}
	it := v.items[i]
	if it.view == nil {
		it.view = NewMessageView()
	}
	it.view.SetMessage(m)
	it.loaded = true
	it.note = nil
	it.body.Objects = []fyne.CanvasObject{container.New(minHeightLayout{threadBodyHeight}, it.view)}
	it.body.Refresh()
	v.box.Refresh()
	return it.view
}

// SetNote shows a note (loading failed, ...) in place of message i's body;
// expanding it again asks for the body anew.
func (v *ThreadView) SetNote(i int, text string) {
	if i < 0 || i >= len(v.items) {
		return
	}
	it := v.items[i]
	it.note = nil
	lbl := widget.NewLabel(text)
	lbl.Wrapping = fyne.TextWrapWord
	it.body.Objects = []fyne.CanvasObject{lbl}
	it.body.Refresh()
}

// indented puts o depth levels of ThreadIndent to the right.
func indented(o fyne.CanvasObject, depth int) fyne.CanvasObject {
	if depth <= 0 {
		return o
	}
	gap := canvas.NewRectangle(color.Transparent)
	gap.SetMinSize(fyne.NewSize(float32(depth)*ThreadIndent, 0))
	return container.NewBorder(nil, nil, gap, nil, o)
}

// threadBodyHeight is the least height of an expanded message: the reading
// view scrolls inside it.
const threadBodyHeight = 420

// minHeightLayout stacks its objects and asks for at least h of height,
// giving an expanded MessageView room inside the conversation's scroll
// (the view scrolls its own content, so its natural minimum is small).
type minHeightLayout struct{ h float32 }

func (l minHeightLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}

func (l minHeightLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for _, o := range objs {
		s = s.Max(o.MinSize())
	}
	return fyne.NewSize(s.Width, max(s.Height, l.h))
}

// ThreadHeader is the one-line header of a message in a conversation:
// sender, date and a snippet; tapping it expands or collapses the message.
type ThreadHeader struct {
	widget.BaseWidget
	onTap    func()
	icon     *widget.Icon
	from     *widget.Label
	date     *widget.Label
	snippet  *widget.Label
	expanded bool
}

func newThreadHeader(m ThreadMessage, onTap func()) *ThreadHeader {
	h := &ThreadHeader{onTap: onTap, icon: widget.NewIcon(theme.MenuExpandIcon()),
		from: widget.NewLabelWithStyle(m.From, fyne.TextAlignLeading, fyne.TextStyle{Bold: m.Unread}),
		date: widget.NewLabel(m.Date), snippet: widget.NewLabel(m.Snippet)}
	h.from.Truncation = fyne.TextTruncateEllipsis
	h.snippet.Truncation = fyne.TextTruncateEllipsis
	h.snippet.Importance = widget.LowImportance
	h.ExtendBaseWidget(h)
	return h
}

// Expanded reports whether the message under this header is expanded.
func (h *ThreadHeader) Expanded() bool { return h.expanded }

// Text is the header's sender, date and snippet.
func (h *ThreadHeader) Text() (from, date, snippet string) {
	return h.from.Text, h.date.Text, h.snippet.Text
}

func (h *ThreadHeader) setExpanded(on bool) {
	h.expanded = on
	if on {
		h.icon.SetResource(theme.MenuDropDownIcon())
		h.snippet.Hide()
	} else {
		h.icon.SetResource(theme.MenuExpandIcon())
		h.snippet.Show()
	}
}

// Tapped expands or collapses the message.
func (h *ThreadHeader) Tapped(*fyne.PointEvent) {
	if h.onTap != nil {
		h.onTap()
	}
}

// CreateRenderer implements fyne.Widget.
func (h *ThreadHeader) CreateRenderer() fyne.WidgetRenderer {
	top := container.NewBorder(nil, nil, h.icon, h.date, h.from)
	bg := canvas.NewRectangle(theme.Color(theme.ColorNameHeaderBackground))
	return widget.NewSimpleRenderer(container.NewStack(bg, container.NewVBox(top, h.snippet)))
}
