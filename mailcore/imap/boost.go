package imap

import (
	"os"
	"runtime"
	"runtime/debug"
	"sync"
)

// While any bulk header sync runs, two settings of the Go runtime are
// raised, and set back when the last one ends:
//
//   - The GC target, to four times the process's own. A bulk sync keeps
//     a few batches of summaries on the heap and turns them over fast; at
//     the default target the collector ran every few megabytes and took
//     about a sixth of the sync's CPU time (BenchmarkColdSync: 15.1
//     against 12.5 µs of CPU a message with the target at 400). The
//     bench's imap.sync_peak_rss shows what that costs in memory.
//   - GOMAXPROCS, to at least one per stage of the sync's pipeline: a
//     decoding goroutine per helper connection and the store's writer.
//     With fewer Ps than that (two on a two-core machine), the writer,
//     the stage the others wait for, queued for a P behind the decoders
//     for up to a scheduling slice; with one P each, the kernel shares
//     the cores among all of them. Cold sync of 100,000 messages on two
//     cores, GOMAXPROCS 3 against 2 in turns: faster in six pairs of
//     eight, by 55 ms at the median (3%). An explicit GOMAXPROCS in the
//     environment is left alone.
var boost struct {
	mu         sync.Mutex
	active     int
	savedGC    int
	savedProcs int // 0 when GOMAXPROCS was not changed
}

// boostBulk raises the GC target, and GOMAXPROCS to at least procs, until
// the returned function is called.
func boostBulk(procs int) (restore func()) {
	boost.mu.Lock()
	if boost.active == 0 {
		old := debug.SetGCPercent(-1) // reads the target; set again at once
		boost.savedGC = old
		if old > 0 {
			debug.SetGCPercent(old * 4)
		} else {
			debug.SetGCPercent(old) // collection off: leave it so
		}
		boost.savedProcs = 0
	}
	if cur := runtime.GOMAXPROCS(0); procs > cur && os.Getenv("GOMAXPROCS") == "" {
		if boost.savedProcs == 0 {
			boost.savedProcs = cur
		}
		runtime.GOMAXPROCS(procs)
	}
	boost.active++
	boost.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			boost.mu.Lock()
			defer boost.mu.Unlock()
			if boost.active--; boost.active == 0 {
				debug.SetGCPercent(boost.savedGC)
				if boost.savedProcs != 0 {
					runtime.GOMAXPROCS(boost.savedProcs)
				}
			}
		})
	}
}
