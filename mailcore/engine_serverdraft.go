package mailcore

import (
	"context"
	"strings"
	"time"

	"hongyan/mailcore/event"
	"hongyan/mailcore/message"
	"hongyan/mailcore/store"
)

// serverDrafts is implemented by retrieval engines that keep Drafts on the
// server (IMAP).
type serverDrafts interface {
	Append(ctx context.Context, folder string, raw []byte, flags store.Flags) (int64, error)
	Expunge(ctx context.Context, ids []int64) error
}

// syncServerDraft mirrors a saved draft into the account's Drafts folder on
// the server, replacing the previous copy instead of piling copies up: the
// new copy is appended, then every older copy carrying the draft's
// Message-ID is expunged. With remove, every copy goes (the draft was sent
// or discarded). POP3 accounts keep drafts locally only. Failures are
// reported as events: the local draft, written first, is what counts.
func (e *Engine) syncServerDraft(accountID string, d message.Draft, remove bool) {
	r, err := e.runner(accountID)
	if err != nil {
		return
	}
	sd, ok := r.in.(serverDrafts)
	if !ok || d.MessageID == "" {
		return
	}
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		ctx, cancel := context.WithTimeout(e.ctx, time.Minute)
		defer cancel()
		e.draftMu.Lock()
		defer e.draftMu.Unlock()
		if err := e.replaceServerDraft(ctx, accountID, sd, d, remove); err != nil {
			e.sink(event.OperationFailed{Account: accountID, Op: "save draft on server", Err: err})
		}
	}()
}

func (e *Engine) replaceServerDraft(ctx context.Context, accountID string, sd serverDrafts, d message.Draft, remove bool) error {
	drafts, err := e.store.FolderByRole(ctx, accountID, store.RoleDrafts)
	if err != nil {
		return nil // no Drafts folder on this server: local drafts only
	}
	var keep int64
	if !remove {
		// The local draft is the one Hongyan reopens; the server's copy is
		// for other clients. A recipient still being typed ("gra") cannot
		// go into a header: the copy leaves it out rather than fail.
		d.To, d.Cc, d.Bcc = deliverable(d.To), deliverable(d.Cc), deliverable(d.Bcc)
		raw, err := d.Build()
		if err != nil {
			return err
		}
		if keep, err = sd.Append(ctx, store.RoleDrafts, raw, store.Seen|store.Draft); err != nil {
			return err
		}
	}
	copies, err := e.store.FindByMessageID(ctx, accountID, strings.Trim(d.MessageID, "<>"))
	if err != nil {
		return err
	}
	var old []int64
	for _, m := range copies {
		if m.FolderID == drafts.ID && m.ID != keep {
			old = append(old, m.ID)
		}
	}
	if len(old) == 0 {
		return nil
	}
	return sd.Expunge(ctx, old)
}

// deliverable is list without the addresses Build would refuse.
func deliverable(list []message.Address) []message.Address {
	var out []message.Address
	for _, a := range list {
		if a.Usable() {
			out = append(out, a)
		}
	}
	return out
}
