package mailcore

import (
	"context"
	"io"
	"time"

	"hongyan/mailcore/account"
	"hongyan/mailcore/mailerr"
	"hongyan/mailcore/message"
	"hongyan/mailcore/netsec"
	"hongyan/mailcore/smtp"
)

// smtpConfig gives the outbox an account's submission settings with its
// password, fetched from the credential store when needed.
func (e *Engine) smtpConfig(ctx context.Context, accountID string) (smtp.Config, error) {
	a, ok := e.Account(accountID)
	if !ok {
		return smtp.Config{}, &mailerr.Error{Kind: mailerr.NotFound, Op: "send", Text: "no such account"}
	}
	pw, err := e.password(accountID, "outgoing")(ctx)
	if err != nil {
		return smtp.Config{}, err
	}
	return smtpConfigFor(a, pw, e.tlsFor(a.ID), e.debugLog(a.ID, "smtp", pw)), nil
}

func smtpConfigFor(a account.Account, password string, tls netsec.Options, debug io.Writer) smtp.Config {
	cfg := smtp.Config{
		Host:     a.Outgoing.Host,
		Port:     a.Outgoing.Port,
		Username: a.Outgoing.Username,
		Password: password,
		Security: smtp.ImplicitTLS,
		Net:      tls,
		Debug:    debug,
	}
	if a.Outgoing.Security == account.SecuritySTARTTLS {
		cfg.Security = smtp.StartTLS
	}
	if a.Outgoing.Auth == account.AuthLogin {
		cfg.Auth = "LOGIN"
	}
	return cfg
}

// Send queues a message in the durable outbox. It is on disk when Send
// returns; delivery starts after delay (the undo window; 0 for at once) or
// at a chosen time with SendAt.
func (e *Engine) Send(ctx context.Context, accountID string, d *message.Draft, delay time.Duration) (int64, error) {
	return e.SendAt(ctx, accountID, d, now().Add(delay))
}

// SendAt queues a message to be sent at t ("send later").
func (e *Engine) SendAt(ctx context.Context, accountID string, d *message.Draft, t time.Time) (int64, error) {
	if _, ok := e.Account(accountID); !ok {
		return 0, &mailerr.Error{Kind: mailerr.NotFound, Op: "send", Text: "no such account"}
	}
	id, err := e.outbox.Enqueue(ctx, accountID, d, t)
	if err == nil {
		e.outbox.Kick()
	}
	return id, err
}

// CancelSend takes a queued or refused message back (undo send, edit)
// and returns its draft.
func (e *Engine) CancelSend(ctx context.Context, id int64) (*message.Draft, error) {
	d, _, err := e.outbox.Cancel(ctx, id)
	return d, err
}

// Resend sends again a message that failed or whose fate is uncertain —
// only on the user's word.
func (e *Engine) Resend(ctx context.Context, id int64) error { return e.outbox.Resend(ctx, id) }

// SendNow sends a queued message now, not at its scheduled time or next
// retry.
func (e *Engine) SendNow(ctx context.Context, id int64) error { return e.outbox.SendNow(ctx, id) }

// DiscardOutgoing removes a failed or uncertain message from the outbox.
func (e *Engine) DiscardOutgoing(ctx context.Context, id int64) error {
	return e.outbox.Discard(ctx, id)
}

// sentRouter files Sent copies: on the server for IMAP accounts (through
// the account's engine), in the local Sent folder for POP3 accounts.
type sentRouter struct{ e *Engine }

// sentCopier is implemented by retrieval engines that keep Sent on the
// server.
type sentCopier interface {
	CopyToSent(ctx context.Context, raw []byte, messageID string) error
	AlreadyInSent(ctx context.Context, messageID string) (bool, error)
}

func (s sentRouter) remote(account string) sentCopier {
	r, err := s.e.runner(account)
	if err != nil {
		return nil
	}
	c, _ := r.in.(sentCopier)
	return c
}

func (s sentRouter) CopyToSent(ctx context.Context, acct string, raw []byte, messageID string) error {
	if c := s.remote(acct); c != nil {
		return c.CopyToSent(ctx, raw, messageID)
	}
	if a, ok := s.e.Account(acct); ok && a.Incoming.Protocol == account.ProtocolIMAP {
		return &mailerr.Error{Kind: mailerr.Temporary, Op: "sent copy", Text: "account is not connected yet"}
	}
	return smtp.LocalSent{Store: s.e.store}.CopyToSent(ctx, acct, raw, messageID)
}

func (s sentRouter) AlreadyInSent(ctx context.Context, acct string, messageID string) (bool, error) {
	if c := s.remote(acct); c != nil {
		return c.AlreadyInSent(ctx, messageID)
	}
	return smtp.LocalSent{Store: s.e.store}.AlreadyInSent(ctx, acct, messageID)
}

var _ smtp.SentCopier = sentRouter{}
