package widgets

import (
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// testTipLayer is a layer whose timers hand their work to the test's
// goroutine (the test driver's fyne.Do would run it on the timer's).
func testTipLayer() (*TipLayer, chan func()) {
	q := make(chan func(), 16)
	l := NewTipLayer(func(f func()) { q <- f })
	l.Delay = 50 * time.Millisecond
	return l, q
}

// waitTip runs the layer's timers for up to two seconds until it shows
// want ("" for none).
func waitTip(t *testing.T, l *TipLayer, q chan func(), want string) {
	t.Helper()
	deadline := time.After(2 * time.Second)
	for l.Showing() != want {
		select {
		case f := <-q:
			f()
		case <-deadline:
			t.Fatalf("tip shows %q, want %q", l.Showing(), want)
		}
	}
}

// settle runs the timers that fire within four delays.
func settle(l *TipLayer, q chan func()) {
	end := time.After(4 * l.Delay)
	for {
		select {
		case f := <-q:
			f()
		case <-end:
			return
		}
	}
}

func TestTipShowsAfterRestingAndGoes(t *testing.T) {
	test.NewTempApp(t)
	l, q := testTipLayer()
	ran := 0
	reply := NewTipAction(l, theme.MailReplyIcon(), "Reply (Ctrl+R)", func() { ran++ })
	settings := NewTipAction(l, theme.SettingsIcon(), "Settings… (Ctrl+,)", func() {})
	bar := widget.NewToolbar(reply, widget.NewToolbarSpacer(), settings)
	w := test.NewWindow(l.Over(container.NewBorder(bar, nil, nil, nil, widget.NewLabel("body"))))
	w.Resize(fyne.NewSize(500, 300))

	rb := reply.button
	rb.MouseIn(&desktop.MouseEvent{})
	if l.Showing() != "" {
		t.Fatal("the tip showed before the pointer rested")
	}
	waitTip(t, l, q, "Reply (Ctrl+R)")
	// Under the button, not over it, and inside the window.
	bpos := fyne.CurrentApp().Driver().AbsolutePositionForObject(rb)
	if l.card.Position().Y < bpos.Y+rb.Size().Height {
		t.Errorf("tip at y=%v covers the button (bottom %v)", l.card.Position().Y, bpos.Y+rb.Size().Height)
	}
	if l.text.TextSize >= theme.TextSize() || l.card.Size().Width < l.text.MinSize().Width {
		t.Errorf("tip text %v in a card %v", l.text.TextSize, l.card.Size())
	}
	rb.MouseOut()
	if l.Showing() != "" {
		t.Fatal("the tip stayed after the pointer left")
	}

	// The rightmost button's tip is kept inside the window.
	sb := settings.button
	sb.MouseIn(&desktop.MouseEvent{})
	waitTip(t, l, q, "Settings… (Ctrl+,)")
	if right := l.card.Position().X + l.card.Size().Width; right > w.Canvas().Size().Width+0.5 {
		t.Errorf("tip ends at x=%v, beyond the window's %v", right, w.Canvas().Size().Width)
	}
	sb.MouseOut()

	// A click before the delay: the action runs and no tip follows.
	rb.MouseIn(&desktop.MouseEvent{})
	test.Tap(rb)
	if ran != 1 {
		t.Fatalf("the action ran %d times, want 1", ran)
	}
	settle(l, q)
	if l.Showing() != "" {
		t.Fatalf("tip %q showed after the click", l.Showing())
	}

	// A button at the window's foot has its tip above it.
	foot := l.Button(theme.MoveDownIcon(), "Move down", func() {})
	w.SetContent(l.Over(container.NewBorder(nil, container.NewHBox(foot), nil, nil, widget.NewLabel("body"))))
	foot.(desktop.Hoverable).MouseIn(&desktop.MouseEvent{})
	waitTip(t, l, q, "Move down")
	fpos := fyne.CurrentApp().Driver().AbsolutePositionForObject(foot)
	if bottom := l.card.Position().Y + l.card.Size().Height; bottom > fpos.Y || l.card.Position().Y < 0 {
		t.Errorf("tip from y=%v to %v, want it above the button at y=%v", l.card.Position().Y, bottom, fpos.Y)
	}
	foot.(desktop.Hoverable).MouseOut()
	w.SetContent(l.Over(container.NewBorder(bar, nil, nil, nil, widget.NewLabel("body"))))

	// Leaving one button does not take away another's tip.
	rb.MouseIn(&desktop.MouseEvent{})
	waitTip(t, l, q, "Reply (Ctrl+R)")
	sb.MouseOut()
	if l.Showing() != "Reply (Ctrl+R)" {
		t.Fatal("another button's leave hid the tip")
	}
}

// The layer holds no widget: a click where a tip shows reaches what is under it.
func TestTipLayerTakesNoPointerEvents(t *testing.T) {
	test.NewTempApp(t)
	l := NewTipLayer(fyne.Do)
	for _, o := range l.box.Objects {
		for _, obj := range append([]fyne.CanvasObject{o}, l.card.Objects...) {
			if _, ok := obj.(fyne.Widget); ok {
				t.Errorf("%T in the tip layer is a widget", obj)
			}
			if _, ok := obj.(fyne.Tappable); ok {
				t.Errorf("%T in the tip layer takes taps", obj)
			}
		}
	}
}

// A toggle's new action is named in its tip; a tip of the old one goes.
func TestTipActionSet(t *testing.T) {
	test.NewTempApp(t)
	l, q := testTipLayer()
	ran := ""
	junk := NewTipAction(l, theme.WarningIcon(), "Junk", func() { ran = "junk" })
	test.NewWindow(l.Over(widget.NewToolbar(junk)))
	b := junk.button
	b.MouseIn(&desktop.MouseEvent{})
	waitTip(t, l, q, "Junk")
	junk.Set(theme.ConfirmIcon(), "Not junk", func() { ran = "not junk" })
	if l.Showing() != "" || junk.Tip() != "Not junk" || b.Icon != theme.ConfirmIcon() {
		t.Fatalf("after Set: tip showing %q, tip %q", l.Showing(), junk.Tip())
	}
	test.Tap(b)
	if ran != "not junk" {
		t.Fatalf("the tap ran %q", ran)
	}
	b.MouseIn(&desktop.MouseEvent{})
	waitTip(t, l, q, "Not junk")
}
