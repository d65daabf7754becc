// Package event defines what mailcore tells the UI: small typed values, one
// per kind of change, delivered through a Queue that batches them so that
// the UI updates once per batch rather than once per message.
package event

import (
	"sync"
	"time"
)

// Event is any of the types below.
type Event interface{ isEvent() }

// FoldersChanged: the folder list (or folder counts) of an account changed.
type FoldersChanged struct{ Account string }

// MessagesChanged: messages were added, removed or changed in a folder.
type MessagesChanged struct {
	Account  string
	FolderID int64
}

// SyncProgress reports progress of a folder sync.
type SyncProgress struct {
	Account  string
	FolderID int64
	Done     int
	Total    int
	Finished bool
}

// MailSummary is the little the UI needs for a notification.
type MailSummary struct {
	From    string
	Subject string
}

// NewMail: new messages arrived (not those seen in the first sync).
type NewMail struct {
	Account  string
	FolderID int64
	Count    int
	Latest   []MailSummary // a few of the newest, for the notification
}

// AccountStatus: an account went online or offline, or failed. Err keeps
// its mailerr kind (unreachable, auth failed, TLS invalid, ...).
type AccountStatus struct {
	Account string
	Online  bool
	Err     error
}

// SendState is where an outgoing message is in the outbox.
type SendState string

// SendResult: an outbox item changed state.
type SendResult struct {
	Account  string
	OutboxID int64
	State    SendState
	Err      error
}

// Quota: usage of the account's mailbox (in bytes); Warning when above 90%.
type Quota struct {
	Account string
	Used    int64
	Limit   int64
	Warning bool
}

// OperationFailed: a queued offline operation could not be applied (for
// example the message was gone on the server). Not fatal.
type OperationFailed struct {
	Account string
	Op      string
	Err     error
}

func (FoldersChanged) isEvent()  {}
func (MessagesChanged) isEvent() {}
func (SyncProgress) isEvent()    {}
func (NewMail) isEvent()         {}
func (AccountStatus) isEvent()   {}
func (SendResult) isEvent()      {}
func (Quota) isEvent()           {}
func (OperationFailed) isEvent() {}

// Sink receives events. Engine code calls it from any goroutine.
type Sink func(Event)

// Discard is a Sink that drops everything.
func Discard(Event) {}

// Queue collects events from any goroutine and hands them over in batches.
// Schedule is called at most once per pending batch; it must arrange for
// Drain to run (the app passes a function that calls fyne.Do). Events that
// arrive while a batch is pending join it.
type Queue struct {
	mu        sync.Mutex
	pending   []Event
	scheduled bool
	schedule  func(func())
	deliver   func([]Event)
	delay     time.Duration
}

// NewQueue returns a queue. schedule runs a function on the consumer's
// goroutine; deliver receives each batch there. delay, if non-zero, lets a
// burst of events gather before the batch is scheduled.
func NewQueue(schedule func(func()), deliver func([]Event), delay time.Duration) *Queue {
	return &Queue{schedule: schedule, deliver: deliver, delay: delay}
}

// Push adds an event. It never blocks on the consumer.
func (q *Queue) Push(e Event) {
	q.mu.Lock()
	q.pending = append(q.pending, e)
	if q.scheduled {
		q.mu.Unlock()
		return
	}
	q.scheduled = true
	q.mu.Unlock()
	if q.delay > 0 {
		time.AfterFunc(q.delay, func() { q.schedule(q.drain) })
	} else {
		go q.schedule(q.drain)
	}
}

// Sink returns Push as a Sink.
func (q *Queue) Sink() Sink { return q.Push }

func (q *Queue) drain() {
	q.mu.Lock()
	batch := q.pending
	q.pending = nil
	q.scheduled = false
	q.mu.Unlock()
	if len(batch) > 0 {
		q.deliver(batch)
	}
}
