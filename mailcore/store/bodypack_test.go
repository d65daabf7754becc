package store

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"hongyan/mailcore/mailerr"
)

func packFiles(t *testing.T, s *Store) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(packDir(s.Path()), "*"+packSuffix))
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// Sources appended to a pack and then committed by reference read back
// whole, are indexed for search, and leave the bodies table empty.
func TestPackedBodiesReadAndIndexed(t *testing.T) {
	ctx := context.Background()
	s, inbox := openPOP3Store(t)
	batch := pop3Batch(0, 5)
	batch[3].Raw = []byte(testRaw)
	p, err := s.CreatePack(ctx)
	if err != nil {
		t.Fatal(err)
	}
	raws := make([][]byte, len(batch))
	for i := range batch {
		raws[i] = batch[i].Raw
	}
	refs, err := p.Append(raws)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	want := make([][]byte, len(batch))
	for i := range batch {
		want[i] = batch[i].Raw
		batch[i].Body, batch[i].Raw = refs[i], nil
	}
	ids, err := s.AddPOP3Messages(ctx, "p", inbox, time.Now(), batch)
	if err != nil {
		t.Fatal(err)
	}
	for i, id := range ids {
		raw, err := s.Body(ctx, id)
		if err != nil || !bytes.Equal(raw, want[i]) {
			t.Fatalf("body %d: %v", i, err)
		}
		if ok, err := s.HasBody(ctx, id); !ok || err != nil {
			t.Fatalf("HasBody %d = %v, %v", i, ok, err)
		}
	}
	var n int
	if err := s.DB().QueryRow(`SELECT count(*) FROM bodies`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d rows in bodies (%v), want 0", n, err)
	}
	if got := ftsIDs(t, s, "search_text", "kiwifruit"); len(got) != 1 || got[0] != ids[3] {
		t.Fatalf("search finds %v, want [%d]", got, ids[3])
	}
	if got := ftsIDs(t, s, "search_hdr", `"quarterly"`); len(got) != 1 || got[0] != ids[3] {
		t.Fatalf("attachment name search finds %v, want [%d]", got, ids[3])
	}
	if n, err := s.RebuildSearchIndex(ctx); err != nil || n != len(ids) {
		t.Fatalf("rebuild: %d, %v", n, err)
	}
	if got := ftsIDs(t, s, "search_text", "kiwifruit"); len(got) != 1 || got[0] != ids[3] {
		t.Fatalf("after rebuild search finds %v, want [%d]", got, ids[3])
	}

	// A new source replaces the packed one.
	if err := s.SetBody(ctx, ids[0], []byte("Subject: new\r\n\r\nreplaced"), ""); err != nil {
		t.Fatal(err)
	}
	if raw, err := s.Body(ctx, ids[0]); err != nil || string(raw) != "Subject: new\r\n\r\nreplaced" {
		t.Fatalf("replaced body %q, %v", raw, err)
	}
}

// AddPOP3Messages without refs writes its own pack; a batch that rolls
// back leaves no pack behind.
func TestAddPOP3MessagesPackRollback(t *testing.T) {
	ctx := context.Background()
	s, inbox := openPOP3Store(t)
	if _, err := s.AddPOP3Messages(ctx, "p", inbox, time.Now(), pop3Batch(0, 3)); err != nil {
		t.Fatal(err)
	}
	if n := len(packFiles(t, s)); n != 1 {
		t.Fatalf("%d packs after one batch, want 1", n)
	}
	// No such folder: the foreign key fails and the transaction rolls back.
	if _, err := s.AddPOP3Messages(ctx, "p", inbox+1000, time.Now(), pop3Batch(3, 3)); err == nil {
		t.Fatal("batch into a missing folder stored")
	}
	if n := len(packFiles(t, s)); n != 1 {
		t.Fatalf("%d packs after a rolled-back batch, want 1", n)
	}
	es, err := s.POP3Entries(ctx, "p")
	if err != nil || len(es) != 3 {
		t.Fatalf("%d entries (%v), want 3", len(es), err)
	}
}

// Open removes packs nothing refers to once they are old, keeps young
// ones (a writer may be about to commit them) and every referenced one.
func TestOrphanPacksRemovedAtOpen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cache.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	inbox, err := s.UpsertFolder(ctx, Folder{Account: "p", Name: "Inbox", Role: RoleInbox, Local: true, Selectable: true})
	if err != nil {
		t.Fatal(err)
	}
	ids, err := s.AddPOP3Messages(ctx, "p", inbox, time.Now(), pop3Batch(0, 2))
	if err != nil {
		t.Fatal(err)
	}
	used := packFiles(t, s)
	orphan, young := mustPack(t, s), mustPack(t, s)
	old := time.Now().Add(-2 * orphanPackAge)
	for _, name := range append(used, orphan) {
		if err := os.Chtimes(name, old, old); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()

	s = reopenTest(t, path)
	if _, err := os.Stat(orphan); !os.IsNotExist(err) {
		t.Fatalf("old orphan pack kept (%v)", err)
	}
	for _, name := range append(used, young) {
		if _, err := os.Stat(name); err != nil {
			t.Fatalf("pack %s removed: %v", filepath.Base(name), err)
		}
	}
	if _, err := s.Body(ctx, ids[1]); err != nil {
		t.Fatal(err)
	}

	// Every message of a pack deleted: the pack goes at the next Open.
	for _, id := range ids {
		if err := s.DeleteMessage(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	s = reopenTest(t, path)
	for _, name := range used {
		if _, err := os.Stat(name); !os.IsNotExist(err) {
			t.Fatalf("pack of deleted messages kept (%v)", err)
		}
	}
}

// mustPack creates a pack holding one source that nothing refers to.
func mustPack(t *testing.T, s *Store) string {
	t.Helper()
	p, err := s.CreatePack(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Append([][]byte{[]byte("Subject: x\r\n\r\ny")}); err != nil {
		t.Fatal(err)
	}
	name := p.f.Name()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	return name
}

// A pack that has gone missing is a storage error naming the problem, and
// the search indexer falls back to the preview instead of failing.
func TestMissingPackIsStorageError(t *testing.T) {
	ctx := context.Background()
	s, inbox := openPOP3Store(t)
	ids, err := s.AddPOP3Messages(ctx, "p", inbox, time.Now(), pop3Batch(0, 2))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range packFiles(t, s) {
		if err := os.Remove(name); err != nil {
			t.Fatal(err)
		}
	}
	_, err = s.Body(ctx, ids[0])
	if !mailerr.Is(err, mailerr.Storage) {
		t.Fatalf("Body of a missing pack: %v, want a storage error", err)
	}
	if err := s.IndexAllPending(ctx); err != nil {
		t.Fatalf("indexing with a missing pack: %v", err)
	}
	if _, err := s.Body(ctx, ids[1]+100); !mailerr.Is(err, mailerr.NotFound) {
		t.Fatalf("Body of an unknown message: %v, want not found", err)
	}
}
