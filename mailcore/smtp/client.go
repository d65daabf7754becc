// Package smtp submits mail (RFC 6409) over go-smtp and runs the durable
// outbox that delivers each message exactly once from the user's point of
// view: committed to the store before any network work, acceptance recorded
// right after the server's final reply, a copy filed in Sent once.
package smtp

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	gosmtp "github.com/emersion/go-smtp"

	"hongyan/mailcore/mailerr"
	"hongyan/mailcore/netsec"
)

// Security is how the connection to the submission server is protected.
// There is deliberately no plain-text option.
type Security int

const (
	// ImplicitTLS: TLS from the first byte (port 465).
	ImplicitTLS Security = iota
	// StartTLS: plain connect, then STARTTLS, which the server must offer
	// (port 587). Without it Hongyan refuses to continue.
	StartTLS
)

// Config says how to reach one account's submission server.
type Config struct {
	Host     string
	Port     int
	Security Security
	Username string // empty: no AUTH
	Password string
	// Auth forces a mechanism ("PLAIN" or "LOGIN"); empty picks PLAIN when
	// offered, else LOGIN.
	Auth      string
	Net       netsec.Options
	LocalName string        // EHLO name; "localhost" when empty
	Timeout   time.Duration // per command; 2 minutes when zero
	// Debug receives the protocol log, with credentials redacted.
	Debug io.Writer
}

// Session is one authenticated connection that can send several messages.
type Session struct {
	c        *gosmtp.Client
	conn     net.Conn
	host     string
	maxSize  int64
	smtpUTF8 bool
	broken   bool
}

// Dial connects, secures the connection, says EHLO and authenticates.
func Dial(ctx context.Context, cfg Config) (*Session, error) {
	if cfg.Host == "" || cfg.Port <= 0 {
		return nil, &mailerr.Error{Kind: mailerr.Unreachable, Op: "connect", Host: cfg.Host, Text: "no submission server configured"}
	}
	var dbg io.Writer
	if cfg.Debug != nil {
		dbg = NewRedactingWriter(cfg.Debug, cfg.Password)
	}
	var conn net.Conn
	switch cfg.Security {
	case ImplicitTLS:
		tc, err := netsec.DialTLS(ctx, cfg.Host, cfg.Port, cfg.Net)
		if err != nil {
			return nil, err
		}
		conn = tc
	case StartTLS:
		raw, err := netsec.DialPlain(ctx, cfg.Host, cfg.Port, cfg.Net)
		if err != nil {
			return nil, err
		}
		tc, err := startTLS(ctx, raw, cfg, dbg)
		if err != nil {
			raw.Close()
			return nil, err
		}
		conn = tc
	default:
		return nil, &mailerr.Error{Kind: mailerr.SecurityRefused, Op: "connect", Host: cfg.Host, Text: "unknown connection security"}
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()

	c := gosmtp.NewClient(conn)
	c.DebugWriter = dbg
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = 2 * time.Minute
	}
	c.CommandTimeout = timeout
	c.SubmissionTimeout = 2 * timeout
	s := &Session{c: c, conn: conn, host: cfg.Host}
	local := cfg.LocalName
	if local == "" {
		local = "localhost"
	}
	if err := c.Hello(local); err != nil {
		c.Close()
		return nil, s.classify(ctx, "hello", err)
	}
	if size, ok := c.MaxMessageSize(); ok {
		s.maxSize = int64(size)
	}
	s.smtpUTF8, _ = c.Extension("SMTPUTF8")
	if cfg.Username != "" {
		if err := s.auth(ctx, cfg); err != nil {
			c.Close()
			return nil, err
		}
	}
	return s, nil
}

// greetConn replays a synthetic greeting before the real data, so that a
// go-smtp client can take over a connection whose greeting and STARTTLS
// exchange already happened.
type greetConn struct {
	net.Conn
	pending []byte
}

func (g *greetConn) Read(b []byte) (int, error) {
	if len(g.pending) > 0 {
		n := copy(b, g.pending)
		g.pending = g.pending[n:]
		return n, nil
	}
	return g.Conn.Read(b)
}

// startTLS performs greeting, EHLO and STARTTLS by hand. go-smtp only
// upgrades lazily inside NewClientStartTLS, with an error string to tell
// "no STARTTLS" apart; doing these three commands here lets a missing
// STARTTLS become SecurityRefused before any go-smtp client (and so any
// AUTH) exists, and runs the handshake through netsec with the context and
// typed certificate errors.
func startTLS(ctx context.Context, raw net.Conn, cfg Config, dbg io.Writer) (net.Conn, error) {
	stop := context.AfterFunc(ctx, func() { raw.Close() })
	defer stop()
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = 2 * time.Minute
	}
	raw.SetDeadline(time.Now().Add(timeout))
	br := bufio.NewReader(raw)
	r := textproto.NewReader(br)
	logLine := func(s string) {
		if dbg != nil {
			io.WriteString(dbg, s)
		}
	}
	read := func(want int) (string, error) {
		code, msg, err := r.ReadResponse(want)
		logLine(fmt.Sprintf("%d %s\r\n", code, strings.ReplaceAll(msg, "\n", "\r\n")))
		if err != nil {
			var te *textproto.Error
			if errors.As(err, &te) {
				return "", classifyReply("starttls", cfg.Host, te.Code, te.Msg)
			}
			return "", wrapNet("starttls", cfg.Host, err)
		}
		return msg, nil
	}
	write := func(s string) error {
		logLine(s)
		if _, err := io.WriteString(raw, s); err != nil {
			return wrapNet("starttls", cfg.Host, err)
		}
		return nil
	}
	if _, err := read(220); err != nil {
		return nil, err
	}
	local := cfg.LocalName
	if local == "" {
		local = "localhost"
	}
	if strings.ContainsAny(local, "\r\n ") {
		return nil, &mailerr.Error{Kind: mailerr.Protocol, Op: "hello", Host: cfg.Host, Text: "invalid local name"}
	}
	if err := write("EHLO " + local + "\r\n"); err != nil {
		return nil, err
	}
	msg, err := read(250)
	if err != nil {
		return nil, err
	}
	offered := false
	for _, l := range strings.Split(msg, "\n")[1:] {
		if strings.EqualFold(strings.TrimSpace(l), "STARTTLS") {
			offered = true
		}
	}
	if !offered {
		write("QUIT\r\n")
		return nil, &mailerr.Error{Kind: mailerr.SecurityRefused, Op: "starttls", Host: cfg.Host,
			Text: "the server does not offer STARTTLS; refusing to send the password unencrypted"}
	}
	if err := write("STARTTLS\r\n"); err != nil {
		return nil, err
	}
	if _, err := read(220); err != nil {
		return nil, err
	}
	if br.Buffered() > 0 {
		// Bytes after the STARTTLS answer would otherwise be dropped
		// silently; they are a command-injection attempt or a broken
		// server, so stop.
		return nil, &mailerr.Error{Kind: mailerr.Protocol, Op: "starttls", Host: cfg.Host,
			Text: "server sent data before the TLS handshake"}
	}
	raw.SetDeadline(time.Time{})
	tc, err := netsec.Handshake(ctx, raw, cfg.Host, cfg.Net)
	if err != nil {
		return nil, err
	}
	return &greetConn{Conn: tc, pending: []byte("220 TLS established\r\n")}, nil
}

func (s *Session) auth(ctx context.Context, cfg Config) error {
	mech := strings.ToUpper(cfg.Auth)
	if mech == "" {
		switch {
		case s.c.SupportsAuth("PLAIN"):
			mech = "PLAIN"
		case s.c.SupportsAuth("LOGIN"):
			mech = "LOGIN"
		default:
			if ok, _ := s.c.Extension("AUTH"); !ok {
				return &mailerr.Error{Kind: mailerr.Protocol, Op: "login", Host: s.host, Text: "the server does not offer authentication here"}
			}
			return &mailerr.Error{Kind: mailerr.Protocol, Op: "login", Host: s.host, Text: "the server offers no supported login method (PLAIN, LOGIN)"}
		}
	}
	var a sasl.Client
	switch mech {
	case "PLAIN":
		a = sasl.NewPlainClient("", cfg.Username, cfg.Password)
	case "LOGIN":
		a = sasl.NewLoginClient(cfg.Username, cfg.Password)
	default:
		return &mailerr.Error{Kind: mailerr.Protocol, Op: "login", Host: s.host, Text: "unsupported login method " + mech}
	}
	if err := s.c.Auth(a); err != nil {
		e := s.classify(ctx, "login", err)
		var se *gosmtp.SMTPError
		if errors.As(err, &se) && (se.Code == 535 || se.Code == 534 || se.Code == 530) {
			if me, ok := e.(*mailerr.Error); ok {
				me.Kind = mailerr.AuthFailed
			}
		}
		return e
	}
	return nil
}

// MaxSize is the server's SIZE limit in bytes (0: none announced).
func (s *Session) MaxSize() int64 { return s.maxSize }

// Broken reports whether the connection can no longer be used.
func (s *Session) Broken() bool { return s.broken }

// uncertainError marks a failure after the whole message (with its final
// dot) went out but before the server's reply came back.
type uncertainError struct{ err error }

func (u *uncertainError) Error() string { return u.err.Error() }
func (u *uncertainError) Unwrap() error { return u.err }

// IsUncertain reports whether a Send error leaves it unknown whether the
// server accepted the message.
func IsUncertain(err error) bool {
	var u *uncertainError
	return errors.As(err, &u)
}

// Send submits one message. A nil error means the server accepted it.
// Errors are *mailerr.Error: Permanent for 5xx (and for a message over the
// server's SIZE), Temporary for 4xx, network kinds otherwise; IsUncertain
// tells whether the server may have accepted it anyway.
func (s *Session) Send(ctx context.Context, from string, rcpts []string, raw []byte) error {
	if s.broken {
		return &mailerr.Error{Kind: mailerr.Unreachable, Op: "send", Host: s.host, Text: "connection lost"}
	}
	if len(rcpts) == 0 {
		return &mailerr.Error{Kind: mailerr.Permanent, Op: "send", Host: s.host, Text: "no recipients"}
	}
	if s.maxSize > 0 && int64(len(raw)) > s.maxSize {
		return &mailerr.Error{Kind: mailerr.Permanent, Op: "send", Host: s.host,
			Text: fmt.Sprintf("the message is %s but the server accepts at most %s", humanSize(int64(len(raw))), humanSize(s.maxSize))}
	}
	needUTF8 := !isASCII(from)
	for _, r := range rcpts {
		needUTF8 = needUTF8 || !isASCII(r)
	}
	if needUTF8 && !s.smtpUTF8 {
		return &mailerr.Error{Kind: mailerr.Permanent, Op: "send", Host: s.host,
			Text: "an address has non-ASCII characters before the @ and the server does not support SMTPUTF8"}
	}
	stop := context.AfterFunc(ctx, func() { s.conn.Close() })
	defer stop()
	opts := &gosmtp.MailOptions{Size: int64(len(raw)), UTF8: needUTF8 || (s.smtpUTF8 && !isASCII(headerOf(raw)))}
	if err := s.c.Mail(from, opts); err != nil {
		return s.txFail(ctx, "mail from", err)
	}
	for _, r := range rcpts {
		if err := s.c.Rcpt(r, nil); err != nil {
			e := s.txFail(ctx, "rcpt", err)
			if me, ok := e.(*mailerr.Error); ok && me.Text != "" {
				me.Text = "<" + r + ">: " + me.Text
			}
			return e
		}
	}
	w, err := s.c.Data()
	if err != nil {
		return s.txFail(ctx, "data", err)
	}
	if _, err := w.Write(raw); err != nil {
		s.broken = true
		return s.classify(ctx, "data", err)
	}
	if _, err := w.CloseWithResponse(); err != nil {
		var se *gosmtp.SMTPError
		if errors.As(err, &se) {
			return s.classify(ctx, "data", err)
		}
		s.broken = true
		return &uncertainError{s.classify(ctx, "data", err)}
	}
	return nil
}

// txFail classifies a refused command and resets the transaction so the
// session can go on with the next message.
func (s *Session) txFail(ctx context.Context, op string, err error) error {
	e := s.classify(ctx, op, err)
	var se *gosmtp.SMTPError
	if errors.As(err, &se) {
		if rerr := s.c.Reset(); rerr != nil {
			s.broken = true
		}
	} else {
		s.broken = true
	}
	return e
}

// Close says QUIT and closes the connection.
func (s *Session) Close() error {
	if !s.broken {
		s.c.Quit()
	}
	return s.c.Close()
}

func (s *Session) classify(ctx context.Context, op string, err error) error {
	if ctx.Err() != nil {
		s.broken = true
		return mailerr.Wrap(op, s.host, ctx.Err())
	}
	var se *gosmtp.SMTPError
	if errors.As(err, &se) {
		return classifyReply(op, s.host, se.Code, se.Message)
	}
	s.broken = true
	return wrapNet(op, s.host, err)
}

func classifyReply(op, host string, code int, msg string) error {
	kind := mailerr.Protocol
	switch code / 100 {
	case 5:
		kind = mailerr.Permanent
	case 4:
		kind = mailerr.Temporary
	}
	return &mailerr.Error{Kind: kind, Op: op, Host: host, Text: fmt.Sprintf("%d %s", code, strings.ReplaceAll(msg, "\n", " "))}
}

func wrapNet(op, host string, err error) error {
	e := mailerr.Wrap(op, host, err)
	if mailerr.KindOf(e) == mailerr.Unknown {
		k := mailerr.Protocol
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) {
			k = mailerr.Unreachable
		}
		return &mailerr.Error{Kind: k, Op: op, Host: host, Err: err}
	}
	return e
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func headerOf(raw []byte) string {
	s := string(raw)
	if i := strings.Index(s, "\r\n\r\n"); i >= 0 {
		return s[:i]
	}
	return s
}

func humanSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
