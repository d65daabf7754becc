package app

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"hongyan/widgets"
)

// laterChoice is one of the send-later dialog's ready-made times.
type laterChoice struct {
	key string // translation key of its name
	at  time.Time
}

// Morning and afternoon of the ready-made choices, as mail clients with
// scheduled sending commonly offer them.
const (
	morningHour   = 8
	afternoonHour = 13
)

// laterChoices are the ready-made times after now: in an hour, tomorrow
// morning and afternoon, and Monday morning (next week's when today is
// Monday; left out when it is tomorrow, which is already offered).
func laterChoices(now time.Time) []laterChoice {
	at := func(days, hour int) time.Time {
		y, m, d := now.Date()
		return time.Date(y, m, d+days, hour, 0, 0, 0, now.Location())
	}
	out := []laterChoice{
		{"compose.later_hour", now.Add(time.Hour).Truncate(time.Minute)},
		{"compose.later_tomorrow_morning", at(1, morningHour)},
		{"compose.later_tomorrow_afternoon", at(1, afternoonHour)},
	}
	toMonday := (int(time.Monday) - int(now.Weekday()) + 7) % 7
	if toMonday == 0 {
		toMonday = 7
	}
	if toMonday > 1 {
		out = append(out, laterChoice{"compose.later_monday", at(toMonday, morningHour)})
	}
	return out
}

// laterTime is the time a date (its year, month and day) and a typed
// "HH:MM" name in now's zone; it must lie after now.
func laterTime(date *time.Time, clock string, now time.Time) (time.Time, error) {
	if date == nil {
		return time.Time{}, errors.New(T("compose.later_no_date"))
	}
	var h, m int
	if n, err := fmt.Sscanf(strings.TrimSpace(clock), "%d:%d", &h, &m); err != nil || n != 2 || h < 0 || h > 23 || m < 0 || m > 59 {
		return time.Time{}, errors.New(T("compose.bad_time"))
	}
	y, mo, d := date.Date()
	t := time.Date(y, mo, d, h, m, 0, 0, now.Location())
	if !t.After(now) {
		return time.Time{}, errors.New(T("compose.later_past"))
	}
	return t, nil
}

// laterForm is the content of the send-later dialog: the ready-made times
// as buttons, each of which schedules at once, and a date and a time for
// any other moment.
type laterForm struct {
	choices []*widget.Button
	date    *widgets.DateField
	clock   *widget.SelectEntry
	content fyne.CanvasObject
}

func newLaterForm(now time.Time, pick func(time.Time)) *laterForm {
	f := &laterForm{date: widgets.NewDateField()}
	f.date.Min = now
	grid := container.NewGridWithColumns(2)
	choices := laterChoices(now)
	for _, c := range choices {
		b := widget.NewButton(T(c.key, map[string]any{"Time": widgets.DayAndTime(c.at)}), func() { pick(c.at) })
		f.choices = append(f.choices, b)
		grid.Add(b)
	}
	tomorrow := choices[1].at // tomorrow morning
	f.date.SetDate(&tomorrow)
	var times []string
	for h := 6; h <= 22; h++ {
		times = append(times, fmt.Sprintf("%02d:00", h))
	}
	f.clock = widget.NewSelectEntry(times)
	f.clock.SetText(fmt.Sprintf("%02d:00", morningHour))
	form := widget.NewForm(widget.NewFormItem(T("compose.later_date"), f.date), widget.NewFormItem(T("compose.later_time"), f.clock))
	f.content = container.NewVBox(grid, widget.NewSeparator(), widget.NewLabel(T("compose.later_other")), form)
	return f
}

// sendLaterClicked asks when to send and sends then. A message that
// cannot be sent (no recipient, a bad address) is refused before the time
// is asked for; warnings are asked about once the time is chosen.
func (c *ComposeWindow) sendLaterClicked() {
	if _, _, _, err := c.Check(); err != nil {
		dialog.ShowError(err, c.Win)
		return
	}
	var d dialog.Dialog
	f := newLaterForm(time.Now(), func(at time.Time) {
		d.Hide()
		c.sendWithChecks(at)
	})
	d = dialog.NewCustomConfirm(T("compose.send_later"), T("compose.later_schedule"), T("compose.cancel"), f.content, func(ok bool) {
		if !ok {
			return
		}
		at, err := laterTime(f.date.Date, f.clock.Text, time.Now())
		if err != nil {
			d.Show() // again, with what was entered, under the error
			dialog.ShowError(err, c.Win)
			return
		}
		c.sendWithChecks(at)
	}, c.Win)
	d.Show()
}
