package mailcore

import (
	"context"

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
