package mailcore

import (
	"context"
	"fmt"
	"testing"
	"time"

	"hongyan/internal/mailtest"
	"hongyan/mailcore/account"
	"hongyan/mailcore/secret"
	"hongyan/mailcore/store"
)

// plainMessage is a small text message.
func plainMessage(from, subject, body string, date time.Time, id string) []byte {
	return fmt.Appendf(nil, "From: %s\r\nTo: reader@example.org\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s>\r\n"+
		"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n",
		from, subject, date.Format(time.RFC1123Z), id, body)
}

func TestSearchLocalAndServer(t *testing.T) {
	ctx := context.Background()
	st := mailtest.Shared(t)
	u := st.AddUser(t)
	base := time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)
	inboxMsgs := [][]byte{
		plainMessage("Ann <ann@example.org>", "Garden plans", "The quokkaberry hedge needs water.", base, "a1@example.org"),
		plainMessage("Bob <bob@example.org>", "Weekend", "Bring the quokkaberry jam please.", base.Add(time.Hour), "b1@example.org"),
		plainMessage("Cy <cy@example.org>", "Unrelated", "Nothing to see here.", base.Add(2*time.Hour), "c1@example.org"),
	}
	if err := st.Seed(u, "INBOX", inboxMsgs); err != nil {
		t.Fatal(err)
	}
	// A folder the client does not sync (not subscribed): its messages are
	// only ever found by the server.
	if err := st.Seed(u, "Old", [][]byte{
		plainMessage("Dee <dee@example.org>", "Ancient letter", "A quokkaberry from long ago.", base.Add(-48*time.Hour), "d1@example.org"),
	}); err != nil {
		t.Fatal(err)
	}
	// Deleted mail: found only when the query asks for Trash.
	if err := st.Seed(u, "Trash", [][]byte{
		plainMessage("Eve <eve@example.org>", "Thrown away", "A quokkaberry recipe, deleted.", base.Add(-time.Hour), "e1@example.org"),
	}); err != nil {
		t.Fatal(err)
	}
	if out, err := st.Doveadm("mailbox", "unsubscribe", "-u", u.Name, "Old"); err != nil {
		t.Fatalf("unsubscribe: %v %s", err, out)
	}

	dir := t.TempDir()
	e := openEngine(t, dir, &recorder{}, secret.NewSessionStore())
	defer e.Close()
	if err := e.Start(); err != nil {
		t.Fatal(err)
	}
	a, err := e.AddAccount(testAccount(st, u, account.ProtocolIMAP), u.Password, "")
	if err != nil {
		t.Fatal(err)
	}
	var inbox, old store.Folder
	waitFor(t, "the inbox to sync and Old to be listed", func() bool {
		f, err := e.Store().FolderByRole(ctx, a.ID, store.RoleInbox)
		if err != nil {
			return false
		}
		inbox = f
		if old, err = e.Store().FolderByName(ctx, a.ID, "Old"); err != nil {
			return false
		}
		n, _, _ := e.Store().Counts(ctx, f.ID)
		return n == 3
	})
	if old.Subscribed {
		t.Fatal("Old is subscribed; the test needs a folder that is not synced")
	}
	if n, _, _ := e.Store().Counts(ctx, old.ID); n != 0 {
		t.Fatalf("Old has %d cached messages before the search", n)
	}
	page, err := e.Store().Page(ctx, inbox.ID, store.ByDateDesc, 0, 10)
	if err != nil || len(page) != 3 {
		t.Fatalf("page: %d %v", len(page), err)
	}
	var ann, bob store.Summary
	for _, m := range page {
		switch m.From.Addr {
		case "ann@example.org":
			ann = m
		case "bob@example.org":
			bob = m
		}
	}
	// Ann's message is read (its body is cached and indexed); Bob's is not.
	if _, err := e.Body(ctx, ann.ID); err != nil {
		t.Fatal(err)
	}
	if ok, _ := e.Store().HasBody(ctx, bob.ID); ok {
		t.Fatal("Bob's body is cached; the test needs one that is not")
	}

	local, err := e.SearchLocal(ctx, "quokkaberry", 0, 50)
	if err != nil {
		t.Fatal(err)
	}
	if len(local) != 1 || local[0].ID != ann.ID || local[0].FromServer {
		t.Fatalf("local search: %+v, want only Ann's message", local)
	}
	if n, err := e.SearchCount(ctx, "quokkaberry"); err != nil || n != 1 {
		t.Fatalf("local count %d %v", n, err)
	}

	waitFor(t, "the account to be online", e.CanSearchServer)
	res, err := e.Search(ctx, "quokkaberry", 0, 50)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{} // sender → from server
	for _, r := range res {
		got[r.From.Addr] = r.FromServer
		if r.ID == 0 {
			t.Errorf("result %q has no store id", r.Subject)
		}
	}
	want := map[string]bool{"ann@example.org": false, "bob@example.org": true, "dee@example.org": true}
	if len(res) != len(want) {
		t.Fatalf("merged search: %d results %v, want %v", len(res), got, want)
	}
	for addr, fromServer := range want {
		if v, ok := got[addr]; !ok || v != fromServer {
			t.Errorf("%s: found=%v fromServer=%v, want fromServer=%v", addr, ok, v, fromServer)
		}
	}
	// Newest first.
	for i := 1; i < len(res); i++ {
		if res[i].Date.After(res[i-1].Date) {
			t.Fatalf("results out of date order: %v then %v", res[i-1].Date, res[i].Date)
		}
	}
	// The message from the unsynced folder is now in the cache and opens.
	if n, _, _ := e.Store().Counts(ctx, old.ID); n != 1 {
		t.Fatalf("Old has %d cached messages after the search, want 1", n)
	}
	for _, r := range res {
		if r.From.Addr == "dee@example.org" {
			if r.FolderID != old.ID || r.Subject != "Ancient letter" {
				t.Fatalf("server result %+v", r.Summary)
			}
			raw, err := e.Body(ctx, r.ID)
			if err != nil || len(raw) == 0 {
				t.Fatalf("body of a server result: %v", err)
			}
		}
	}
	// A field operator and in: go to the server too: only the inbox, only
	// Bob's sender.
	res, err = e.Search(ctx, "from:bob in:inbox", 0, 50)
	if err != nil || len(res) != 1 || res[0].ID != bob.ID {
		t.Fatalf("from:bob in:inbox: %+v %v", res, err)
	}
	// Trash is searched, here and on the server, only when named.
	res, err = e.Search(ctx, "quokkaberry in:trash", 0, 50)
	if err != nil || len(res) != 1 || res[0].From.Addr != "eve@example.org" {
		t.Fatalf("quokkaberry in:trash: %+v %v", res, err)
	}
	res, err = e.Search(ctx, "quokkaberry in:anywhere", 0, 50)
	if err != nil || len(res) != 4 {
		t.Fatalf("quokkaberry in:anywhere: %d results %v", len(res), err)
	}
	// Paging slices the merged list.
	all, err := e.Search(ctx, "quokkaberry", 0, 10)
	if err != nil || len(all) != 3 {
		t.Fatalf("full query: %d %v", len(all), err)
	}
	p2, err := e.Search(ctx, "quokkaberry", 1, 1)
	if err != nil || len(p2) != 1 || p2[0].ID != all[1].ID {
		t.Fatalf("second page: %+v %v", p2, err)
	}
}
