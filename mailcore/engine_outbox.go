package mailcore

import (
	"context"
	"time"

	"hongyan/mailcore/message"
	"hongyan/mailcore/store"
)

// unsentStates are outbox states holding mail the user has not seen leave.
var unsentStates = []string{store.OutboxQueued, store.OutboxSending, store.OutboxFailed, store.OutboxUncertain}

// unsentCount counts an account's mail that has not left yet.
func (e *Engine) unsentCount(ctx context.Context, accountID string) (int, error) {
	items, err := e.store.OutboxList(ctx, accountID, unsentStates...)
	return len(items), err
}

// Outbox lists an account's outbox items that are not finished (all
// accounts with ""), without their raw source.
func (e *Engine) Outbox(ctx context.Context, accountID string) ([]store.OutboxItem, error) {
	return e.store.OutboxList(ctx, accountID, append(unsentStates, store.OutboxSent)...)
}

// deleteOutbox removes every outbox item of an account (account removal,
// after the user confirmed).
func (e *Engine) deleteOutbox(ctx context.Context, accountID string) error {
	items, err := e.store.OutboxList(ctx, accountID)
	if err != nil {
		return err
	}
	for _, it := range items {
		if _, err := e.store.OutboxRemove(ctx, it.ID, it.State); err != nil {
			return err
		}
	}
	return nil
}

// OutgoingMessage is a message in the outbox that has not left yet, as
// the outbox window lists it.
type OutgoingMessage struct {
	ID         int64
	Account    string
	State      string // store.OutboxQueued, OutboxSending, OutboxFailed or OutboxUncertain
	Subject    string
	Recipients []string
	// SendAfter is the time it was scheduled for (zero: as soon as
	// possible); NextAttempt the time of the next try after a temporary
	// failure (LastError), Attempts the tries so far.
	SendAfter, NextAttempt time.Time
	Attempts               int
	LastError              string
	Created                time.Time
}

// Unsent lists the messages of all accounts that have not left yet,
// oldest first.
func (e *Engine) Unsent(ctx context.Context) ([]OutgoingMessage, error) {
	items, err := e.store.OutboxList(ctx, "", unsentStates...)
	if err != nil {
		return nil, err
	}
	out := make([]OutgoingMessage, 0, len(items))
	for _, it := range items {
		m := OutgoingMessage{ID: it.ID, Account: it.Account, State: it.State, Recipients: it.Recipients,
			SendAfter: it.SendAfter, NextAttempt: it.NextAttempt, Attempts: it.Attempts, LastError: it.LastError, Created: it.Created}
		m.Subject = message.ParseHeaderSummary(it.Head).Subject
		out = append(out, m)
	}
	return out, nil
}
