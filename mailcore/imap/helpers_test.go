package imap

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	imapv2 "github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"hongyan/internal/mailtest"
	"hongyan/mailcore/event"
	"hongyan/mailcore/mailerr"
	"hongyan/mailcore/netsec"
	"hongyan/mailcore/store"
)

func TestMain(m *testing.M) { mailtest.Main(m) }

// recorder collects events.
type recorder struct {
	mu  sync.Mutex
	evs []event.Event
	ch  chan event.Event
}

func newRecorder() *recorder { return &recorder{ch: make(chan event.Event, 4096)} }

func (r *recorder) sink(e event.Event) {
	r.mu.Lock()
	r.evs = append(r.evs, e)
	r.mu.Unlock()
	select {
	case r.ch <- e:
	default:
	}
}

func (r *recorder) all() []event.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]event.Event(nil), r.evs...)
}

// wait returns the first event (from now on) satisfying ok.
func (r *recorder) wait(t *testing.T, d time.Duration, ok func(event.Event) bool) event.Event {
	t.Helper()
	deadline := time.After(d)
	for {
		select {
		case e := <-r.ch:
			if ok(e) {
				return e
			}
		case <-deadline:
			t.Fatalf("no matching event within %v; got %d events", d, len(r.all()))
			return nil
		}
	}
}

func openStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "cache.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func config(s *mailtest.Stack, u mailtest.User) Config {
	return Config{AccountID: "acct-" + u.Name, Host: s.Host, Port: s.IMAPSPort, Security: SecurityTLS,
		Username: u.Name, Password: u.Password, TLS: netsec.Options{RootCAs: s.CAPool}}
}

func newAccount(t *testing.T, s *mailtest.Stack, u mailtest.User, st *store.Store) (*Account, *recorder) {
	t.Helper()
	rec := newRecorder()
	a := New(config(s, u), st, rec.sink)
	t.Cleanup(a.Close)
	return a, rec
}

// other is a second, independent IMAP client (another mail program).
func other(t *testing.T, s *mailtest.Stack, u mailtest.User) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialTLS(s.Addr(s.IMAPSPort), &imapclient.Options{TLSConfig: s.TLSConfig()})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Login(u.Name, u.Password).Wait(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func appendMsg(t *testing.T, c *imapclient.Client, mailbox, subject string) {
	t.Helper()
	raw := fmt.Sprintf("From: Other <other@hongyan.test>\r\nTo: me@hongyan.test\r\nSubject: %s\r\nMessage-ID: <%d.%s@hongyan.test>\r\nDate: %s\r\n\r\nhello\r\n",
		subject, time.Now().UnixNano(), strings.ReplaceAll(subject, " ", ""), time.Now().Format(time.RFC1123Z))
	cmd := c.Append(mailbox, int64(len(raw)), nil)
	if _, err := cmd.Write([]byte(raw)); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
}

func seed(t *testing.T, s *mailtest.Stack, u mailtest.User, mailbox string, n int) {
	t.Helper()
	if err := s.Seed(u, mailbox, mailtest.GenerateMessages(n, int64(n))); err != nil {
		t.Fatal(err)
	}
}

func folder(t *testing.T, st *store.Store, a *Account, name string) store.Folder {
	t.Helper()
	f, err := st.FolderByName(context.Background(), a.ID(), name)
	if err != nil {
		t.Fatalf("folder %s: %v", name, err)
	}
	return f
}

func count(t *testing.T, st *store.Store, folderID int64) int {
	t.Helper()
	n, _, err := st.Counts(context.Background(), folderID)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// serverUIDs lists a mailbox's UIDs as the server sees them.
func serverUIDs(t *testing.T, c *imapclient.Client, mailbox string) []uint32 {
	t.Helper()
	if _, err := c.Select(mailbox, nil).Wait(); err != nil {
		t.Fatal(err)
	}
	d, err := c.UIDSearch(&imapv2.SearchCriteria{}, nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	var out []uint32
	for _, u := range expand(d.All) {
		out = append(out, u)
	}
	return out
}

func sameUIDs(a, b []uint32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func errorsAs(err error, target **mailerr.Error) bool { return errors.As(err, target) }

// listFolders runs a.SyncFolders, failing the test on error.
func listFolders(t *testing.T, a *Account) {
	t.Helper()
	if err := a.SyncFolders(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// syncNamed syncs the cached folder called name and returns it as cached
// after the sync.
func syncNamed(t *testing.T, st *store.Store, a *Account, name string) store.Folder {
	t.Helper()
	if err := a.SyncFolder(context.Background(), folder(t, st, a, name).ID); err != nil {
		t.Fatalf("sync %s: %v", name, err)
	}
	return folder(t, st, a, name)
}

// interruptSync starts a sync of folderID and cancels it once it reports
// 300 or more messages done but not finished; the sync must fail.
func interruptSync(t *testing.T, a *Account, rec *recorder, folderID int64) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.SyncFolder(ctx, folderID) }()
	rec.wait(t, 30*time.Second, func(e event.Event) bool {
		p, ok := e.(event.SyncProgress)
		return ok && p.Done >= 300 && !p.Finished
	})
	cancel()
	if err := <-done; err == nil {
		t.Fatal("sync was not interrupted")
	}
}

// checkNoGap asserts that after an interrupted first sync of the folder
// name, whose server UIDs are 1..total, SyncedFrom lies above 1 and every UID
// from SyncedFrom up is cached. It returns how many UIDs are cached.
func checkNoGap(t *testing.T, st *store.Store, a *Account, name string, total int) int {
	t.Helper()
	f := folder(t, st, a, name)
	if f.SyncedFrom <= 1 || f.SyncedFrom > uint32(total) {
		t.Fatalf("synced_from %d after interruption", f.SyncedFrom)
	}
	uids, err := st.UIDs(context.Background(), f.ID)
	if err != nil {
		t.Fatal(err)
	}
	above := 0
	for _, u := range uids {
		if u >= f.SyncedFrom {
			above++
		}
	}
	if want := total - int(f.SyncedFrom) + 1; above != want {
		t.Fatalf("%d UIDs cached at or above synced_from %d, want %d", above, f.SyncedFrom, want)
	}
	return len(uids)
}

// checkResumed syncs the folder name again and asserts the cache then
// holds exactly the server's total UIDs and the folder is synced from 1.
func checkResumed(t *testing.T, s *mailtest.Stack, u mailtest.User, st *store.Store, a *Account, name string, total int) {
	t.Helper()
	f := syncNamed(t, st, a, name)
	uids, err := st.UIDs(context.Background(), f.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(uids) != total || !sameUIDs(uids, serverUIDs(t, other(t, s, u), name)) {
		t.Fatalf("after resume %d UIDs, want the server's %d", len(uids), total)
	}
	if f.SyncedFrom != 1 {
		t.Fatalf("synced_from %d after full sync", f.SyncedFrom)
	}
}

// logNextConn makes a's next main connection log its protocol to the
// returned log (the current one, if any, is closed).
func logNextConn(a *Account) *protoLog {
	log := &protoLog{}
	a.cfg.Debug = log
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.main != nil {
		a.main.close()
		a.main = nil
	}
	return log
}
