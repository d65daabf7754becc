package imap

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	imapv2 "github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"hongyan/internal/mailtest"
	"hongyan/mailcore/netsec"
	"hongyan/mailcore/store"
)

// A folder synced again on the connection that still has it selected
// (no new SELECT) sees every change another client made in between: flags
// set and cleared, a new message, an expunge.
func TestResyncOnSelectedConnection(t *testing.T) {
	s := mailtest.Shared(t)
	u, err := s.NewUser()
	if err != nil {
		t.Fatal(err)
	}
	msgs := make([][]byte, 20)
	for i := range msgs {
		msgs[i] = fmt.Appendf(nil, "From: a@example.test\r\nTo: b@example.test\r\nSubject: resync %d\r\n"+
			"Message-ID: <resync-%d@example.test>\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\n\r\nbody %d\r\n", i, i, i)
	}
	if err := s.Seed(u, "INBOX", msgs); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st, err := store.Open(filepath.Join(t.TempDir(), "cache.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	a := New(Config{AccountID: "resync", Host: s.Host, Port: s.IMAPSPort, Security: SecurityTLS,
		Username: u.Name, Password: u.Password, TLS: netsec.Options{RootCAs: s.CAPool}}, st, nil)
	defer a.Close()
	if err := a.SyncFolders(ctx); err != nil {
		t.Fatal(err)
	}
	inbox, err := st.FolderByRole(ctx, "resync", store.RoleInbox)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.SyncFolder(ctx, inbox.ID); err != nil {
		t.Fatal(err)
	}

	oc, err := imapclient.DialTLS(s.Addr(s.IMAPSPort), &imapclient.Options{TLSConfig: s.TLSConfig()})
	if err != nil {
		t.Fatal(err)
	}
	defer oc.Close()
	if err := oc.Login(u.Name, u.Password).Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := oc.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	flag := func(op imapv2.StoreFlagsOp, uids ...imapv2.UID) {
		t.Helper()
		if err := oc.Store(imapv2.UIDSetNum(uids...), &imapv2.StoreFlags{Op: op, Silent: true,
			Flags: []imapv2.Flag{imapv2.FlagFlagged}}, nil).Close(); err != nil {
			t.Fatal(err)
		}
	}
	flagged := func(uid uint32) bool {
		t.Helper()
		m, err := st.MessageByUID(ctx, inbox.ID, uid)
		if err != nil {
			t.Fatal(err)
		}
		return m.Flags&store.Flagged != 0
	}

	for round := 0; round < 3; round++ {
		flag(imapv2.StoreFlagsAdd, 3, 7)
		stats, err := a.SyncFolderStats(ctx, inbox.ID)
		if err != nil {
			t.Fatal(err)
		}
		if stats.FlagsChanged != 2 || !flagged(3) || !flagged(7) {
			t.Fatalf("round %d, set: %+v, flagged %v %v", round, stats, flagged(3), flagged(7))
		}
		flag(imapv2.StoreFlagsDel, 3, 7)
		stats, err = a.SyncFolderStats(ctx, inbox.ID)
		if err != nil {
			t.Fatal(err)
		}
		if stats.FlagsChanged != 2 || flagged(3) || flagged(7) {
			t.Fatalf("round %d, cleared: %+v, flagged %v %v", round, stats, flagged(3), flagged(7))
		}
	}

	// A new message and an expunge, both after the last sync.
	if err := s.Seed(u, "INBOX", [][]byte{[]byte("From: a@example.test\r\nSubject: late\r\n\r\nlate\r\n")}); err != nil {
		t.Fatal(err)
	}
	if err := oc.Store(imapv2.UIDSetNum(5), &imapv2.StoreFlags{Op: imapv2.StoreFlagsAdd, Silent: true,
		Flags: []imapv2.Flag{imapv2.FlagDeleted}}, nil).Close(); err != nil {
		t.Fatal(err)
	}
	if err := oc.UIDExpunge(imapv2.UIDSetNum(5)).Close(); err != nil {
		t.Fatal(err)
	}
	stats, err := a.SyncFolderStats(ctx, inbox.ID)
	if err != nil {
		t.Fatal(err)
	}
	if stats.New != 1 || stats.Expunged != 1 {
		t.Fatalf("after a delivery and an expunge: %+v", stats)
	}
	if total, _, _ := st.Counts(ctx, inbox.ID); total != 20 {
		t.Fatalf("cache holds %d messages, want 20", total)
	}
	if _, err := st.MessageByUID(ctx, inbox.ID, 5); err == nil {
		t.Fatal("expunged message still cached")
	}
	if m, err := st.MessageByUID(ctx, inbox.ID, 21); err != nil || m.Subject != "late" {
		t.Fatalf("new message: %+v %v", m, err)
	}
}
