package mailcore

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	imapv2 "github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-sasl"

	"hongyan/mailcore/account"
	"hongyan/mailcore/mailerr"
	"hongyan/mailcore/netsec"
	"hongyan/mailcore/pop3"
	"hongyan/mailcore/secret"
	"hongyan/mailcore/smtp"
)

// ProbeTimeout bounds one login test when the caller's context has no
// earlier deadline.
const ProbeTimeout = 30 * time.Second

// probeTLS returns the TLS options for testing an account that may not be
// saved yet: the engine's options plus the certificates trusted in a
// itself (the set-up wizard adds them before retrying).
func (e *Engine) probeTLS(a account.Account) netsec.Options {
	o := e.opts.TLS
	base := o.Trusted
	o.Trusted = func(host, fp string) bool {
		if base != nil && base(host, fp) {
			return true
		}
		return a.IsTrusted(host, fp)
	}
	return o
}

// ProbeIncoming logs in to the account's IMAP or POP3 server with password
// and logs out again, to check the settings before they are saved. The
// error is a *mailerr.Error: Unreachable, Timeout, TLSInvalid (with the
// certificate's fingerprint), SecurityRefused, AuthFailed, ...
func (e *Engine) ProbeIncoming(ctx context.Context, a account.Account, password string) error {
	a = ownCopy(a)
	ctx, cancel := context.WithTimeout(ctx, ProbeTimeout)
	defer cancel()
	in := a.Incoming
	if err := probeTarget(in.Host, in.Port); err != nil {
		return err
	}
	switch in.Protocol {
	case account.ProtocolPOP3:
		return e.probePOP3(ctx, a, password)
	case account.ProtocolIMAP:
		return e.probeIMAP(ctx, a, password)
	}
	return &mailerr.Error{Kind: mailerr.Protocol, Op: "probe", Host: in.Host, Text: "unknown protocol " + in.Protocol}
}

// ProbeOutgoing logs in to the account's submission server with password
// (the incoming one when the outgoing server shares it) and quits.
func (e *Engine) ProbeOutgoing(ctx context.Context, a account.Account, password string) error {
	a = ownCopy(a)
	ctx, cancel := context.WithTimeout(ctx, ProbeTimeout)
	defer cancel()
	if err := probeTarget(a.Outgoing.Host, a.Outgoing.Port); err != nil {
		return err
	}
	cfg := smtpConfigFor(a, password, e.probeTLS(a), nil)
	s, err := smtp.Dial(ctx, cfg)
	if err != nil {
		return probeCtxErr(ctx, "login", a.Outgoing.Host, err)
	}
	// Close says QUIT; the login has succeeded, so an error while hanging
	// up (the server closing first) does not make the settings wrong.
	_ = s.Close()
	return nil
}

// ownCopy returns a normalised copy of a that shares no slice with the
// caller's value: Normalize rewrites the trusted certificates in place, and
// both probes of one account run at the same time.
func ownCopy(a account.Account) account.Account {
	a.TrustedCerts = append([]account.TrustedCert(nil), a.TrustedCerts...)
	a.Identities = append([]account.Identity(nil), a.Identities...)
	a.Options.AllowedRemoteSenders = append([]string(nil), a.Options.AllowedRemoteSenders...)
	a.Normalize()
	return a
}

func probeTarget(host string, port int) error {
	if strings.TrimSpace(host) == "" || port <= 0 || port > 65535 {
		return &mailerr.Error{Kind: mailerr.Unreachable, Op: "connect", Host: host, Text: "no server name or port"}
	}
	return nil
}

func (e *Engine) probePOP3(ctx context.Context, a account.Account, password string) error {
	in := a.Incoming
	sec := pop3.SecurityTLS
	if in.Security == account.SecuritySTARTTLS {
		sec = pop3.SecuritySTLS
	}
	c, err := pop3.Dial(ctx, pop3.DialOptions{Host: in.Host, Port: in.Port, Security: sec, Net: e.probeTLS(a)})
	if err != nil {
		return probeCtxErr(ctx, "connect", in.Host, err)
	}
	defer c.Close()
	if err := c.Login(ctx, in.Username, password); err != nil {
		return probeCtxErr(ctx, "login", in.Host, err)
	}
	// QUIT ends the session cleanly; a failure after a good login does
	// not make the settings wrong.
	_ = c.Quit(ctx)
	return nil
}

// probeIMAP logs in with go-imap's client directly: package imap's
// connection code is tied to its sync engine and store, and a login check
// needs only greeting, capabilities, STARTTLS, LOGIN and LOGOUT.
func (e *Engine) probeIMAP(ctx context.Context, a account.Account, password string) error {
	in := a.Incoming
	host := in.Host
	tlsOpts := e.probeTLS(a)
	opts := &imapclient.Options{TLSConfig: netsec.TLSConfig(host, tlsOpts)}

	var c *imapclient.Client
	switch in.Security {
	case account.SecurityTLS:
		tc, err := netsec.DialTLS(ctx, host, in.Port, tlsOpts)
		if err != nil {
			return probeCtxErr(ctx, "connect", host, err)
		}
		c = imapclient.New(tc, opts)
	case account.SecuritySTARTTLS:
		raw, err := netsec.DialPlain(ctx, host, in.Port, tlsOpts)
		if err != nil {
			return probeCtxErr(ctx, "connect", host, err)
		}
		stop := context.AfterFunc(ctx, func() { raw.Close() })
		c, err = imapclient.NewStartTLS(raw, opts)
		stop()
		if err != nil {
			raw.Close()
			return probeSTARTTLSErr(ctx, host, err)
		}
	default:
		return &mailerr.Error{Kind: mailerr.SecurityRefused, Op: "connect", Host: host, Text: "unknown security mode " + in.Security}
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()

	if err := c.WaitGreeting(); err != nil {
		return probeIMAPErr(ctx, "greeting", host, err)
	}
	caps, err := c.Capability().Wait()
	if err != nil {
		return probeIMAPErr(ctx, "capability", host, err)
	}
	plain := caps.Has(imapv2.AuthCap(sasl.Plain))
	if caps.Has(imapv2.CapLoginDisabled) && !plain {
		return &mailerr.Error{Kind: mailerr.SecurityRefused, Op: "login", Host: host,
			Text: "server allows no login on this connection"}
	}
	if plain {
		err = c.Authenticate(sasl.NewPlainClient("", in.Username, password))
	} else {
		err = c.Login(in.Username, password).Wait()
	}
	if err != nil {
		var ie *imapv2.Error
		if errors.As(err, &ie) && ie.Type == imapv2.StatusResponseTypeNo {
			return &mailerr.Error{Kind: mailerr.AuthFailed, Op: "login", Host: host, Text: ie.Text, Err: err}
		}
		return probeIMAPErr(ctx, "login", host, err)
	}
	// LOGOUT ends the session cleanly; a failure here does not make the
	// settings wrong.
	_ = c.Logout().Wait()
	return nil
}

// probeSTARTTLSErr classifies a failed STARTTLS upgrade: a refusal of the
// command means no secure connection is possible (no password was sent).
func probeSTARTTLSErr(ctx context.Context, host string, err error) error {
	var ie *imapv2.Error
	if errors.As(err, &ie) {
		return &mailerr.Error{Kind: mailerr.SecurityRefused, Op: "starttls", Host: host, Text: ie.Text, Err: err}
	}
	var me *mailerr.Error
	if errors.As(err, &me) {
		return mailerr.Wrap("starttls", host, err)
	}
	if ctx.Err() == nil && strings.Contains(err.Error(), "PREAUTH") {
		return &mailerr.Error{Kind: mailerr.SecurityRefused, Op: "starttls", Host: host, Err: err}
	}
	return probeIMAPErr(ctx, "starttls", host, netsec.ClassifyTLS(host, err))
}

// probeIMAPErr turns an imapclient error into a *mailerr.Error.
func probeIMAPErr(ctx context.Context, op, host string, err error) error {
	var me *mailerr.Error
	if errors.As(err, &me) {
		return probeCtxErr(ctx, op, host, err)
	}
	var ie *imapv2.Error
	if errors.As(err, &ie) {
		k := mailerr.ServerRefused
		if ie.Code == imapv2.ResponseCodeAuthenticationFailed {
			k = mailerr.AuthFailed
		}
		return &mailerr.Error{Kind: k, Op: op, Host: host, Text: ie.Text, Err: err}
	}
	if ctx.Err() != nil {
		return probeCtxErr(ctx, op, host, err)
	}
	k := mailerr.KindOf(err)
	if k == mailerr.Unknown {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) {
			k = mailerr.Unreachable
		} else {
			k = mailerr.Protocol
		}
	}
	return &mailerr.Error{Kind: k, Op: op, Host: host, Err: err}
}

// probeCtxErr reports the end of ctx as Canceled or Timeout, and anything
// else as a *mailerr.Error with op and host filled in.
func probeCtxErr(ctx context.Context, op, host string, err error) error {
	switch {
	case errors.Is(ctx.Err(), context.Canceled):
		return &mailerr.Error{Kind: mailerr.Canceled, Op: op, Host: host, Err: ctx.Err()}
	case errors.Is(ctx.Err(), context.DeadlineExceeded) && !mailerr.Is(err, mailerr.AuthFailed):
		return &mailerr.Error{Kind: mailerr.Timeout, Op: op, Host: host, Err: ctx.Err()}
	}
	return mailerr.Wrap(op, host, err)
}

// CheckServers tests an account's server settings, perhaps edited and not
// yet saved, with the passwords the keyring holds for it: both servers at
// once. Each error is as ProbeIncoming and ProbeOutgoing return it.
func (e *Engine) CheckServers(ctx context.Context, a account.Account) (incoming, outgoing error) {
	inPw, err := e.secrets.Get(a.ID, secret.RoleIncoming)
	if err != nil {
		return err, err
	}
	outPw, err := e.secrets.Get(a.ID, secret.RoleOutgoing)
	if err != nil {
		outPw = inPw
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		incoming = e.ProbeIncoming(ctx, a, inPw)
	}()
	outgoing = e.ProbeOutgoing(ctx, a, outPw)
	wg.Wait()
	return incoming, outgoing
}
