package imap

import (
	"context"
	"sort"
	"testing"
	"time"

	imapv2 "github.com/emersion/go-imap/v2"

	"hongyan/internal/mailtest"
	"hongyan/mailcore/event"
	"hongyan/mailcore/mailerr"
	"hongyan/mailcore/store"
)

func TestSearchServerFetchesUncached(t *testing.T) {
	s := mailtest.Shared(t)
	u := s.AddUser(t)
	seed(t, s, u, "INBOX", 200)
	c := other(t, s, u)
	if err := c.Create("Projects", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	appendMsg(t, c, "INBOX", "needle one")
	appendMsg(t, c, "INBOX", "needle two")
	appendMsg(t, c, "Projects", "needle three")
	st := openStore(t)
	a, rec := newAccount(t, s, u, st)
	ctx := context.Background()
	if err := a.SyncFolders(ctx); err != nil {
		t.Fatal(err)
	}
	inbox := folder(t, st, a, "INBOX")
	projects := folder(t, st, a, "Projects")
	// Nothing is synced: every hit must come from the server.
	crit := imapv2.SearchCriteria{Header: []imapv2.SearchCriteriaHeaderField{{Key: "Subject", Value: "needle"}}}
	res, err := a.SearchServer(ctx, crit)
	if err != nil {
		t.Fatal(err)
	}
	subjects := func(ms []store.Summary) []string {
		var out []string
		for _, m := range ms {
			out = append(out, m.Subject)
		}
		sort.Strings(out)
		return out
	}
	if got := subjects(res); len(got) != 3 || got[0] != "needle one" || got[1] != "needle three" || got[2] != "needle two" {
		t.Fatalf("server search found %q", got)
	}
	for _, m := range res {
		if m.ID == 0 || m.UID == 0 {
			t.Fatalf("result without store id or UID: %+v", m)
		}
		want := inbox.ID
		if m.Subject == "needle three" {
			want = projects.ID
		}
		if m.FolderID != want {
			t.Fatalf("%q in folder %d, want %d", m.Subject, m.FolderID, want)
		}
		if m.From.Addr != "other@hongyan.test" {
			t.Fatalf("envelope not decoded: %+v", m.From)
		}
	}
	if n := count(t, st, inbox.ID); n != 2 {
		t.Fatalf("inbox caches %d messages after the search, want the 2 found", n)
	}
	changed := 0
	for _, ev := range rec.all() {
		if mc, ok := ev.(event.MessagesChanged); ok && (mc.FolderID == inbox.ID || mc.FolderID == projects.ID) {
			changed++
		}
	}
	if changed != 2 {
		t.Fatalf("%d messages-changed events, want one per folder", changed)
	}

	// Again: the same messages, from the cache, nothing stored twice.
	again, err := a.SearchServer(ctx, crit)
	if err != nil || len(again) != 3 {
		t.Fatalf("second search: %d %v", len(again), err)
	}
	if n := count(t, st, inbox.ID); n != 2 {
		t.Fatalf("inbox caches %d after a second search", n)
	}

	// Flags and folder limits are the server's criteria too.
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	var one imapv2.UIDSet
	for _, m := range res {
		if m.Subject == "needle two" {
			one.AddNum(imapv2.UID(m.UID))
		}
	}
	if err := c.Store(one, &imapv2.StoreFlags{Op: imapv2.StoreFlagsAdd, Flags: []imapv2.Flag{imapv2.FlagFlagged}, Silent: true}, nil).Close(); err != nil {
		t.Fatal(err)
	}
	flagged := crit
	flagged.Flag = []imapv2.Flag{imapv2.FlagFlagged}
	if got, err := a.SearchServer(ctx, flagged); err != nil || len(got) != 1 || got[0].Subject != "needle two" {
		t.Fatalf("flagged: %q %v", subjects(got), err)
	}
	if got, err := a.SearchServerIn(ctx, crit, []int64{projects.ID}); err != nil || len(got) != 1 || got[0].Subject != "needle three" {
		t.Fatalf("in Projects: %q %v", subjects(got), err)
	}

	// The sync afterwards fills the rest without duplicating what the
	// search stored.
	if err := a.SyncFolder(ctx, inbox.ID); err != nil {
		t.Fatal(err)
	}
	if n := count(t, st, inbox.ID); n != 202 {
		t.Fatalf("inbox caches %d after the sync, want 202", n)
	}
	uids, _ := st.UIDs(ctx, inbox.ID)
	if !sameUIDs(uids, serverUIDs(t, c, "INBOX")) {
		t.Fatal("cached UIDs differ from the server's after search and sync")
	}

	// A cancelled search says so.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := a.SearchServer(cctx, crit); !mailerr.Is(err, mailerr.Canceled) {
		t.Fatalf("cancelled search: %v", err)
	}
	// And the search connection works again afterwards.
	if got, err := a.SearchServer(ctx, crit); err != nil || len(got) != 3 {
		t.Fatalf("after a cancel: %d %v", len(got), err)
	}
	// Closing the account closes its search connection.
	searchSlots.Lock()
	slot := searchSlots.m[a]
	searchSlots.Unlock()
	if slot == nil || slot.live.Load() == nil {
		t.Fatal("no open search connection after a search")
	}
	cn := slot.live.Load()
	a.Close()
	select {
	case <-cn.c.Closed():
	case <-time.After(10 * time.Second):
		t.Fatal("the search connection is still open after Close")
	}
	searchSlots.Lock()
	_, kept := searchSlots.m[a]
	searchSlots.Unlock()
	if kept {
		t.Fatal("the closed account keeps a search slot")
	}
}

func TestSearchUIDsBounded(t *testing.T) {
	var set imapv2.UIDSet
	set.AddRange(5, 3) // reversed
	set.AddNum(9, 9, 4)
	set = append(set, imapv2.UIDRange{Start: 0, Stop: 7}) // dynamic: ignored
	got := searchUIDs(&imapv2.SearchData{All: set})
	want := []uint32{3, 4, 5, 9}
	if !sameUIDs(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	var huge imapv2.UIDSet
	huge.AddRange(1, 4000000000)
	got = searchUIDs(&imapv2.SearchData{All: huge})
	if len(got) != MaxServerResults || got[len(got)-1] != 4000000000 || got[0] != 4000000000-MaxServerResults+1 {
		t.Fatalf("huge answer: %d UIDs, %v..%v", len(got), got[0], got[len(got)-1])
	}
	if searchUIDs(nil) != nil || searchUIDs(&imapv2.SearchData{}) != nil {
		t.Fatal("empty answers give UIDs")
	}
}
