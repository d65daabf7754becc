package store

import (
	"context"
	"reflect"
	"testing"
)

// RebindOps rewrites, on disk, the placeholder UIDs of one folder in the
// queued operations, and nothing else.
func TestRebindOps(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	p := PlaceholderUIDBase
	queue := []Op{
		{Kind: "flags", Folder: "Trash", UIDs: []uint32{p, 7, p + 1}, Local: []int64{1, 2, 3}, Set: Flagged},
		{Kind: "flags", Folder: "INBOX", UIDs: []uint32{p}, Local: []int64{4}, Set: Seen},
		{Kind: "append", Folder: "Trash", Local: []int64{5}, Dest: []uint32{p}, Data: []byte("x")},
		{Kind: "expunge", Folder: "Trash", UIDs: []uint32{p + 1}},
	}
	for _, op := range queue {
		if _, err := s.AddOp(ctx, "a", op); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.RebindOps(ctx, "a", "Trash", map[uint32]uint32{p: 40, p + 1: 41}); err != nil {
		t.Fatal(err)
	}
	ops, err := s.Ops(ctx, "a")
	if err != nil || len(ops) != 4 {
		t.Fatalf("%d ops, %v", len(ops), err)
	}
	want := [][]uint32{{40, 7, 41}, {p}, nil, {41}}
	for i, op := range ops {
		if !reflect.DeepEqual(op.UIDs, want[i]) {
			t.Errorf("op %d (%s %s): UIDs %v, want %v", i, op.Kind, op.Folder, op.UIDs, want[i])
		}
	}
	if !reflect.DeepEqual(ops[2].Dest, []uint32{p}) || !reflect.DeepEqual(ops[0].Local, []int64{1, 2, 3}) {
		t.Fatalf("other fields changed: %+v %+v", ops[2], ops[0])
	}
}
