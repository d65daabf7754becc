package mailcore

import (
	"context"

	"hongyan/mailcore/account"
	"hongyan/mailcore/mailerr"
)

// Placeholders until the IMAP engine and the outbox worker are wired in.
func (e *Engine) newIMAP(a account.Account, password string) (incoming, error) {
	return nil, &mailerr.Error{Kind: mailerr.Protocol, Op: "account", Text: "IMAP not wired yet"}
}

func (e *Engine) newOutbox(ctx context.Context, a account.Account) (outgoing, error) {
	return nil, nil
}
