package pop3

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"hongyan/internal/mailtest"
	"hongyan/mailcore/netsec"
)

// When the sources cannot be made durable (here the pack directory cannot
// be created), the check fails, records nothing and deletes nothing on
// the server; once the disk is usable again the next check retrieves
// every message and only then deletes them.
func TestPackFailureKeepsMailOnServer(t *testing.T) {
	m1 := []byte("From: a@example.org\r\nSubject: one\r\n\r\nbody one\r\n")
	m2 := []byte("From: b@example.org\r\nSubject: two\r\n\r\nbody two\r\n")
	f := newFakeServer(t, true, []string{"USER"}, [][]byte{m1, m2})
	st := openStore(t)
	blocker := st.Path() + ".packs"
	if err := os.WriteFile(blocker, []byte("not a directory"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := Config{Account: "acct", Host: "127.0.0.1", Port: f.port, Security: SecurityTLS,
		Username: "alice", Password: "s3cret", Net: netsec.Options{RootCAs: f.pool}, LeaveOnServer: false}
	ctx := context.Background()
	res, err := New(cfg, st, nil).Check(ctx)
	if err == nil {
		t.Fatalf("check with an unusable pack directory succeeded: %+v", res)
	}
	if res.New != 0 || res.Deleted != 0 {
		t.Fatalf("failed check reports %+v", res)
	}
	for _, c := range f.commands() {
		if strings.HasPrefix(c, "DELE") {
			t.Fatalf("DELE sent although nothing was stored: %q", f.commands())
		}
	}
	if es, err := st.POP3Entries(ctx, "acct"); err != nil || len(es) != 0 {
		t.Fatalf("%d entries recorded (%v), want none", len(es), err)
	}
	if f.count() != 2 {
		t.Fatalf("%d messages left on the server, want 2", f.count())
	}

	if err := os.Remove(blocker); err != nil {
		t.Fatal(err)
	}
	res, err = New(cfg, st, nil).Check(ctx)
	if err != nil || res.New != 2 || res.Deleted != 2 {
		t.Fatalf("second check %+v, %v; want 2 new and 2 deleted", res, err)
	}
	got := bodiesOf(t, st, inboxOf(t, st, "acct"))
	if len(got) != 2 || string(got[0]) != string(m1) || string(got[1]) != string(m2) {
		t.Fatalf("stored bodies %q", got)
	}
}

// A download long enough that message buffers are recycled (several
// batches) stores every message exactly as the server sent it.
func TestRecycledBuffersKeepBodies(t *testing.T) {
	msgs := mailtest.GenerateMessages(3*batchMinMessages, 7)
	f := newFakeServer(t, true, []string{"USER"}, msgs)
	st := openStore(t)
	cfg := Config{Account: "acct", Host: "127.0.0.1", Port: f.port, Security: SecurityTLS,
		Username: "alice", Password: "s3cret", Net: netsec.Options{RootCAs: f.pool}, LeaveOnServer: true}
	res, err := New(cfg, st, nil).Check(context.Background())
	if err != nil || res.New != len(msgs) {
		t.Fatalf("check %+v, %v; want %d new", res, err, len(msgs))
	}
	got := bodiesOf(t, st, inboxOf(t, st, "acct"))
	if len(got) != len(msgs) {
		t.Fatalf("%d bodies stored, want %d", len(got), len(msgs))
	}
	for i := range msgs {
		if !bytes.Equal(got[i], msgs[i]) {
			t.Fatalf("message %d stored differently (%d bytes, want %d)", i, len(got[i]), len(msgs[i]))
		}
	}
}
