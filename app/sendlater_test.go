package app

import (
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"hongyan/mailcore/message"
)

func TestLaterChoices(t *testing.T) {
	loc := time.FixedZone("CST", 8*3600)
	// Friday 2026-11-27 17:42:30.
	fri := time.Date(2026, 11, 27, 17, 42, 30, 0, loc)
	want := []time.Time{
		time.Date(2026, 11, 27, 18, 42, 0, 0, loc),
		time.Date(2026, 11, 28, 8, 0, 0, 0, loc),
		time.Date(2026, 11, 28, 13, 0, 0, 0, loc),
		time.Date(2026, 11, 30, 8, 0, 0, 0, loc),
	}
	got := laterChoices(fri)
	if len(got) != len(want) {
		t.Fatalf("%d choices on a Friday", len(got))
	}
	for i := range want {
		if !got[i].at.Equal(want[i]) || got[i].at.Location() != loc {
			t.Errorf("choice %s: %v, want %v", got[i].key, got[i].at, want[i])
		}
	}
	// On a Monday "Monday morning" is next week's; on a Sunday it is
	// tomorrow morning, already offered.
	mon := laterChoices(time.Date(2026, 11, 30, 9, 0, 0, 0, loc))
	if last := mon[len(mon)-1]; last.key != "compose.later_monday" || !last.at.Equal(time.Date(2026, 12, 7, 8, 0, 0, 0, loc)) {
		t.Errorf("on a Monday: %s %v", last.key, last.at)
	}
	if sun := laterChoices(time.Date(2026, 11, 29, 9, 0, 0, 0, loc)); len(sun) != 3 {
		t.Errorf("on a Sunday: %d choices", len(sun))
	}
	// The last day of a month rolls over.
	if c := laterChoices(time.Date(2026, 12, 31, 22, 0, 0, 0, loc)); !c[1].at.Equal(time.Date(2027, 1, 1, 8, 0, 0, 0, loc)) {
		t.Errorf("tomorrow on Dec 31: %v", c[1].at)
	}
}

func TestLaterTime(t *testing.T) {
	loc := time.FixedZone("CST", 8*3600)
	now := time.Date(2026, 11, 27, 17, 42, 0, 0, loc)
	day := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC) // as the date entry parses a typed date
	got, err := laterTime(&day, " 9:05 ", now)
	if err != nil || !got.Equal(time.Date(2026, 11, 28, 9, 5, 0, 0, loc)) {
		t.Fatalf("9:05 tomorrow: %v %v", got, err)
	}
	today := time.Date(2026, 11, 27, 0, 0, 0, 0, loc)
	for _, bad := range []struct {
		date  *time.Time
		clock string
	}{{nil, "09:00"}, {&day, "9"}, {&day, "24:00"}, {&day, "08:60"}, {&day, "noon"}, {&today, "17:42"}, {&today, "08:00"}} {
		if at, err := laterTime(bad.date, bad.clock, now); err == nil {
			t.Errorf("%v %q accepted as %v", bad.date, bad.clock, at)
		}
	}
	if _, err := laterTime(&today, "17:43", now); err != nil {
		t.Errorf("a minute from now: %v", err)
	}
}

func TestLaterFormPicks(t *testing.T) {
	test.NewTempApp(t)
	now := time.Date(2026, 11, 27, 17, 42, 0, 0, time.Local)
	var picked []time.Time
	f := newLaterForm(now, func(at time.Time) { picked = append(picked, at) })
	w := test.NewWindow(f.content)
	defer w.Close()
	test.Tap(f.choices[1])
	if len(picked) != 1 || !picked[0].Equal(time.Date(2026, 11, 28, 8, 0, 0, 0, time.Local)) {
		t.Fatalf("tomorrow morning picked %v", picked)
	}
	// The day and time fields start at tomorrow morning and read back.
	at, err := laterTime(f.date.Date, f.clock.Text, now)
	if err != nil || !at.Equal(picked[0]) {
		t.Fatalf("fields: %v %v", at, err)
	}
	f.clock.SetText("14:30")
	if at, err := laterTime(f.date.Date, f.clock.Text, now); err != nil || at.Hour() != 14 || at.Minute() != 30 {
		t.Fatalf("14:30: %v %v", at, err)
	}
}

// Send later refuses a message without recipients before asking when.
func TestSendLaterChecksRecipientsFirst(t *testing.T) {
	useEnglish(t)
	h := newComposeHarness(t, 0)
	c := h.compose(t, &message.Draft{Subject: "to no one"})
	defer c.closeWin()
	overlayLabels := func() []string {
		top := c.Win.Canvas().Overlays().Top()
		if top == nil {
			t.Fatal("nothing shown")
		}
		var out []string
		for _, o := range test.LaidOutObjects(top) {
			if l, ok := o.(*widget.Label); ok {
				out = append(out, l.Text)
			}
		}
		return out
	}
	c.sendLaterClicked()
	if got := overlayLabels(); !contains(got, T("compose.no_recipients")) || contains(got, T("compose.later_other")) {
		t.Fatalf("without recipients Send later shows %q", got)
	}
	c.Win.Canvas().Overlays().Remove(c.Win.Canvas().Overlays().Top())
	c.To.SetText(h.user.Address)
	c.sendLaterClicked()
	if got := overlayLabels(); !contains(got, T("compose.later_other")) {
		t.Fatalf("with a recipient Send later shows %q, not the times", got)
	}
}
