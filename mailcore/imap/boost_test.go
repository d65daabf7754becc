package imap

import (
	"os"
	"runtime"
	"runtime/debug"
	"testing"
)

func gcPercent() int {
	p := debug.SetGCPercent(-1)
	debug.SetGCPercent(p)
	return p
}

// Overlapping bulk syncs raise the GC target and GOMAXPROCS once (the
// latter to the largest number asked) and the last one to end sets them
// back; restoring twice does nothing.
func TestBoostBulkNestsAndRestores(t *testing.T) {
	if os.Getenv("GOMAXPROCS") != "" {
		t.Setenv("GOMAXPROCS", "") // the rule for an explicit one is tested below
	}
	base, procs := gcPercent(), runtime.GOMAXPROCS(0)
	defer debug.SetGCPercent(base)
	defer runtime.GOMAXPROCS(procs)
	debug.SetGCPercent(80)
	a := boostBulk(procs + 1)
	if p, n := gcPercent(), runtime.GOMAXPROCS(0); p != 320 || n != procs+1 {
		t.Fatalf("GC target %d and GOMAXPROCS %d during a bulk sync, want 320 and %d", p, n, procs+1)
	}
	b := boostBulk(procs + 2)
	a()
	a()
	if p, n := gcPercent(), runtime.GOMAXPROCS(0); p != 320 || n != procs+2 {
		t.Fatalf("GC target %d and GOMAXPROCS %d while a second sync runs, want 320 and %d", p, n, procs+2)
	}
	b()
	if p, n := gcPercent(), runtime.GOMAXPROCS(0); p != 80 || n != procs {
		t.Fatalf("GC target %d and GOMAXPROCS %d after both, want 80 and %d back", p, n, procs)
	}
	// Never lowered: a machine with more cores keeps its own.
	c := boostBulk(1)
	if n := runtime.GOMAXPROCS(0); n != procs {
		t.Fatalf("GOMAXPROCS %d, want %d kept", n, procs)
	}
	c()
	// An explicit GOMAXPROCS is the user's.
	t.Setenv("GOMAXPROCS", "1")
	d := boostBulk(procs + 1)
	if n := runtime.GOMAXPROCS(0); n != procs {
		t.Fatalf("GOMAXPROCS %d despite the environment's, want %d kept", n, procs)
	}
	d()
}
