package imap

import (
	"context"
	"regexp"
	"testing"

	imapv2 "github.com/emersion/go-imap/v2"

	"hongyan/internal/mailtest"
	"hongyan/mailcore/store"
)

// After a listing, the periodic sync leaves out the folders whose STATUS
// shows nothing new (no EXAMINE of them on the wire), and syncs those in
// which another client set a flag, added or expunged a message. Without
// a listing just before (a wake-up), every folder is synced.
func TestSyncAllSkipsUnchangedFolders(t *testing.T) {
	s := mailtest.Shared(t)
	u := s.AddUser(t)
	seed(t, s, u, "INBOX", 30)
	seed(t, s, u, "Sent", 10)
	seed(t, s, u, "Trash", 5)
	st := openStore(t)
	a, _ := newAccount(t, s, u, st)
	ctx := context.Background()

	listFolders(t, a)
	a.Select(folder(t, st, a, "INBOX").ID)
	if err := a.syncAll(ctx, nil); err != nil {
		t.Fatal(err)
	}
	sent, trash := folder(t, st, a, "Sent"), folder(t, st, a, "Trash")
	if count(t, st, sent.ID) != 10 || count(t, st, trash.ID) != 5 {
		t.Fatalf("first sync: Sent %d, Trash %d", count(t, st, sent.ID), count(t, st, trash.ID))
	}

	// round lists the folders and runs syncAll on a fresh connection
	// whose dialogue it returns.
	round := func(list bool) string {
		t.Helper()
		log := logNextConn(a)
		var listed map[string]*imapv2.StatusData
		if list {
			var err error
			if listed, err = a.listFolders(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if err := a.syncAll(ctx, listed); err != nil {
			t.Fatal(err)
		}
		a.cfg.Debug = nil
		return log.String()
	}
	opened := func(p, name string) bool {
		return regexp.MustCompile(`(?m)^\S+ (SELECT|EXAMINE) "?` + name + `"?[ \r]`).MatchString(p)
	}

	p := round(true)
	if !opened(p, "INBOX") {
		t.Errorf("the selected folder was not synced:\n%s", p)
	}
	for _, name := range []string{"Sent", "Trash", "Drafts", "Junk"} {
		if opened(p, name) {
			t.Errorf("unchanged %s was opened:\n%s", name, p)
		}
	}

	// Another client flags a message in Sent and delivers one to Trash.
	c := other(t, s, u)
	if _, err := c.Select("Sent", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	first := serverUIDs(t, c, "Sent")[0]
	if _, err := c.Store(imapv2.UIDSetNum(imapv2.UID(first)), &imapv2.StoreFlags{Op: imapv2.StoreFlagsAdd, Flags: []imapv2.Flag{imapv2.FlagFlagged}}, nil).Collect(); err != nil {
		t.Fatal(err)
	}
	appendMsg(t, c, "Trash", "late arrival")
	p = round(true)
	if !opened(p, "Sent") || !opened(p, "Trash") || opened(p, "Drafts") {
		t.Errorf("changed folders not synced, or an unchanged one was:\n%s", p)
	}
	if m, err := st.MessageByUID(ctx, sent.ID, first); err != nil || m.Flags&store.Flagged == 0 {
		t.Errorf("flag from the other client not cached: %+v, %v", m.Flags, err)
	}
	if n := count(t, st, trash.ID); n != 6 {
		t.Errorf("Trash holds %d, want 6", n)
	}

	// An expunge by the other client.
	if _, err := c.Store(imapv2.UIDSetNum(imapv2.UID(first)), &imapv2.StoreFlags{Op: imapv2.StoreFlagsAdd, Flags: []imapv2.Flag{imapv2.FlagDeleted}}, nil).Collect(); err != nil {
		t.Fatal(err)
	}
	if err := c.Expunge().Close(); err != nil {
		t.Fatal(err)
	}
	p = round(true)
	if !opened(p, "Sent") || opened(p, "Trash") {
		t.Errorf("expunge: Sent not synced, or Trash was:\n%s", p)
	}
	if n := count(t, st, sent.ID); n != 9 {
		t.Errorf("Sent holds %d after the expunge, want 9", n)
	}

	// An operation queued while offline and replayed after the listing
	// changes folders after that STATUS: every folder is synced then.
	if _, err := st.AddOp(ctx, a.ID(), store.Op{Kind: opFlags, Folder: "Trash", UIDs: serverUIDs(t, c, "Trash")[:1], Set: store.Seen}); err != nil {
		t.Fatal(err)
	}
	listed, err := a.listFolders(ctx)
	if err != nil || listed["Drafts"] == nil {
		t.Fatalf("listing: %v %v", listed, err)
	}
	if listed, err = a.replayKeeping(ctx, listed); err != nil || listed != nil {
		t.Fatalf("after a replay the listing is kept: %v, %v", listed, err)
	}
	if ops, _ := st.Ops(ctx, a.ID()); len(ops) != 0 {
		t.Fatalf("%d operations left queued", len(ops))
	}

	// A wake-up syncs without a listing before it: every folder.
	p = round(false)
	for _, name := range []string{"Sent", "Trash", "Drafts"} {
		if !opened(p, name) {
			t.Errorf("without a fresh STATUS, %s was not synced:\n%s", name, p)
		}
	}
}
