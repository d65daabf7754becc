package imap

import (
	"runtime/debug"
	"testing"
)

func gcPercent() int {
	p := debug.SetGCPercent(-1)
	debug.SetGCPercent(p)
	return p
}

// Overlapping bulk syncs raise the GC target once and the last one to end
// sets it back; restoring twice does nothing; collection turned off stays
// off.
func TestBoostBulkNestsAndRestores(t *testing.T) {
	base := gcPercent()
	defer debug.SetGCPercent(base)
	debug.SetGCPercent(80)
	a := boostGC()
	if p := gcPercent(); p != 160 {
		t.Fatalf("GC target %d during a bulk sync, want 160", p)
	}
	b := boostGC()
	a()
	a()
	if p := gcPercent(); p != 160 {
		t.Fatalf("GC target %d while a second sync runs, want 160", p)
	}
	b()
	if p := gcPercent(); p != 80 {
		t.Fatalf("GC target %d after both, want 80 back", p)
	}
	debug.SetGCPercent(-1)
	c := boostGC()
	if p := gcPercent(); p != -1 {
		t.Fatalf("GC target %d, want collection left off", p)
	}
	c()
	if p := gcPercent(); p != -1 {
		t.Fatalf("GC target %d after the sync, want collection still off", p)
	}
}
