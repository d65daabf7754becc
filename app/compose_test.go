package app

import (
	"bytes"
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"hongyan/internal/mailtest"
	"hongyan/mailcore"
	"hongyan/mailcore/account"
	"hongyan/mailcore/message"
	"hongyan/mailcore/netsec"
	"hongyan/mailcore/secret"
	"hongyan/mailcore/store"
)

type composeHarness struct {
	st   *mailtest.Stack
	user mailtest.User
	app  fyne.App
	ui   *testUI
	dir  string
	sec  secret.Store
	eng  *mailcore.Engine
	acct account.Account
}

func newComposeHarness(t *testing.T, undoSeconds int) *composeHarness {
	t.Helper()
	st := mailtest.Shared(t)
	h := &composeHarness{st: st, user: st.AddUser(t), app: test.NewTempApp(t), ui: &testUI{}, dir: t.TempDir(), sec: secret.NewSessionStore()}
	h.open(t)
	a := testAccount(st, h.user)
	a.Identities[0].Signature = "测试者\nTest"
	var err error
	h.acct, err = h.eng.AddAccount(a, h.user.Password, "")
	if err != nil {
		t.Fatal(err)
	}
	s := h.eng.Settings()
	s.UndoSendSeconds = undoSeconds
	if err := h.eng.SaveSettings(s); err != nil {
		t.Fatal(err)
	}
	return h
}

func (h *composeHarness) open(t *testing.T) {
	t.Helper()
	eng, err := mailcore.Open(mailcore.Options{ProfileDir: h.dir, Secrets: h.sec, TLS: netsec.Options{RootCAs: h.st.CAPool}})
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.Start(); err != nil {
		t.Fatal(err)
	}
	h.eng = eng
	t.Cleanup(func() { eng.Close() })
}

func (h *composeHarness) compose(t *testing.T, d *message.Draft) *ComposeWindow {
	return h.composeSig(t, d, true)
}

func (h *composeHarness) composeSig(t *testing.T, d *message.Draft, sig bool) *ComposeWindow {
	c := newComposeWindow(h.app, h.eng, h.ui.do)
	c.fill(h.acct.ID, d, sig)
	c.Win.Show()
	t.Cleanup(func() { h.ui.do(c.closeWin); h.ui.pump() })
	return c
}

func writeFile(t *testing.T, dir, name string, size int) (string, []byte) {
	t.Helper()
	data := make([]byte, size)
	rand.Read(data)
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p, data
}

func inbox(t *testing.T, s *mailtest.Stack, u mailtest.User) [][]byte {
	t.Helper()
	c, err := imapclient.DialTLS(s.Addr(s.IMAPSPort), &imapclient.Options{TLSConfig: s.TLSConfig()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(u.Name, u.Password).Wait(); err != nil {
		t.Fatal(err)
	}
	sel, err := c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if sel.NumMessages == 0 {
		return nil
	}
	sec := &imap.FetchItemBodySection{Peek: true}
	msgs, err := c.Fetch(imap.SeqSet{{Start: 1, Stop: sel.NumMessages}}, &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{sec}}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for _, m := range msgs {
		out = append(out, m.FindBodySection(sec))
	}
	return out
}

func TestComposeSendDroppedAttachmentsThroughPostfix(t *testing.T) {
	h := newComposeHarness(t, 0)
	peer := h.st.AddUser(t)
	c := h.compose(t, nil)
	if c.From.Selected == "" || !strings.Contains(c.Body.Text(), "-- \n测试者\nTest") {
		t.Fatalf("identity %q or signature missing: %q", c.From.Selected, c.Body.Text())
	}
	files := t.TempDir()
	sizes := map[string]int{"报告 2026.pdf": 300 << 10, "a.txt": 1, "photo ü é.jpg": 2 << 20, "空.bin": 0}
	want := map[string][]byte{}
	var uris []fyne.URI
	for name, n := range sizes {
		p, data := writeFile(t, files, name, n)
		want[name] = data
		uris = append(uris, storage.NewFileURI(p))
	}
	uris = append(uris, storage.NewFileURI(files)) // a folder is skipped
	c.Dropped(uris)
	h.ui.waitFor(t, "the dropped files", func() bool { return len(c.Attachments()) == len(sizes) })
	chips := c.Chips()
	if len(chips) != len(sizes) || c.SizeWarn.Visible() {
		t.Fatalf("chips %d, size warning %v", len(chips), c.SizeWarn.Visible())
	}
	for _, ch := range chips {
		if !strings.HasPrefix(ch.Text(), ch.Name+" (") || int(ch.Bytes) != sizes[ch.Name] {
			t.Fatalf("chip %q for %s", ch.Text(), ch.Name)
		}
	}
	c.To.SetText("Peer 同事 <" + peer.Address + ">")
	c.Subject.SetText("附件 attachments through Postfix")
	c.Body.SetText("Hello, the files are attached.\n")
	_, _, warnings, err := c.Check()
	if err != nil || len(warnings) != 0 {
		t.Fatalf("check: %v %v", warnings, err)
	}
	var outboxID int64
	c.OnSent = func(id int64) { outboxID = id }
	c.SendClicked()
	h.ui.waitFor(t, "the message to be queued", func() bool { return outboxID != 0 })

	var got *message.Message
	h.ui.waitFor(t, "the message in the recipient's inbox", func() bool {
		for _, raw := range inbox(t, h.st, peer) {
			m, err := message.Parse(raw)
			if err == nil && m.Subject == "附件 attachments through Postfix" {
				got = m
				return true
			}
		}
		time.Sleep(200 * time.Millisecond)
		return false
	})
	if len(got.To) != 1 || got.To[0].Email != peer.Address || got.To[0].Name != "Peer 同事" || !strings.Contains(got.Text, "the files are attached") {
		t.Fatalf("received %+v %q", got.To, got.Text)
	}
	if len(got.Attachments) != len(sizes) {
		t.Fatalf("received %d attachments", len(got.Attachments))
	}
	for i, a := range got.Attachments {
		data, err := got.AttachmentData(i)
		if err != nil || !bytes.Equal(data, want[a.Name]) {
			t.Fatalf("attachment %q differs (%d bytes, %v)", a.Name, len(data), err)
		}
	}
}

func TestComposeUndoSendReopensTheMessage(t *testing.T) {
	h := newComposeHarness(t, 60)
	c := h.compose(t, &message.Draft{To: []message.Address{{Email: h.user.Address}}, Subject: "take me back"})
	p, data := writeFile(t, t.TempDir(), "notes.txt", 1234)
	c.AttachFiles([]string{p}, nil)
	h.ui.waitFor(t, "the attachment", func() bool { return len(c.Attachments()) == 1 })
	var undo func()
	hidden := false
	c.Notice = func(text string, u func()) func() {
		undo = u
		return func() { hidden = true }
	}
	var reopened *ComposeWindow
	undoneHook = func(w *ComposeWindow) { reopened = w }
	defer func() { undoneHook = func(*ComposeWindow) {} }()
	var id int64
	c.OnSent = func(i int64) { id = i }
	c.SendClicked()
	h.ui.waitFor(t, "the undo notice", func() bool { return undo != nil })
	it, err := h.eng.Store().OutboxItem(context.Background(), id)
	if err != nil || it.State != store.OutboxQueued {
		t.Fatalf("outbox item: %+v %v", it, err)
	}
	undo()
	h.ui.waitFor(t, "the reopened window", func() bool { return reopened != nil })
	defer reopened.closeWin()
	if !hidden || reopened.Subject.Text != "take me back" || !strings.Contains(reopened.To.Text, h.user.Address) ||
		len(reopened.Attachments()) != 1 || !bytes.Equal(reopened.Attachments()[0].Data, data) {
		t.Fatalf("reopened: hidden %v, %q %q %d", hidden, reopened.Subject.Text, reopened.To.Text, len(reopened.Attachments()))
	}
	if items, _ := h.eng.Outbox(context.Background(), h.acct.ID); len(items) != 0 {
		t.Fatalf("the message is still in the outbox: %+v", items)
	}
}

// Ctrl+Enter sends while a field has the focus, as the desktop driver
// delivers it: to the focused field first.
func TestComposeCtrlEnterFromAField(t *testing.T) {
	h := newComposeHarness(t, 60)
	ctrlEnter := &desktop.CustomShortcut{KeyName: fyne.KeyReturn, Modifier: fyne.KeyModifierShortcutDefault}
	for _, field := range []string{"body", "subject", "to"} {
		c := h.compose(t, &message.Draft{To: []message.Address{{Email: h.user.Address}}, Subject: "sent with the keys", Text: "hi"})
		c.Notice = func(string, func()) func() { return func() {} }
		sent := int64(0)
		c.OnSent = func(id int64) { sent = id }
		canvas := c.Win.Canvas()
		switch field {
		case "body":
			c.Body.FocusStart(canvas)
		case "subject":
			canvas.Focus(c.Subject)
		case "to":
			canvas.Focus(c.To)
		}
		focused, ok := canvas.Focused().(fyne.Shortcutable)
		if !ok {
			t.Fatalf("%s: the focused %T takes no shortcuts", field, canvas.Focused())
		}
		focused.TypedShortcut(ctrlEnter)
		h.ui.waitFor(t, "the message sent from the "+field, func() bool { return sent != 0 })
	}
}

func TestComposeDraftAutosavedAndRestoredAfterRestart(t *testing.T) {
	old := AutosaveDelay
	AutosaveDelay = 30 * time.Millisecond
	defer func() { AutosaveDelay = old }()
	h := newComposeHarness(t, 5)
	c := h.compose(t, nil)
	c.To.SetText("someone@example.org")
	c.Subject.SetText("草稿 kept")
	body := strings.Repeat("鸿雁 line of the draft\n", 300)
	c.Body.SetText(body + c.Body.Text())
	c.changed()
	p, data := writeFile(t, t.TempDir(), "附件.dat", 70000)
	c.AttachFiles([]string{p}, nil)
	h.ui.waitFor(t, "the autosave", func() bool { return c.DraftID != 0 && !c.Dirty() && len(c.Attachments()) == 1 })
	h.ui.waitFor(t, "the autosave with the attachment", func() bool {
		_, d, err := h.eng.LoadDraft(context.Background(), c.DraftID)
		return err == nil && len(d.Attachments) == 1
	})
	os.Remove(p)
	id := c.DraftID
	c.closeWin()
	h.eng.Close()

	h.open(t)
	acct, d, err := h.eng.LoadDraft(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	r := h.composeSig(t, d, false)
	if acct != h.acct.ID || r.Subject.Text != "草稿 kept" || r.To.Text != "someone@example.org" || r.Body.Text() != c.Body.Text() ||
		len(r.Attachments()) != 1 || !bytes.Equal(r.Attachments()[0].Data, data) || r.Attachments()[0].Name != "附件.dat" {
		t.Fatalf("restored: %q %q %d", r.Subject.Text, r.To.Text, len(r.Attachments()))
	}
	if strings.Count(r.Body.Text(), "-- \n") != 1 {
		t.Fatal("the signature was added twice")
	}
}

func TestComposeMailtoSizeWarningAndReminder(t *testing.T) {
	h := newComposeHarness(t, 5)
	d, err := message.ParseMailto("mailto:a@example.org,b@example.org?cc=c@example.org&subject=%E4%BD%A0%E5%A5%BD%20hi&body=see%20the%20attached%20file")
	if err != nil {
		t.Fatal(err)
	}
	c := h.compose(t, d)
	if c.To.Text != "a@example.org, b@example.org" || c.Cc.Text != "c@example.org" || c.Subject.Text != "你好 hi" ||
		!strings.HasPrefix(c.Body.Text(), "see the attached file") {
		t.Fatalf("prefill: %q %q %q %q", c.To.Text, c.Cc.Text, c.Subject.Text, c.Body.Text())
	}
	_, _, warnings, err := c.Check()
	if err != nil || len(warnings) != 1 || warnings[0] != T("compose.forgot_attachment") {
		t.Fatalf("reminder: %v %v", warnings, err)
	}
	// Sending asks first, with Send and Cancel (not Yes / No); Cancel
	// leaves the message being written.
	c.sendWithChecks(time.Time{})
	top := c.Win.Canvas().Overlays().Top()
	if findButton(top, "Send") == nil || findButton(top, "Cancel") == nil {
		t.Fatalf("the question before sending offers %q", overlayText(top))
	}
	test.Tap(findButton(top, "Cancel"))
	if c.closed || c.Win.Canvas().Overlays().Top() != nil {
		t.Fatal("Cancel did not leave the message open")
	}
	if !MentionsAttachment("请查收附件") || MentionsAttachment("> attached below\nthanks") {
		t.Fatal("attachment words")
	}
	c.sizeLimit = 100 << 10
	p, _ := writeFile(t, t.TempDir(), "big.bin", 120<<10)
	c.AttachFiles([]string{p}, nil)
	h.ui.waitFor(t, "the attachment", func() bool { return len(c.Attachments()) == 1 })
	if !c.SizeWarn.Visible() || !strings.Contains(c.SizeWarn.Text, "100 KB") {
		t.Fatalf("size warning: %v %q", c.SizeWarn.Visible(), c.SizeWarn.Text)
	}
	_, _, warnings, _ = c.Check()
	if len(warnings) != 1 || !strings.Contains(warnings[0], "120 KB") {
		t.Fatalf("warnings with a big attachment: %v", warnings)
	}
	c.Chips()[0].RemoveButton().OnTapped()
	if len(c.Attachments()) != 0 || c.SizeWarn.Visible() {
		t.Fatal("removing the attachment")
	}
	c.To.SetText("not an address")
	if _, _, _, err := c.Check(); err == nil {
		t.Fatal("a bad address must stop sending")
	}
}

func TestParseTypedAddresses(t *testing.T) {
	got := parseAddrs(`"Doe, John" <john@example.org>; 王 <wang@example.org>, bare@example.org,`)
	if len(got) != 3 || got[0].Name != "Doe, John" || got[1].Name != "王" || got[1].Email != "wang@example.org" || got[2].Email != "bare@example.org" {
		t.Fatalf("%+v", got)
	}
	if s := insertSignature("\n\nOn x wrote:\n> q\n", "Sig"); s != "\n\n-- \nSig\n\nOn x wrote:\n> q\n" {
		t.Fatalf("%q", s)
	}
}

// A file too large for any mail server is refused without being read;
// the others of the same drop are attached.
func TestComposeRefusesHugeFile(t *testing.T) {
	useEnglish(t)
	h := newComposeHarness(t, 0)
	c := h.compose(t, &message.Draft{Subject: "files"})
	dir := t.TempDir()
	huge := filepath.Join(dir, "film.mkv")
	f, err := os.Create(huge)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(maxAttachBytes + 1); err != nil { // sparse: no disk space used
		t.Fatal(err)
	}
	f.Close()
	small, _ := writeFile(t, dir, "notes.txt", 100)
	done := false
	c.AttachFiles([]string{huge, small}, func() { done = true })
	h.ui.waitFor(t, "the files attached", func() bool { return done })
	if len(c.Attachments()) != 1 || c.Attachments()[0].Name != "notes.txt" {
		t.Fatalf("attached %d files", len(c.Attachments()))
	}
	if msg := overlayText(c.Win.Canvas().Overlays().Top()); !strings.Contains(msg, "film.mkv") || !strings.Contains(msg, "too large") {
		t.Fatalf("error shown: %s", msg)
	}
}

// Replies and forwards are worded in the interface's language: their
// attribution and forward lines are the writer's words.
func TestDraftWordingFollowsLanguage(t *testing.T) {
	setLocaleEnv(t, map[string]string{"LANG": "en_US.UTF-8"})
	t.Cleanup(func() { _ = SetLanguage(LangSystem) })
	o := message.Original{From: []message.Address{{Name: "Ann", Email: "ann@example.org"}}, Subject: "plan",
		Date: time.Date(2026, 11, 28, 9, 43, 0, 0, time.UTC), Text: "text"}
	for _, c := range []struct{ lang, wrote, fwd string }{
		{LangChinese, "2026年11月28日 09:43，Ann <ann@example.org> 写道：", "---------- 转发的邮件 ----------\n发件人：Ann <ann@example.org>\n日期：2026年11月28日 09:43:00 +0000\n主题：plan\n"},
		{LangEnglish, "On Sat, 28 Nov 2026 at 09:43, Ann <ann@example.org> wrote:", "---------- Forwarded message ----------\nFrom: Ann <ann@example.org>\nDate: Sat, 28 Nov 2026 09:43:00 +0000\nSubject: plan\n"},
	} {
		mustSetLanguage(t, c.lang)
		w := draftWording()
		if got := w.Attribution(o); got != c.wrote {
			t.Errorf("%s: attribution %q, want %q", c.lang, got, c.wrote)
		}
		if got := w.ForwardDraft(o, message.Address{Email: "me@example.org"}, false).Text; !strings.Contains(got, c.fwd) {
			t.Errorf("%s: forward %q lacks %q", c.lang, got, c.fwd)
		}
	}
}
