package smtp

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"hongyan/mailcore/event"
	"hongyan/mailcore/mailerr"
	"hongyan/mailcore/message"
	"hongyan/mailcore/store"
)

// DefaultBackoff is the wait after the 1st, 2nd, ... failed attempt; the
// last value repeats.
var DefaultBackoff = []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute, 30 * time.Minute, time.Hour}

// OutboxOptions configure an Outbox.
type OutboxOptions struct {
	Store *store.Store
	// Config returns the submission settings (with the password) of an
	// account. An error postpones that account's messages like a
	// temporary failure.
	Config func(ctx context.Context, account string) (Config, error)
	// Sent files copies in Sent; nil means no copy is made.
	Sent SentCopier
	// Sink receives a SendResult for every state change.
	Sink event.Sink
	// Now is the clock (tests); time.Now when nil.
	Now func() time.Time
	// Backoff replaces DefaultBackoff.
	Backoff []time.Duration
}

// Outbox delivers queued messages. Messages are committed to the store
// before any network work; every state change is durable before the next
// step. States: queued → sending → sent → copied; failed (5xx: kept for
// the user); uncertain (interrupted while the server had the message: never
// resent without Resend).
type Outbox struct {
	o    OutboxOptions
	run  sync.Mutex // one delivery pass at a time
	kick chan struct{}
	done chan struct{}
}

// NewOutbox returns an outbox; call Start to run its worker, or RunOnce.
func NewOutbox(o OutboxOptions) *Outbox {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Sink == nil {
		o.Sink = event.Discard
	}
	if len(o.Backoff) == 0 {
		o.Backoff = DefaultBackoff
	}
	return &Outbox{o: o, kick: make(chan struct{}, 1)}
}

// Backoff returns the wait after the given number of failed attempts.
func (b *Outbox) Backoff(attempts int) time.Duration {
	if attempts < 1 {
		attempts = 1
	}
	if attempts > len(b.o.Backoff) {
		return b.o.Backoff[len(b.o.Backoff)-1]
	}
	return b.o.Backoff[attempts-1]
}

func (b *Outbox) emit(account string, id int64, state string, err error) {
	b.o.Sink(event.SendResult{Account: account, OutboxID: id, State: event.SendState(state), Err: err})
}

// Recover marks messages left in "sending" by a previous run as uncertain.
// Start calls it; call it yourself before RunOnce in a fresh process.
func (b *Outbox) Recover(ctx context.Context) error {
	items, err := b.o.Store.OutboxRecover(ctx, b.o.Now())
	for _, it := range items {
		b.emit(it.Account, it.ID, store.OutboxUncertain, errors.New(it.LastError))
	}
	return err
}

// Start recovers and runs the delivery worker until ctx ends. Wait returns
// when it has stopped.
func (b *Outbox) Start(ctx context.Context) error {
	if err := b.Recover(ctx); err != nil {
		return err
	}
	b.done = make(chan struct{})
	go b.loop(ctx)
	return nil
}

// Wait blocks until the worker started by Start has stopped.
func (b *Outbox) Wait() {
	if b.done != nil {
		<-b.done
	}
}

// Kick asks the worker to look at the queue now.
func (b *Outbox) Kick() {
	select {
	case b.kick <- struct{}{}:
	default:
	}
}

func (b *Outbox) loop(ctx context.Context) {
	defer close(b.done)
	for {
		_ = b.RunOnce(ctx)
		delay := time.Hour
		if wake, ok, err := b.o.Store.OutboxNextWake(ctx); err == nil && ok {
			delay = wake.Sub(b.o.Now())
		}
		if pending, err := b.o.Store.OutboxList(ctx, "", store.OutboxSent); err == nil && len(pending) > 0 && delay > time.Minute {
			delay = time.Minute // retry Sent copies
		}
		if delay < time.Second {
			delay = time.Second
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-b.kick:
			t.Stop()
		case <-t.C:
		}
	}
}

// Enqueue builds the draft and commits it to the outbox. It will not be
// sent before sendAfter (zero: as soon as possible; now+N seconds: an undo
// window; a later time: send later). It returns the outbox id.
func (b *Outbox) Enqueue(ctx context.Context, account string, d *message.Draft, sendAfter time.Time) (int64, error) {
	raw, err := d.Build()
	if err != nil {
		return 0, err
	}
	from, err := d.EnvelopeFrom()
	if err != nil {
		return 0, err
	}
	rcpts, err := d.Recipients()
	if err != nil {
		return 0, err
	}
	dj, err := json.Marshal(d)
	if err != nil {
		return 0, err
	}
	ids, err := b.o.Store.OutboxAdd(ctx, b.o.Now(), store.OutboxItem{Account: account, Raw: raw, From: from,
		Recipients: rcpts, MessageID: d.MessageID, Draft: dj, SendAfter: sendAfter})
	if err != nil {
		return 0, err
	}
	b.emit(account, ids[0], store.OutboxQueued, nil)
	b.Kick()
	return ids[0], nil
}

// EnqueueRaw commits ready-made messages (Account, Raw, From, Recipients,
// MessageID, SendAfter set by the caller) in one transaction.
func (b *Outbox) EnqueueRaw(ctx context.Context, items ...store.OutboxItem) ([]int64, error) {
	for _, it := range items {
		if it.From == "" || len(it.Recipients) == 0 || len(it.Raw) == 0 {
			return nil, &mailerr.Error{Kind: mailerr.Permanent, Op: "enqueue", Text: "message without sender, recipients or content"}
		}
	}
	ids, err := b.o.Store.OutboxAdd(ctx, b.o.Now(), items...)
	if err != nil {
		return nil, err
	}
	for i, id := range ids {
		b.emit(items[i].Account, id, store.OutboxQueued, nil)
	}
	b.Kick()
	return ids, nil
}

// Cancel takes a message back out of the outbox while it is still queued
// (undo send, or editing a message scheduled for later) or after the
// server refused it (to edit it), and returns its draft (nil when it was
// enqueued raw) and source. It fails with store.ErrOutboxState once
// sending has started, and for a message that may have been sent.
func (b *Outbox) Cancel(ctx context.Context, id int64) (*message.Draft, []byte, error) {
	it, err := b.o.Store.OutboxRemove(ctx, id, store.OutboxQueued, store.OutboxFailed)
	if err != nil {
		return nil, nil, err
	}
	b.emit(it.Account, id, "canceled", nil)
	if len(it.Draft) == 0 {
		return nil, it.Raw, nil
	}
	var d message.Draft
	if err := json.Unmarshal(it.Draft, &d); err != nil {
		return nil, it.Raw, nil
	}
	return &d, it.Raw, nil
}

// Resend queues an uncertain or failed message again: the user's decision.
func (b *Outbox) Resend(ctx context.Context, id int64) error {
	zero, empty := 0, ""
	var never time.Time
	return b.requeue(ctx, id, []string{store.OutboxUncertain, store.OutboxFailed},
		store.OutboxChange{Attempts: &zero, NextAttempt: &never, SendAfter: &never, LastError: &empty})
}

// SendNow sends a queued message now instead of at its scheduled time or
// next retry.
func (b *Outbox) SendNow(ctx context.Context, id int64) error {
	var never time.Time
	return b.requeue(ctx, id, []string{store.OutboxQueued}, store.OutboxChange{NextAttempt: &never, SendAfter: &never})
}

// requeue moves a message from one of the states from to queued with the
// change ch, says so and wakes the sender.
func (b *Outbox) requeue(ctx context.Context, id int64, from []string, ch store.OutboxChange) error {
	if err := b.o.Store.OutboxTransition(ctx, id, from, store.OutboxQueued, b.o.Now(), ch); err != nil {
		return err
	}
	it, _ := b.o.Store.OutboxItem(ctx, id)
	b.emit(it.Account, id, store.OutboxQueued, nil)
	b.Kick()
	return nil
}

// Discard removes a failed, uncertain or queued message.
func (b *Outbox) Discard(ctx context.Context, id int64) error {
	it, err := b.o.Store.OutboxRemove(ctx, id, store.OutboxUncertain, store.OutboxFailed, store.OutboxQueued)
	if err != nil {
		return err
	}
	b.emit(it.Account, id, "discarded", nil)
	return nil
}

// Items lists an account's outbox (all accounts when empty).
func (b *Outbox) Items(ctx context.Context, account string) ([]store.OutboxItem, error) {
	return b.o.Store.OutboxList(ctx, account)
}

// RunOnce delivers everything due now (one connection per account for the
// whole queue) and then files pending Sent copies.
func (b *Outbox) RunOnce(ctx context.Context) error {
	b.run.Lock()
	defer b.run.Unlock()
	var firstErr error
	for {
		due, err := b.o.Store.OutboxDue(ctx, b.o.Now(), 500)
		if err != nil {
			return err
		}
		if len(due) == 0 {
			break
		}
		var order []string
		byAcct := map[string][]store.OutboxItem{}
		for _, it := range due {
			if _, ok := byAcct[it.Account]; !ok {
				order = append(order, it.Account)
			}
			byAcct[it.Account] = append(byAcct[it.Account], it)
		}
		for _, a := range order {
			if err := b.deliver(ctx, a, byAcct[a]); err != nil && firstErr == nil {
				firstErr = err
			}
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	if err := b.copyPending(ctx); err != nil && firstErr == nil {
		firstErr = err
	}
	return firstErr
}

// postpone puts an item back in the queue after a temporary failure.
func (b *Outbox) postpone(ctx context.Context, it store.OutboxItem, from string, attempts int, cause error) error {
	now := b.o.Now()
	next := now.Add(b.Backoff(attempts))
	msg := cause.Error()
	ch := store.OutboxChange{NextAttempt: &next, LastError: &msg}
	if from == store.OutboxQueued {
		ch.AddAttempt = true
	}
	if err := b.o.Store.OutboxTransition(ctx, it.ID, []string{from}, store.OutboxQueued, now, ch); err != nil {
		return err
	}
	b.emit(it.Account, it.ID, store.OutboxQueued, cause)
	return nil
}

// deliver sends one account's due items over one session, reconnecting
// once if the connection breaks midway.
func (b *Outbox) deliver(ctx context.Context, account string, items []store.OutboxItem) error {
	var sess *Session
	defer func() {
		if sess != nil {
			sess.Close()
		}
	}()
	dials := 0
	for i, it := range items {
		if sess == nil || sess.Broken() {
			if sess != nil {
				sess.Close()
				sess = nil
			}
			var err error
			if dials < 2 {
				dials++
				var cfg Config
				cfg, err = b.o.Config(ctx, account)
				if err == nil {
					sess, err = Dial(ctx, cfg)
				}
			} else {
				err = &mailerr.Error{Kind: mailerr.Unreachable, Op: "connect", Text: "connection keeps failing"}
			}
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				// Nothing of these was sent: all wait for the next attempt.
				for _, rest := range items[i:] {
					if perr := b.postpone(ctx, rest, store.OutboxQueued, rest.Attempts+1, err); perr != nil && !errors.Is(perr, store.ErrOutboxState) {
						return perr
					}
				}
				return err
			}
		}
		// Durable before the first byte of the transaction goes out.
		if err := b.o.Store.OutboxTransition(ctx, it.ID, []string{store.OutboxQueued}, store.OutboxSending, b.o.Now(),
			store.OutboxChange{AddAttempt: true}); err != nil {
			if errors.Is(err, store.ErrOutboxState) || mailerr.Is(err, mailerr.NotFound) {
				continue // cancelled meanwhile
			}
			return err
		}
		b.emit(account, it.ID, store.OutboxSending, nil)
		attempts := it.Attempts + 1
		sendErr := sess.Send(ctx, it.From, it.Recipients, it.Raw)
		if err := b.afterSend(account, it, attempts, sendErr); err != nil {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	return nil
}

// afterSend records the outcome of one submission. It uses a context of
// its own: an accepted message must be recorded even if ctx was cancelled
// just after the server's reply.
func (b *Outbox) afterSend(account string, it store.OutboxItem, attempts int, sendErr error) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	now := b.o.Now()
	switch {
	case sendErr == nil:
		to := store.OutboxSent
		if b.o.Sent == nil {
			to = store.OutboxCopied
		}
		empty := ""
		if err := b.o.Store.OutboxTransition(ctx, it.ID, []string{store.OutboxSending}, to, now, store.OutboxChange{LastError: &empty}); err != nil {
			return err
		}
		b.emit(account, it.ID, to, nil)
	case IsUncertain(sendErr):
		msg := "the server may have accepted this message: " + sendErr.Error()
		if err := b.o.Store.OutboxTransition(ctx, it.ID, []string{store.OutboxSending}, store.OutboxUncertain, now, store.OutboxChange{LastError: &msg}); err != nil {
			return err
		}
		b.emit(account, it.ID, store.OutboxUncertain, sendErr)
	case mailerr.Is(sendErr, mailerr.Permanent):
		msg := sendErr.Error()
		if err := b.o.Store.OutboxTransition(ctx, it.ID, []string{store.OutboxSending}, store.OutboxFailed, now, store.OutboxChange{LastError: &msg}); err != nil {
			return err
		}
		b.emit(account, it.ID, store.OutboxFailed, sendErr)
	default:
		// 4xx, or the connection broke before the message was complete:
		// the server cannot have accepted it.
		return b.postpone(ctx, it, store.OutboxSending, attempts, sendErr)
	}
	return nil
}

// copyPending files accepted messages in Sent, skipping those the server
// already filed.
func (b *Outbox) copyPending(ctx context.Context) error {
	if b.o.Sent == nil {
		return nil
	}
	list, err := b.o.Store.OutboxList(ctx, "", store.OutboxSent)
	if err != nil {
		return err
	}
	var firstErr error
	for _, l := range list {
		if err := b.copyOne(ctx, l.ID); err != nil && firstErr == nil {
			firstErr = err
		}
	}
	return firstErr
}

func (b *Outbox) copyOne(ctx context.Context, id int64) error {
	it, err := b.o.Store.OutboxItem(ctx, id)
	if err != nil {
		return err
	}
	have := false
	if it.MessageID != "" {
		have, err = b.o.Sent.AlreadyInSent(ctx, it.Account, it.MessageID)
		if err != nil {
			return b.copyFailed(ctx, it, err)
		}
	}
	if !have {
		if err := b.o.Sent.CopyToSent(ctx, it.Account, it.Raw, it.MessageID); err != nil {
			return b.copyFailed(ctx, it, err)
		}
	}
	empty := ""
	if err := b.o.Store.OutboxTransition(ctx, id, []string{store.OutboxSent}, store.OutboxCopied, b.o.Now(), store.OutboxChange{LastError: &empty}); err != nil {
		return err
	}
	b.emit(it.Account, id, store.OutboxCopied, nil)
	return nil
}

func (b *Outbox) copyFailed(ctx context.Context, it store.OutboxItem, cause error) error {
	msg := "sent, but the copy in Sent failed: " + cause.Error()
	b.o.Store.OutboxTransition(ctx, it.ID, []string{store.OutboxSent}, store.OutboxSent, b.o.Now(), store.OutboxChange{LastError: &msg})
	b.emit(it.Account, it.ID, store.OutboxSent, cause)
	return cause
}
