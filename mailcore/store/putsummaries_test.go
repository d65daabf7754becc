package store

import (
	"context"
	"fmt"
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

func TestPutSummariesLargeBatchesMatchRowByRow(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	fid, _ := s.UpsertFolder(ctx, Folder{Account: "a", Name: "INBOX", Role: RoleInbox})
	// Sizes around the statement's row chunk, and a batch repeating UIDs
	// (the later copy wins, as with one statement per row).
	for _, n := range []int{1, 2, putChunk - 1, putChunk, putChunk + 1, 3*putChunk + 7} {
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
	if err := s.PutSummaries(ctx, fid, syncLikeBatch(2*putChunk, 2*putChunk)); err != nil {
		t.Fatal(err)
	}
	m2, err := s.MessageByUID(ctx, fid, 10)
	if err != nil || m2.ID != m.ID || m2.Subject != "Quarterly report 10 季度报告" || m2.Preview != "body" {
		t.Fatalf("refreshed row: %+v %v", m2, err)
	}
	if ok, _ := s.HasBody(ctx, m.ID); !ok {
		t.Fatal("body lost by a refresh")
	}
	if uids, _ := s.UIDs(ctx, fid); len(uids) != 2*putChunk {
		t.Fatalf("%d rows, want %d", len(uids), 2*putChunk)
	}
	if n, _ := s.PendingIndex(ctx); n == 0 {
		t.Fatal("new rows not queued for indexing")
	}
}

// BenchmarkPutSummaries writes batches of 2000 sync-like summaries into a
// folder, newest first, as a cold IMAP sync does.
func BenchmarkPutSummaries(b *testing.B) {
	ctx := context.Background()
	s := openTest(b)
	fid, _ := s.UpsertFolder(ctx, Folder{Account: "a", Name: "INBOX", Role: RoleInbox})
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
