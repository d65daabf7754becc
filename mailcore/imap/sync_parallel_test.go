package imap

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"

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
