package store

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"
)

func TestOutboxStateMachine(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(filepath.Join(dir, "cache.db"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_700_000_000, 0)
	ids, err := s.OutboxAdd(ctx, now,
		OutboxItem{Account: "a", Raw: []byte("raw1"), From: "me@x.example", Recipients: []string{"b@x.example"}, MessageID: "m1@x", Draft: []byte(`{"Subject":"1"}`)},
		OutboxItem{Account: "a", Raw: []byte("raw2"), From: "me@x.example", Recipients: []string{"c@x.example"}, SendAfter: now.Add(30 * time.Second)},
		OutboxItem{Account: "b", Raw: []byte("raw3"), From: "me@y.example", Recipients: []string{"d@y.example"}})
	if err != nil || len(ids) != 3 {
		t.Fatal(ids, err)
	}
	due, err := s.OutboxDue(ctx, now, 0)
	if err != nil || len(due) != 2 || due[0].ID != ids[0] || due[1].ID != ids[2] || string(due[0].Raw) != "raw1" {
		t.Fatalf("due %+v %v", due, err)
	}
	if due[0].Recipients[0] != "b@x.example" || string(due[0].Draft) != `{"Subject":"1"}` {
		t.Fatalf("item %+v", due[0])
	}
	wake, ok, err := s.OutboxNextWake(ctx)
	if err != nil || !ok || wake.After(now) {
		t.Fatalf("wake %v %v %v", wake, ok, err)
	}
	if err := s.OutboxTransition(ctx, ids[0], []string{OutboxQueued}, OutboxSending, now, OutboxChange{AddAttempt: true}); err != nil {
		t.Fatal(err)
	}
	// A second worker cannot take the same item.
	if err := s.OutboxTransition(ctx, ids[0], []string{OutboxQueued}, OutboxSending, now, OutboxChange{}); err != ErrOutboxState {
		t.Fatalf("double take: %v", err)
	}
	// Cancel only while queued.
	if _, err := s.OutboxRemove(ctx, ids[0], OutboxQueued); err != ErrOutboxState {
		t.Fatalf("cancel while sending: %v", err)
	}
	it, err := s.OutboxRemove(ctx, ids[1], OutboxQueued)
	if err != nil || string(it.Raw) != "raw2" || !it.SendAfter.Equal(now.Add(30*time.Second)) {
		t.Fatalf("cancel: %+v %v", it, err)
	}
	if _, err := s.OutboxItem(ctx, ids[1]); err != ErrNotFound {
		t.Fatalf("cancelled item still there: %v", err)
	}
	if err := s.OutboxTransition(ctx, 999, []string{OutboxQueued}, OutboxSending, now, OutboxChange{}); err != ErrNotFound {
		t.Fatalf("missing item: %v", err)
	}

	// Restart: "sending" becomes "uncertain", durably.
	s.Close()
	s, err = Open(filepath.Join(dir, "cache.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	unc, err := s.OutboxRecover(ctx, now)
	if err != nil || len(unc) != 1 || unc[0].ID != ids[0] || unc[0].State != OutboxUncertain || unc[0].Attempts != 1 {
		t.Fatalf("recover %+v %v", unc, err)
	}
	due, _ = s.OutboxDue(ctx, now.Add(time.Hour), 0)
	if len(due) != 1 || due[0].ID != ids[2] {
		t.Fatalf("uncertain item is due again: %+v", due)
	}
	next := now.Add(5 * time.Minute)
	msg := "451 try later"
	if err := s.OutboxTransition(ctx, ids[2], []string{OutboxQueued}, OutboxQueued, now, OutboxChange{AddAttempt: true, NextAttempt: &next, LastError: &msg}); err != nil {
		t.Fatal(err)
	}
	if due, _ := s.OutboxDue(ctx, now.Add(4*time.Minute), 0); len(due) != 0 {
		t.Fatalf("due before backoff: %+v", due)
	}
	list, err := s.OutboxList(ctx, "b")
	if err != nil || len(list) != 1 || list[0].LastError != msg || list[0].Attempts != 1 || list[0].Raw != nil {
		t.Fatalf("list %+v %v", list, err)
	}
	if full, err := s.OutboxItem(ctx, ids[2]); err != nil || len(list[0].Head) == 0 || !bytes.HasPrefix(full.Raw, list[0].Head) || list[0].Draft != nil {
		t.Fatalf("a listed item carries %d bytes of head, a draft of %d bytes (%v)", len(list[0].Head), len(list[0].Draft), err)
	}
	for _, st := range []string{OutboxSending, OutboxSent, OutboxCopied} {
		from := map[string]string{OutboxSending: OutboxQueued, OutboxSent: OutboxSending, OutboxCopied: OutboxSent}[st]
		if err := s.OutboxTransition(ctx, ids[2], []string{from}, st, now, OutboxChange{}); err != nil {
			t.Fatal(st, err)
		}
	}
	if n, err := s.OutboxPurge(ctx, now.Add(time.Second)); err != nil || n != 1 {
		t.Fatalf("purge %d %v", n, err)
	}
	if l, _ := s.OutboxList(ctx, "", OutboxUncertain); len(l) != 1 {
		t.Fatalf("uncertain list %+v", l)
	}
}
