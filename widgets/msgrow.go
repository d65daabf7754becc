package widgets

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// MessageRowData is what one row of the message list shows. The app fills
// it from its cache; the widget knows nothing about where it came from.
type MessageRowData struct {
	ID         int64
	From       string
	Subject    string
	Date       string // already formatted ("14:05", "Yesterday", "2025-03-01")
	Secondary  string // small dim line: size, preview
	Unread     bool
	Flagged    bool
	Attachment bool
	Pending    bool // a change waits to reach the server
	Selected   bool
	Loading    bool // the row's page is not loaded yet: draw a placeholder
}

// MessageRow is one row of the message list. It handles its own taps so
// that the list can offer multi-selection: Fyne's List selects one item,
// so the row reports each tap with the keyboard modifiers held when the
// mouse button went down (shift extends, ctrl/cmd toggles).
type MessageRow struct {
	widget.BaseWidget

	Index int
	// OnTapped is called with the row's index and the modifiers held.
	OnTapped func(index int, mod fyne.KeyModifier)
	// OnSecondaryTapped opens a context menu at the event position.
	OnSecondaryTapped func(index int, ev *fyne.PointEvent)
	// OnDoubleTapped opens the message on its own.
	OnDoubleTapped func(index int)
	// OnDragged is called while the row is dragged (to a folder), with
	// the pointer's position; OnDragEnd when it is let go.
	OnDragged func(index int, ev *fyne.DragEvent)
	OnDragEnd func(index int)

	data    MessageRowData
	lastMod fyne.KeyModifier
}

// NewMessageRow returns an empty row.
func NewMessageRow() *MessageRow {
	r := &MessageRow{}
	r.ExtendBaseWidget(r)
	return r
}

// SetData shows d in the row.
func (r *MessageRow) SetData(index int, d MessageRowData) {
	r.Index = index
	if r.data == d {
		return
	}
	r.data = d
	r.Refresh()
}

// Data is what the row shows.
func (r *MessageRow) Data() MessageRowData { return r.data }

// MouseDown records the modifiers for the tap that follows.
func (r *MessageRow) MouseDown(ev *desktop.MouseEvent) { r.lastMod = ev.Modifier }

// MouseUp is part of desktop.Mouseable.
func (r *MessageRow) MouseUp(*desktop.MouseEvent) {}

// Tapped selects the row (with the modifiers of the last MouseDown).
func (r *MessageRow) Tapped(*fyne.PointEvent) {
	mod := r.lastMod
	r.lastMod = 0
	if r.OnTapped != nil {
		r.OnTapped(r.Index, mod)
	}
}

// TappedSecondary opens the context menu.
func (r *MessageRow) TappedSecondary(ev *fyne.PointEvent) {
	if r.OnSecondaryTapped != nil {
		r.OnSecondaryTapped(r.Index, ev)
	}
}

// DoubleTapped opens the message.
func (r *MessageRow) DoubleTapped(*fyne.PointEvent) {
	if r.OnDoubleTapped != nil {
		r.OnDoubleTapped(r.Index)
	}
}

// Dragged reports the drag of the row (fyne.Draggable).
func (r *MessageRow) Dragged(ev *fyne.DragEvent) {
	if r.OnDragged != nil {
		r.OnDragged(r.Index, ev)
	}
}

// DragEnd reports the end of the drag (fyne.Draggable).
func (r *MessageRow) DragEnd() {
	if r.OnDragEnd != nil {
		r.OnDragEnd(r.Index)
	}
}

// CreateRenderer is part of fyne.Widget.
func (r *MessageRow) CreateRenderer() fyne.WidgetRenderer {
	rr := &msgRowRenderer{row: r}
	rr.bg = canvas.NewRectangle(color.Transparent)
	rr.from = widget.NewLabel("")
	rr.from.Truncation = fyne.TextTruncateEllipsis
	rr.subject = widget.NewLabel("")
	rr.subject.Truncation = fyne.TextTruncateEllipsis
	rr.date = canvas.NewText("", theme.Color(theme.ColorNameForeground))
	rr.date.Alignment = fyne.TextAlignTrailing
	rr.second = canvas.NewText("", theme.Color(theme.ColorNamePlaceHolder))
	rr.second.TextSize = theme.CaptionTextSize()
	rr.star = widget.NewIcon(theme.NewPrimaryThemedResource(starIcon))
	rr.dot = canvas.NewCircle(theme.Color(theme.ColorNamePrimary))
	rr.clip = widget.NewIcon(theme.MailAttachmentIcon())
	rr.pending = widget.NewIcon(theme.HistoryIcon())
	rr.objects = []fyne.CanvasObject{rr.bg, rr.dot, rr.star, rr.from, rr.subject, rr.date, rr.second, rr.clip, rr.pending}
	rr.Refresh()
	return rr
}

type msgRowRenderer struct {
	row           *MessageRow
	bg            *canvas.Rectangle
	from, subject *widget.Label
	date, second  *canvas.Text
	star          *widget.Icon
	dot           *canvas.Circle
	clip, pending *widget.Icon
	objects       []fyne.CanvasObject
}

func (rr *msgRowRenderer) Destroy()                     {}
func (rr *msgRowRenderer) Objects() []fyne.CanvasObject { return rr.objects }

// rowLineHeight is the height of a label line.
func rowLineHeight() float32 {
	return fyne.MeasureText("Ag", theme.TextSize(), fyne.TextStyle{}).Height + 2*theme.InnerPadding()
}

func (rr *msgRowRenderer) MinSize() fyne.Size {
	lh := rowLineHeight()
	cap := fyne.MeasureText("Ag", theme.CaptionTextSize(), fyne.TextStyle{}).Height
	return fyne.NewSize(200, 2*lh-theme.InnerPadding()+cap)
}

func (rr *msgRowRenderer) Layout(size fyne.Size) {
	rr.bg.Resize(size)
	rr.bg.Move(fyne.NewPos(0, 0))
	pad := theme.Padding()
	lh := rowLineHeight()
	iconSize := theme.IconInlineSize()
	left := pad + iconSize + pad

	// Column of marks on the left: unread dot on line 1, star on line 2.
	d := iconSize / 2
	rr.dot.Resize(fyne.NewSize(d, d))
	rr.dot.Move(fyne.NewPos(pad+(iconSize-d)/2, (lh-d)/2))
	rr.star.Resize(fyne.NewSize(iconSize, iconSize))
	rr.star.Move(fyne.NewPos(pad, lh-theme.InnerPadding()/2+(lh-iconSize)/2-theme.InnerPadding()/2))

	dateW := fyne.MeasureText("0000-00-00 ", theme.TextSize(), fyne.TextStyle{}).Width
	right := size.Width - pad
	rr.date.Move(fyne.NewPos(right-dateW, (lh-rr.date.MinSize().Height)/2))
	rr.date.Resize(fyne.NewSize(dateW, rr.date.MinSize().Height))
	right -= dateW + pad
	for _, ic := range []*widget.Icon{rr.pending, rr.clip} {
		if ic.Visible() {
			ic.Resize(fyne.NewSize(iconSize, iconSize))
			ic.Move(fyne.NewPos(right-iconSize, (lh-iconSize)/2))
			right -= iconSize + pad
		}
	}
	rr.from.Move(fyne.NewPos(left-theme.InnerPadding(), 0))
	rr.from.Resize(fyne.NewSize(max(0, right-left+theme.InnerPadding()), lh))
	y2 := lh - theme.InnerPadding()
	rr.subject.Move(fyne.NewPos(left-theme.InnerPadding(), y2))
	rr.subject.Resize(fyne.NewSize(max(0, size.Width-left-pad+theme.InnerPadding()), lh))
	rr.second.Move(fyne.NewPos(left, y2+lh-theme.InnerPadding()))
	rr.second.Resize(fyne.NewSize(size.Width-left-pad, rr.second.MinSize().Height))
}

func (rr *msgRowRenderer) Refresh() {
	d := rr.row.data
	if d.Selected {
		rr.bg.FillColor = theme.Color(theme.ColorNameSelection)
	} else {
		rr.bg.FillColor = color.Transparent
	}
	if d.Loading {
		rr.from.SetText("…")
		rr.subject.SetText("")
	} else {
		rr.from.TextStyle = fyne.TextStyle{Bold: d.Unread}
		rr.from.SetText(d.From)
		rr.subject.TextStyle = fyne.TextStyle{Bold: d.Unread}
		rr.subject.SetText(d.Subject)
	}
	rr.date.Text = d.Date
	rr.date.TextStyle = fyne.TextStyle{Bold: d.Unread}
	rr.date.Color = theme.Color(theme.ColorNameForeground)
	rr.second.Text = d.Secondary
	rr.second.Color = theme.Color(theme.ColorNamePlaceHolder)
	rr.second.TextSize = theme.CaptionTextSize()
	rr.dot.FillColor = theme.Color(theme.ColorNamePrimary)
	setVisible(rr.dot, d.Unread && !d.Loading)
	setVisible(rr.star, d.Flagged && !d.Loading)
	setVisible(rr.clip, d.Attachment && !d.Loading)
	setVisible(rr.pending, d.Pending && !d.Loading)
	rr.bg.Refresh()
	rr.date.Refresh()
	rr.second.Refresh()
	rr.dot.Refresh()
	rr.Layout(rr.row.Size())
}

func setVisible(o fyne.CanvasObject, v bool) {
	if v {
		o.Show()
	} else {
		o.Hide()
	}
}

// starIcon is a five-pointed star (Fyne's theme has none).
var starIcon = fyne.NewStaticResource("star.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path fill="#000000" d="M12 2l2.9 6.9 7.1.6-5.4 4.7 1.6 7-6.2-3.8-6.2 3.8 1.6-7L2 9.5l7.1-.6z"/></svg>`))

// StarIcon is the flag mark, for menus and toolbars.
func StarIcon() fyne.Resource { return theme.NewThemedResource(starIcon) }
