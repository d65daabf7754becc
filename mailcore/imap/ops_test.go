package imap

import (
	"bytes"
	"context"
	"errors"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	imapv2 "github.com/emersion/go-imap/v2"

	"hongyan/internal/mailtest"
	"hongyan/mailcore/event"
	"hongyan/mailcore/mailerr"
	"hongyan/mailcore/store"
)

func serverFlags(t *testing.T, s *mailtest.Stack, u mailtest.User, mailbox string) map[uint32][]imapv2.Flag {
	t.Helper()
	c := other(t, s, u)
	if _, err := c.Select(mailbox, nil).Wait(); err != nil {
		t.Fatal(err)
	}
	msgs, err := c.Fetch(imapv2.UIDSet{{Start: 1, Stop: 0}}, &imapv2.FetchOptions{UID: true, Flags: true}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	out := map[uint32][]imapv2.Flag{}
	for _, m := range msgs {
		out[uint32(m.UID)] = m.Flags
	}
	return out
}

func hasFlag(fs []imapv2.Flag, f imapv2.Flag) bool {
	for _, x := range fs {
		if x == f {
			return true
		}
	}
	return false
}

// offline opens u's account on st again with its server unreachable.
func offline(t *testing.T, s *mailtest.Stack, u mailtest.User, st *store.Store, sink func(event.Event)) *Account {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := config(s, u)
	cfg.Port = l.Addr().(*net.TCPAddr).Port
	l.Close()
	return New(cfg, st, sink)
}

// cacheID returns a lookup of the cache id of a UID of folderID.
func cacheID(t *testing.T, st *store.Store, folderID int64) func(uid uint32) int64 {
	return func(uid uint32) int64 {
		t.Helper()
		m, err := st.MessageByUID(context.Background(), folderID, uid)
		if err != nil {
			t.Fatalf("uid %d: %v", uid, err)
		}
		return m.ID
	}
}

func TestOfflineOperationsReplayed(t *testing.T) {
	s := mailtest.Shared(t)
	u := s.AddUser(t)
	seed(t, s, u, "INBOX", 20)
	st := openStore(t)
	online, _ := newAccount(t, s, u, st)
	ctx := context.Background()
	listFolders(t, online)
	archive := folder(t, st, online, "Archive")
	inbox := syncNamed(t, st, online, "INBOX")
	online.Close()

	rec := newRecorder()
	off := offline(t, s, u, st, rec.sink)
	if err := off.SyncFolder(ctx, inbox.ID); !mailerr.Is(err, mailerr.Unreachable) {
		t.Fatalf("offline sync: %v, want unreachable", err)
	}
	id := cacheID(t, st, inbox.ID)
	if err := off.SetFlags(ctx, []int64{id(1), id(2)}, store.Seen|store.Flagged, 0); err != nil {
		t.Fatal(err)
	}
	if err := off.Move(ctx, []int64{id(3), id(4)}, archive.ID); err != nil {
		t.Fatal(err)
	}
	if err := off.Delete(ctx, []int64{id(5)}); err != nil {
		t.Fatal(err)
	}
	raw := []byte("From: Me <" + u.Address + ">\r\nTo: x@hongyan.test\r\nSubject: written offline\r\nMessage-ID: <offline.1@hongyan.test>\r\n\r\ndraft body\r\n")
	if _, err := off.Append(ctx, store.RoleDrafts, raw, store.Seen|store.Draft); err != nil {
		t.Fatal(err)
	}
	// The cache shows it all at once.
	if m, _ := st.MessageByUID(ctx, inbox.ID, 1); m.Flags&store.Flagged == 0 || !m.Pending {
		t.Fatalf("local flags not applied: %+v", m)
	}
	if n := count(t, st, archive.ID); n != 2 {
		t.Fatalf("archive shows %d, want 2", n)
	}
	if n := count(t, st, inbox.ID); n != 17 {
		t.Fatalf("inbox shows %d, want 17", n)
	}
	ops, _ := st.Ops(ctx, online.ID())
	if len(ops) != 4 {
		t.Fatalf("%d queued ops, want 4", len(ops))
	}
	if err := off.ReplayOps(ctx); !mailerr.Is(err, mailerr.Unreachable) {
		t.Fatalf("offline replay: %v", err)
	}

	// Back online: replay.
	on2, rec2 := newAccount(t, s, u, st)
	if err := on2.ReplayOps(ctx); err != nil {
		t.Fatal(err)
	}
	if ops, _ := st.Ops(ctx, online.ID()); len(ops) != 0 {
		t.Fatalf("%d ops left", len(ops))
	}
	for _, e := range rec2.all() {
		if f, ok := e.(event.OperationFailed); ok {
			t.Fatalf("operation failed: %v", f.Err)
		}
	}
	fl := serverFlags(t, s, u, "INBOX")
	if !hasFlag(fl[1], imapv2.FlagFlagged) || !hasFlag(fl[2], imapv2.FlagSeen) {
		t.Fatalf("server flags %v %v", fl[1], fl[2])
	}
	if _, ok := fl[3]; ok {
		t.Fatal("uid 3 still in INBOX")
	}
	if _, ok := fl[5]; ok {
		t.Fatal("uid 5 still in INBOX")
	}
	if got := len(serverFlags(t, s, u, "Archive")); got != 2 {
		t.Fatalf("archive on server has %d", got)
	}
	if got := len(serverFlags(t, s, u, "Trash")); got != 1 {
		t.Fatalf("trash on server has %d", got)
	}
	drafts := serverFlags(t, s, u, "Drafts")
	if len(drafts) != 1 {
		t.Fatalf("drafts on server has %d", len(drafts))
	}
	for _, f := range drafts {
		if !hasFlag(f, imapv2.FlagDraft) {
			t.Fatalf("draft flags %v", f)
		}
	}
	// Placeholders now carry the server's UIDs; a sync adds no duplicates.
	for _, name := range []string{"INBOX", "Archive", "Trash", "Drafts"} {
		f := folder(t, st, on2, name)
		if err := on2.SyncFolder(ctx, f.ID); err != nil {
			t.Fatal(err)
		}
		uids, _ := st.UIDs(ctx, f.ID)
		if want := serverUIDs(t, other(t, s, u), name); !sameUIDs(uids, want) {
			t.Fatalf("%s: cache %v, server %v", name, uids, want)
		}
	}
	if m, _ := st.MessageByUID(ctx, inbox.ID, 1); m.Pending {
		t.Fatal("uid 1 still pending")
	}
}

// A message moved offline and then moved back (an undo), flagged or
// deleted again before the first move reached the server is followed to
// the UID the server gave it: every step lands, in order.
func TestOfflineChainsFollowTheMessage(t *testing.T) {
	s := mailtest.Shared(t)
	u := s.AddUser(t)
	seed(t, s, u, "INBOX", 10)
	st := openStore(t)
	online, _ := newAccount(t, s, u, st)
	ctx := context.Background()
	listFolders(t, online)
	archive := folder(t, st, online, "Archive")
	trash := folder(t, st, online, "Trash")
	inbox := syncNamed(t, st, online, "INBOX")
	online.Close()

	off := offline(t, s, u, st, nil)
	id := cacheID(t, st, inbox.ID)
	three, four, five := id(3), id(4), id(5)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(off.Move(ctx, []int64{three}, archive.ID))
	must(off.Move(ctx, []int64{three}, inbox.ID)) // undone
	must(off.Delete(ctx, []int64{four}))
	must(off.SetFlags(ctx, []int64{four}, store.Flagged, 0))
	must(off.Delete(ctx, []int64{five}))
	must(off.Delete(ctx, []int64{five})) // from Trash: for good
	if ops, _ := st.Ops(ctx, off.ID()); len(ops) != 6 {
		t.Fatalf("%d queued ops, want 6", len(ops))
	}

	on, rec := newAccount(t, s, u, st)
	must(on.ReplayOps(ctx))
	if ops, _ := st.Ops(ctx, on.ID()); len(ops) != 0 {
		t.Fatalf("%d ops left", len(ops))
	}
	for _, e := range rec.all() {
		if f, ok := e.(event.OperationFailed); ok {
			t.Fatalf("operation failed: %v", f.Err)
		}
	}
	inboxFlags := serverFlags(t, s, u, "INBOX")
	if len(inboxFlags) != 8 {
		t.Fatalf("INBOX on the server has %d, want 8 (the moved-back one, without 4 and 5)", len(inboxFlags))
	}
	if n := len(serverFlags(t, s, u, "Archive")); n != 0 {
		t.Fatalf("Archive on the server has %d, want 0", n)
	}
	tr := serverFlags(t, s, u, "Trash")
	if len(tr) != 1 {
		t.Fatalf("Trash on the server has %d, want 1", len(tr))
	}
	for _, f := range tr {
		if !hasFlag(f, imapv2.FlagFlagged) {
			t.Fatalf("the deleted message lost its flag: %v", f)
		}
	}
	m, err := st.Message(ctx, three)
	if err != nil || m.FolderID != inbox.ID || m.UID >= store.PlaceholderUIDBase {
		t.Fatalf("moved-back message in the cache: %+v, %v", m, err)
	}
	if _, ok := inboxFlags[m.UID]; !ok {
		t.Fatalf("the cache says UID %d, the server has %v", m.UID, inboxFlags)
	}
	// A sync agrees with the cache: no duplicates, nothing missing.
	for _, f := range []store.Folder{inbox, archive, trash} {
		must(on.SyncFolder(ctx, f.ID))
		uids, _ := st.UIDs(ctx, f.ID)
		if want := serverUIDs(t, other(t, s, u), f.Name); !sameUIDs(uids, want) {
			t.Fatalf("%s: cache %v, server %v", f.Name, uids, want)
		}
	}
}

func TestReplayConflictReported(t *testing.T) {
	s := mailtest.Shared(t)
	u := s.AddUser(t)
	seed(t, s, u, "INBOX", 5)
	st := openStore(t)
	a, rec := newAccount(t, s, u, st)
	ctx := context.Background()
	listFolders(t, a)
	inbox := syncNamed(t, st, a, "INBOX")
	a.Close()
	// Another client expunges UID 2 while an operation on it is queued.
	m, _ := st.MessageByUID(ctx, inbox.ID, 2)
	if _, err := st.AddOp(ctx, a.ID(), store.Op{Kind: opFlags, Folder: "INBOX", UIDs: []uint32{2}, Local: []int64{m.ID}, Set: store.Flagged}); err != nil {
		t.Fatal(err)
	}
	c := other(t, s, u)
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	if err := c.Store(imapv2.UIDSetNum(2), &imapv2.StoreFlags{Op: imapv2.StoreFlagsAdd, Silent: true, Flags: []imapv2.Flag{imapv2.FlagDeleted}}, nil).Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.UIDExpunge(imapv2.UIDSetNum(2)).Close(); err != nil {
		t.Fatal(err)
	}
	if err := a.ReplayOps(ctx); err != nil {
		t.Fatalf("a conflict must not be fatal: %v", err)
	}
	var failed *event.OperationFailed
	for _, e := range rec.all() {
		if f, ok := e.(event.OperationFailed); ok {
			failed = &f
		}
	}
	if failed == nil || !mailerr.Is(failed.Err, mailerr.NotFound) {
		t.Fatalf("conflict event %+v", failed)
	}
	if ops, _ := st.Ops(ctx, a.ID()); len(ops) != 0 {
		t.Fatalf("%d ops left", len(ops))
	}
}

func TestMoveDeleteAppendOnline(t *testing.T) {
	s := mailtest.Shared(t)
	u := s.AddUser(t)
	seed(t, s, u, "INBOX", 10)
	st := openStore(t)
	a, _ := newAccount(t, s, u, st)
	ctx := context.Background()
	listFolders(t, a)
	trash := folder(t, st, a, "Trash")
	sent := folder(t, st, a, "Sent")
	inbox := syncNamed(t, st, a, "INBOX")
	m1, _ := st.MessageByUID(ctx, inbox.ID, 1)
	m2, _ := st.MessageByUID(ctx, inbox.ID, 2)
	if err := a.Move(ctx, []int64{m1.ID}, sent.ID); err != nil {
		t.Fatal(err)
	}
	if err := a.Delete(ctx, []int64{m2.ID}); err != nil {
		t.Fatal(err)
	}
	// Online: replayed at once, the rows carry the server's UIDs.
	if ops, _ := st.Ops(ctx, a.ID()); len(ops) != 0 {
		t.Fatalf("%d ops left while online", len(ops))
	}
	moved, err := st.Message(ctx, m1.ID)
	if err != nil || moved.FolderID != sent.ID || moved.UID >= store.PlaceholderUIDBase || moved.Pending {
		t.Fatalf("moved row %+v %v", moved, err)
	}
	body, err := a.FetchBody(ctx, m1.ID)
	if err != nil || !bytes.Contains(body, []byte("Message-ID")) {
		t.Fatalf("body of moved message: %v", err)
	}
	if ok, _ := st.HasBody(ctx, m1.ID); !ok {
		t.Fatal("body not cached")
	}
	// Delete in Trash expunges.
	inTrash, _ := st.Message(ctx, m2.ID)
	if inTrash.FolderID != trash.ID {
		t.Fatalf("deleted message in folder %d, want trash %d", inTrash.FolderID, trash.ID)
	}
	if err := a.Delete(ctx, []int64{m2.ID}); err != nil {
		t.Fatal(err)
	}
	if got := serverUIDs(t, other(t, s, u), "Trash"); len(got) != 0 {
		t.Fatalf("trash still has %v", got)
	}
	if _, err := st.Message(ctx, m2.ID); err == nil {
		t.Fatal("expunged message still cached")
	}
	raw := []byte("From: Me <" + u.Address + ">\r\nTo: y@hongyan.test\r\nSubject: =?UTF-8?B?5bey5Y+R6YCB?=\r\n\r\nsent body\r\n")
	id, err := a.Append(ctx, store.RoleSent, raw, store.Seen)
	if err != nil {
		t.Fatal(err)
	}
	am, _ := st.Message(ctx, id)
	if am.Subject != "已发送" || am.UID >= store.PlaceholderUIDBase {
		t.Fatalf("appended row %+v", am)
	}
	if got := serverUIDs(t, other(t, s, u), "Sent"); len(got) != 2 {
		t.Fatalf("sent has %v", got)
	}
	if _, err := a.FetchBody(ctx, 999999); !mailerr.Is(err, mailerr.Storage) && !mailerr.Is(err, mailerr.NotFound) {
		t.Fatalf("missing message: %v", err)
	}
}

func TestFolderCreateRenameDelete(t *testing.T) {
	s := mailtest.Shared(t)
	u := s.AddUser(t)
	st := openStore(t)
	a, _ := newAccount(t, s, u, st)
	ctx := context.Background()
	if err := a.CreateFolder(ctx, "项目/2024"); err != nil {
		t.Fatal(err)
	}
	f := folder(t, st, a, "项目/2024")
	if f.Delim != "/" || !f.Subscribed || f.DisplayName() != "2024" {
		t.Fatalf("created folder %+v", f)
	}
	if err := a.RenameFolder(ctx, f.ID, "项目/2025"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.FolderByName(ctx, a.ID(), "项目/2024"); err == nil {
		t.Fatal("old name still cached")
	}
	nf := folder(t, st, a, "项目/2025")
	if err := a.DeleteFolder(ctx, nf.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := st.FolderByName(ctx, a.ID(), "项目/2025"); err == nil {
		t.Fatal("deleted folder still cached")
	}
	c := other(t, s, u)
	list, err := c.List("", "*", nil).Collect()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range list {
		if strings.HasPrefix(l.Mailbox, "项目/20") {
			t.Fatalf("server still lists %q", l.Mailbox)
		}
	}
	err = a.CreateFolder(ctx, "INBOX")
	if !mailerr.Is(err, mailerr.ServerRefused) {
		t.Fatalf("creating INBOX again: %v", err)
	}
	var me *mailerr.Error
	if !errors.As(err, &me) || me.Text == "" {
		t.Fatalf("refusal without the server's text: %#v", err)
	}
}

func TestQuotaReported(t *testing.T) {
	s := mailtest.Shared(t)
	u := s.AddUser(t)
	seed(t, s, u, "INBOX", 30)
	st := openStore(t)
	a, rec := newAccount(t, s, u, st)
	used, limit, err := a.Quota(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if limit != s.QuotaBytes || used <= 0 || used >= limit {
		t.Fatalf("quota %d/%d, want limit %d", used, limit, s.QuotaBytes)
	}
	q, ok := rec.all()[len(rec.all())-1].(event.Quota)
	if !ok || q.Used != used || q.Warning {
		t.Fatalf("quota event %+v", q)
	}
}

func TestIdleDeliversNewMail(t *testing.T) {
	s := mailtest.Shared(t)
	u := s.AddUser(t)
	seed(t, s, u, "INBOX", 5)
	st := openStore(t)
	a, rec := newAccount(t, s, u, st)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { a.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	rec.wait(t, 30*time.Second, func(e event.Event) bool {
		p, ok := e.(event.SyncProgress)
		return ok && p.Finished && p.Total == 5
	})
	// Give the IDLE connection a moment to be established.
	time.Sleep(700 * time.Millisecond)
	appendMsg(t, other(t, s, u), "INBOX", "pushed by idle")
	e := rec.wait(t, 30*time.Second, func(e event.Event) bool { _, ok := e.(event.NewMail); return ok })
	nm := e.(event.NewMail)
	if nm.Count != 1 || nm.Latest[0].Subject != "pushed by idle" {
		t.Fatalf("new mail %+v", nm)
	}
	if !a.Online() {
		t.Fatal("not online")
	}
	var online bool
	for _, e := range rec.all() {
		if st, ok := e.(event.AccountStatus); ok && st.Online {
			online = true
		}
	}
	if !online {
		t.Fatal("no online status event")
	}
}

// On a server without MOVE and UIDPLUS a move is COPY, STORE \Deleted and
// a plain EXPUNGE, which would also remove messages another client has
// marked \Deleted: the expunge is then left out, and the moved message
// stays on the server marked \Deleted, out of the cache.
func TestMoveWithoutMoveOrUIDPlus(t *testing.T) {
	s := mailtest.Shared(t)
	u := s.AddUser(t)
	seed(t, s, u, "INBOX", 4)
	st := openStore(t)
	log := &protoLog{}
	cfg := config(s, u)
	cfg.Debug = log
	a := New(cfg, st, nil)
	a.hideCaps = []imapv2.Cap{imapv2.CapMove, imapv2.CapUIDPlus, imapv2.CapIMAP4rev2}
	t.Cleanup(a.Close)
	ctx := context.Background()
	listFolders(t, a)
	inbox := syncNamed(t, st, a, "INBOX")
	target := folder(t, st, a, "Sent")
	move := func(uid uint32) {
		t.Helper()
		m, err := st.MessageByUID(ctx, inbox.ID, uid)
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Move(ctx, []int64{m.ID}, target.ID); err != nil {
			t.Fatal(err)
		}
		if ops, _ := st.Ops(ctx, a.ID()); len(ops) != 0 {
			t.Fatalf("%d ops left while online", len(ops))
		}
	}

	// Another client marks UID 4 \Deleted and has not expunged it.
	c := other(t, s, u)
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	var four imapv2.UIDSet
	four.AddNum(4)
	if err := c.Store(four, &imapv2.StoreFlags{Op: imapv2.StoreFlagsAdd, Silent: true, Flags: []imapv2.Flag{imapv2.FlagDeleted}}, nil).Close(); err != nil {
		t.Fatal(err)
	}
	move(1)
	flags := serverFlags(t, s, u, "INBOX")
	if len(flags) != 4 || !hasFlag(flags[1], imapv2.FlagDeleted) || !hasFlag(flags[4], imapv2.FlagDeleted) {
		t.Fatalf("INBOX on the server after the move: %v; want all four, 1 and 4 marked \\Deleted", flags)
	}
	if got := serverUIDs(t, other(t, s, u), "Sent"); len(got) != 1 {
		t.Fatalf("Sent on the server has %v, want the moved copy", got)
	}
	p := log.String()
	if commands(p, "UID MOVE")+commands(p, "UID EXPUNGE")+plainExpunges(p) != 0 || commands(p, "UID COPY") != 1 {
		t.Fatalf("the move did not use COPY without any EXPUNGE:\n%s", p)
	}
	syncNamed(t, st, a, "INBOX")
	if _, err := st.MessageByUID(ctx, inbox.ID, 1); err == nil {
		t.Fatal("the moved message came back into the INBOX cache")
	}
	if n := count(t, st, target.ID); n != 1 {
		t.Fatalf("%d messages cached in Sent, want 1", n)
	}

	if held, err := st.HeldDeletes(ctx, inbox.ID, inbox.UIDValidity); err != nil || len(held) != 1 || held[0] != 1 {
		t.Fatalf("held deletes after the move: %v %v, want [1]", held, err)
	}

	// The other client undeletes 4 (and does not expunge). Now every
	// \Deleted message is one of ours: the next move expunges its message
	// and the one held back before, and nothing else.
	if err := c.Store(four, &imapv2.StoreFlags{Op: imapv2.StoreFlagsDel, Silent: true, Flags: []imapv2.Flag{imapv2.FlagDeleted}}, nil).Close(); err != nil {
		t.Fatal(err)
	}
	move(2)
	if got := serverUIDs(t, other(t, s, u), "INBOX"); len(got) != 2 || got[0] != 3 || got[1] != 4 {
		t.Fatalf("INBOX on the server: %v, want [3 4]", got)
	}
	if n := plainExpunges(log.String()[len(p):]); n != 1 {
		t.Fatalf("the second move sent %d EXPUNGE commands, want 1", n)
	}
	if held, err := st.HeldDeletes(ctx, inbox.ID, inbox.UIDValidity); err != nil || len(held) != 0 {
		t.Fatalf("held deletes after the expunge: %v %v", held, err)
	}
}

// plainExpunges counts the EXPUNGE commands (without UIDs) of a protocol log.
func plainExpunges(log string) int {
	n := 0
	for _, l := range strings.Split(log, "\n") {
		if _, rest, ok := strings.Cut(l, " "); ok && !strings.HasPrefix(l, "*") && strings.TrimSpace(rest) == "EXPUNGE" {
			n++
		}
	}
	return n
}

// unresolved leaves the messages with real UIDs, in order, and does not
// touch the queue's copy of the operation it was given.
func TestUnresolvedPlaceholders(t *testing.T) {
	p := store.PlaceholderUIDBase
	queued := store.Op{Kind: opFlags, UIDs: []uint32{5, p, 7, p + 3}, Local: []int64{1, 2, 3, 4}}
	op := queued
	if n := unresolved(&op); n != 2 {
		t.Fatalf("%d unresolved, want 2", n)
	}
	if !slices.Equal(op.UIDs, []uint32{5, 7}) || !slices.Equal(op.Local, []int64{1, 3}) {
		t.Fatalf("kept %v %v", op.UIDs, op.Local)
	}
	if !slices.Equal(queued.UIDs, []uint32{5, p, 7, p + 3}) || !slices.Equal(queued.Local, []int64{1, 2, 3, 4}) {
		t.Fatalf("the queued operation changed: %v %v", queued.UIDs, queued.Local)
	}
}
