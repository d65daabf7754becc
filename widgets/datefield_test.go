package widgets

import (
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.Local) }

// The month grid is used from the keyboard: the arrows, Page Up/Down,
// Home/End move the day (never before Min), Enter and Space pick it, Esc
// dismisses.
func TestMonthGridKeys(t *testing.T) {
	test.NewTempApp(t)
	var picked []time.Time
	dismissed := 0
	today := time.Date(2026, 11, 27, 17, 42, 0, 0, time.Local)
	g := NewMonthGrid(today, func(d time.Time) { picked = append(picked, d) })
	g.Min = today
	g.OnDismiss = func() { dismissed++ }
	w := test.NewWindow(g)
	w.Canvas().Focus(g)
	key := func(names ...fyne.KeyName) {
		for _, n := range names {
			g.TypedKey(&fyne.KeyEvent{Name: n})
		}
	}
	at := func(step string, want time.Time, title string) {
		t.Helper()
		if !g.Cursor().Equal(want) || g.Title() != title {
			t.Fatalf("after %s: on %v in %q, want %v in %q", step, g.Cursor(), g.Title(), want, title)
		}
		if b := g.DayButton(want.Day()); b == nil || b.Importance != widget.HighImportance {
			t.Fatalf("after %s: day %d not highlighted", step, want.Day())
		}
	}
	at("focus", day(2026, 11, 27), "November 2026")
	key(fyne.KeyLeft)
	at("Left on the first day allowed", day(2026, 11, 27), "November 2026")
	key(fyne.KeyRight, fyne.KeyRight, fyne.KeyRight, fyne.KeyRight, fyne.KeyRight)
	at("five times Right", day(2026, 12, 2), "December 2026")
	key(fyne.KeyUp)
	at("Up past the first day allowed", day(2026, 11, 27), "November 2026")
	key(fyne.KeyDown)
	at("Down", day(2026, 12, 4), "December 2026")
	key(fyne.KeyPageDown, fyne.KeyEnd)
	at("Page Down, End", day(2027, 1, 31), "January 2027")
	key(fyne.KeyPageDown)
	at("Page Down from the 31st", day(2027, 2, 28), "February 2027")
	key(fyne.KeyHome)
	at("Home", day(2027, 2, 1), "February 2027")
	if len(picked) != 0 {
		t.Fatalf("moving picked %v", picked)
	}
	key(fyne.KeyReturn)
	g.TypedRune('x')
	key(fyne.KeyRight)
	g.TypedRune(' ')
	if len(picked) != 2 || !picked[0].Equal(day(2027, 2, 1)) || !picked[1].Equal(day(2027, 2, 2)) {
		t.Fatalf("Enter and Space picked %v", picked)
	}
	key(fyne.KeyEscape)
	if dismissed != 1 {
		t.Fatalf("Esc dismissed %d times", dismissed)
	}
	// Without the focus the picked day is the one marked.
	w.Canvas().Unfocus()
	key(fyne.KeyRight)
	if b := g.DayButton(2); b == nil || b.Importance != widget.HighImportance {
		t.Fatal("the picked day is not marked once the grid lost the focus")
	}
	// The month buttons carry the day along.
	g.Step(-3)
	if g.Title() != "November 2026" || !g.Cursor().Equal(day(2026, 11, 27)) {
		t.Fatalf("three months back: %q on %v", g.Title(), g.Cursor())
	}
}

// The field opens its grid on Down with the keys in it; Esc closes the
// grid and gives the field its keys back; Enter fills in the day.
func TestDateFieldKeyboard(t *testing.T) {
	test.NewTempApp(t)
	f := NewDateField()
	w := test.NewWindow(f)
	w.Resize(fyne.NewSize(400, 400))
	w.Canvas().Focus(f)
	f.TypedKey(&fyne.KeyEvent{Name: fyne.KeyDown})
	if f.Grid == nil || w.Canvas().Focused() != f.Grid {
		t.Fatalf("Down: grid %v, focus on %T", f.Grid != nil, w.Canvas().Focused())
	}
	f.Grid.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if f.Grid != nil || w.Canvas().Focused() != f {
		t.Fatalf("Esc: grid open %v, focus on %T", f.Grid != nil, w.Canvas().Focused())
	}
	f.TypedKey(&fyne.KeyEvent{Name: fyne.KeyDown})
	g := f.Grid
	want := dayOf(time.Now()).AddDate(0, 0, 1)
	g.TypedKey(&fyne.KeyEvent{Name: fyne.KeyRight})
	g.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if f.Text != want.Format(dateLayout) || f.Date == nil || f.Grid != nil || w.Canvas().Focused() != f {
		t.Fatalf("Right, Enter: field %q (date %v), grid open %v, focus on %T; want %s", f.Text, f.Date, f.Grid != nil, w.Canvas().Focused(), want.Format(dateLayout))
	}
}
