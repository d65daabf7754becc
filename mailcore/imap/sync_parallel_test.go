package imap

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	imapv2 "github.com/emersion/go-imap/v2"

	"hongyan/internal/mailtest"
	"hongyan/mailcore/store"
)

// protoLog is a goroutine-safe protocol log.
type protoLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *protoLog) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *protoLog) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// A large first sync shared by helper connections caches exactly the
// server's messages, with their envelopes, and an interrupted one resumes
// without gaps.
func TestParallelFirstSync(t *testing.T) {
	s := mailtest.Shared(t)
	u := s.AddUser(t)
	const n = 1500
	seed(t, s, u, "INBOX", n)
	st := openStore(t)
	rec := newRecorder()
	log := &protoLog{}
	cfg := config(s, u)
	cfg.BatchSize, cfg.Pipeline, cfg.SyncConnections, cfg.Debug = 40, 2, 3, log
	a := New(cfg, st, rec.sink)
	t.Cleanup(a.Close)
	a.parallelMin = 100
	listFolders(t, a)
	inbox := folder(t, st, a, "INBOX")

	interruptSync(t, a, rec, inbox.ID)
	if got := strings.Count(log.String(), "EXAMINE"); got < 2 {
		t.Fatalf("%d helper connections opened the folder, want 2", got)
	}
	checkNoGap(t, st, a, "INBOX", n)
	checkResumed(t, s, u, st, a, "INBOX", n)
	page, err := st.Page(context.Background(), inbox.ID, store.ByDateDesc, 0, n)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range page {
		if m.Subject == "" || m.From.Addr == "" || m.Size == 0 || m.MessageID == "" {
			t.Fatalf("incomplete summary: %+v", m)
		}
	}

	// The cache's unread count matches the server's.
	_, unseen, err := st.Counts(context.Background(), inbox.ID)
	if err != nil {
		t.Fatal(err)
	}
	sd, err := other(t, s, u).Status("INBOX", &imapv2.StatusOptions{NumUnseen: true}).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if sd.NumUnseen == nil || int(*sd.NumUnseen) != unseen {
		t.Fatalf("cache has %d unseen, server %v", unseen, sd.NumUnseen)
	}
}

// A first sync large enough for helper connections takes the folder's
// state from a helper's EXAMINE and never selects the folder on the main
// connection; the next sync does, and sees another client's changes.
func TestFirstSyncStateFromHelper(t *testing.T) {
	const n = 600
	s := mailtest.Shared(t)
	u := s.AddUser(t)
	a, st, log := loggedFirstSync(t, s, u, n, 50)
	inbox := folder(t, st, a, "INBOX")
	ctx := context.Background()
	if err := a.SyncFolder(ctx, inbox.ID); err != nil {
		t.Fatal(err)
	}
	first := log.String()
	if e, s := commands(first, "EXAMINE"), commands(first, "SELECT"); e != 2 || s != 0 {
		t.Fatalf("first sync: %d EXAMINE and %d SELECT commands, want 2 and none", e, s)
	}
	if total, _, _ := st.Counts(ctx, inbox.ID); total != n {
		t.Fatalf("%d cached, want %d", total, n)
	}
	if f := folder(t, st, a, "INBOX"); f.UIDValidity == 0 || f.UIDNext != n+1 || f.SyncedFrom != 1 {
		t.Fatalf("sync state after the first sync: %+v", f)
	}

	c := other(t, s, u)
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	var set imapv2.UIDSet
	set.AddNum(7)
	if err := c.Store(set, &imapv2.StoreFlags{Op: imapv2.StoreFlagsAdd, Flags: []imapv2.Flag{imapv2.FlagFlagged}, Silent: true}, nil).Close(); err != nil {
		t.Fatal(err)
	}
	if err := a.SyncFolder(ctx, inbox.ID); err != nil {
		t.Fatal(err)
	}
	if commands(log.String()[len(first):], "SELECT") == 0 {
		t.Fatal("the second sync did not select the folder")
	}
	if m, err := st.MessageByUID(ctx, inbox.ID, 7); err != nil || m.Flags&store.Flagged == 0 {
		t.Fatalf("flag from another client not seen: %+v %v", m.Flags, err)
	}
}

// A folder the store expects to be large (by its STATUS count) that turns
// out too small for helpers is synced on the main connection, selected
// first.
func TestFirstSyncTooSmallForHelpers(t *testing.T) {
	const n = 150
	s := mailtest.Shared(t)
	a, st, log := loggedFirstSync(t, s, s.AddUser(t), n, 1000)
	inbox := folder(t, st, a, "INBOX")
	if err := a.SyncFolder(context.Background(), inbox.ID); err != nil {
		t.Fatal(err)
	}
	if commands(log.String(), "SELECT") == 0 || strings.Contains(log.String(), "H1 UID FETCH") {
		t.Fatal("the main connection did not select and fetch the folder")
	}
	if total, _, _ := st.Counts(context.Background(), inbox.ID); total != n {
		t.Fatalf("%d cached, want %d", total, n)
	}
}

// commands counts the lines of a protocol log that send the command verb.
func commands(log, verb string) int {
	n := 0
	for _, l := range strings.Split(log, "\n") {
		if _, rest, ok := strings.Cut(l, " "); ok && strings.HasPrefix(rest, verb+" ") && !strings.HasPrefix(l, "*") {
			n++
		}
	}
	return n
}

// loggedFirstSync seeds n messages into u's INBOX and lists the folders
// of a new account with a protocol log, batches of batch messages and
// helpers for 100 messages or more.
func loggedFirstSync(t *testing.T, s *mailtest.Stack, u mailtest.User, n, batch int) (*Account, *store.Store, *protoLog) {
	t.Helper()
	seed(t, s, u, "INBOX", n)
	st := openStore(t)
	cfg := config(s, u)
	cfg.BatchSize = batch
	log := logProtocolOnFailure(t, &cfg)
	a := New(cfg, st, nil)
	t.Cleanup(a.Close)
	a.parallelMin = 100
	listFolders(t, a)
	return a, st, log
}

// logProtocolOnFailure keeps cfg's protocol log and prints its end if the
// test fails. Call it before the account is made (and its Close
// registered), so that the log is printed whole, logouts included.
func logProtocolOnFailure(t *testing.T, cfg *Config) *protoLog {
	log := &protoLog{}
	cfg.Debug = log
	t.Cleanup(func() {
		if t.Failed() {
			l := log.String()
			t.Logf("protocol log (last 16 KB of %d bytes):\n%s", len(l), l[max(0, len(l)-16<<10):])
		}
	})
	return log
}

// The helpers of a new account's first sync are opened while the folder
// list is fetched, and that sync uses them instead of opening others.
func TestHelpersOpenedWithTheListing(t *testing.T) {
	s := mailtest.Shared(t)
	u := s.AddUser(t)
	a, st, log := loggedFirstSync(t, s, u, 600, 50)
	a.pre.mu.Lock()
	p := a.pre.cur
	a.pre.mu.Unlock()
	if p == nil || p.name != "INBOX" {
		t.Fatalf("no helpers opened for INBOX with the listing: %+v", p)
	}
	inbox := folder(t, st, a, "INBOX")
	if err := a.SyncFolder(context.Background(), inbox.ID); err != nil {
		t.Fatal(err)
	}
	if n := count(t, st, inbox.ID); n != 600 {
		t.Fatalf("%d cached, want 600", n)
	}
	if a.pre.cur != nil || !p.dial.isUsed() {
		t.Fatal("the sync did not take the helpers opened ahead")
	}
	first := log.String()
	if logins, e := commands(first, "AUTHENTICATE")+commands(first, "LOGIN"), commands(first, "EXAMINE"); logins != 3 || e != 2 {
		t.Fatalf("%d logins and %d EXAMINE commands, want 3 (main and two helpers) and 2", logins, e)
	}
	// A synced folder gets none: its next sync rarely needs helpers.
	listFolders(t, a)
	if a.pre.cur != nil {
		t.Fatal("helpers opened ahead for a folder synced before")
	}
}

// Helpers opened ahead that no sync takes are closed after a while, and
// when the account is closed.
func TestHelpersOpenedAheadAreClosed(t *testing.T) {
	s := mailtest.Shared(t)
	u := s.AddUser(t)
	for _, timeout := range []bool{true, false} {
		st := openStore(t)
		a := New(config(s, u), st, nil)
		a.preWait = time.Hour
		listFolders(t, a)
		a.pre.mu.Lock()
		p := a.pre.cur
		a.pre.mu.Unlock()
		if p == nil {
			t.Fatal("no helpers opened with the listing")
		}
		if timeout {
			// As if preWait had been short (set before the listing, it
			// could run out while the listing was still under way).
			p.timer.Reset(time.Millisecond)
			deadline := time.Now().Add(5 * time.Second)
			// dropPre closes the helpers, then ends their context: wait
			// for both.
			for (!p.dial.isUsed() || p.ctx.Err() == nil) && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
		} else {
			a.Close()
		}
		if !p.dial.isUsed() || p.ctx.Err() == nil {
			t.Fatalf("timeout %v: helpers opened ahead were not closed", timeout)
		}
		a.pre.mu.Lock()
		left := a.pre.cur
		a.pre.mu.Unlock()
		if left != nil {
			t.Fatalf("timeout %v: still held after closing", timeout)
		}
		a.Close()
	}
}
