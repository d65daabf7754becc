package mailcore

import (
	"time"

	"hongyan/mailcore/event"
)

// indexLoop keeps the full-text index current in the background: writers
// only queue changed rows (see store.IndexPending), and this loop indexes
// them in small batches after each change and every few seconds, pausing
// between batches so that a running sync keeps the database's write lock
// most of the time.
func (e *Engine) indexLoop() {
	defer e.wg.Done()
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-e.ctx.Done():
			return
		case <-e.indexKick:
		case <-tick.C:
		}
		for {
			n, err := e.store.IndexPending(e.ctx, 300)
			if err != nil || n == 0 {
				break
			}
			select {
			case <-e.ctx.Done():
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}
}

// observe sees every event on its way to the app.
func (e *Engine) observe(ev event.Event) {
	switch ev.(type) {
	case event.MessagesChanged:
		select {
		case e.indexKick <- struct{}{}:
		default:
		}
	}
	e.opts.Sink(ev)
}
