package store

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"testing"
)

func TestDraftSaveReplaceReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cache.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte{0, 1, 2, 0xff}, 1<<18)
	id, err := s.SaveDraft(ctx, DraftRecord{Account: "a", Subject: "草稿", Meta: []byte(`{"v":1}`)},
		map[string][]byte{"h1": big, "h2": []byte("small"), "h3": nil})
	if err != nil || id == 0 {
		t.Fatalf("save: %d %v", id, err)
	}
	// Replace: text changed, one attachment dropped, one added.
	id2, err := s.SaveDraft(ctx, DraftRecord{ID: id, Account: "a", Subject: "草稿 2", Meta: []byte(`{"v":2}`), ServerID: 9},
		map[string][]byte{"h1": nil, "h4": []byte("new")})
	if err != nil || id2 != id {
		t.Fatalf("replace: %d %v", id2, err)
	}
	s.Close()

	s = reopenTest(t, path)
	rec, blobs, err := s.Draft(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Subject != "草稿 2" || string(rec.Meta) != `{"v":2}` || rec.ServerID != 9 || rec.Account != "a" {
		t.Fatalf("record: %+v", rec)
	}
	if len(blobs) != 2 || !bytes.Equal(blobs["h1"], big) || string(blobs["h4"]) != "new" {
		t.Fatalf("blobs: %d entries", len(blobs))
	}
	list, err := s.Drafts(ctx, "a")
	if err != nil || len(list) != 1 || list[0].ID != id || list[0].Meta != nil {
		t.Fatalf("list: %+v %v", list, err)
	}
	if other, _ := s.Drafts(ctx, "b"); len(other) != 0 {
		t.Fatalf("drafts of another account: %d", len(other))
	}
	if err := s.DeleteDraft(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Draft(ctx, id); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted draft: %v", err)
	}
	var n int
	s.DB().QueryRow(`SELECT count(*) FROM draft_blobs`).Scan(&n)
	if n != 0 {
		t.Fatalf("%d blobs left behind", n)
	}
	// Saving under an id that disappeared keeps the words.
	if got, err := s.SaveDraft(ctx, DraftRecord{ID: id, Account: "a", Meta: []byte("{}")}, nil); err != nil || got != id {
		t.Fatalf("save after delete: %d %v", got, err)
	}
}

func TestAddressBookRanking(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	inbox, _ := s.UpsertFolder(ctx, Folder{Account: "a", Name: "INBOX", Role: RoleInbox})
	sent, _ := s.UpsertFolder(ctx, Folder{Account: "a", Name: "Sent", Role: RoleSent})
	drafts, _ := s.UpsertFolder(ctx, Folder{Account: "a", Name: "Drafts", Role: RoleDrafts})
	me := Address{Name: "Me", Addr: "me@example.org"}
	var in, out []Summary
	// Bob writes three times; Alice is written to twice (2*5 > 3*2).
	for i := 0; i < 3; i++ {
		in = append(in, Summary{UID: uint32(i + 1), From: Address{Name: "Bob", Addr: "Bob@Example.org"}, To: []Address{me},
			Cc: []Address{{Addr: "carol@example.org"}}})
	}
	out = append(out, Summary{UID: 1, From: me, To: []Address{{Name: "Alice 爱丽丝", Addr: "alice@example.org"}}},
		Summary{UID: 2, From: me, To: []Address{{Addr: "alice@example.org"}}})
	if err := s.PutSummaries(ctx, inbox, in); err != nil {
		t.Fatal(err)
	}
	if err := s.PutSummaries(ctx, sent, out); err != nil {
		t.Fatal(err)
	}
	if err := s.PutSummaries(ctx, drafts, []Summary{{UID: 1, From: me, To: []Address{{Addr: "typo@example.org"}}}}); err != nil {
		t.Fatal(err)
	}
	book, err := s.AddressBook(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]AddressUse{}
	var order []string
	for _, u := range book {
		got[u.Addr] = u
		order = append(order, u.Addr)
	}
	if len(order) < 3 || order[0] != "alice@example.org" || order[1] != "bob@example.org" {
		t.Fatalf("order: %v", order)
	}
	if got["alice@example.org"].Name != "Alice 爱丽丝" || got["alice@example.org"].Score != 10 {
		t.Fatalf("alice: %+v", got["alice@example.org"])
	}
	if got["bob@example.org"].Score != 6 || got["bob@example.org"].Name != "Bob" {
		t.Fatalf("bob: %+v", got["bob@example.org"])
	}
	if _, ok := got["typo@example.org"]; ok {
		t.Fatal("addresses of drafts must not rank")
	}
	if lim, _ := s.AddressBook(ctx, 1); len(lim) != 1 {
		t.Fatalf("limit: %d", len(lim))
	}
}
