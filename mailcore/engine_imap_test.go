package mailcore

import (
	"context"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"hongyan/internal/mailtest"
	"hongyan/mailcore/account"
	"hongyan/mailcore/event"
	"hongyan/mailcore/message"
	"hongyan/mailcore/secret"
	"hongyan/mailcore/store"
)

// serverCount counts messages in a mailbox as another client sees them.
func serverCount(t *testing.T, st *mailtest.Stack, u mailtest.User, mailbox string) int {
	t.Helper()
	return serverStatus(t, st, u, mailbox, &imap.StatusOptions{NumMessages: true}, func(d *imap.StatusData) uint32 { return *d.NumMessages })
}

// serverStatus asks for a mailbox's STATUS as another client and returns
// the item pick reads.
func serverStatus(t *testing.T, st *mailtest.Stack, u mailtest.User, mailbox string, opts *imap.StatusOptions, pick func(*imap.StatusData) uint32) int {
	t.Helper()
	c, err := imapclient.DialTLS(st.Addr(st.IMAPSPort), &imapclient.Options{TLSConfig: st.TLSConfig()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(u.Name, u.Password).Wait(); err != nil {
		t.Fatal(err)
	}
	data, err := c.Status(mailbox, opts).Wait()
	if err != nil {
		t.Fatal(err)
	}
	return int(pick(data))
}

// serverUnseen counts the unread messages of a mailbox as another client
// sees them.
func serverUnseen(t *testing.T, st *mailtest.Stack, u mailtest.User, mailbox string) int {
	t.Helper()
	return serverStatus(t, st, u, mailbox, &imap.StatusOptions{NumUnseen: true}, func(d *imap.StatusData) uint32 { return *d.NumUnseen })
}

// startIMAPAccount opens and starts an engine in a fresh profile that
// reports to rec, and adds an IMAP account for u. The engine is closed when
// the test ends.
func startIMAPAccount(t *testing.T, st *mailtest.Stack, u mailtest.User, rec *recorder) (*Engine, account.Account) {
	t.Helper()
	e := openEngine(t, t.TempDir(), rec, secret.NewSessionStore())
	t.Cleanup(func() { e.Close() })
	if err := e.Start(); err != nil {
		t.Fatal(err)
	}
	a, err := e.AddAccount(testAccount(st, u, account.ProtocolIMAP), u.Password, "")
	if err != nil {
		t.Fatal(err)
	}
	return e, a
}

func TestIMAPAccountThroughEngine(t *testing.T) {
	ctx := context.Background()
	st := mailtest.Shared(t)
	u := st.AddUser(t)
	if err := st.Seed(u, "INBOX", mailtest.GenerateMessages(300, 11)); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	e, a := startIMAPAccount(t, st, u, rec)
	inbox := waitInbox(t, e, a.ID, 300)
	// The background indexer catches up with the sync by itself.
	waitFor(t, "the search index to catch up", func() bool {
		n, err := e.Store().PendingIndex(ctx)
		return err == nil && n == 0
	})
	folders, _ := e.Folders(ctx, a.ID)
	roles := map[string]bool{}
	for _, f := range folders {
		roles[f.Role] = true
	}
	for _, r := range []string{store.RoleInbox, store.RoleSent, store.RoleDrafts, store.RoleTrash, store.RoleJunk} {
		if !roles[r] {
			t.Errorf("no %s folder among %d", r, len(folders))
		}
	}
	page, _ := e.Store().Page(ctx, inbox.ID, store.ByDateDesc, 0, 3)
	raw, err := e.Body(ctx, page[0].ID)
	if err != nil || len(raw) == 0 {
		t.Fatalf("body on demand: %v", err)
	}
	if err := e.SetFlags(ctx, []int64{page[0].ID}, store.Seen, 0); err != nil {
		t.Fatal(err)
	}
	if err := e.MoveToRole(ctx, []int64{page[1].ID}, store.RoleJunk); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the move to reach the server", func() bool { return serverCount(t, st, u, "Junk") == 1 })

	// Send to ourselves: delivered once, exactly one copy in the server's Sent.
	d := &message.Draft{From: message.Address{Name: "Test", Email: u.Address},
		To: []message.Address{{Email: u.Address}}, Subject: "imap engine send", Text: "hi"}
	oid, err := e.Send(ctx, a.ID, d, 0)
	if err != nil {
		t.Fatal(err)
	}
	waitSent(t, e, oid)
	waitFor(t, "the Sent copy on the server", func() bool { return serverCount(t, st, u, "Sent") == 1 })
	waitFor(t, "delivery into INBOX", func() bool { return serverCount(t, st, u, "INBOX") == 300 })
	e.CheckNow(a.ID)
	waitFor(t, "a new-mail event", func() bool {
		return rec.count(func(ev event.Event) bool { _, ok := ev.(event.NewMail); return ok }) > 0
	})
	time.Sleep(200 * time.Millisecond)
	if n := serverCount(t, st, u, "Sent"); n != 1 {
		t.Fatalf("Sent has %d copies", n)
	}
}

func TestIMAPDraftsReplacedOnServer(t *testing.T) {
	ctx := context.Background()
	st := mailtest.Shared(t)
	u := st.AddUser(t)
	rec := &recorder{}
	e, a := startIMAPAccount(t, st, u, rec)
	waitFor(t, "the Drafts folder", func() bool {
		_, err := e.Store().FolderByRole(ctx, a.ID, store.RoleDrafts)
		return err == nil
	})
	d := &message.Draft{From: message.Address{Email: u.Address}, To: []message.Address{{Email: "x@example.org"}},
		Subject: "draft v1", Text: "first"}
	id, err := e.SaveDraft(ctx, 0, a.ID, d)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the first server copy", func() bool { return serverCount(t, st, u, "Drafts") == 1 })
	for i := 2; i <= 4; i++ {
		d.Subject = "draft v" + string(rune('0'+i))
		if _, err := e.SaveDraft(ctx, id, a.ID, d); err != nil {
			t.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond)
	}
	// Copies never pile up: one copy, the newest.
	waitFor(t, "the server copy to be replaced", func() bool {
		if serverCount(t, st, u, "Drafts") != 1 {
			return false
		}
		drafts, _ := e.Store().FolderByRole(ctx, a.ID, store.RoleDrafts)
		p, _ := e.Store().Page(ctx, drafts.ID, store.ByDateDesc, 0, 10)
		return len(p) == 1 && p[0].Subject == "draft v4"
	})
	// A recipient still being typed does not stop the server copy (it
	// used to fail, and the failure was shown to the user), and stays in
	// the local draft.
	d.Subject, d.To = "draft v5", []message.Address{{Email: "gra"}, {Email: "x@example.org"}}
	if _, err := e.SaveDraft(ctx, id, a.ID, d); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the copy of the draft being typed", func() bool {
		drafts, _ := e.Store().FolderByRole(ctx, a.ID, store.RoleDrafts)
		p, _ := e.Store().Page(ctx, drafts.ID, store.ByDateDesc, 0, 10)
		return serverCount(t, st, u, "Drafts") == 1 && len(p) == 1 && p[0].Subject == "draft v5"
	})
	if n := rec.count(func(ev event.Event) bool { _, ok := ev.(event.OperationFailed); return ok }); n != 0 {
		t.Fatalf("%d operations failed", n)
	}
	if _, back, err := e.LoadDraft(ctx, id); err != nil || len(back.To) != 2 || back.To[0].Email != "gra" {
		t.Fatalf("the local draft has To %v, %v", back.To, err)
	}
	if err := e.DeleteDraft(ctx, id); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the server copy to go", func() bool { return serverCount(t, st, u, "Drafts") == 0 })
}
