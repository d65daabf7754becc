package store

import (
	"bytes"
	"context"
	"testing"
	"time"
)

func TestPOP3Bookkeeping(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	inbox, err := s.UpsertFolder(ctx, Folder{Account: "p", Name: "Inbox", Role: RoleInbox, Local: true, Selectable: true})
	if err != nil {
		t.Fatal(err)
	}
	seen := time.Unix(1700000000, 0)
	msgs := []POP3Message{
		{UIDL: "u1", Summary: Summary{Subject: "one", Size: 3}, Raw: []byte("one")},
		{UIDL: "u2", Summary: Summary{Subject: "two", Size: 3}, Raw: []byte("two")},
		{UIDL: "u1", Summary: Summary{Subject: "dup in batch"}, Raw: []byte("x")},
	}
	ids, err := s.AddPOP3Messages(ctx, "p", inbox, seen, msgs)
	if err != nil {
		t.Fatal(err)
	}
	if ids[0] == 0 || ids[1] == 0 || ids[2] != 0 {
		t.Fatalf("ids %v: want two stored and the duplicate skipped", ids)
	}
	// A second batch with a known UIDL stores nothing for it.
	ids2, err := s.AddPOP3Messages(ctx, "p", inbox, seen, []POP3Message{{UIDL: "u2", Raw: []byte("two again")}, {UIDL: "u3", Raw: []byte("three")}})
	if err != nil {
		t.Fatal(err)
	}
	if ids2[0] != 0 || ids2[1] == 0 {
		t.Fatalf("second batch ids %v", ids2)
	}
	if total, _, _ := s.Counts(ctx, inbox); total != 3 {
		t.Fatalf("inbox holds %d messages, want 3", total)
	}
	raw, err := s.Body(ctx, ids[1])
	if err != nil || !bytes.Equal(raw, []byte("two")) {
		t.Fatalf("body %q, %v", raw, err)
	}
	m, _ := s.Message(ctx, ids2[1])
	if m.UID != 3 {
		t.Fatalf("third message has local UID %d, want 3", m.UID)
	}

	// Delete the local copy of u1; request deletion for u2.
	if err := s.DeleteMessage(ctx, ids[0]); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.RequestPOP3Delete(ctx, ids[1]); err != nil || !ok {
		t.Fatalf("request delete: %v %v", ok, err)
	}
	if ok, _ := s.RequestPOP3Delete(ctx, 999999); ok {
		t.Fatal("request delete of a non-POP3 message reported success")
	}
	es, err := s.POP3Entries(ctx, "p")
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 3 {
		t.Fatalf("%d entries", len(es))
	}
	if e := es["u1"]; e.LocalExists || e.MessageID != ids[0] || !e.FirstSeen.Equal(seen) {
		t.Fatalf("u1 %+v", e)
	}
	if e := es["u2"]; !e.LocalExists || !e.DeleteRequested || e.DeletedOnServer {
		t.Fatalf("u2 %+v", e)
	}
	if u, err := s.POP3UIDLOf(ctx, ids2[1]); err != nil || u != "u3" {
		t.Fatalf("uidl of third: %q %v", u, err)
	}
	if err := s.MarkPOP3Deleted(ctx, "p", []string{"u1", "u2"}); err != nil {
		t.Fatal(err)
	}
	es, _ = s.POP3Entries(ctx, "p")
	if !es["u1"].DeletedOnServer || !es["u2"].DeletedOnServer || es["u3"].DeletedOnServer {
		t.Fatalf("after mark: %+v", es)
	}
	if other, _ := s.POP3Entries(ctx, "q"); len(other) != 0 {
		t.Fatal("entries leaked across accounts")
	}
	if err := s.DeletePOP3Account(ctx, "p"); err != nil {
		t.Fatal(err)
	}
	if es, _ = s.POP3Entries(ctx, "p"); len(es) != 0 {
		t.Fatalf("after account removal %d entries", len(es))
	}
}
