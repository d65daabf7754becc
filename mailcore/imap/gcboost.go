package imap

import (
	"runtime/debug"
	"sync"
)

// A bulk header sync keeps a few batches of summaries on the heap and
// turns them over fast; at the default GC target the collector ran every
// few megabytes and took about a sixth of the sync's CPU time
// (BenchmarkColdSync: 15.1 against 12.5 µs of CPU a message with the
// target at 400). While any bulk sync runs, the target is four times the
// process's own, and it is set back when the last one ends. The bench's
// imap.sync_peak_rss shows what that costs in memory.
var gcBoost struct {
	mu     sync.Mutex
	active int
	saved  int
}

// boostGC raises the GC target until the returned function is called.
func boostGC() (restore func()) {
	gcBoost.mu.Lock()
	if gcBoost.active == 0 {
		old := debug.SetGCPercent(-1) // reads the target; set again at once
		gcBoost.saved = old
		if old > 0 {
			debug.SetGCPercent(old * 4)
		} else {
			debug.SetGCPercent(old) // collection off: leave it so
		}
	}
	gcBoost.active++
	gcBoost.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			gcBoost.mu.Lock()
			defer gcBoost.mu.Unlock()
			if gcBoost.active--; gcBoost.active == 0 {
				debug.SetGCPercent(gcBoost.saved)
			}
		})
	}
}
