package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"
)

// syncLikeBatch is n summaries shaped like a header sync's: UIDs from hi
// downwards, random-looking Message-IDs, addresses and keywords.
func syncLikeBatch(hi, n int) []Summary {
	base := time.Date(2021, 3, 1, 0, 0, 0, 0, time.UTC)
	out := make([]Summary, 0, n)
	for i := 0; i < n; i++ {
		uid := hi - i
		out = append(out, Summary{
			UID: uint32(uid), Flags: Flags(uid % 3 & 1), Keywords: []string{"$label1"}, ModSeq: uint64(uid),
			InternalDate: base.Add(time.Duration(uid) * time.Minute), Date: base.Add(time.Duration(uid) * time.Minute),
			Size: int64(2000 + uid%5000), Subject: fmt.Sprintf("Quarterly report %d 季度报告", uid),
			From: Address{Name: fmt.Sprintf("Sender %d", uid%97), Addr: fmt.Sprintf("s%d@example.org", uid%97)},
			To:   []Address{{Name: "Me", Addr: "me@example.org"}}, Cc: []Address{{Addr: "team@example.org"}},
			ReplyTo: "r@example.org", MessageID: fmt.Sprintf("<%x.%d@gen.example>", uint32(uid)*2654435761, uid),
			InReplyTo: fmt.Sprintf("<%d@x>", uid-1), References: []string{"<a@x>", fmt.Sprintf("<%d@x>", uid-1)},
			HasAttachments: uid%8 == 0,
		})
	}
	return out
}

// headerSyncBatch is a batch as a header sync of the bench's mailbox
// stores it: no keywords, MODSEQ, references or preview (not in
// ENVELOPE), a
// Reply-To only where it is not From's, In-Reply-To on a third of the
// messages and Cc on a quarter.
func headerSyncBatch(hi, n int) []Summary {
	out := syncLikeBatch(hi, n)
	for i := range out {
		m := &out[i]
		m.Keywords, m.References, m.ModSeq = nil, nil, 0
		if m.UID%10 != 0 {
			m.ReplyTo = ""
		}
		if m.UID%3 != 0 {
			m.InReplyTo = ""
		}
		if m.UID%4 != 0 {
			m.Cc = nil
		}
	}
	return out
}

func TestPutSummariesLargeBatchesMatchRowByRow(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	fid, _ := s.UpsertFolder(ctx, Folder{Account: "a", Name: "INBOX", Role: RoleInbox})
	// Sizes around the statement's row chunk, and a batch repeating UIDs
	// (the later copy wins, as with one statement per row).
	for _, n := range []int{1, 2, maxRows - 1, maxRows, maxRows + 1, 3*maxRows + 7} {
		if err := s.ResetFolder(ctx, fid, uint32(n)); err != nil {
			t.Fatal(err)
		}
		want := syncLikeBatch(n, n)
		if err := s.PutSummaries(ctx, fid, want); err != nil {
			t.Fatal(err)
		}
		got, err := s.Page(ctx, fid, ByDateDesc, 0, n+10)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != n {
			t.Fatalf("batch of %d: %d rows", n, len(got))
		}
		for i := range got {
			w := want[i]
			g := got[i]
			if g.UID != w.UID || g.Subject != w.Subject || g.From != w.From || g.MessageID != w.MessageID ||
				g.Flags != w.Flags || g.ModSeq != w.ModSeq || g.Size != w.Size || !g.Date.Equal(w.Date) ||
				g.ReplyTo != w.ReplyTo || g.InReplyTo != w.InReplyTo || fmt.Sprint(g.References) != fmt.Sprint(w.References) ||
				fmt.Sprint(g.To) != fmt.Sprint(w.To) || fmt.Sprint(g.Cc) != fmt.Sprint(w.Cc) ||
				fmt.Sprint(g.Keywords) != fmt.Sprint(w.Keywords) || g.HasAttachments != w.HasAttachments {
				t.Fatalf("batch of %d, row %d:\n got %+v\nwant %+v", n, i, g, w)
			}
		}
	}

	// Repeated UIDs in one batch: one row, the last copy's fields; the
	// preview is kept when the later copy has none.
	if err := s.ResetFolder(ctx, fid, 999); err != nil {
		t.Fatal(err)
	}
	dup := syncLikeBatch(10, 10)
	dup[0].Preview = "first preview"
	again := dup[0]
	again.Subject, again.Preview, again.Flags = "second copy", "", Seen|Flagged
	dup = append(dup, again)
	if err := s.PutSummaries(ctx, fid, dup); err != nil {
		t.Fatal(err)
	}
	if uids, _ := s.UIDs(ctx, fid); len(uids) != 10 {
		t.Fatalf("%d rows after a repeated UID, want 10", len(uids))
	}
	m, err := s.MessageByUID(ctx, fid, 10)
	if err != nil || m.Subject != "second copy" || m.Flags != Seen|Flagged || m.Preview != "first preview" {
		t.Fatalf("repeated UID: %+v %v", m, err)
	}

	// Existing rows keep their ids and bodies when refreshed.
	if err := s.SetBody(ctx, m.ID, []byte("Subject: x\r\n\r\nbody"), "body"); err != nil {
		t.Fatal(err)
	}
	if err := s.PutSummaries(ctx, fid, syncLikeBatch(2*maxRows, 2*maxRows)); err != nil {
		t.Fatal(err)
	}
	m2, err := s.MessageByUID(ctx, fid, 10)
	if err != nil || m2.ID != m.ID || m2.Subject != "Quarterly report 10 季度报告" || m2.Preview != "body" {
		t.Fatalf("refreshed row: %+v %v", m2, err)
	}
	if ok, _ := s.HasBody(ctx, m.ID); !ok {
		t.Fatal("body lost by a refresh")
	}
	if uids, _ := s.UIDs(ctx, fid); len(uids) != 2*maxRows {
		t.Fatalf("%d rows, want %d", len(uids), 2*maxRows)
	}
	if n, _ := s.PendingIndex(ctx); n != 2*maxRows {
		t.Fatalf("%d rows queued for indexing, want the %d new ones", n, 2*maxRows)
	}
}

// BenchmarkPutSummaries writes batches of 2000 sync-like summaries into a
// folder, newest first, as a cold IMAP sync does.
func BenchmarkPutSummaries(b *testing.B) {
	ctx, s, fid := inboxStore(b)
	const batch = 2000
	hi := batch * (b.N + 1)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := s.PutSummaries(ctx, fid, syncLikeBatch(hi-i*batch, batch)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*batch), "µs/row")
}

// Every writer queues exactly its new or changed rows for the search
// index (no trigger does it for inserts).
func TestWritersQueueForSearch(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	fid, _ := s.UpsertFolder(ctx, Folder{Account: "a", Name: "INBOX", Role: RoleInbox})
	local, _ := s.UpsertFolder(ctx, Folder{Account: "a", Name: "Notes", Local: true})
	pending := func(want int) {
		t.Helper()
		if n, err := s.PendingIndex(ctx); err != nil || n != want {
			t.Fatalf("%d queued (%v), want %d", n, err, want)
		}
	}
	batch := syncLikeBatch(100, 100)
	if err := s.PutSummaries(ctx, fid, batch); err != nil {
		t.Fatal(err)
	}
	pending(100)
	if err := s.IndexAllPending(ctx); err != nil {
		t.Fatal(err)
	}
	pending(0)
	if err := s.PutSummaries(ctx, fid, batch); err != nil { // nothing new, nothing changed
		t.Fatal(err)
	}
	pending(0)
	batch[3].Subject = "changed on the server"
	if err := s.PutSummaries(ctx, fid, batch[:10]); err != nil {
		t.Fatal(err)
	}
	pending(1)
	if _, _, err := s.AddLocal(ctx, local, Summary{Subject: "local note"}, []byte("Subject: local note\r\n\r\nhello")); err != nil {
		t.Fatal(err)
	}
	pending(2)
	if err := s.IndexAllPending(ctx); err != nil {
		t.Fatal(err)
	}
	changed, _ := s.MessageByUID(ctx, fid, batch[3].UID)
	if got := ftsIDs(t, s, "search_hdr", `"changed on the server"`); len(got) != 1 || got[0] != changed.ID {
		t.Fatalf("search after queueing: %v, want [%d]", got, changed.ID)
	}
}

// A backfill step stores its summaries and its resume point together.
func TestPutSummariesSyncedRecordsResumePoint(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	fid, _ := s.UpsertFolder(ctx, Folder{Account: "a", Name: "INBOX", Role: RoleInbox})
	p := SyncPoint{UIDValidity: 7, UIDNext: 501, HighestModSeq: 90, SyncedFrom: 301}
	if err := s.PutSummariesSynced(ctx, EncodeSummaries(fid, syncLikeBatch(500, 200)), p); err != nil {
		t.Fatal(err)
	}
	check := func(want SyncPoint, rows int) {
		t.Helper()
		f, err := s.Folder(ctx, fid)
		if err != nil {
			t.Fatal(err)
		}
		got := SyncPoint{f.UIDValidity, f.UIDNext, f.HighestModSeq, f.SyncedFrom}
		if got != want {
			t.Fatalf("sync state %+v, want %+v", got, want)
		}
		if uids, _ := s.UIDs(ctx, fid); len(uids) != rows {
			t.Fatalf("%d rows, want %d", len(uids), rows)
		}
	}
	check(p, 200)
	// An empty step (a UID range with no messages left) still moves on.
	p.SyncedFrom = 201
	if err := s.PutSummariesSynced(ctx, EncodeSummaries(fid, nil), p); err != nil {
		t.Fatal(err)
	}
	check(p, 200)
	// A failed step leaves both as they were: the statement is cancelled.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.PutSummariesSynced(cctx, EncodeSummaries(fid, syncLikeBatch(200, 200)), SyncPoint{7, 501, 90, 1}); err == nil {
		t.Fatal("cancelled step reported success")
	}
	check(p, 200)
}

// A relaxed commit leaves every pooled connection at full durability for
// the writers that need it (POP3 before DELE, the outbox).
func TestRelaxedCommitRestoresDurability(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	fid, _ := s.UpsertFolder(ctx, Folder{Account: "a", Name: "INBOX", Role: RoleInbox})
	for i := 0; i < 3; i++ {
		if err := s.PutSummariesSynced(ctx, EncodeSummaries(fid, syncLikeBatch(100*(i+1), 100)), SyncPoint{1, 301, 0, uint32(1 + 100*i)}); err != nil {
			t.Fatal(err)
		}
	}
	// Hold every connection the pool may hand out and ask each.
	var conns []*sql.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := 0; i < 4; i++ {
		c, err := s.db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		var mode int
		if err := c.QueryRowContext(ctx, `PRAGMA synchronous`).Scan(&mode); err != nil {
			t.Fatal(err)
		}
		if mode != 2 {
			t.Fatalf("connection %d left at synchronous=%d, want 2 (FULL)", i, mode)
		}
	}
}

// BenchmarkPutSummariesSynced is the store's side of a cold sync alone:
// batches of 2000 summaries encoded before the timer starts, each
// committed with its resume point as the sync's single writer does.
func BenchmarkPutSummariesSynced(b *testing.B) {
	b.Run("full", func(b *testing.B) { benchPutSynced(b, syncLikeBatch) })
	b.Run("headers", func(b *testing.B) { benchPutSynced(b, headerSyncBatch) })
}

func benchPutSynced(b *testing.B, batchOf func(hi, n int) []Summary) {
	ctx, s, fid := inboxStore(b)
	const batch = 2000
	hi := batch * (b.N + 1)
	encs := make([]*EncodedSummaries, b.N)
	for i := range encs {
		encs[i] = EncodeSummaries(fid, batchOf(hi-i*batch, batch))
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p := SyncPoint{UIDValidity: 1, UIDNext: uint32(hi + 1), SyncedFrom: uint32(hi - (i+1)*batch + 1)}
		if err := s.PutSummariesSynced(ctx, encs[i], p); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*batch), "µs/row")
}

// inboxStore is a fresh store with one empty INBOX.
func inboxStore(tb testing.TB) (context.Context, *Store, int64) {
	tb.Helper()
	ctx := context.Background()
	s := openTest(tb)
	fid, err := s.UpsertFolder(ctx, Folder{Account: "a", Name: "INBOX", Role: RoleInbox})
	if err != nil {
		tb.Fatal(err)
	}
	return ctx, s, fid
}

// A batch write whose context ends before its statements are prepared
// fails with the context's error (it once panicked closing the statement
// that was never prepared), and stores nothing.
func TestExecRowsCancelledBeforePrepare(t *testing.T) {
	ctx, s, fid := inboxStore(t)
	enc := EncodeSummaries(fid, syncLikeBatch(100, 100))
	err := s.connTx(ctx, "test", true, func(c *sql.Conn, tx *sql.Tx) error {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		return execRows(cctx, c, enc.ins, enc.vals, enc.rows)
	})
	if err == nil || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want the context's", err)
	}
	if n, _, _ := s.Counts(ctx, fid); n != 0 {
		t.Fatalf("%d rows stored", n)
	}
}

// Batches as a header sync makes them go through the shorter statement
// (putHeaders) and store the same rows as the full one; refreshing a
// cached row through it keeps the row's id, body and preview.
func TestPutHeadersStoresWhatPutInsertDoes(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	short, _ := s.UpsertFolder(ctx, Folder{Account: "a", Name: "A"})
	long, _ := s.UpsertFolder(ctx, Folder{Account: "a", Name: "B"})
	msgs := headerSyncBatch(300, 300)
	for i := range msgs {
		if i%7 == 0 {
			msgs[i].Keywords = []string{"$Work", "$Later"}
		}
	}
	if enc := EncodeSummaries(short, msgs); enc.ins != putHeaders {
		t.Fatal("a header batch is not written with putHeaders")
	}
	// One summary with a preview takes the whole batch to putInsert.
	withPreview := append(append([]Summary(nil), msgs...), Summary{UID: 1000, Subject: "x", Preview: "p"})
	if enc := EncodeSummaries(long, withPreview); enc.ins != putInsert {
		t.Fatal("a batch with a preview is not written with putInsert")
	}
	if err := s.PutSummaries(ctx, short, msgs); err != nil {
		t.Fatal(err)
	}
	if err := s.PutSummaries(ctx, long, withPreview); err != nil {
		t.Fatal(err)
	}
	a, err := s.Page(ctx, short, ByDateDesc, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Page(ctx, long, ByDateDesc, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != 300 {
		t.Fatalf("%d rows through putHeaders, want 300", len(a))
	}
	byUID := map[uint32]Summary{}
	for _, m := range b {
		byUID[m.UID] = m
	}
	for _, m := range a {
		o, ok := byUID[m.UID]
		if !ok {
			t.Fatalf("UID %d missing from the putInsert folder", m.UID)
		}
		m.ID, m.FolderID, o.ID, o.FolderID = 0, 0, 0, 0
		if !reflect.DeepEqual(m, o) {
			t.Fatalf("UID %d:\nputHeaders %+v\nputInsert  %+v", m.UID, m, o)
		}
	}

	// A refresh through putHeaders keeps id, body and preview.
	m, err := s.MessageByUID(ctx, short, 250)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetBody(ctx, m.ID, []byte("Subject: x\r\n\r\nbody"), "the preview"); err != nil {
		t.Fatal(err)
	}
	again := headerSyncBatch(300, 300)
	again[50].Flags |= Flagged // UID 250
	if err := s.PutSummaries(ctx, short, again); err != nil {
		t.Fatal(err)
	}
	n, err := s.MessageByUID(ctx, short, 250)
	if err != nil || n.ID != m.ID || n.Preview != "the preview" || n.Flags&Flagged == 0 {
		t.Fatalf("refreshed row: %+v (%v), want id %d, its preview and the new flag", n, err, m.ID)
	}
	if _, err := s.Body(ctx, m.ID); err != nil {
		t.Fatalf("body lost by the refresh: %v", err)
	}
}

// Batch inserts run on statements their connection keeps: a second batch
// finds the first one's statements prepared, both batches are stored,
// and the connection's Close closes them.
func TestBatchInsertKeepsStatements(t *testing.T) {
	ctx, s, fid := inboxStore(t)
	s.db.SetMaxOpenConns(1) // every batch on the same connection
	put := func(hi int) {
		t.Helper()
		p := SyncPoint{UIDValidity: 1, UIDNext: 301, SyncedFrom: uint32(hi - 99)}
		if err := s.PutSummariesSynced(ctx, EncodeSummaries(fid, headerSyncBatch(hi, 100)), p); err != nil {
			t.Fatal(err)
		}
	}
	var sc *storeConn
	kept := func() map[keptKey]driver.Stmt {
		t.Helper()
		c, err := s.db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		out := map[keptKey]driver.Stmt{}
		if err := c.Raw(func(dc any) error {
			sc = dc.(*storeConn)
			for k, st := range sc.kept {
				out[k] = st
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}

	put(300)
	first := kept()
	if len(first) != 3 { // 100 rows: chunks of 64, 32 and 4
		t.Fatalf("%d statements kept after the first batch, want 3", len(first))
	}
	put(200)
	second := kept()
	for k, st := range first {
		if second[k] != st {
			t.Fatalf("statement for %d rows prepared again", 1<<k.k)
		}
	}
	if n, _, _ := s.Counts(ctx, fid); n != 200 {
		t.Fatalf("%d rows stored, want 200", n)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if len(sc.kept) != 0 {
		t.Fatalf("%d statements left open after Close", len(sc.kept))
	}
}

// Encoded batches hand their memory back once stored (Release), and the
// batches encoded after them store exactly their own values: batches of
// both statements' shapes and of shrinking sizes, each checked against
// its summaries.
func TestReleasedBatchesStoreTheirOwnValues(t *testing.T) {
	ctx, s, fid := inboxStore(t)
	want := map[uint32]Summary{}
	hi := 5000
	for i, n := range []int{700, 300, 650, 120, 90, 5} {
		var batch []Summary
		if i%2 == 0 {
			batch = syncLikeBatch(hi, n) // MODSEQ and references: putInsert
		} else {
			batch = headerSyncBatch(hi, n)
		}
		for j := range batch {
			if j%3 == 0 {
				batch[j].Cc = nil
			}
			want[batch[j].UID] = batch[j]
		}
		enc := EncodeSummaries(fid, batch)
		p := SyncPoint{UIDValidity: 1, UIDNext: 5001, SyncedFrom: uint32(hi - n + 1)}
		if err := s.PutSummariesSynced(ctx, enc, p); err != nil {
			t.Fatal(err)
		}
		enc.Release()
		hi -= n
	}
	got, err := s.Page(ctx, fid, ByDateDesc, 0, 5000)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d rows stored, want %d", len(got), len(want))
	}
	for _, g := range got {
		w := want[g.UID]
		if g.Subject != w.Subject || g.From != w.From || !reflect.DeepEqual(g.To, w.To) || len(g.Cc) != len(w.Cc) ||
			g.Flags != w.Flags || g.MessageID != w.MessageID || g.Size != w.Size || g.HasAttachments != w.HasAttachments ||
			!g.InternalDate.Equal(w.InternalDate) {
			t.Fatalf("UID %d stored as\n%+v\nwant\n%+v", g.UID, g, w)
		}
	}
}
