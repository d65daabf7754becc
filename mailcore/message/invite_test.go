package message

import (
	"strings"
	"testing"
	"time"
)

func ics(lines ...string) []byte {
	return []byte(strings.Join(append(append([]string{"BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN"}, lines...), "END:VCALENDAR"), "\r\n") + "\r\n")
}

func TestParseInvitation(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	inv := parseInvitation(ics("METHOD:REQUEST", "BEGIN:VEVENT", "UID:1", "DTSTAMP:20261201T080000Z",
		"SUMMARY:Catch-up\\, with notes", "LOCATION:Room 3",
		"DTSTART;TZID=Europe/Berlin:20261208T100000", "DTEND;TZID=Europe/Berlin:20261208T110000",
		"ORGANIZER;CN=Henry Brown:mailto:henry@example.org", "END:VEVENT"))
	if inv == nil {
		t.Fatal("no invitation")
	}
	if inv.Method != "REQUEST" || inv.Summary != "Catch-up, with notes" || inv.Location != "Room 3" || inv.Organizer != "Henry Brown" || inv.AllDay {
		t.Fatalf("%+v", inv)
	}
	if !inv.Start.Equal(time.Date(2026, 12, 8, 10, 0, 0, 0, berlin)) || inv.End.Sub(inv.Start) != time.Hour {
		t.Fatalf("times %v – %v", inv.Start, inv.End)
	}
	if inv.Zone == nil || inv.Zone.String() != "Europe/Berlin" {
		t.Fatalf("event's zone %v, want Europe/Berlin", inv.Zone)
	}

	// UTC, a duration instead of an end, no organizer name.
	inv = parseInvitation(ics("BEGIN:VEVENT", "UID:2", "DTSTAMP:20261201T080000Z", "SUMMARY:Call",
		"DTSTART:20261208T090000Z", "DURATION:PT30M", "ORGANIZER:mailto:a@example.org", "END:VEVENT"))
	if inv == nil || !inv.Start.Equal(time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC)) || inv.End.Sub(inv.Start) != 30*time.Minute ||
		inv.Organizer != "a@example.org" || inv.Method != "" || inv.Zone != nil {
		t.Fatalf("UTC event: %+v", inv)
	}

	// All day; a Windows zone name is read as local time.
	inv = parseInvitation(ics("METHOD:CANCEL", "BEGIN:VEVENT", "UID:3", "DTSTAMP:20261201T080000Z", "SUMMARY:Holiday",
		"DTSTART;VALUE=DATE:20261224", "DTEND;VALUE=DATE:20261226", "END:VEVENT"))
	if inv == nil || !inv.AllDay || inv.Start.Day() != 24 || inv.End.Day() != 26 || inv.Method != "CANCEL" {
		t.Fatalf("all-day event: %+v", inv)
	}
	inv = parseInvitation(ics("BEGIN:VEVENT", "UID:4", "DTSTAMP:20261201T080000Z", "SUMMARY:会议",
		"DTSTART;TZID=China Standard Time:20261208T140000", "END:VEVENT"))
	if inv == nil || inv.Start.Hour() != 14 || inv.Summary != "会议" || !inv.End.IsZero() || inv.Zone != nil {
		t.Fatalf("Windows zone: %+v", inv)
	}

	// Not calendars, or no event: nil, no panic.
	for _, bad := range [][]byte{nil, []byte("hello"), ics("BEGIN:VTODO", "UID:5", "END:VTODO"),
		ics("BEGIN:VEVENT", "UID:6", "SUMMARY:no start", "END:VEVENT"), []byte("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n")} {
		if inv := parseInvitation(bad); inv != nil {
			t.Errorf("%q read as %+v", bad, inv)
		}
	}
}

// The invitation of a whole message, from its .ics attachment.
func TestMessageInvitation(t *testing.T) {
	d := &Draft{From: Address{Email: "henry@example.org"}, To: []Address{{Email: "me@example.org"}}, Subject: "Invitation", Text: "See the invitation.",
		Attachments: []DraftAttachment{{Name: "invite.ics", ContentType: "text/calendar", Data: ics("METHOD:REQUEST", "BEGIN:VEVENT",
			"UID:1", "DTSTAMP:20261201T080000Z", "SUMMARY:Review", "DTSTART:20261208T090000Z", "END:VEVENT")}}}
	raw, err := d.Build()
	if err != nil {
		t.Fatal(err)
	}
	m, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if inv := m.Invitation(); inv == nil || inv.Summary != "Review" {
		t.Fatalf("invitation %+v", inv)
	}
	plain, _ := Parse([]byte("Subject: x\r\n\r\nno calendar here\r\n"))
	if plain.Invitation() != nil {
		t.Fatal("an invitation in a plain message")
	}
}

// Calendar parts come from anyone: reading one must end, and an event it
// returns has a start.
func FuzzInvitation(f *testing.F) {
	f.Add(ics("METHOD:REQUEST", "BEGIN:VEVENT", "UID:1", "DTSTAMP:20261201T080000Z", "SUMMARY:x",
		"DTSTART;TZID=Europe/Berlin:20261208T100000", "DURATION:P1DT2H", "RRULE:FREQ=WEEKLY;COUNT=3", "END:VEVENT"))
	f.Add(ics("BEGIN:VEVENT", "DTSTART;VALUE=DATE:20261224", "END:VEVENT"))
	f.Add([]byte("BEGIN:VCALENDAR\r\n BEGIN:VEVENT\r\n\tDTSTART:1\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if inv := parseInvitation(data); inv != nil && inv.Start.IsZero() {
			t.Fatalf("an event without a start from %q", data)
		}
	})
}

func TestInvitationReply(t *testing.T) {
	req := parseInvitation(ics("METHOD:REQUEST", "BEGIN:VEVENT", "UID:u1", "DTSTAMP:20261201T080000Z", "SUMMARY:S",
		"DTSTART:20261208T090000Z", "RECURRENCE-ID:20261208T090000Z", "ORGANIZER:mailto:o@example.org",
		"ATTENDEE:MAILTO:Me@Example.org", "END:VEVENT"))
	if !req.CanReply() || req.OrganizerAddr != "o@example.org" || len(req.Attendees) != 1 || req.Attendees[0] != "me@example.org" {
		t.Fatalf("%+v", req)
	}
	d, err := req.Reply(Address{Name: "Me", Email: "me@example.org"}, false, time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), "Declined: S", "No.")
	if err != nil {
		t.Fatal(err)
	}
	back := parseInvitation(d.Attachments[0].Data)
	body := string(d.Attachments[0].Data)
	if back == nil || back.Method != "REPLY" || !strings.Contains(body, "PARTSTAT=DECLINED") || !strings.Contains(body, "RECURRENCE-ID:20261208T090000Z") ||
		!strings.Contains(body, "DTSTAMP:20261201T090000Z") || d.To[0].Email != "o@example.org" {
		t.Fatalf("reply %+v:\n%s", back, body)
	}
	// Only a REQUEST with an organizer is answered.
	for _, inv := range []*Invitation{nil,
		parseInvitation(ics("METHOD:CANCEL", "BEGIN:VEVENT", "UID:u", "DTSTAMP:20261201T080000Z", "DTSTART:20261208T090000Z", "ORGANIZER:mailto:o@x", "END:VEVENT")),
		parseInvitation(ics("METHOD:REQUEST", "BEGIN:VEVENT", "UID:u", "DTSTAMP:20261201T080000Z", "DTSTART:20261208T090000Z", "END:VEVENT"))} {
		if inv.CanReply() {
			t.Errorf("%+v can be answered", inv)
		}
		if _, err := inv.Reply(Address{Email: "me@example.org"}, true, time.Now(), "", ""); err != ErrNoReply {
			t.Errorf("reply to %+v: %v", inv, err)
		}
	}
}
