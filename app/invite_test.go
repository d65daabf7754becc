package app

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"hongyan/internal/mailtest"
	"hongyan/mailcore/message"
	"hongyan/mailcore/netsec"
)

// invitationHarness starts the app on a mailbox holding one invitation
// whose organizer is the user (so that the answer arrives in the same
// inbox).
func invitationHarness(t *testing.T) (*harness, mailtest.User) {
	t.Helper()
	st := mailtest.Shared(t)
	u := st.AddUser(t)
	cal := strings.Join([]string{"BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//t//EN", "METHOD:REQUEST", "BEGIN:VEVENT",
		"UID:ev-9@example.org", "DTSTAMP:20261201T080000Z", "SUMMARY:Planning", "DTSTART:20261208T090000Z",
		"ORGANIZER;CN=Org:mailto:" + u.Address, "ATTENDEE:mailto:" + u.Address, "END:VEVENT", "END:VCALENDAR"}, "\r\n") + "\r\n"
	d := &message.Draft{From: message.Address{Email: u.Address}, To: []message.Address{{Email: u.Address}}, Subject: "Invitation: Planning",
		Text: "Join us.", Attachments: []message.DraftAttachment{{Name: "invite.ics", ContentType: "text/calendar; method=REQUEST", Data: []byte(cal)}}}
	raw, err := d.Build()
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Seed(u, "INBOX", [][]byte{raw}); err != nil {
		t.Fatal(err)
	}
	h := startHarness(t, st, u, testAccount(st, u), u.Password, netsec.Options{RootCAs: st.CAPool})
	h.waitInbox(1)
	return h, u
}

// An invitation in the reading pane: Accept sends the answer through
// Postfix to the organizer, the pane says so, and says it again when the
// message is shown anew.
func TestAcceptInvitationFromThePane(t *testing.T) {
	useEnglish(t)
	h, u := invitationHarness(t)
	st := h.st
	mv := h.mw.mv
	h.click(0, 0)
	h.ui.waitFor(t, "the invitation in the reading view", func() bool { return len(mv.view.reader.InvitationButtons()) == 2 })
	if txt := mv.view.reader.VisibleText(); !strings.Contains(txt, "Planning") || !strings.Contains(txt, "Invitation") {
		t.Fatalf("reading view: %q", firstLine(txt, 300))
	}
	test.Tap(mv.view.reader.InvitationButtons()[0])
	h.ui.waitFor(t, "the answer sent", func() bool {
		return strings.Contains(mv.view.reader.VisibleText(), T("invite.sent_accept"))
	})
	// Shown again, the message says what was answered.
	sum, ok := mv.list.peek(0)
	if !ok {
		t.Fatal("no first row")
	}
	mv.view.gen++
	mv.view.load(sum, mv.view.gen, false)
	h.ui.waitFor(t, "the answer remembered", func() bool {
		return strings.Contains(mv.view.reader.VisibleText(), T("invite.answered_accept"))
	})

	// The answer arrives: a REPLY from the attendee.
	h.ui.waitFor(t, "the answer in the inbox", func() bool {
		for _, raw := range inbox(t, st, u) {
			m, err := message.Parse(raw)
			if err != nil || m.Subject != "Accepted: Planning" {
				continue
			}
			inv := m.Invitation()
			return inv != nil && inv.Method == "REPLY" && len(inv.Attendees) == 1 && inv.Attendees[0] == strings.ToLower(u.Address)
		}
		return false
	})
}

// In the conversation view too: Decline answers from the expanded message.
func TestDeclineInvitationInAConversation(t *testing.T) {
	useEnglish(t)
	h, _ := invitationHarness(t)
	mv := h.mw.mv
	h.viewMenuItem(T("menu.conversations")).Action()
	h.ui.waitFor(t, "the conversation row", func() bool { return len(h.threadRows()) == 1 })
	mv.conv.tapped(0)
	r := mv.conv.reader
	h.ui.waitFor(t, "the invitation in the conversation", func() bool {
		v := r.MessageView(0)
		return v != nil && len(v.InvitationButtons()) == 2
	})
	v := r.MessageView(0)
	test.Tap(v.InvitationButtons()[1])
	h.ui.waitFor(t, "the answer sent", func() bool { return strings.Contains(v.VisibleText(), T("invite.sent_decline")) })
}
