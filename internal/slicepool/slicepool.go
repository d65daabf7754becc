// Package slicepool keeps slices of one element type for reuse, for code
// that makes large slices over and over (a bulk sync's batches): reusing
// them spares the garbage collector, and the fresh memory a new slice
// would touch (a page fault and its zeroing per page). It is sync.Pool
// with the bookkeeping done once: elements are cleared when a slice comes
// back, and a pooled slice too small for a request is left to the
// collector.
package slicepool

import "sync"

// Pool is a pool of []T. The zero value is ready to use.
type Pool[T any] struct {
	p sync.Pool // of *[]T
}

// Get returns an empty slice with room for at least n elements.
func (p *Pool[T]) Get(n int) []T {
	if s, _ := p.p.Get().(*[]T); s != nil && cap(*s) >= n {
		return (*s)[:0]
	}
	return make([]T, 0, n)
}

// Put hands s back; the caller must not use s again. Its elements are
// zeroed first, so that the pool holds no references to what they held.
func (p *Pool[T]) Put(s []T) {
	if cap(s) == 0 {
		return
	}
	s = s[:cap(s)]
	clear(s)
	s = s[:0]
	p.p.Put(&s)
}
