package imap

import (
	"context"
	"sync"

	imapv2 "github.com/emersion/go-imap/v2"
)

// Helper connections of a bulk header sync (see fetchRange and bulk.go).
//
// Helpers are dialled in parallel and each one starts fetching as soon as
// it has examined the folder: the sync does not wait for the slowest.
// Dovecot serialises sessions that open the same large folder at once, so
// one helper is often ready tens of milliseconds before the other; the
// batches are not dealt out in turn either but taken from one queue by
// whichever helper is free, so the batch the store needs next is never
// held behind a helper that is still opening the folder.

// helperDial is a set of helper connections being opened in the
// background (startHelpers).
type helperDial struct {
	mu      sync.Mutex
	cond    *sync.Cond
	ready   []*conn // examined, not taken yet
	pending int     // dials still under way
	used    bool    // taken by a sync, or closed
	join    func(*conn) bool
}

// startHelpers starts opening up to n extra connections with the folder
// name selected read-only, in parallel, and returns at once. A helper that
// cannot connect is left out: the sync then simply uses fewer connections.
// Helpers are closed when ctx ends. condstore enables CONDSTORE where the
// helper's server offers it.
func (a *Account) startHelpers(ctx context.Context, name string, n int, condstore bool) *helperDial {
	d := &helperDial{pending: n}
	d.cond = sync.NewCond(&d.mu)
	for i := 0; i < n; i++ {
		go func() {
			h, err := a.dial(ctx)
			if err != nil {
				d.arrive(nil)
				return
			}
			context.AfterFunc(ctx, func() { h.c.Close() })
			sctx, cancel := a.opCtx(ctx)
			defer cancel()
			err = h.run(sctx, "examine", func() error {
				sel, err := h.c.Select(name, &imapv2.SelectOptions{ReadOnly: true, CondStore: condstore && h.caps.Has(imapv2.CapCondStore)}).Wait()
				if err != nil {
					return err
				}
				h.examined = sel
				return nil
			})
			if err != nil {
				h.close()
				d.arrive(nil)
				return
			}
			h.selected = name
			d.arrive(h)
		}()
	}
	return d
}

// arrive files the outcome of one dial: a ready helper (nil if the dial
// failed) waits to be taken, goes straight to the sync that took the set,
// or is closed when the set is done with.
func (d *helperDial) arrive(h *conn) {
	d.mu.Lock()
	d.pending--
	d.cond.Broadcast()
	if h == nil {
		d.mu.Unlock()
		return
	}
	if !d.used {
		d.ready = append(d.ready, h)
		d.mu.Unlock()
		return
	}
	join := d.join
	d.mu.Unlock()
	if join == nil || !join(h) {
		h.close()
	}
}

// waitLocked waits until a helper is ready or every dial has ended.
func (d *helperDial) waitLocked() {
	for len(d.ready) == 0 && d.pending > 0 && !d.used {
		d.cond.Wait()
	}
}

// state returns what the first ready helper's EXAMINE reported, or nil
// when none could be opened.
func (d *helperDial) state() *imapv2.SelectData {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.waitLocked()
	if d.used || len(d.ready) == 0 {
		return nil
	}
	return d.ready[0].examined
}

func (d *helperDial) isUsed() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.used
}

// take waits for the first ready helper and hands join every helper that
// sees the folder with the UIDVALIDITY the sync works with: those ready
// now, and later the others as they become ready. Helpers join refuses,
// or that see another UIDVALIDITY, are closed. It returns how many joined
// now; a set is taken once.
func (d *helperDial) take(uidValidity uint32, join func(*conn) bool) int {
	d.mu.Lock()
	d.waitLocked()
	if d.used {
		d.mu.Unlock()
		return 0
	}
	d.used = true
	now := d.ready
	d.ready = nil
	matching := func(h *conn) bool {
		return h.examined.UIDValidity == uidValidity && join(h)
	}
	d.join = matching
	d.mu.Unlock()
	n := 0
	for _, h := range now {
		if matching(h) {
			n++
		} else {
			h.close()
		}
	}
	return n
}

// close closes the helpers that were never taken and those that become
// ready from now on.
func (d *helperDial) close() {
	d.mu.Lock()
	d.used = true
	d.join = nil
	rest := d.ready
	d.ready = nil
	d.mu.Unlock()
	closeConns(rest)
}

func closeConns(conns []*conn) {
	for _, h := range conns {
		h.close()
	}
}

// helperSet is the helpers one bulk fetch works with; helpers join it as
// they become ready and are closed when the fetch ends.
type helperSet struct {
	q     *batchQueue
	mu    sync.Mutex
	conns []*conn
	ended bool
}

// join puts h to work on the set's queue, unless the fetch has ended.
func (s *helperSet) join(h *conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended {
		return false
	}
	s.conns = append(s.conns, h)
	s.q.join(h.bulk(s.q))
	return true
}

// closeAll closes every helper's connection, which ends its pending reads
// (a batch timed out), and refuses helpers that become ready later, so
// that the batches still queued fail with the last helper instead of
// going to a new one.
func (s *helperSet) closeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ended = true
	for _, h := range s.conns {
		_ = h.c.Close()
	}
}

// end closes the helpers; later ones are refused.
func (s *helperSet) end() {
	s.mu.Lock()
	s.ended = true
	conns := s.conns
	s.conns = nil
	s.mu.Unlock()
	closeConns(conns)
}

// batchQueue holds the FETCH batches of one bulk fetch that no helper has
// sent yet; a helper takes the next one whenever it has no command in
// flight (bulkConn.sendNext).
type batchQueue struct {
	mu    sync.Mutex
	items []*fetchBatch
	conns []*bulkConn
	live  int   // helpers that have joined and not failed
	err   error // set when the last helper has failed
}

// push queues b and wakes the helpers. Once every helper has failed, b
// fails at once with the last helper's error.
func (q *batchQueue) push(b *fetchBatch) {
	q.mu.Lock()
	if q.err != nil {
		q.mu.Unlock()
		b.res <- fetchResult{err: q.err}
		return
	}
	q.items = append(q.items, b)
	conns := q.conns
	q.mu.Unlock()
	for _, h := range conns {
		h.wake()
	}
}

// pop returns the next batch to send, or nil.
func (q *batchQueue) pop() *fetchBatch {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.items) == 0 {
		return nil
	}
	b := q.items[0]
	q.items = q.items[1:]
	return b
}

func (q *batchQueue) join(h *bulkConn) {
	q.mu.Lock()
	q.conns = append(q.conns[:len(q.conns):len(q.conns)], h)
	q.live++
	q.mu.Unlock()
	h.wake()
}

// leave is called once by a helper that has failed. When it was the last
// one, the queued batches fail with its error: nobody would send them.
func (q *batchQueue) leave(err error) {
	q.mu.Lock()
	q.live--
	var orphans []*fetchBatch
	if q.live == 0 {
		q.err = err
		orphans = q.items
		q.items = nil
	}
	q.mu.Unlock()
	for _, b := range orphans {
		b.res <- fetchResult{err: err}
	}
}
