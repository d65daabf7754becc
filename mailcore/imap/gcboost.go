package imap

import (
	"runtime/debug"
	"sync"
)

// While any bulk header sync runs, the GC target is raised to twice the
// process's own, and set back when the last one ends. A bulk sync keeps a
// few batches of summaries on the heap and turns them over fast; at the
// default target the collector ran every few megabytes and, before the
// batches' slices were pooled, took about a sixth of the sync's CPU time
// (BenchmarkColdSync: 15.1 against 12.5 µs of CPU a message with the
// target at 400). With the pools, no boost at all cost as much CPU on
// average as twice (0.05 s more user time, 0.05 s less system time a
// 100,000-message sync) over 12 rounds each.
//
// Twice, not more: every megabyte the heap grows by is memory the process
// touches for the first time, and on a virtual machine that gives freed
// memory back to its host (free page reporting) a first touch can cost
// ten times as much as usual; page faults then took about a seventh of
// the sync's CPU time, most of it the kernel clearing fresh pages (perf).
// With the target at four times, a 100,000-message sync grew its heap to
// about 70 MB with 3 or 4 collections; at twice, about 50 MB with 10
// collections, 5,000 page faults fewer. In 26 rounds of each taken in
// turns (13 runs of the bench's imap group) twice was the faster in
// median (1.54 against 1.58 s), in mean CPU (1.12 against 1.14 s) and in
// the worst round (1.81 against 1.96 s), the system time's worst 0.41
// against 0.47 s.
//
// GOMAXPROCS is left alone. Raising it to one P per pipeline stage (two
// decoders and the writer: 3 on a two-core machine) looked 3% faster in
// wall time once, but in sixteen later pairs of bench runs taken in turns
// the sync's wall time was the same (median 1.52 s either way) while its
// CPU time was 7% higher (median 1.20 against 1.125 s): the extra P's
// thread spun looking for work on cores Dovecot needed.
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
			debug.SetGCPercent(old * 2)
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
