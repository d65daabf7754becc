package widgets

import (
	"strconv"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Dates are typed and shown as YYYY-MM-DD, the form the rest of the
// interface uses for dates (DayAndTime) in both languages.
const dateLayout = "2006-01-02"

// DateField is a day, typed as YYYY-MM-DD or picked from a month grid
// that opens under the field.
//
// Written here rather than taken from Fyne: its DateEntry names the month
// of its calendar with Go's time.Format ("November 2026") whatever the
// interface's language, and offers days in the past, which a field for a
// time to come (send later) must not.
type DateField struct {
	widget.Entry

	// Date is the day entered, nil while the text is not a date.
	Date *time.Time
	// Min, when set, is the first day that can be picked or typed.
	Min time.Time
	// OnDateChanged is called when Date changes.
	OnDateChanged func(*time.Time)

	pop  *widget.PopUp
	Grid *MonthGrid // the grid of the open pop-up, nil when closed
}

// NewDateField is an empty date field.
func NewDateField() *DateField {
	f := &DateField{}
	f.ExtendBaseWidget(f)
	f.SetPlaceHolder(lang.X("date.placeholder", "YYYY-MM-DD"))
	f.Validator = func(s string) error {
		_, err := f.parse(s)
		return err
	}
	f.Entry.OnChanged = func(s string) {
		d, err := f.parse(s)
		if err != nil {
			f.setDate(nil)
			return
		}
		f.setDate(&d)
	}
	f.ActionItem = widget.NewButtonWithIcon("", theme.CalendarIcon(), f.ShowGrid)
	return f
}

// dateError is a date that could not be read from the field's text.
type dateError struct{ key, fallback string }

func (e dateError) Error() string { return lang.X(e.key, e.fallback) }

func (f *DateField) parse(s string) (time.Time, error) {
	d, err := time.ParseInLocation(dateLayout, s, time.Local)
	if err != nil {
		return time.Time{}, dateError{"date.bad", "Type a date as YYYY-MM-DD."}
	}
	if !f.Min.IsZero() && d.Before(dayOf(f.Min)) {
		return time.Time{}, dateError{"date.too_early", "That day has already passed."}
	}
	return d, nil
}

func (f *DateField) setDate(d *time.Time) {
	if d == nil && f.Date == nil || d != nil && f.Date != nil && d.Equal(*f.Date) {
		return
	}
	f.Date = d
	if f.OnDateChanged != nil {
		f.OnDateChanged(d)
	}
}

// SetDate shows day d (nil empties the field).
func (f *DateField) SetDate(d *time.Time) {
	if d == nil {
		f.SetText("")
		return
	}
	f.SetText(d.Format(dateLayout))
}

// ShowGrid opens the month grid under the field, at the month of the
// day entered (or of today).
func (f *DateField) ShowGrid() {
	c := fyne.CurrentApp().Driver().CanvasForObject(f)
	if c == nil {
		return
	}
	g := NewMonthGrid(time.Now(), func(d time.Time) {
		f.SetDate(&d)
		f.HideGrid()
		c.Focus(f)
	})
	g.Min = f.Min
	g.cursor = g.clamp(g.cursor)
	if f.Date != nil {
		g.Select(*f.Date)
	}
	g.OnDismiss = func() {
		f.HideGrid()
		c.Focus(f)
	}
	f.Grid = g
	f.pop = widget.NewPopUp(g, c)
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(f)
	f.pop.ShowAtPosition(pos.Add(fyne.NewPos(0, f.Size().Height)))
	f.pop.Resize(fyne.NewSize(max(f.Size().Width, g.MinSize().Width), g.MinSize().Height))
	// The keys move through the days at once (see MonthGrid.TypedKey).
	c.Focus(g)
}

// TypedKey opens the month grid on the Down arrow; other keys edit.
func (f *DateField) TypedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyDown && f.pop == nil {
		f.ShowGrid()
		return
	}
	f.Entry.TypedKey(k)
}

// HideGrid closes the month grid if it is open.
func (f *DateField) HideGrid() {
	if f.pop != nil {
		f.pop.Hide()
		f.pop, f.Grid = nil, nil
	}
}

// MonthGrid is a month's days under the month's name, with buttons to the
// month before and after. The month's name, the weekdays and the first day
// of the week are the interface language's (translation keys date.*).
//
// With the keyboard focus, the arrows move a highlighted day (across
// months), Page Up and Page Down turn the month, Home and End go to its
// first and last day, Enter or Space picks the day and Esc calls
// OnDismiss.
type MonthGrid struct {
	widget.BaseWidget

	// Min, when set, is the first day that can be picked.
	Min time.Time
	// OnPicked is called with the day tapped.
	OnPicked func(time.Time)
	// OnDismiss is called on Esc.
	OnDismiss func()

	today    time.Time
	month    time.Time // first day of the month shown
	selected time.Time // zero when none
	cursor   time.Time // the day the keys are on
	focused  bool
	title    *widget.Label
	days     *fyne.Container
}

// NewMonthGrid shows today's month; picked receives the day tapped.
func NewMonthGrid(today time.Time, picked func(time.Time)) *MonthGrid {
	g := &MonthGrid{OnPicked: picked, today: dayOf(today)}
	g.cursor = g.today
	g.month = firstOfMonth(g.today)
	g.title = widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	g.days = container.NewGridWithColumns(7)
	g.ExtendBaseWidget(g)
	g.refresh()
	return g
}

// Select marks day d and shows its month.
func (g *MonthGrid) Select(d time.Time) {
	g.selected = dayOf(d)
	g.cursor = g.selected
	g.month = firstOfMonth(g.selected)
	g.refresh()
}

// Cursor is the day the keys are on.
func (g *MonthGrid) Cursor() time.Time { return g.cursor }

// FocusGained shows the day the keys are on.
func (g *MonthGrid) FocusGained() {
	g.focused = true
	g.refresh()
}

// FocusLost shows the day picked again.
func (g *MonthGrid) FocusLost() {
	g.focused = false
	g.refresh()
}

// TypedRune picks the day on Space.
func (g *MonthGrid) TypedRune(r rune) {
	if r == ' ' {
		g.pick(g.cursor)
	}
}

// TypedKey moves through the days; see MonthGrid.
func (g *MonthGrid) TypedKey(k *fyne.KeyEvent) {
	c := g.cursor
	switch k.Name {
	case fyne.KeyLeft:
		c = c.AddDate(0, 0, -1)
	case fyne.KeyRight:
		c = c.AddDate(0, 0, 1)
	case fyne.KeyUp:
		c = c.AddDate(0, 0, -7)
	case fyne.KeyDown:
		c = c.AddDate(0, 0, 7)
	case fyne.KeyPageUp:
		c = addMonths(c, -1)
	case fyne.KeyPageDown:
		c = addMonths(c, 1)
	case fyne.KeyHome:
		c = firstOfMonth(c)
	case fyne.KeyEnd:
		c = firstOfMonth(c).AddDate(0, 1, -1)
	case fyne.KeyReturn, fyne.KeyEnter:
		g.pick(c)
		return
	case fyne.KeyEscape:
		if g.OnDismiss != nil {
			g.OnDismiss()
		}
		return
	default:
		return
	}
	c = g.clamp(c)
	g.cursor = c
	g.month = firstOfMonth(c)
	g.refresh()
}

// pick takes day d, unless it is before Min.
func (g *MonthGrid) pick(d time.Time) {
	if !g.Min.IsZero() && d.Before(dayOf(g.Min)) {
		return
	}
	g.selected = d
	g.cursor = d
	g.refresh()
	if g.OnPicked != nil {
		g.OnPicked(d)
	}
}

// addMonths is the same day n months on, or the month's last day if it
// has fewer days (31 January + 1 month is 28 or 29 February, not March).
func addMonths(d time.Time, n int) time.Time {
	first := firstOfMonth(d).AddDate(0, n, 0)
	last := first.AddDate(0, 1, -1).Day()
	return first.AddDate(0, 0, min(d.Day(), last)-1)
}

// Title is the month's name as shown, as "2026年11月" or "November 2026".
func (g *MonthGrid) Title() string { return g.title.Text }

// Step shows the month n months after the one shown (before for n < 0),
// the keys' day moving with it.
func (g *MonthGrid) Step(n int) {
	g.month = g.month.AddDate(0, n, 0)
	g.cursor = g.clamp(addMonths(g.cursor, n))
	g.refresh()
}

// clamp is d, or Min's day if d is before it.
func (g *MonthGrid) clamp(d time.Time) time.Time {
	if earliest := dayOf(g.Min); !g.Min.IsZero() && d.Before(earliest) {
		return earliest
	}
	return d
}

// DayButton is the button of day d of the month shown (1-based), nil when
// the month has no such day.
func (g *MonthGrid) DayButton(d int) *widget.Button {
	for _, o := range g.days.Objects {
		if b, ok := o.(*widget.Button); ok && b.Text == strconv.Itoa(d) {
			return b
		}
	}
	return nil
}

// Headings are the weekday names over the columns, in order.
func (g *MonthGrid) Headings() []string {
	var out []string
	for _, o := range g.days.Objects[:7] {
		out = append(out, o.(*widget.Label).Text)
	}
	return out
}

func (g *MonthGrid) CreateRenderer() fyne.WidgetRenderer {
	prev := widget.NewButtonWithIcon("", theme.NavigateBackIcon(), func() { g.Step(-1) })
	next := widget.NewButtonWithIcon("", theme.NavigateNextIcon(), func() { g.Step(1) })
	prev.Importance, next.Importance = widget.LowImportance, widget.LowImportance
	return widget.NewSimpleRenderer(container.NewBorder(container.NewBorder(nil, nil, prev, next, g.title), nil, nil, nil, g.days))
}

// firstWeekday is the interface language's first day of the week: Monday
// in Chinese, Sunday in English (key date.first_weekday, a digit).
func firstWeekday() time.Weekday {
	n, err := strconv.Atoi(lang.X("date.first_weekday", "0"))
	if err != nil || n < 0 || n > 6 {
		return time.Sunday
	}
	return time.Weekday(n)
}

func (g *MonthGrid) refresh() {
	m := g.month.Month()
	g.title.SetText(lang.X("date.month_year", "{{.Month}} {{.Year}}", map[string]any{
		"Month": lang.X("date.month."+strconv.Itoa(int(m)), m.String()),
		"Year":  g.month.Year(),
	}))
	first := firstWeekday()
	var objs []fyne.CanvasObject
	for i := 0; i < 7; i++ {
		day := (first + time.Weekday(i)) % 7
		l := widget.NewLabelWithStyle(lang.X("date.weekday_short."+strconv.Itoa(int(day)), day.String()[:3]), fyne.TextAlignCenter, fyne.TextStyle{})
		objs = append(objs, l)
	}
	for lead := (int(g.month.Weekday()) - int(first) + 7) % 7; lead > 0; lead-- {
		objs = append(objs, widget.NewLabel(""))
	}
	earliest := dayOf(g.Min)
	for d := g.month; d.Month() == m; d = d.AddDate(0, 0, 1) {
		b := widget.NewButton(strconv.Itoa(d.Day()), nil)
		b.Importance = widget.LowImportance
		// With the focus, the highlight follows the keys.
		mark := g.selected
		if g.focused {
			mark = g.cursor
		}
		switch {
		case d.Equal(mark):
			b.Importance = widget.HighImportance
		case d.Equal(g.today):
			b.Importance = widget.MediumImportance
		}
		if !g.Min.IsZero() && d.Before(earliest) {
			b.Disable()
		}
		b.OnTapped = func() { g.pick(d) }
		objs = append(objs, b)
	}
	g.days.Objects = objs
	g.days.Refresh()
}

// dayOf is the start of t's day in the local zone.
func dayOf(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	y, m, d := t.In(time.Local).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.Local)
}

func firstOfMonth(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.Local)
}
