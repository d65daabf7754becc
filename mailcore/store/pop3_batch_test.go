package store

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"hongyan/internal/mailtest"
)

func openPOP3Store(t testing.TB) (*Store, int64) {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "pop3.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	inbox, err := s.UpsertFolder(context.Background(), Folder{Account: "p", Name: "Inbox", Role: RoleInbox, Local: true, Selectable: true})
	if err != nil {
		t.Fatal(err)
	}
	return s, inbox
}

func pop3Batch(first, n int) []POP3Message {
	raws := mailtest.GenerateMessages(n, int64(first)+1)
	out := make([]POP3Message, n)
	for i, raw := range raws {
		out[i] = POP3Message{UIDL: fmt.Sprintf("uidl-%06d", first+i), Raw: raw,
			Summary: Summary{Subject: fmt.Sprintf("message %d", first+i), Size: int64(len(raw)),
				From:         Address{Name: "Sender", Addr: "sender@example.test"},
				To:           []Address{{Addr: "me@example.test"}},
				InternalDate: time.Unix(1700000000, 0), Date: time.Unix(1600000000+int64(first+i), 0),
				MessageID: fmt.Sprintf("<%d@example.test>", first+i), Preview: "preview"}}
	}
	return out
}

// A batch larger than one INSERT chunk, with duplicates inside the batch
// and across batches, stores each UIDL once with its own body, and never
// hands out the id of a deleted local copy that the bookkeeping still
// names.
func TestAddPOP3MessagesChunks(t *testing.T) {
	ctx := context.Background()
	s, inbox := openPOP3Store(t)
	seen := time.Unix(1700000000, 0)

	first := pop3Batch(0, 3)
	ids, err := s.AddPOP3Messages(ctx, "p", inbox, seen, first)
	if err != nil {
		t.Fatal(err)
	}
	// Delete the newest local copy: its UIDL row keeps the id.
	if err := s.DeleteMessage(ctx, ids[2]); err != nil {
		t.Fatal(err)
	}

	n := 2*maxRows + 7
	batch := pop3Batch(3, n)
	batch = append(batch, first[0])            // known from the first batch
	batch = append(batch, batch[maxRows+1])    // twice in this batch
	batch[maxRows+1].Summary.Subject = "first" // the first copy wins
	got, err := s.AddPOP3Messages(ctx, "p", inbox, seen, batch)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(batch) {
		t.Fatalf("%d ids for %d messages", len(got), len(batch))
	}
	if got[n] != 0 || got[n+1] != 0 {
		t.Fatalf("duplicates stored: ids %d %d", got[n], got[n+1])
	}
	prev := ids[2]
	for i := 0; i < n; i++ {
		if got[i] <= prev {
			t.Fatalf("id %d of message %d not above %d", got[i], i, prev)
		}
		prev = got[i]
	}
	if total, _, _ := s.Counts(ctx, inbox); total != 2+n {
		t.Fatalf("inbox holds %d messages, want %d", total, 2+n)
	}
	for _, i := range []int{0, maxRows - 1, maxRows, maxRows + 1, n - 1} {
		raw, err := s.Body(ctx, got[i])
		if err != nil || !bytes.Equal(raw, batch[i].Raw) {
			t.Fatalf("body of message %d: %v", i, err)
		}
		m, err := s.Message(ctx, got[i])
		if err != nil {
			t.Fatal(err)
		}
		if m.Subject != batch[i].Summary.Subject || m.UID != uint32(3+i) {
			t.Fatalf("message %d: subject %q uid %d", i, m.Subject, m.UID)
		}
		if u, err := s.POP3UIDLOf(ctx, got[i]); err != nil || u != batch[i].UIDL {
			t.Fatalf("uidl of message %d: %q %v", i, u, err)
		}
	}
	es, err := s.POP3Entries(ctx, "p")
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 3+n {
		t.Fatalf("%d entries, want %d", len(es), 3+n)
	}
	if e := es[first[2].UIDL]; e.LocalExists || e.MessageID != ids[2] {
		t.Fatalf("deleted copy's entry %+v", e)
	}
	if dirty, err := s.PendingIndex(ctx); err != nil || dirty < n {
		t.Fatalf("%d messages queued for indexing, want at least %d (%v)", dirty, n, err)
	}
}

// BenchmarkAddPOP3Messages stores batches of 500 generated messages with
// bodies, as one POP3 check does.
func BenchmarkAddPOP3Messages(b *testing.B) {
	ctx := context.Background()
	s, inbox := openPOP3Store(b)
	const batch = 500
	msgs := make([][]POP3Message, b.N)
	for i := range msgs {
		msgs[i] = pop3Batch(i*batch, batch)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.AddPOP3Messages(ctx, "p", inbox, time.Now(), msgs[i]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*batch), "µs/msg")
}
