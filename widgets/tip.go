package widgets

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// TipDelay is how long the pointer rests on a button before its tip shows.
const TipDelay = 600 * time.Millisecond

// TipLayer shows a short tip under a button while the pointer rests on it.
// Fyne 2.7 has no tooltips, so this is written by hand. The layer is laid
// over a window's content (see Over) and holds only canvas objects, which
// take no pointer events: a tip never swallows a click or ends the hover
// of the button under it, as a pop-up would.
type TipLayer struct {
	Delay time.Duration
	do    func(func()) // runs the tip's timer on Fyne's goroutine

	box      *fyne.Container
	bg       *canvas.Rectangle
	text     *canvas.Text
	card     *fyne.Container
	shownFor fyne.CanvasObject // the button whose tip shows
}

// NewTipLayer makes an empty layer; put it over the content with Over.
// do hands work to Fyne's goroutine (fyne.Do; tests pass their own queue).
func NewTipLayer(do func(func())) *TipLayer {
	l := &TipLayer{Delay: TipDelay, do: do}
	l.bg = canvas.NewRectangle(nil)
	l.text = canvas.NewText("", nil)
	l.card = container.NewStack(l.bg, container.NewPadded(l.text))
	l.card.Hide()
	l.box = container.NewWithoutLayout(l.card)
	return l
}

// Over returns content with the layer above it.
func (l *TipLayer) Over(content fyne.CanvasObject) fyne.CanvasObject {
	return container.NewStack(content, l.box)
}

// Show puts text under anchor (above it if there is no room below), kept
// inside the layer.
func (l *TipLayer) Show(anchor fyne.CanvasObject, text string) {
	th := theme.Current()
	v := fyne.CurrentApp().Settings().ThemeVariant()
	l.bg.FillColor = th.Color(theme.ColorNameMenuBackground, v)
	l.bg.StrokeColor = th.Color(theme.ColorNameInputBorder, v)
	l.bg.StrokeWidth = 1
	l.bg.CornerRadius = th.Size(theme.SizeNameInputRadius)
	l.text.Color = th.Color(theme.ColorNameForeground, v)
	l.text.TextSize = th.Size(theme.SizeNameCaptionText)
	l.text.Text = text

	d := fyne.CurrentApp().Driver()
	pos := d.AbsolutePositionForObject(anchor).Subtract(d.AbsolutePositionForObject(l.box))
	size := l.card.MinSize()
	gap := th.Size(theme.SizeNameInnerPadding) / 2
	if below := pos.Y + anchor.Size().Height + gap; below+size.Height <= l.box.Size().Height {
		pos.Y = below
	} else { // a button at the window's foot has its tip above it
		pos.Y -= size.Height + gap
	}
	if room := l.box.Size().Width - size.Width; pos.X > room {
		pos.X = room
	}
	if pos.X < 0 {
		pos.X = 0
	}
	l.shownFor = anchor
	l.card.Resize(size)
	l.card.Move(pos)
	l.card.Show()
	// The layer, not the card: a canvas knows only objects it has drawn,
	// and a card hidden until now has not been.
	l.box.Refresh()
}

// Hide takes the tip away.
func (l *TipLayer) Hide() {
	l.card.Hide()
	l.shownFor = nil
	l.box.Refresh()
}

// hideFor takes the tip away if it is anchor's.
func (l *TipLayer) hideFor(anchor fyne.CanvasObject) {
	if l.shownFor == anchor {
		l.Hide()
	}
}

// Showing is the tip's text, empty when none shows.
func (l *TipLayer) Showing() string {
	if !l.card.Visible() {
		return ""
	}
	return l.text.Text
}

// TipAction is a toolbar button that names its action in a tip.
type TipAction struct {
	button *tipButton
}

// NewTipAction makes a toolbar item with icon, which runs onActivated and
// shows tip on layer while the pointer rests on it.
func NewTipAction(layer *TipLayer, icon fyne.Resource, tip string, onActivated func()) *TipAction {
	b := newTipButton(layer, icon, tip, onActivated)
	b.Importance = widget.LowImportance
	return &TipAction{button: b}
}

// Button makes an icon button that runs tapped and shows tip on the layer
// while the pointer rests on it.
// (The button itself, not its embedded widget.Button, must go into the
// window: the hover is handled by its own methods.)
func (l *TipLayer) Button(icon fyne.Resource, tip string, tapped func()) fyne.CanvasObject {
	return newTipButton(l, icon, tip, tapped)
}

func newTipButton(layer *TipLayer, icon fyne.Resource, tip string, tapped func()) *tipButton {
	b := &tipButton{layer: layer, tip: tip}
	b.Icon = icon
	b.OnTapped = tapped
	b.ExtendBaseWidget(b)
	return b
}

// ToolbarObject is the button, for widget.Toolbar.
func (t *TipAction) ToolbarObject() fyne.CanvasObject { return t.button }

// Tip is the text the tip shows.
func (t *TipAction) Tip() string { return t.button.tip }

// Enable lets the button be used.
func (t *TipAction) Enable() { t.button.Enable() }

// Disable greys the button out; its tip still names it.
func (t *TipAction) Disable() { t.button.Disable() }

// Disabled reports whether the button is greyed out.
func (t *TipAction) Disabled() bool { return t.button.Disabled() }

// Set gives the button another icon, tip and action (a toggle such as
// Junk / Not junk); a tip of the old action showing goes.
func (t *TipAction) Set(icon fyne.Resource, tip string, onActivated func()) {
	b := t.button
	if b.tip == tip && b.Icon == icon {
		b.OnTapped = onActivated
		return
	}
	b.layer.hideFor(b)
	b.seq++ // a pending tip would name the old action
	b.tip = tip
	b.OnTapped = onActivated
	b.SetIcon(icon)
}

// tipButton is a button that shows its tip after the pointer has rested on
// it for the layer's delay. Hover and its timer's result are handled on
// Fyne's goroutine, so hover needs no lock.
type tipButton struct {
	widget.Button
	layer   *TipLayer
	tip     string
	hovered bool
	seq     int // counts hovers, so a late timer of an earlier hover does nothing
}

func (b *tipButton) MouseIn(e *desktop.MouseEvent) {
	b.Button.MouseIn(e)
	b.hovered = true
	b.seq++
	seq := b.seq
	time.AfterFunc(b.layer.Delay, func() {
		b.layer.do(func() {
			if b.hovered && b.seq == seq && b.Visible() {
				b.layer.Show(b, b.tip)
			}
		})
	})
}

func (b *tipButton) MouseOut() {
	b.Button.MouseOut()
	b.leave()
}

func (b *tipButton) Tapped(e *fyne.PointEvent) {
	b.leave()
	b.Button.Tapped(e)
}

// leave ends the hover: the tip goes, and a pending one never shows.
func (b *tipButton) leave() {
	b.hovered = false
	b.seq++
	b.layer.hideFor(b)
}

// TipOf is the tip of a button a TipLayer made, or "" for any other object.
func TipOf(o fyne.CanvasObject) string {
	if b, ok := o.(*tipButton); ok {
		return b.tip
	}
	return ""
}
