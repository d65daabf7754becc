package store

import (
	"fmt"
	"testing"
)

// Moves of a selection take consecutive placeholder UIDs after those the
// folder has, in the order given, marked pending; a delete or a flag
// change of a selection touches exactly its messages.
func TestSelectionActionsInOneTransaction(t *testing.T) {
	ctx, s, inbox := inboxStore(t)
	trash, err := s.UpsertFolder(ctx, Folder{Account: "a", Name: "Trash", Role: RoleTrash})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.PutSummaries(ctx, inbox, syncLikeBatch(10, 10)); err != nil {
		t.Fatal(err)
	}
	ids, _ := s.MessageIDs(ctx, inbox)
	first, err := s.MoveToPlaceholder(ctx, ids[0], trash)
	if err != nil || first != PlaceholderUIDBase {
		t.Fatalf("first placeholder %x, %v", first, err)
	}
	sel := []int64{ids[5], ids[2], ids[7]}
	uids, err := s.MoveToPlaceholders(ctx, sel, trash)
	if err != nil {
		t.Fatal(err)
	}
	for i, id := range sel {
		m, _ := s.Message(ctx, id)
		if want := first + 1 + uint32(i); uids[i] != want || m.UID != want || m.FolderID != trash || !m.Pending {
			t.Errorf("message %d: uid %x (returned %x), folder %d, pending %v; want uid %x in Trash, pending",
				id, m.UID, uids[i], m.FolderID, m.Pending, want)
		}
	}
	// The server's UIDs for them, once the move is replayed; a message the
	// folder already holds under its UID (a sync brought it) is dropped.
	if err := s.PutSummaries(ctx, trash, []Summary{{UID: 77, Subject: "synced meanwhile"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutBackMany(ctx, trash, sel, []uint32{75, 76, 77}); err != nil {
		t.Fatal(err)
	}
	for i, id := range sel[:2] {
		if m, _ := s.Message(ctx, id); m.UID != uint32(75+i) || m.Pending || m.FolderID != trash {
			t.Errorf("message %d after the replay: uid %d, pending %v", id, m.UID, m.Pending)
		}
	}
	if _, err := s.Message(ctx, sel[2]); err == nil {
		t.Error("the placeholder of a message the folder already holds was kept")
	}
	if err := s.PutBackMany(ctx, trash, sel, []uint32{1}); err == nil {
		t.Error("PutBackMany took 3 messages for 1 UID")
	}
	if err := s.SetFlagsLocalMany(ctx, []int64{ids[1], ids[3]}, Seen|Flagged, 0, false); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteMessages(ctx, []int64{ids[4], ids[6]}); err != nil {
		t.Fatal(err)
	}
	left, _ := s.MessageIDs(ctx, inbox)
	if got := fmt.Sprint(left); got != fmt.Sprint([]int64{ids[1], ids[3], ids[8], ids[9]}) {
		t.Fatalf("inbox holds %s after the moves and deletes", got)
	}
	for _, id := range left {
		m, _ := s.Message(ctx, id)
		marked := m.Flags&(Seen|Flagged) == Seen|Flagged
		if want := id == ids[1] || id == ids[3]; marked != want {
			t.Errorf("message %d marked %v, want %v", id, marked, want)
		}
	}
}

// BenchmarkSelectionMove moves 1,000 selected messages to Trash in the
// cache: one transaction for each message as the actions did, against
// one for the selection.
func BenchmarkSelectionMove(b *testing.B) {
	for _, mode := range []string{"each", "batch"} {
		b.Run(mode, func(b *testing.B) {
			ctx, s, inbox := inboxStore(b)
			trash, _ := s.UpsertFolder(ctx, Folder{Account: "a", Name: "Trash", Role: RoleTrash})
			const n = 1000
			if err := s.PutSummaries(ctx, inbox, syncLikeBatch(n, n)); err != nil {
				b.Fatal(err)
			}
			ids, _ := s.MessageIDs(ctx, inbox)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				to := trash
				if i%2 == 1 {
					to = inbox
				}
				if mode == "batch" {
					if _, err := s.MoveToPlaceholders(ctx, ids, to); err != nil {
						b.Fatal(err)
					}
					continue
				}
				for _, id := range ids {
					if _, err := s.MoveToPlaceholder(ctx, id, to); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*n), "µs/message")
		})
	}
}
