package imap

import (
	"context"
	"strings"
	"testing"

	imapv2 "github.com/emersion/go-imap/v2"

	"hongyan/internal/mailtest"
	"hongyan/mailcore/event"
	"hongyan/mailcore/store"
)

func TestFullAndIncrementalSync(t *testing.T) {
	s := mailtest.Shared(t)
	u := s.AddUser(t)
	seed(t, s, u, "INBOX", 600)
	seed(t, s, u, "Sent", 40)
	st := openStore(t)
	a, rec := newAccount(t, s, u, st)
	a.cfg.BatchSize = 150
	ctx := context.Background()

	listFolders(t, a)
	inbox := folder(t, st, a, "INBOX")
	if inbox.Role != store.RoleInbox {
		t.Fatalf("inbox role %q", inbox.Role)
	}
	for name, role := range map[string]string{"Sent": store.RoleSent, "Trash": store.RoleTrash, "Drafts": store.RoleDrafts, "Junk": store.RoleJunk} {
		if f := folder(t, st, a, name); f.Role != role {
			t.Errorf("%s role %q, want %q", name, f.Role, role)
		}
	}
	// Other folders are counted by STATUS; the Inbox, synced first and
	// never synced before, is counted by that sync (firstUncounted).
	if sent := folder(t, st, a, "Sent"); sent.ServerTotal != 40 {
		t.Errorf("Sent: STATUS total %d, want 40", sent.ServerTotal)
	}
	if inbox.ServerTotal != 0 || !a.wasUncounted("INBOX") {
		t.Errorf("never-synced INBOX asked for STATUS (total %d)", inbox.ServerTotal)
	}
	if err := a.SyncFolder(ctx, inbox.ID); err != nil {
		t.Fatal(err)
	}
	if n := count(t, st, inbox.ID); n != 600 {
		t.Fatalf("cached %d, want 600", n)
	}
	// Once synced, the Inbox is no longer left out; it is selected on the
	// main connection, though, which does not ask STATUS of its own
	// selected folder (RFC 9051): its counts are those of its sync.
	log := logNextConn(a)
	if err := a.SyncFolder(ctx, inbox.ID); err != nil {
		t.Fatal(err)
	}
	listFolders(t, a)
	if inbox = folder(t, st, a, "INBOX"); inbox.ServerTotal != 600 || a.wasUncounted("INBOX") {
		t.Errorf("synced INBOX: total %d, want 600", inbox.ServerTotal)
	}
	if p := log.String(); !strings.Contains(p, "STATUS Sent") || strings.Contains(p, "STATUS INBOX") {
		t.Errorf("STATUS sent for the selected folder, or not for the others:\n%s", p)
	}
	a.cfg.Debug = nil
	// The folder on screen is the one synced first.
	a.Select(folder(t, st, a, "Drafts").ID)
	listFolders(t, a)
	if !a.wasUncounted("Drafts") {
		t.Error("the selected, never-synced folder was asked for STATUS")
	}
	a.Select(inbox.ID)
	c := other(t, s, u)
	uids, _ := st.UIDs(ctx, inbox.ID)
	if !sameUIDs(uids, serverUIDs(t, c, "INBOX")) {
		t.Fatal("cached UIDs differ from the server's")
	}
	page, err := st.Page(ctx, inbox.ID, store.ByDateDesc, 0, 600)
	if err != nil {
		t.Fatal(err)
	}
	atts, cjk := 0, 0
	for _, m := range page {
		if m.Subject == "" || strings.Contains(m.Subject, "=?") || m.From.Addr == "" || m.Size == 0 {
			t.Fatalf("badly decoded summary: %+v", m)
		}
		if m.HasAttachments {
			atts++
		}
		if strings.ContainsRune(m.Subject, '的') || strings.IndexFunc(m.Subject, func(r rune) bool { return r >= 0x4e00 && r <= 0x9fff }) >= 0 {
			cjk++
		}
	}
	if atts == 0 || atts > 200 {
		t.Errorf("%d messages with attachments, expected some (about 12%%)", atts)
	}
	if cjk == 0 {
		t.Error("no Chinese subject decoded from GBK words")
	}
	for _, e := range rec.all() {
		if _, ok := e.(event.NewMail); ok {
			t.Fatal("first sync must not report new mail")
		}
	}

	// New mail from elsewhere.
	appendMsg(t, c, "INBOX", "fresh one")
	appendMsg(t, c, "INBOX", "fresh two")
	stats, err := a.SyncFolderStats(ctx, inbox.ID)
	if err != nil {
		t.Fatal(err)
	}
	if stats.New != 2 || count(t, st, inbox.ID) != 602 {
		t.Fatalf("after new mail: %+v, cached %d", stats, count(t, st, inbox.ID))
	}
	if f := folder(t, st, a, "INBOX"); f.ServerTotal != 602 {
		t.Errorf("after new mail: server total %d, want the SELECT's 602", f.ServerTotal)
	}
	var nm *event.NewMail
	for _, e := range rec.all() {
		if e, ok := e.(event.NewMail); ok {
			nm = &e
		}
	}
	if nm == nil || nm.Count != 2 || nm.Latest[0].Subject != "fresh two" {
		t.Fatalf("new mail event %+v", nm)
	}

	// Flags changed by another client.
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	var set imapv2.UIDSet
	set.AddRange(10, 29)
	if err := c.Store(set, &imapv2.StoreFlags{Op: imapv2.StoreFlagsAdd, Silent: true, Flags: []imapv2.Flag{imapv2.FlagFlagged, imapv2.FlagSeen}}, nil).Close(); err != nil {
		t.Fatal(err)
	}
	stats, err = a.SyncFolderStats(ctx, inbox.ID)
	if err != nil {
		t.Fatal(err)
	}
	if stats.FlagsChanged != 20 {
		t.Errorf("flags changed %d, want 20", stats.FlagsChanged)
	}
	for _, uid := range []uint32{10, 29} {
		m, err := st.MessageByUID(ctx, inbox.ID, uid)
		if err != nil || m.Flags&(store.Flagged|store.Seen) != store.Flagged|store.Seen {
			t.Fatalf("uid %d flags %v %v", uid, m.Flags, err)
		}
	}
	if m, _ := st.MessageByUID(ctx, inbox.ID, 30); m.Flags != 0 {
		t.Fatalf("uid 30 flags %v", m.Flags)
	}

	// Expunged by another client.
	var del imapv2.UIDSet
	del.AddRange(100, 104)
	if err := c.Store(del, &imapv2.StoreFlags{Op: imapv2.StoreFlagsAdd, Silent: true, Flags: []imapv2.Flag{imapv2.FlagDeleted}}, nil).Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.UIDExpunge(del).Close(); err != nil {
		t.Fatal(err)
	}
	stats, err = a.SyncFolderStats(ctx, inbox.ID)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Expunged != 5 || count(t, st, inbox.ID) != 597 {
		t.Fatalf("after expunge: %+v, cached %d", stats, count(t, st, inbox.ID))
	}
	uids, _ = st.UIDs(ctx, inbox.ID)
	if !sameUIDs(uids, serverUIDs(t, c, "INBOX")) {
		t.Fatal("cached UIDs differ from the server's after expunge")
	}

	// Nothing changed: nothing to do.
	stats, err = a.SyncFolderStats(ctx, inbox.ID)
	if err != nil {
		t.Fatal(err)
	}
	if stats != (SyncStats{}) {
		t.Fatalf("idle resync did work: %+v", stats)
	}
}

func TestUIDValidityReset(t *testing.T) {
	s := mailtest.Shared(t)
	u := s.AddUser(t)
	seed(t, s, u, "Lists", 50)
	st := openStore(t)
	a, _ := newAccount(t, s, u, st)
	ctx := context.Background()
	listFolders(t, a)
	f := syncNamed(t, st, a, "Lists")
	old := f.UIDValidity
	if _, err := s.Doveadm("mailbox", "update", "-u", u.Name, "--uid-validity", "12345", "Lists"); err != nil {
		t.Fatal(err)
	}
	a.Close() // the server may only announce it on a new SELECT
	stats, err := a.SyncFolderStats(ctx, f.ID)
	if err != nil {
		t.Fatal(err)
	}
	nf := folder(t, st, a, "Lists")
	if !stats.Reset || nf.UIDValidity != 12345 || nf.UIDValidity == old {
		t.Fatalf("reset %v, uidvalidity %d (was %d)", stats.Reset, nf.UIDValidity, old)
	}
	if n := count(t, st, f.ID); n != 50 {
		t.Fatalf("after reset cached %d, want 50", n)
	}
	if got := serverUIDs(t, other(t, s, u), "Lists"); len(got) != 50 {
		t.Fatalf("server lost messages: %d", len(got))
	}
}

func TestInterruptedSyncResumes(t *testing.T) {
	s := mailtest.Shared(t)
	u := s.AddUser(t)
	seed(t, s, u, "INBOX", 2000)
	st := openStore(t)
	a, rec := newAccount(t, s, u, st)
	a.cfg.BatchSize = 100
	a.cfg.Pipeline = 2
	listFolders(t, a)

	interruptSync(t, a, rec, folder(t, st, a, "INBOX").ID)
	if cached := checkNoGap(t, st, a, "INBOX", 2000); cached >= 2000 {
		t.Fatalf("interrupted sync cached everything (%d)", cached)
	}
	checkResumed(t, s, u, st, a, "INBOX", 2000)
}
