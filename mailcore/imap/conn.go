// Package imap keeps the local cache (mailcore/store) of an IMAP account in
// step with the server: folder listing, newest-first header sync, flag and
// expunge resync, on-demand bodies, offline operations replayed on
// reconnect, IDLE and quota. It is built on go-imap v2's imapclient.
package imap

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"strings"
	"sync"
	"time"

	imapv2 "github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-sasl"

	"hongyan/mailcore/mailerr"
	"hongyan/mailcore/message"
	"hongyan/mailcore/netsec"
	"hongyan/mailcore/secret"
)

// Security modes.
const (
	SecurityTLS      = "tls"      // implicit TLS (993)
	SecuritySTARTTLS = "starttls" // plain connection upgraded with STARTTLS (143), required
)

// DefaultTimeout bounds one command round trip (a whole FETCH batch counts
// as one) when Config.Timeout is zero.
const DefaultTimeout = 60 * time.Second

// wordDecoder decodes RFC 2047 words (envelope subjects and names) in any
// charset, as the message parser does.
var wordDecoder = message.WordDecoder

// conn is one authenticated IMAP connection.
type conn struct {
	c    *imapclient.Client
	host string
	caps imapv2.CapSet
	// selected mailbox name ("" when none).
	selected string
	// examined is what a helper connection's EXAMINE reported (startHelpers).
	examined *imapv2.SelectData
	unil     *unilateral
	closeDbg func()
	// sw lets the header sync take the stream from go-imap (bulk.go).
	sw  *switchConn
	dbg io.Writer
}

// unilateral collects unsolicited server data (EXISTS, EXPUNGE, FETCH)
// for the IDLE loop; it never blocks the client's reader goroutine.
type unilateral struct {
	ch chan struct{}
}

func (u *unilateral) poke() {
	select {
	case u.ch <- struct{}{}:
	default:
	}
}

func (u *unilateral) handler() *imapclient.UnilateralDataHandler {
	return &imapclient.UnilateralDataHandler{
		Expunge: func(uint32) { u.poke() },
		Mailbox: func(d *imapclient.UnilateralDataMailbox) {
			if d.NumMessages != nil {
				u.poke()
			}
		},
		Fetch: func(*imapclient.FetchMessageData) { u.poke() },
	}
}

// dial connects, secures and authenticates one connection.
func (a *Account) dial(ctx context.Context) (*conn, error) {
	cfg := a.cfg
	host := cfg.Host
	timeout := a.timeout()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	u := &unilateral{ch: make(chan struct{}, 1)}
	opts := &imapclient.Options{
		WordDecoder:           wordDecoder,
		UnilateralDataHandler: u.handler(),
		TLSConfig:             netsec.TLSConfig(host, cfg.TLS),
	}
	var red *secret.Redactor
	if cfg.Debug != nil {
		red = secret.NewRedactor(&lockedWriter{w: cfg.Debug})
		if cfg.Password != "" {
			red.AddSecret(cfg.Password)
		}
		opts.DebugWriter = red
	}

	var c *imapclient.Client
	var sw *switchConn
	switch strings.ToLower(cfg.Security) {
	case SecurityTLS, "":
		tc, err := netsec.DialTLS(ctx, host, cfg.Port, cfg.TLS)
		if err != nil {
			return nil, err
		}
		sw = newSwitchConn(newGuardConn(tc, host))
		c = imapclient.New(sw, opts)
	case SecuritySTARTTLS:
		raw, err := netsec.DialPlain(ctx, host, cfg.Port, cfg.TLS)
		if err != nil {
			return nil, err
		}
		// Read the greeting and the capabilities by hand first, so that a
		// server without STARTTLS is refused before anything is sent
		// (imapclient.NewStartTLS would send STARTTLS blindly).
		if err := checkSTARTTLS(ctx, raw, host, timeout); err != nil {
			raw.Close()
			return nil, err
		}
		stop := context.AfterFunc(ctx, func() { raw.Close() })
		tc, err := netsec.Handshake(ctx, raw, host, cfg.TLS)
		stop()
		if err != nil {
			return nil, err
		}
		// After STARTTLS the server sends no new greeting; the client
		// starts directly in the not-authenticated state.
		sw = newSwitchConn(newGuardConn(tc, host))
		c = imapclient.New(&noGreetingConn{Conn: sw, greeting: []byte("* OK [CAPABILITY IMAP4rev1] TLS established\r\n")}, opts)
	default:
		return nil, &mailerr.Error{Kind: mailerr.SecurityRefused, Op: "connect", Host: host,
			Text: "unknown security mode " + cfg.Security}
	}
	cn := &conn{c: c, host: host, unil: u, sw: sw}
	if red != nil {
		cn.closeDbg = func() { _ = red.Flush() }
		cn.dbg = red
	}
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	if err := c.WaitGreeting(); err != nil {
		c.Close()
		return nil, ctxErr(ctx, "greeting", host, err)
	}
	caps, err := c.Capability().Wait()
	if err != nil {
		c.Close()
		return nil, classify(ctx, "capability", host, err)
	}
	if err := a.authenticate(ctx, c, caps); err != nil {
		c.Close()
		return nil, err
	}
	caps, err = c.Capability().Wait()
	if err != nil {
		c.Close()
		return nil, classify(ctx, "capability", host, err)
	}
	// The set may be the client's own, which its reader goroutine reads
	// and replaces: keep a copy, the only one changed here.
	caps = maps.Clone(caps)
	for _, hidden := range a.hideCaps {
		delete(caps, hidden)
	}
	cn.caps = caps
	if caps.Has(imapv2.CapID) {
		// Identification is a courtesy: ignore a refusal.
		_, _ = c.ID(&imapv2.IDData{Name: "Hongyan", Version: "1"}).Wait()
	}
	if caps.Has(imapv2.CapCondStore) {
		if _, err := c.Enable(imapv2.CapCondStore).Wait(); err != nil {
			// ENABLE is optional: SELECT (CONDSTORE) enables it anyway.
			_ = err
		}
	}
	return cn, nil
}

func (a *Account) authenticate(ctx context.Context, c *imapclient.Client, caps imapv2.CapSet) error {
	host := a.cfg.Host
	if caps.Has(imapv2.CapLoginDisabled) && !caps.Has(imapv2.AuthCap(sasl.Plain)) {
		return &mailerr.Error{Kind: mailerr.SecurityRefused, Op: "login", Host: host,
			Text: "server allows no login on this connection"}
	}
	pw, err := a.password(ctx)
	if err != nil {
		return err
	}
	if caps.Has(imapv2.AuthCap(sasl.Plain)) {
		err = c.Authenticate(sasl.NewPlainClient("", a.cfg.Username, pw))
	} else {
		err = c.Login(a.cfg.Username, pw).Wait()
	}
	if err != nil {
		var ie *imapv2.Error
		if errors.As(err, &ie) && ie.Type == imapv2.StatusResponseTypeNo {
			return &mailerr.Error{Kind: mailerr.AuthFailed, Op: "login", Host: host, Text: ie.Text, Err: err}
		}
		return classify(ctx, "login", host, err)
	}
	return nil
}

func (a *Account) password(ctx context.Context) (string, error) {
	if a.cfg.PasswordFunc != nil {
		pw, err := a.cfg.PasswordFunc(ctx)
		if err != nil {
			return "", mailerr.Wrap("password", a.cfg.Host, err)
		}
		return pw, nil
	}
	return a.cfg.Password, nil
}

// checkSTARTTLS reads the greeting, asks for capabilities unless the
// greeting listed them, and sends STARTTLS only when it is offered. The
// exchange is tiny and happens before imapclient takes over the connection,
// which is why it is written by hand here.
func checkSTARTTLS(ctx context.Context, raw net.Conn, host string, timeout time.Duration) error {
	dl := time.Now().Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(dl) {
		dl = d
	}
	_ = raw.SetDeadline(dl)
	defer raw.SetDeadline(time.Time{})
	stop := context.AfterFunc(ctx, func() { _ = raw.SetDeadline(time.Now()) })
	defer stop()

	r := &lineReader{c: raw}
	greet, err := r.line()
	if err != nil {
		return ctxErr(ctx, "greeting", host, err)
	}
	up := strings.ToUpper(greet)
	switch {
	case strings.HasPrefix(up, "* PREAUTH"):
		return &mailerr.Error{Kind: mailerr.SecurityRefused, Op: "starttls", Host: host,
			Text: "server pre-authenticated an unencrypted connection"}
	case strings.HasPrefix(up, "* BYE"):
		return &mailerr.Error{Kind: mailerr.ServerRefused, Op: "greeting", Host: host, Text: strings.TrimSpace(greet[5:])}
	case !strings.HasPrefix(up, "* OK"):
		return &mailerr.Error{Kind: mailerr.Protocol, Op: "greeting", Host: host, Text: "unexpected greeting: " + greet}
	}
	capsLine := ""
	if i := strings.Index(up, "[CAPABILITY "); i >= 0 {
		capsLine = up[i:]
	} else {
		if _, err := io.WriteString(raw, "S0 CAPABILITY\r\n"); err != nil {
			return ctxErr(ctx, "capability", host, err)
		}
		for {
			l, err := r.line()
			if err != nil {
				return ctxErr(ctx, "capability", host, err)
			}
			lu := strings.ToUpper(l)
			if strings.HasPrefix(lu, "* CAPABILITY ") {
				capsLine = lu
			}
			if strings.HasPrefix(lu, "S0 ") {
				break
			}
		}
	}
	if !hasWord(capsLine, "STARTTLS") {
		return &mailerr.Error{Kind: mailerr.SecurityRefused, Op: "starttls", Host: host,
			Text: "server does not offer STARTTLS; refusing to send the password in the clear"}
	}
	if _, err := io.WriteString(raw, "S1 STARTTLS\r\n"); err != nil {
		return ctxErr(ctx, "starttls", host, err)
	}
	for {
		l, err := r.line()
		if err != nil {
			return ctxErr(ctx, "starttls", host, err)
		}
		lu := strings.ToUpper(l)
		if strings.HasPrefix(lu, "S1 OK") {
			break
		}
		if strings.HasPrefix(lu, "S1 ") {
			return &mailerr.Error{Kind: mailerr.SecurityRefused, Op: "starttls", Host: host, Text: strings.TrimSpace(l[3:])}
		}
	}
	if r.buffered() {
		return &mailerr.Error{Kind: mailerr.Protocol, Op: "starttls", Host: host,
			Text: "server sent data before the TLS handshake"}
	}
	return nil
}

func hasWord(line, w string) bool {
	for _, f := range strings.FieldsFunc(line, func(r rune) bool { return r == ' ' || r == ']' || r == '[' }) {
		if f == w {
			return true
		}
	}
	return false
}

// lineReader reads CRLF lines without reading past the last one asked for
// more than what arrived in the same packet (so it can tell whether the
// server sent data early).
type lineReader struct {
	c   net.Conn
	buf []byte
}

func (r *lineReader) line() (string, error) {
	for {
		if i := strings.IndexByte(string(r.buf), '\n'); i >= 0 {
			l := string(r.buf[:i])
			r.buf = r.buf[i+1:]
			return strings.TrimRight(l, "\r"), nil
		}
		if len(r.buf) > 64<<10 {
			return "", errors.New("line too long")
		}
		var b [4096]byte
		n, err := r.c.Read(b[:])
		r.buf = append(r.buf, b[:n]...)
		if err != nil && n == 0 {
			return "", err
		}
	}
}

func (r *lineReader) buffered() bool { return len(r.buf) > 0 }

// noGreetingConn hands imapclient a synthetic greeting: after STARTTLS the
// server sends none, but imapclient always waits for one.
type noGreetingConn struct {
	net.Conn
	mu       sync.Mutex
	greeting []byte
}

func (c *noGreetingConn) Read(p []byte) (int, error) {
	c.mu.Lock()
	if len(c.greeting) > 0 {
		n := copy(p, c.greeting)
		c.greeting = c.greeting[n:]
		c.mu.Unlock()
		return n, nil
	}
	c.mu.Unlock()
	return c.Conn.Read(p)
}

// lockedWriter serialises debug output of several connections.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (cn *conn) close() {
	if cn == nil {
		return
	}
	if cn.sw != nil && cn.sw.isTaken() {
		// The stream is the header sync's (bulk.go): say goodbye on it
		// directly; go-imap's reader is parked and would never see a reply.
		cn.sw.logout()
		cn.c.Close()
		if cn.closeDbg != nil {
			cn.closeDbg()
		}
		return
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = cn.c.Logout().Wait()
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
	}
	cn.c.Close()
	if cn.closeDbg != nil {
		cn.closeDbg()
	}
}

// run executes f with the connection closed when ctx ends, so that a
// blocked command returns; it classifies the error.
func (cn *conn) run(ctx context.Context, op string, f func() error) error {
	stop := context.AfterFunc(ctx, func() { cn.c.Close() })
	err := f()
	if !stop() && err != nil {
		return ctxErr(ctx, op, cn.host, err)
	}
	if err != nil {
		return classify(ctx, op, cn.host, err)
	}
	return nil
}

// classify turns an imapclient error into a *mailerr.Error.
func classify(ctx context.Context, op, host string, err error) error {
	if err == nil {
		return nil
	}
	var me *mailerr.Error
	if errors.As(err, &me) {
		return mailerr.Wrap(op, host, err)
	}
	var ie *imapv2.Error
	if errors.As(err, &ie) {
		k := mailerr.ServerRefused
		switch ie.Code {
		case imapv2.ResponseCodeNonExistent, imapv2.ResponseCodeTryCreate:
			k = mailerr.NotFound
		case imapv2.ResponseCodeAuthenticationFailed:
			k = mailerr.AuthFailed
		}
		return &mailerr.Error{Kind: k, Op: op, Host: host, Text: ie.Text, Err: err}
	}
	if ctx.Err() != nil {
		return ctxErr(ctx, op, host, err)
	}
	k := mailerr.KindOf(err)
	if k == mailerr.Unknown {
		// imapclient reports a dropped connection or a malformed response
		// as a plain error.
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) ||
			strings.Contains(err.Error(), "closed") {
			k = mailerr.Unreachable
		} else {
			k = mailerr.Protocol
		}
	}
	return &mailerr.Error{Kind: k, Op: op, Host: host, Err: err}
}

func ctxErr(ctx context.Context, op, host string, err error) error {
	switch {
	case errors.Is(ctx.Err(), context.Canceled):
		return &mailerr.Error{Kind: mailerr.Canceled, Op: op, Host: host, Err: ctx.Err()}
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return &mailerr.Error{Kind: mailerr.Timeout, Op: op, Host: host, Err: ctx.Err()}
	}
	var me *mailerr.Error
	if errors.As(err, &me) {
		return mailerr.Wrap(op, host, err)
	}
	k := mailerr.KindOf(err)
	if k == mailerr.Unknown {
		k = mailerr.Unreachable
	}
	return &mailerr.Error{Kind: k, Op: op, Host: host, Err: fmt.Errorf("%w", err)}
}
