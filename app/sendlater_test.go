package app

import (
	"testing"
	"time"

	"fyne.io/fyne/v2"
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

// The send-later dialog's day opens a month grid in the interface's
// language (Fyne's own calendar named the month in English), with the
// weeks starting on Monday in Chinese; days already gone cannot be
// picked or typed, and a day picked fills the field.
func TestLaterFormMonthGrid(t *testing.T) {
	setLocaleEnv(t, map[string]string{"LANG": "en_US.UTF-8"})
	t.Cleanup(func() { _ = SetLanguage(LangSystem) })
	now := time.Date(2026, 11, 27, 17, 42, 0, 0, time.Local)
	for _, c := range []struct {
		lang, title, next, firstDay, past string
	}{
		{LangChinese, "2026年11月", "2026年12月", "一", "这一天已经过去了。"},
		{LangEnglish, "November 2026", "December 2026", "Sun", "That day has already passed."},
	} {
		mustSetLanguage(t, c.lang)
		test.NewTempApp(t)
		f := newLaterForm(now, func(time.Time) {})
		w := test.NewWindow(f.content)
		w.Resize(fyne.NewSize(500, 400))
		f.date.ShowGrid()
		g := f.date.Grid
		if g == nil {
			t.Fatalf("%s: no month grid shown", c.lang)
		}
		if g.Title() != c.title || g.Headings()[0] != c.firstDay {
			t.Errorf("%s: grid %q starting %q, want %q starting %q", c.lang, g.Title(), g.Headings()[0], c.title, c.firstDay)
		}
		// Tomorrow (the field's day) is marked; yesterday cannot be picked.
		if b := g.DayButton(28); b == nil || b.Importance != widget.HighImportance {
			t.Errorf("%s: tomorrow not marked", c.lang)
		}
		if b := g.DayButton(26); b == nil || !b.Disabled() {
			t.Errorf("%s: a past day can be picked", c.lang)
		}
		if b := g.DayButton(27); b == nil || b.Disabled() {
			t.Errorf("%s: today cannot be picked", c.lang)
		}
		g.Step(1)
		if g.Title() != c.next {
			t.Errorf("%s: next month %q, want %q", c.lang, g.Title(), c.next)
		}
		test.Tap(g.DayButton(5))
		if f.date.Text != "2026-12-05" || f.date.Grid != nil {
			t.Errorf("%s: picking 5 December left %q (grid open: %v)", c.lang, f.date.Text, f.date.Grid != nil)
		}
		if at, err := laterTime(f.date.Date, f.clock.Text, now); err != nil || !at.Equal(time.Date(2026, 12, 5, morningHour, 0, 0, 0, time.Local)) {
			t.Errorf("%s: picked day reads back as %v, %v", c.lang, at, err)
		}
		// Typed: a day gone is refused with a reason, a bad one too.
		f.date.SetText("2026-11-20")
		if err := f.date.Validate(); f.date.Date != nil || err == nil || err.Error() != c.past {
			t.Errorf("%s: a past day typed: date %v, error %v", c.lang, f.date.Date, err)
		}
		f.date.SetText("5.12.2026")
		if err := f.date.Validate(); f.date.Date != nil || err == nil {
			t.Errorf("%s: %q accepted", c.lang, f.date.Text)
		}
		w.Close()
	}
}
