package store

import (
	"context"
	"testing"
)

func TestRealUIDCountLeavesOutPlaceholders(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	fid, _ := s.UpsertFolder(ctx, Folder{Account: "a", Name: "INBOX", Role: RoleInbox})
	other, _ := s.UpsertFolder(ctx, Folder{Account: "a", Name: "Other"})
	fill(t, s, fid, 30)
	fill(t, s, other, 5)
	if err := s.PutSummaries(ctx, fid, []Summary{{UID: PlaceholderUIDBase + 1, Subject: "moved offline"}}); err != nil {
		t.Fatal(err)
	}
	n, err := s.RealUIDCount(ctx, fid)
	if err != nil || n != 30 {
		t.Fatalf("RealUIDCount = %d, %v; want 30", n, err)
	}
	if total, _, _ := s.Counts(ctx, fid); total != 31 {
		t.Fatalf("total %d, want 31", total)
	}
}
