package mailcore

import (
	"context"
	"time"

	"hongyan/mailcore/account"
	"hongyan/mailcore/mailerr"
)

// build creates an account's retrieval engine.
func (e *Engine) build(a account.Account) (incoming, error) {
	ctx, cancel := context.WithTimeout(e.ctx, 15*time.Second)
	defer cancel()
	pw, err := e.password(a.ID, "incoming")(ctx)
	if err != nil {
		return nil, err
	}
	var in incoming
	switch a.Incoming.Protocol {
	case account.ProtocolPOP3:
		in = e.newPOP3(a, pw)
	case account.ProtocolIMAP:
		in, err = e.newIMAP(a, pw)
	default:
		err = &mailerr.Error{Kind: mailerr.Protocol, Op: "account", Text: "unknown protocol " + a.Incoming.Protocol}
	}
	return in, err
}
