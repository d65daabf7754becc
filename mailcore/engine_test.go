package mailcore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"hongyan/internal/mailtest"
	"hongyan/mailcore/account"
	"hongyan/mailcore/event"
	"hongyan/mailcore/message"
	"hongyan/mailcore/netsec"
	"hongyan/mailcore/secret"
	"hongyan/mailcore/store"
)

func TestMain(m *testing.M) { mailtest.Main(m) }

type recorder struct {
	mu     sync.Mutex
	events []event.Event
}

func (r *recorder) sink(e event.Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
}

func (r *recorder) count(f func(event.Event) bool) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, e := range r.events {
		if f(e) {
			n++
		}
	}
	return n
}

func testAccount(st *mailtest.Stack, u mailtest.User, proto string) account.Account {
	a := account.New()
	a.DisplayName = "Test " + proto
	a.Email = u.Address
	a.Incoming = account.IncomingServer{Protocol: proto, Host: st.Host, Security: account.SecurityTLS, Username: u.Name}
	if proto == account.ProtocolPOP3 {
		a.Incoming.Port = st.POP3SPort
	} else {
		a.Incoming.Port = st.IMAPSPort
	}
	a.Outgoing = account.OutgoingServer{Host: st.Host, Port: st.SubmissionsPort, Security: account.SecurityTLS, Username: u.Name}
	a.Identities = []account.Identity{{Name: "Test", Address: u.Address}}
	return a
}

func openEngine(t *testing.T, dir string, rec *recorder, secrets secret.Store) *Engine {
	t.Helper()
	st := mailtest.Shared(t)
	e, err := Open(Options{ProfileDir: dir, Secrets: secrets, TLS: netsec.Options{RootCAs: st.CAPool},
		Sink: rec.sink, DebugDir: filepath.Join(dir, "logs")})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func waitFor(t *testing.T, what string, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !f() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitInbox waits until the inbox of account id holds exactly n messages
// and returns it.
func waitInbox(t *testing.T, e *Engine, id string, n int) store.Folder {
	t.Helper()
	var inbox store.Folder
	waitFor(t, fmt.Sprintf("the inbox to hold %d messages", n), func() bool {
		f, err := e.Store().FolderByRole(context.Background(), id, store.RoleInbox)
		if err != nil {
			return false
		}
		inbox = f
		got, _, _ := e.Store().Counts(context.Background(), f.ID)
		return got == n
	})
	return inbox
}

// waitSent waits until outbox item id is sent and its copy filed.
func waitSent(t *testing.T, e *Engine, id int64) {
	t.Helper()
	waitFor(t, fmt.Sprintf("outbox item %d to finish", id), func() bool {
		it, err := e.Store().OutboxItem(context.Background(), id)
		return err == nil && it.State == store.OutboxCopied
	})
}

func TestPOP3AccountThroughEngine(t *testing.T) {
	ctx := context.Background()
	st := mailtest.Shared(t)
	u := st.AddUser(t)
	if err := st.Seed(u, "INBOX", mailtest.GenerateMessages(20, 7)); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	rec := &recorder{}
	secrets := secret.NewSessionStore()
	e := openEngine(t, dir, rec, secrets)

	a, err := e.AddAccount(testAccount(st, u, account.ProtocolPOP3), u.Password, "")
	if err != nil {
		t.Fatal(err)
	}
	inbox := waitInbox(t, e, a.ID, 20)
	waitFor(t, "a messages-changed event", func() bool {
		return rec.count(func(ev event.Event) bool { _, ok := ev.(event.MessagesChanged); return ok }) > 0
	})
	page, err := e.Store().Page(ctx, inbox.ID, store.ByDateDesc, 0, 50)
	if err != nil || len(page) != 20 {
		t.Fatalf("page: %d %v", len(page), err)
	}
	raw, err := e.Body(ctx, page[0].ID)
	if err != nil || len(raw) == 0 {
		t.Fatalf("body: %v", err)
	}
	if err := e.SetFlags(ctx, []int64{page[0].ID}, store.Seen|store.Flagged, 0); err != nil {
		t.Fatal(err)
	}
	m, _ := e.Store().Message(ctx, page[0].ID)
	if m.Flags&(store.Seen|store.Flagged) != store.Seen|store.Flagged {
		t.Fatalf("flags not set: %v", m.Flags)
	}
	if err := e.CreateFolder(ctx, a.ID, "Projects"); err != nil {
		t.Fatal(err)
	}
	proj, err := e.Store().FolderByName(ctx, a.ID, "Projects")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Move(ctx, []int64{page[1].ID}, proj.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.Delete(ctx, []int64{page[2].ID}); err != nil {
		t.Fatal(err)
	}
	trash, _ := e.Store().FolderByRole(ctx, a.ID, store.RoleTrash)
	if n, _, _ := e.Store().Counts(ctx, trash.ID); n != 1 {
		t.Fatalf("trash has %d", n)
	}
	if n, _, _ := e.Store().Counts(ctx, inbox.ID); n != 18 {
		t.Fatalf("inbox has %d", n)
	}
	if err := e.RenameFolder(ctx, inbox.ID, "x"); err == nil {
		t.Fatal("renaming the inbox must be refused")
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}

	// Reopen: the account and its cache are still there, nothing is
	// downloaded twice.
	e = openEngine(t, dir, rec, secrets)
	if err := e.Start(); err != nil {
		t.Fatal(err)
	}
	if len(e.Accounts()) != 1 {
		t.Fatalf("accounts after reopen: %d", len(e.Accounts()))
	}
	// Two new messages on the server: only they are downloaded, and the
	// user hears about them.
	if err := st.Seed(u, "INBOX", mailtest.GenerateMessages(2, 99)); err != nil {
		t.Fatal(err)
	}
	e.CheckNow(a.ID)
	waitFor(t, "a new-mail event", func() bool {
		return rec.count(func(ev event.Event) bool { nm, ok := ev.(event.NewMail); return ok && nm.Count == 2 }) > 0
	})
	if n, _, _ := e.Store().Counts(ctx, inbox.ID); n != 20 {
		t.Fatalf("inbox has %d after a second check, want 18 kept + 2 new", n)
	}

	// Send a message to ourselves through the real Postfix: it leaves the
	// outbox once, a copy lands in the local Sent folder, and the next
	// check brings it into the inbox.
	d := &message.Draft{From: message.Address{Name: "测试 Test", Email: u.Address},
		To: []message.Address{{Email: u.Address}}, Subject: "引擎 engine round trip", Text: "hello from the engine"}
	oid, err := e.Send(ctx, a.ID, d, 0)
	if err != nil {
		t.Fatal(err)
	}
	waitSent(t, e, oid)
	sent, _ := e.Store().FolderByRole(ctx, a.ID, store.RoleSent)
	if n, _, _ := e.Store().Counts(ctx, sent.ID); n != 1 {
		t.Fatalf("sent has %d copies", n)
	}
	waitFor(t, "the message to come back", func() bool {
		e.CheckNow(a.ID)
		time.Sleep(200 * time.Millisecond)
		p, _ := e.Store().Page(ctx, inbox.ID, store.ByDateDesc, 0, 100)
		for _, m := range p {
			if m.Subject == "引擎 engine round trip" {
				return true
			}
		}
		return false
	})

	// Unsent mail blocks removal until the user confirms.
	if _, err := e.SendAt(ctx, a.ID, d, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := e.RemoveAccount(ctx, a.ID, false); !errors.Is(err, ErrUnsentMail) {
		t.Fatalf("removal with unsent mail: %v", err)
	}
	if err := e.RemoveAccount(ctx, a.ID, true); err != nil {
		t.Fatal(err)
	}
	if items, _ := e.Store().OutboxList(ctx, a.ID); len(items) != 0 {
		t.Fatalf("outbox left behind: %d", len(items))
	}
	if _, err := secrets.Get(a.ID, "incoming"); !errors.Is(err, secret.ErrNotFound) {
		t.Fatalf("password left behind: %v", err)
	}
	if fs, _ := e.Store().Folders(ctx, a.ID); len(fs) != 0 {
		t.Fatalf("cache left behind: %d folders", len(fs))
	}
	e.Close()
	assertNoSecretOnDisk(t, dir, u.Password)
}

// assertNoSecretOnDisk fails if the password appears in any file under dir
// (settings, cache, protocol logs).
func assertNoSecretOnDisk(t *testing.T, dir, password string) {
	t.Helper()
	files := 0
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return nil
		}
		files++
		b, err := os.ReadFile(p)
		if err == nil && strings.Contains(string(b), password) {
			t.Errorf("password found in %s", p)
		}
		return nil
	})
	if files == 0 {
		t.Fatal(fmt.Sprintf("no files under %s: the check proved nothing", dir))
	}
}
