package mailcore

import (
	"context"
	"strings"
	"testing"

	"hongyan/mailcore/account"
	"hongyan/mailcore/message"
	"hongyan/mailcore/store"
)

// Accepting an invitation queues an iTIP REPLY to the organizer, from the
// identity the invitation names.
func TestAnswerInvitation(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	e := composeEngine(t, dir)
	defer e.Close()
	a := account.New()
	a.DisplayName, a.Email = "Me", "me@example.org"
	a.Incoming = account.IncomingServer{Protocol: account.ProtocolPOP3, Host: "127.0.0.1", Port: 1, Username: "me"}
	a.Outgoing = account.OutgoingServer{Host: "127.0.0.1", Port: 1}
	a.Identities = []account.Identity{{Name: "Me", Address: "me@example.org"}, {Name: "Alias", Address: "Alias@example.org"}}
	a.Normalize()
	e.mu.Lock()
	if _, err := e.profile.Add(a); err != nil {
		t.Fatal(err)
	}
	e.mu.Unlock()
	inbox, _ := e.Store().UpsertFolder(ctx, store.Folder{Account: a.ID, Name: "INBOX", Role: store.RoleInbox, Local: true})
	cal := strings.Join([]string{"BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//t//EN", "METHOD:REQUEST", "BEGIN:VEVENT",
		"UID:ev-1@example.org", "SEQUENCE:2", "DTSTAMP:20261201T080000Z", "SUMMARY:Review", "DTSTART:20261208T090000Z",
		"ORGANIZER;CN=Henry:mailto:henry@example.org", "ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:alias@example.org",
		"ATTENDEE:mailto:other@example.org", "END:VEVENT", "END:VCALENDAR"}, "\r\n") + "\r\n"
	d := &message.Draft{From: message.Address{Email: "henry@example.org"}, To: []message.Address{{Email: "alias@example.org"}},
		Subject: "Invitation: Review", Text: "Come.", Attachments: []message.DraftAttachment{{Name: "invite.ics", ContentType: "text/calendar; method=REQUEST", Data: []byte(cal)}}}
	raw, err := d.Build()
	if err != nil {
		t.Fatal(err)
	}
	id, _, err := e.Store().AddLocal(ctx, inbox, store.Summary{Subject: "Invitation: Review"}, raw)
	if err != nil {
		t.Fatal(err)
	}
	words := func(inv *message.Invitation, from message.Address, accept bool) (string, string) {
		return "Accepted: " + inv.Summary, from.Name + " accepts."
	}
	if err := e.AnswerInvitation(ctx, id, true, words); err != nil {
		t.Fatal(err)
	}
	items, err := e.Store().OutboxList(ctx, a.ID)
	if err != nil || len(items) != 1 {
		t.Fatalf("outbox: %d items, %v", len(items), err)
	}
	it, err := e.Store().OutboxItem(ctx, items[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	sent, err := message.Parse(it.Raw)
	if err != nil {
		t.Fatal(err)
	}
	if len(sent.To) != 1 || sent.To[0].Email != "henry@example.org" || sent.From[0].Email != "Alias@example.org" || sent.Subject != "Accepted: Review" {
		t.Fatalf("answer from %v to %v, %q", sent.From, sent.To, sent.Subject)
	}
	var ics string
	for i, at := range sent.Attachments {
		if strings.HasPrefix(at.ContentType, "text/calendar") {
			b, _ := sent.AttachmentData(i)
			ics = strings.ReplaceAll(string(b), "\r\n ", "")
		}
	}
	for _, want := range []string{"METHOD:REPLY", "UID:ev-1@example.org", "SEQUENCE:2", "PARTSTAT=ACCEPTED", "mailto:Alias@example.org", "ORGANIZER"} {
		if !strings.Contains(ics, want) {
			t.Errorf("the answer lacks %q:\n%s", want, ics)
		}
	}
	if strings.Contains(ics, "other@example.org") || !strings.Contains(string(it.Raw), "method=REPLY") {
		t.Errorf("the answer names another attendee or is not a REPLY part:\n%s", ics)
	}

	// The answer is remembered for the event.
	body, _ := e.Body(ctx, id)
	m, _ := message.Parse(body)
	if accepted, ok := e.InvitationAnswer(ctx, m.Invitation()); !ok || !accepted {
		t.Fatalf("answer remembered: %v %v", accepted, ok)
	}
	if err := e.AnswerInvitation(ctx, id, false, words); err != nil {
		t.Fatal(err)
	}
	if accepted, ok := e.InvitationAnswer(ctx, m.Invitation()); !ok || accepted {
		t.Fatalf("changed answer: %v %v", accepted, ok)
	}

	// A message without an invitation cannot be answered.
	plain, _, _ := e.Store().AddLocal(ctx, inbox, store.Summary{Subject: "x"}, []byte("Subject: x\r\n\r\nhello\r\n"))
	if err := e.AnswerInvitation(ctx, plain, false, words); err == nil {
		t.Fatal("a plain message answered")
	}
}
