package message

import (
	"bytes"
	"errors"
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
	// Zone is the event's own time zone, named by its TZID, when the zone
	// database knows it; nil for UTC, floating or unknown zones.
	Zone      *time.Location
	Location  string
	Organizer string // the organizer's name, else address
	// OrganizerAddr is the organizer's address, Attendees those of the
	// people invited (lower case), for an answer (Reply).
	OrganizerAddr string
	Attendees     []string

	event *ical.Event
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
	st, err := eventTime(start)
	if err != nil || st.IsZero() {
		return nil
	}
	inv.Start = st.Local()
	inv.AllDay = start.ValueType() == ical.ValueDate || len(start.Value) == len("20060102")
	// go-ical placed the time in its TZID's zone when it knew the name;
	// an unknown name was read as local time (eventTime).
	if start.Params.Get(ical.PropTimezoneID) != "" && !inv.AllDay && st.Location() != time.Local {
		inv.Zone = st.Location()
	}
	if end := ev.Props.Get(ical.PropDateTimeEnd); end != nil {
		if e, err := eventTime(end); err == nil {
			inv.End = e.Local()
		}
	} else if e, err := ev.DateTimeEnd(time.Local); err == nil && !e.Equal(inv.Start) {
		inv.End = e.Local()
	}
	if o := ev.Props.Get(ical.PropOrganizer); o != nil {
		inv.OrganizerAddr = calAddress(o.Value)
		inv.Organizer = o.Params.Get(ical.ParamCommonName)
		if inv.Organizer == "" {
			inv.Organizer = inv.OrganizerAddr
		}
	}
	for _, p := range ev.Props.Values(ical.PropAttendee) {
		if a := calAddress(p.Value); a != "" {
			inv.Attendees = append(inv.Attendees, strings.ToLower(a))
		}
	}
	inv.event = &ev
	return inv
}

// eventTime reads a DTSTART or DTEND in its own zone. A zone name the zone
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
	return t, err
}

// calAddress is the address of a calendar user ("mailto:a@example.org").
func calAddress(v string) string {
	v = strings.TrimSpace(v)
	if len(v) >= 7 && strings.EqualFold(v[:7], "mailto:") {
		v = v[7:]
	}
	return strings.TrimSpace(v)
}

func text(props ical.Props, name string) string {
	s, err := props.Text(name)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(s)
}

// ErrNoReply: the calendar part is not an invitation that can be answered
// (not a REQUEST, or no organizer to answer to).
var ErrNoReply = errors.New("this calendar message cannot be answered")

// EventKey names the event the invitation is about: its UID and, for one
// occurrence of a repeating event, its RECURRENCE-ID ("" without a UID).
func (inv *Invitation) EventKey() string {
	if inv == nil || inv.event == nil {
		return ""
	}
	uid := text(inv.event.Props, ical.PropUID)
	if uid == "" {
		return ""
	}
	if r := inv.event.Props.Get(ical.PropRecurrenceID); r != nil {
		return uid + "/" + r.Value
	}
	return uid
}

// CanReply reports whether the invitation asks for an answer that Reply
// can build.
func (inv *Invitation) CanReply() bool {
	return inv != nil && inv.Method == "REQUEST" && inv.OrganizerAddr != "" && inv.event != nil
}

// Reply builds the answer of attendee from to the invitation (RFC 5546
// REPLY: the event's UID, SEQUENCE and RECURRENCE-ID, the organizer, the
// attendee with PARTSTAT ACCEPTED or DECLINED), as a message to the
// organizer with subject and text (the caller's words, translated) and
// the answer as a text/calendar part, which calendars read on arrival.
func (inv *Invitation) Reply(from Address, accept bool, now time.Time, subject, text string) (*Draft, error) {
	if !inv.CanReply() {
		return nil, ErrNoReply
	}
	cal := ical.NewCalendar()
	cal.Props.SetText(ical.PropVersion, "2.0")
	cal.Props.SetText(ical.PropProductID, "-//Hongyan//Hongyan//EN")
	cal.Props.SetText(ical.PropMethod, "REPLY")
	ev := ical.NewEvent()
	for _, name := range []string{ical.PropUID, ical.PropSequence, ical.PropRecurrenceID, ical.PropDateTimeStart,
		ical.PropDateTimeEnd, ical.PropDuration, ical.PropSummary, ical.PropOrganizer} {
		if p := inv.event.Props.Get(name); p != nil {
			ev.Props.Set(p)
		}
	}
	ev.Props.SetDateTime(ical.PropDateTimeStamp, now.UTC())
	att := ical.NewProp(ical.PropAttendee)
	att.Value = "mailto:" + from.Email
	status := "DECLINED"
	if accept {
		status = "ACCEPTED"
	}
	att.Params.Set(ical.ParamParticipationStatus, status)
	if from.Name != "" {
		att.Params.Set(ical.ParamCommonName, from.Name)
	}
	ev.Props.Set(att)
	cal.Children = append(cal.Children, ev.Component)
	var buf bytes.Buffer
	if err := ical.NewEncoder(&buf).Encode(cal); err != nil {
		return nil, err
	}
	return &Draft{From: from, To: []Address{{Name: inv.Organizer, Email: inv.OrganizerAddr}}, Subject: subject, Text: text,
		Attachments: []DraftAttachment{{Name: "reply.ics", ContentType: "text/calendar; method=REPLY; charset=UTF-8", Data: buf.Bytes()}}}, nil
}
