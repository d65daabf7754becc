package mailcore

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"hongyan/mailcore/account"
	"hongyan/mailcore/message"
	"hongyan/mailcore/secret"
	"hongyan/mailcore/store"
)

func composeEngine(t *testing.T, dir string) *Engine {
	t.Helper()
	e, err := Open(Options{ProfileDir: dir, Secrets: secret.NewSessionStore()})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestDraftsSurviveRestartAndReplyRules(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	e := composeEngine(t, dir)
	a := account.New()
	a.DisplayName, a.Email = "Me", "me@example.org"
	a.Incoming = account.IncomingServer{Protocol: account.ProtocolPOP3, Host: "127.0.0.1", Port: 1, Username: "me"}
	a.Outgoing = account.OutgoingServer{Host: "127.0.0.1", Port: 1}
	a.Identities = []account.Identity{{Name: "Me", Address: "me@example.org", Signature: "Me"}, {Name: "Alias", Address: "alias@example.org"}}
	a.Normalize()
	e.mu.Lock()
	if _, err := e.profile.Add(a); err != nil {
		t.Fatal(err)
	}
	e.profile.Save(dir)
	e.mu.Unlock()

	data := bytes.Repeat([]byte("附件 data\x00\xff"), 5000)
	d := &message.Draft{From: message.Address{Name: "Me", Email: "me@example.org"},
		To: []message.Address{{Name: "王", Email: "wang@example.org"}}, Subject: "草稿 draft", Text: "hello\n",
		Attachments: []message.DraftAttachment{{Name: "数据.bin", Data: data}, {Name: "empty.txt", Data: []byte{}}}}
	id, err := e.SaveDraft(ctx, 0, a.ID, d)
	if err != nil {
		t.Fatal(err)
	}
	d.Text = "hello again\n"
	if id2, err := e.SaveDraft(ctx, id, a.ID, d); err != nil || id2 != id {
		t.Fatalf("resave: %d %v", id2, err)
	}
	e.Close()

	e = composeEngine(t, dir)
	defer e.Close()
	acct, got, err := e.LoadDraft(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if acct != a.ID || got.Text != "hello again\n" || got.Subject != "草稿 draft" || len(got.Attachments) != 2 ||
		!bytes.Equal(got.Attachments[0].Data, data) || got.Attachments[0].Name != "数据.bin" || got.To[0].Email != "wang@example.org" {
		t.Fatalf("restored draft differs: %s %+v", acct, got.To)
	}
	if list, _ := e.Drafts(ctx, ""); len(list) != 1 {
		t.Fatalf("drafts: %d", len(list))
	}

	// A received message to the alias, with Reply-To, copied to others.
	inbox, _ := e.Store().UpsertFolder(ctx, store.Folder{Account: a.ID, Name: "INBOX", Role: store.RoleInbox, Local: true})
	raw := "From: Bob <bob@example.org>\r\nReply-To: list@example.org\r\nTo: alias@example.org, carol@example.org\r\n" +
		"Cc: ME@example.org, dave@example.org\r\nSubject: Re: RE: plans\r\nMessage-ID: <m1@example.org>\r\n" +
		"References: <m0@example.org>\r\nDate: Mon, 2 Jan 2006 15:04:05 +0000\r\n\r\nline one\r\nline two\r\n"
	mid, _, err := e.Store().AddLocal(ctx, inbox, store.Summary{From: store.Address{Name: "Bob", Addr: "bob@example.org"},
		To: []store.Address{{Addr: "carol@example.org"}}, Subject: "plans"}, []byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	racct, r, err := e.ReplyDraft(ctx, mid, true, message.Wording{})
	if err != nil {
		t.Fatal(err)
	}
	if racct != a.ID || r.From.Email != "alias@example.org" || r.Subject != "Re: plans" {
		t.Fatalf("reply: %s from %v subject %q", racct, r.From, r.Subject)
	}
	var to, cc []string
	for _, x := range r.To {
		to = append(to, x.Email)
	}
	for _, x := range r.Cc {
		cc = append(cc, x.Email)
	}
	if strings.Join(to, ",") != "list@example.org" || strings.Join(cc, ",") != "carol@example.org,dave@example.org,bob@example.org" {
		t.Fatalf("reply-all: to %v cc %v", to, cc)
	}
	if r.InReplyTo != "m1@example.org" || strings.Join(r.References, " ") != "m0@example.org m1@example.org" ||
		!strings.Contains(r.Text, "> line one\n> line two") || !strings.Contains(r.Text, "Bob <bob@example.org> wrote:") {
		t.Fatalf("threading/quote: %q %v %q", r.InReplyTo, r.References, r.Text)
	}
	_, f, err := e.ForwardDraft(ctx, mid, true, message.Wording{})
	if err != nil || f.Subject != "Fwd: Re: RE: plans" || len(f.Attachments) != 1 || string(f.Attachments[0].Data) != raw {
		t.Fatalf("forward: %v %+v", err, f)
	}

	// The address book ranks correspondents and leaves the user out.
	sug, err := e.SuggestAddresses(ctx, "ca", 5)
	if err != nil || len(sug) != 1 || sug[0].Email != "carol@example.org" {
		t.Fatalf("suggestions: %v %v", sug, err)
	}
	if s, _ := e.SuggestAddresses(ctx, "me", 5); len(s) != 0 {
		t.Fatalf("own address suggested: %v", s)
	}
}
