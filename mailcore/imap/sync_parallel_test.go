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
	"hongyan/mailcore/event"
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
	if err := a.SyncFolders(context.Background()); err != nil {
		t.Fatal(err)
	}
	inbox := folder(t, st, a, "INBOX")

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.SyncFolder(ctx, inbox.ID) }()
	rec.wait(t, 30*time.Second, func(e event.Event) bool {
		p, ok := e.(event.SyncProgress)
		return ok && p.Done >= 300 && !p.Finished
	})
	cancel()
	if err := <-done; err == nil {
		t.Fatal("sync was not interrupted")
	}
	if got := strings.Count(log.String(), "EXAMINE"); got < 2 {
		t.Fatalf("%d helper connections opened the folder, want 2", got)
	}
	f := folder(t, st, a, "INBOX")
	uids, _ := st.UIDs(context.Background(), inbox.ID)
	above := 0
	for _, uu := range uids {
		if uu >= f.SyncedFrom {
			above++
		}
	}
	if f.SyncedFrom <= 1 || above != int(n-f.SyncedFrom+1) {
		t.Fatalf("after interruption: synced_from %d, %d UIDs at or above it", f.SyncedFrom, above)
	}

	if err := a.SyncFolder(context.Background(), inbox.ID); err != nil {
		t.Fatal(err)
	}
	uids, _ = st.UIDs(context.Background(), inbox.ID)
	if len(uids) != n || !sameUIDs(uids, serverUIDs(t, other(t, s, u), "INBOX")) {
		t.Fatalf("after resume %d UIDs, want the server's %d", len(uids), n)
	}
	if f := folder(t, st, a, "INBOX"); f.SyncedFrom != 1 {
		t.Fatalf("synced_from %d after full sync", f.SyncedFrom)
	}
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
