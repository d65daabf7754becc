package message

import (
	"bytes"
	"strings"
	"time"
	_ "time/tzdata" // event times name their zone (TZID); Windows has no zone database of its own

	"github.com/emersion/go-ical"
)

// Invitation is the event of a calendar part (text/calendar, as Outlook,
// Google Calendar and other calendars send with an invitation), for the
// reading view to show above the body.
type Invitation struct {
	// Method is what the sender asks: REQUEST (an invitation), CANCEL,
	// REPLY (an answer), PUBLISH; "" when the part does not say.
	Method     string
	Summary    string
	Start, End time.Time // in local time; End is zero when not given
	AllDay     bool
	Location   string
	Organizer  string // the organizer's name, else address
}

// maxCalendarBytes bounds the calendar parts Invitation decodes.
const maxCalendarBytes = 1 << 20

// Invitation returns the first event of the message's first calendar part
// that can be read, or nil.
func (m *Message) Invitation() *Invitation {
	if m == nil {
		return nil
	}
	for i, a := range m.Attachments {
		isCal := strings.EqualFold(a.ContentType, "text/calendar") || strings.HasSuffix(strings.ToLower(a.Name), ".ics")
		if !isCal || a.Size > maxCalendarBytes {
			continue
		}
		data, err := m.AttachmentData(i)
		if err != nil {
			continue
		}
		if inv := parseInvitation(data); inv != nil {
			return inv
		}
	}
	return nil
}

// parseInvitation reads the first VEVENT of an iCalendar file, or returns
// nil. A damaged file must not take the reading view down with it, so a
// panic of the decoder counts as "no invitation".
func parseInvitation(data []byte) (inv *Invitation) {
	defer func() {
		if recover() != nil {
			inv = nil
		}
	}()
	cal, err := ical.NewDecoder(bytes.NewReader(data)).Decode()
	if err != nil {
		return nil
	}
	events := cal.Events()
	if len(events) == 0 {
		return nil
	}
	ev := events[0]
	inv = &Invitation{Method: strings.ToUpper(text(cal.Props, ical.PropMethod)),
		Summary: text(ev.Props, ical.PropSummary), Location: text(ev.Props, ical.PropLocation)}
	start := ev.Props.Get(ical.PropDateTimeStart)
	if start == nil {
		return nil
	}
	inv.Start, err = eventTime(start)
	if err != nil || inv.Start.IsZero() {
		return nil
	}
	inv.AllDay = start.ValueType() == ical.ValueDate || len(start.Value) == len("20060102")
	if end := ev.Props.Get(ical.PropDateTimeEnd); end != nil {
		inv.End, _ = eventTime(end)
	} else if e, err := ev.DateTimeEnd(time.Local); err == nil && !e.Equal(inv.Start) {
		inv.End = e.Local()
	}
	if o := ev.Props.Get(ical.PropOrganizer); o != nil {
		inv.Organizer = o.Params.Get(ical.ParamCommonName)
		if inv.Organizer == "" {
			inv.Organizer = strings.TrimPrefix(strings.TrimPrefix(o.Value, "mailto:"), "MAILTO:")
		}
	}
	return inv
}

// eventTime reads a DTSTART or DTEND in local time. A zone name the zone
// database does not know (Outlook writes Windows names such as "China
// Standard Time" unless it adds a VTIMEZONE) is read as local time rather
// than not at all.
func eventTime(p *ical.Prop) (time.Time, error) {
	t, err := p.DateTime(time.Local)
	if err != nil && p.Params.Get(ical.PropTimezoneID) != "" {
		q := *p
		q.Params = ical.Params{}
		for k, v := range p.Params {
			if k != ical.PropTimezoneID {
				q.Params[k] = v
			}
		}
		t, err = q.DateTime(time.Local)
	}
	return t.Local(), err
}

func text(props ical.Props, name string) string {
	s, err := props.Text(name)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(s)
}
