package mailcore

import (
	"hongyan/mailcore/account"
	"hongyan/mailcore/mailerr"
)

// Placeholder until the IMAP engine is wired in.
func (e *Engine) newIMAP(a account.Account, password string) (incoming, error) {
	return nil, &mailerr.Error{Kind: mailerr.Protocol, Op: "account", Text: "IMAP not wired yet"}
}
