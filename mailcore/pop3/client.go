package pop3

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-sasl"

	"hongyan/mailcore/mailerr"
	"hongyan/mailcore/netsec"
)

// Security modes of a connection.
const (
	SecurityTLS  = "tls"      // implicit TLS from the first byte (port 995)
	SecuritySTLS = "starttls" // plain connection upgraded with STLS (port 110)
)

// DefaultTimeout is the default inactivity limit of one command.
const DefaultTimeout = 60 * time.Second

// MaxMessageSize bounds one retrieved message; a larger one is a protocol
// error rather than an unbounded allocation.
const MaxMessageSize = 512 << 20

// pipelineWindow is how many RETR commands may be outstanding when the
// server offers PIPELINING.
const pipelineWindow = 64

// DialOptions say where and how to connect.
type DialOptions struct {
	Host     string
	Port     int
	Security string // SecurityTLS or SecuritySTLS
	Net      netsec.Options
	// Timeout is the inactivity limit of one command; 0 means DefaultTimeout.
	Timeout time.Duration
	// Debug, when set, receives the protocol dialogue with PASS and AUTH
	// arguments removed and message contents summarised.
	Debug io.Writer
}

// Client is one POP3 session. It is not safe for concurrent use.
type Client struct {
	host   string
	ic     *idleConn
	r      *textproto.Reader
	br     *bufio.Reader
	w      *bufio.Writer
	caps   map[string][]string
	log    *debugLog
	broken error // set after an I/O failure: the session is unusable
	// bodyBuf, when set, supplies an empty buffer of at least the given
	// capacity for each retrieved message (the engine recycles them).
	bodyBuf func(capacity int) []byte
}

// MessageID is one line of a UIDL listing.
type MessageID struct {
	Num  int
	UIDL string
}

// MessageSize is one line of a LIST listing.
type MessageSize struct {
	Num  int
	Size int64
}

// Dial connects, reads the greeting, reads the capabilities and secures the
// connection (implicit TLS or the required STLS upgrade). No credential has
// been sent when it returns.
func Dial(ctx context.Context, o DialOptions) (*Client, error) {
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	var conn net.Conn
	var err error
	switch o.Security {
	case SecurityTLS:
		conn, err = netsec.DialTLS(ctx, o.Host, o.Port, o.Net)
	case SecuritySTLS:
		conn, err = netsec.DialPlain(ctx, o.Host, o.Port, o.Net)
	default:
		return nil, &mailerr.Error{Kind: mailerr.SecurityRefused, Op: "connect", Host: o.Host,
			Text: fmt.Sprintf("unknown security mode %q; POP3 needs TLS or STLS", o.Security)}
	}
	if err != nil {
		return nil, err
	}
	c := &Client{host: o.Host, log: newDebugLog(o.Debug)}
	c.attach(conn, timeout)
	if _, err := c.readStatus(ctx, "greeting"); err != nil {
		c.Close()
		return nil, err
	}
	if err := c.capa(ctx); err != nil {
		c.Close()
		return nil, err
	}
	if o.Security == SecuritySTLS {
		if !c.HasCap("STLS") {
			c.Close()
			return nil, &mailerr.Error{Kind: mailerr.SecurityRefused, Op: "stls", Host: o.Host,
				Text: "the server does not offer STLS; refusing to send the password unencrypted"}
		}
		if _, err := c.cmd(ctx, "stls", false, "STLS"); err != nil {
			c.Close()
			var me *mailerr.Error
			if errors.As(err, &me) && me.Kind == mailerr.ServerRefused {
				me.Kind = mailerr.SecurityRefused
			}
			return nil, err
		}
		if c.br.Buffered() > 0 {
			// Bytes after the STLS answer would be read as if they had
			// come over TLS (a command-injection attack).
			c.Close()
			return nil, &mailerr.Error{Kind: mailerr.Protocol, Op: "stls", Host: o.Host,
				Text: "server sent data before the TLS handshake"}
		}
		tc, err := netsec.Handshake(ctx, c.ic.Conn, o.Host, o.Net)
		if err != nil {
			return nil, err
		}
		c.attach(tc, timeout)
		c.log.note("TLS started")
		// Capabilities may change once the channel is secure (RFC 2595).
		if err := c.capa(ctx); err != nil {
			c.Close()
			return nil, err
		}
	}
	return c, nil
}

func (c *Client) attach(conn net.Conn, timeout time.Duration) {
	c.ic = &idleConn{Conn: conn, timeout: timeout}
	c.br = bufio.NewReaderSize(c.ic, 64<<10)
	c.r = textproto.NewReader(c.br)
	c.w = bufio.NewWriterSize(c.ic, 4<<10)
}

// Close drops the connection without QUIT: pending DELEs are discarded by
// the server.
func (c *Client) Close() error {
	if c.broken == nil {
		c.broken = errClosed
	}
	return c.ic.Conn.Close()
}

var errClosed = errors.New("pop3: connection closed")

// Caps returns the capabilities (CAPA) as upper-case name → arguments.
func (c *Client) Caps() map[string][]string { return c.caps }

// HasCap reports whether the server lists a capability.
func (c *Client) HasCap(name string) bool {
	_, ok := c.caps[strings.ToUpper(name)]
	return ok
}

func (c *Client) capa(ctx context.Context) error {
	c.caps = map[string][]string{}
	if _, err := c.cmd(ctx, "capa", false, "CAPA"); err != nil {
		if mailerr.Is(err, mailerr.ServerRefused) {
			return nil // an RFC 1939 server without CAPA
		}
		return err
	}
	lines, err := c.readLines(ctx, "capa")
	if err != nil {
		return err
	}
	for _, l := range lines {
		f := strings.Fields(l)
		if len(f) == 0 {
			continue
		}
		c.caps[strings.ToUpper(f[0])] = f[1:]
	}
	return nil
}

// Login authenticates: AUTH PLAIN when the server lists SASL PLAIN, USER and
// PASS otherwise. Rejection is mailerr.AuthFailed with the server's text.
func (c *Client) Login(ctx context.Context, user, pass string) error {
	if c.saslPlain() {
		return c.authPlain(ctx, user, pass)
	}
	if _, err := c.cmd(ctx, "login", false, "USER %s", user); err != nil {
		return authErr(err)
	}
	_, err := c.cmd(ctx, "login", true, "PASS %s", pass)
	return authErr(err)
}

func (c *Client) saslPlain() bool {
	for _, m := range c.caps["SASL"] {
		if strings.EqualFold(m, "PLAIN") {
			return true
		}
	}
	return false
}

func (c *Client) authPlain(ctx context.Context, user, pass string) error {
	sc := sasl.NewPlainClient("", user, pass)
	mech, ir, err := sc.Start()
	if err != nil {
		return &mailerr.Error{Kind: mailerr.AuthFailed, Op: "login", Host: c.host, Err: err}
	}
	line := "AUTH " + mech
	if len(ir) > 0 {
		line += " " + base64.StdEncoding.EncodeToString(ir)
	} else {
		line += " ="
	}
	end := c.begin(ctx)
	defer end()
	if err := c.send(ctx, "login", line, true); err != nil {
		return err
	}
	for round := 0; ; round++ {
		l, err := c.readLine(ctx, "login")
		if err != nil {
			return err
		}
		switch {
		case strings.HasPrefix(l, "+OK"):
			return nil
		case strings.HasPrefix(l, "-ERR"):
			return authErr(c.serverErr("login", l))
		case strings.HasPrefix(l, "+"):
			if round > 8 {
				_ = c.send(ctx, "login", "*", false)
				return c.protoErr("login", "endless SASL exchange")
			}
			chal, derr := base64.StdEncoding.DecodeString(strings.TrimSpace(strings.TrimPrefix(l, "+")))
			if derr != nil {
				_ = c.send(ctx, "login", "*", false)
				return c.protoErr("login", "malformed SASL challenge")
			}
			resp, nerr := sc.Next(chal)
			if nerr != nil {
				_ = c.send(ctx, "login", "*", false)
				return &mailerr.Error{Kind: mailerr.AuthFailed, Op: "login", Host: c.host, Err: nerr}
			}
			if err := c.send(ctx, "login", base64.StdEncoding.EncodeToString(resp), true); err != nil {
				return err
			}
		default:
			return c.protoErr("login", "unexpected answer: "+clip(l))
		}
	}
}

// authErr turns a refusal of USER/PASS/AUTH into AuthFailed, except for the
// RFC 3206 codes that mean "try again later".
func authErr(err error) error {
	var me *mailerr.Error
	if !errors.As(err, &me) || me.Kind != mailerr.ServerRefused {
		return err
	}
	c := *me
	up := strings.ToUpper(me.Text)
	switch {
	case strings.Contains(up, "[IN-USE]"), strings.Contains(up, "[SYS/TEMP]"):
		c.Kind = mailerr.Temporary
	case strings.Contains(up, "[SYS/PERM]"):
		c.Kind = mailerr.ServerRefused
	default:
		c.Kind = mailerr.AuthFailed
	}
	return &c
}

// Stat returns the number of messages and their total size.
func (c *Client) Stat(ctx context.Context) (int, int64, error) {
	t, err := c.cmd(ctx, "stat", false, "STAT")
	if err != nil {
		return 0, 0, err
	}
	f := strings.Fields(t)
	if len(f) < 2 {
		return 0, 0, c.protoErr("stat", "malformed STAT answer")
	}
	n, err1 := strconv.Atoi(f[0])
	size, err2 := strconv.ParseInt(f[1], 10, 64)
	if err1 != nil || err2 != nil || n < 0 || size < 0 {
		return 0, 0, c.protoErr("stat", "malformed STAT answer")
	}
	return n, size, nil
}

// UIDL lists the unique ids of all messages. A server without UIDL answers
// with a mailerr.ServerRefused error.
func (c *Client) UIDL(ctx context.Context) ([]MessageID, error) {
	if _, err := c.cmd(ctx, "uidl", false, "UIDL"); err != nil {
		return nil, err
	}
	lines, err := c.readLines(ctx, "uidl")
	if err != nil {
		return nil, err
	}
	out := make([]MessageID, 0, len(lines))
	for _, l := range lines {
		f := strings.Fields(l)
		if len(f) != 2 {
			return nil, c.protoErr("uidl", "malformed UIDL line: "+clip(l))
		}
		n, err := strconv.Atoi(f[0])
		if err != nil || n <= 0 || !validUIDL(f[1]) {
			return nil, c.protoErr("uidl", "malformed UIDL line: "+clip(l))
		}
		out = append(out, MessageID{Num: n, UIDL: f[1]})
	}
	return out, nil
}

// validUIDL: RFC 1939 allows 1 to 70 characters in 0x21..0x7E.
func validUIDL(u string) bool {
	if len(u) == 0 || len(u) > 70 {
		return false
	}
	for i := 0; i < len(u); i++ {
		if u[i] < 0x21 || u[i] > 0x7e {
			return false
		}
	}
	return true
}

// List returns the size of every message.
func (c *Client) List(ctx context.Context) ([]MessageSize, error) {
	if _, err := c.cmd(ctx, "list", false, "LIST"); err != nil {
		return nil, err
	}
	lines, err := c.readLines(ctx, "list")
	if err != nil {
		return nil, err
	}
	out := make([]MessageSize, 0, len(lines))
	for _, l := range lines {
		f := strings.Fields(l)
		if len(f) < 2 {
			return nil, c.protoErr("list", "malformed LIST line: "+clip(l))
		}
		n, err1 := strconv.Atoi(f[0])
		s, err2 := strconv.ParseInt(f[1], 10, 64)
		if err1 != nil || err2 != nil || n <= 0 || s < 0 {
			return nil, c.protoErr("list", "malformed LIST line: "+clip(l))
		}
		out = append(out, MessageSize{Num: n, Size: s})
	}
	return out, nil
}

// Retr downloads one message, dot-stuffing undone, lines ending in CRLF.
func (c *Client) Retr(ctx context.Context, n int) ([]byte, error) {
	var out []byte
	err := c.RetrMany(ctx, []int{n}, func(_ int, raw []byte) error {
		out = raw
		return nil
	})
	return out, err
}

// Top returns the header block and the first lines of message n.
func (c *Client) Top(ctx context.Context, n, lines int) ([]byte, error) {
	if _, err := c.cmd(ctx, "top", false, "TOP %d %d", n, lines); err != nil {
		return nil, err
	}
	end := c.begin(ctx)
	defer end()
	return c.readBody(ctx, "top", 0)
}

// RetrMany downloads the given messages in order and hands each to fn as
// soon as it has arrived. With PIPELINING up to 64 RETR commands are in
// flight. An error from fn stops the download (and leaves the session
// unusable).
func (c *Client) RetrMany(ctx context.Context, nums []int, fn func(num int, raw []byte) error) error {
	if c.broken != nil {
		return c.ioErr(ctx, "retr", c.broken)
	}
	end := c.begin(ctx)
	defer end()
	window := 1
	if c.HasCap("PIPELINING") {
		window = pipelineWindow
	}
	sent, done := 0, 0
	fill := func() error {
		for sent < len(nums) && sent-done < window {
			c.log.client(fmt.Sprintf("RETR %d", nums[sent]), false)
			if _, err := fmt.Fprintf(c.w, "RETR %d\r\n", nums[sent]); err != nil {
				return c.fail(ctx, "retr", err)
			}
			sent++
		}
		if err := c.w.Flush(); err != nil {
			return c.fail(ctx, "retr", err)
		}
		return nil
	}
	for i, n := range nums {
		if sent-i < window/2+1 {
			if err := fill(); err != nil {
				return err
			}
		}
		status, err := c.readStatusIn(ctx, "retr")
		if err != nil {
			var me *mailerr.Error
			if errors.As(err, &me) && me.Kind == mailerr.ServerRefused && sent == i+1 {
				return err // nothing else in flight: the session is still usable
			}
			c.broken = err
			return err
		}
		raw, err := c.readBody(ctx, "retr", octets(status))
		if err != nil {
			return err
		}
		done++
		if err := fn(n, raw); err != nil {
			if sent > i+1 {
				c.broken = err
			}
			return err
		}
	}
	return nil
}

// Dele marks message n for deletion; the server deletes it at QUIT.
func (c *Client) Dele(ctx context.Context, n int) error {
	_, err := c.cmd(ctx, "dele", false, "DELE %d", n)
	return err
}

// Rset unmarks every message marked for deletion in this session.
func (c *Client) Rset(ctx context.Context) error {
	_, err := c.cmd(ctx, "rset", false, "RSET")
	return err
}

// Noop keeps the session alive.
func (c *Client) Noop(ctx context.Context) error {
	_, err := c.cmd(ctx, "noop", false, "NOOP")
	return err
}

// Quit ends the session. Only when it returns nil have the messages marked
// with DELE been deleted (the UPDATE state of RFC 1939).
func (c *Client) Quit(ctx context.Context) error {
	_, err := c.cmd(ctx, "quit", false, "QUIT")
	c.ic.Conn.Close()
	if c.broken == nil {
		c.broken = errClosed
	}
	return err
}

// --- plumbing ---

// begin arms the context for one operation: cancelling ctx aborts any
// blocked read or write at once.
func (c *Client) begin(ctx context.Context) func() {
	dl, _ := ctx.Deadline()
	c.ic.arm(dl)
	stop := context.AfterFunc(ctx, c.ic.cancel)
	return func() {
		stop()
		if c.ic.isCanceled() && c.broken == nil {
			c.broken = ctx.Err()
			if c.broken == nil {
				c.broken = context.Canceled
			}
		}
	}
}

// cmd sends one command and reads its one-line status. It returns the text
// after +OK. -ERR is a mailerr.ServerRefused carrying the server's text.
func (c *Client) cmd(ctx context.Context, op string, secret bool, format string, args ...any) (string, error) {
	if c.broken != nil {
		return "", c.ioErr(ctx, op, c.broken)
	}
	end := c.begin(ctx)
	defer end()
	if err := c.send(ctx, op, fmt.Sprintf(format, args...), secret); err != nil {
		return "", err
	}
	return c.readStatusIn(ctx, op)
}

func (c *Client) send(ctx context.Context, op, line string, secret bool) error {
	c.log.client(line, secret)
	if _, err := c.w.WriteString(line); err != nil {
		return c.fail(ctx, op, err)
	}
	if _, err := c.w.WriteString("\r\n"); err != nil {
		return c.fail(ctx, op, err)
	}
	if err := c.w.Flush(); err != nil {
		return c.fail(ctx, op, err)
	}
	return nil
}

func (c *Client) readStatus(ctx context.Context, op string) (string, error) {
	end := c.begin(ctx)
	defer end()
	return c.readStatusIn(ctx, op)
}

func (c *Client) readStatusIn(ctx context.Context, op string) (string, error) {
	l, err := c.readLine(ctx, op)
	if err != nil {
		return "", err
	}
	switch {
	case l == "+OK" || strings.HasPrefix(l, "+OK "):
		return strings.TrimPrefix(strings.TrimPrefix(l, "+OK"), " "), nil
	case l == "-ERR" || strings.HasPrefix(l, "-ERR "):
		return "", c.serverErr(op, l)
	}
	err = c.protoErr(op, "unexpected answer: "+clip(l))
	c.broken = err
	return "", err
}

func (c *Client) readLine(ctx context.Context, op string) (string, error) {
	l, err := c.r.ReadLine()
	if err != nil {
		return "", c.fail(ctx, op, err)
	}
	c.log.server(l)
	return l, nil
}

// readLines reads a multi-line listing (CAPA, UIDL, LIST).
func (c *Client) readLines(ctx context.Context, op string) ([]string, error) {
	end := c.begin(ctx)
	defer end()
	lines, err := c.r.ReadDotLines()
	if err != nil {
		return nil, c.fail(ctx, op, err)
	}
	c.log.server(fmt.Sprintf("(%d lines)", len(lines)))
	return lines, nil
}

// readBody reads a multi-line message body: dot-stuffing and the
// terminator removed, every line ending in CRLF (see readDotBody).
func (c *Client) readBody(ctx context.Context, op string, sizeHint int64) ([]byte, error) {
	var raw []byte
	var err error
	if c.bodyBuf != nil {
		raw, err = readDotBodyInto(c.br, MaxMessageSize, c.bodyBuf(bodyCapacity(MaxMessageSize, sizeHint))[:0])
	} else {
		raw, err = readDotBodySized(c.br, MaxMessageSize, sizeHint)
	}
	if errors.Is(err, errBodyTooLarge) {
		err := c.protoErr(op, "message larger than the client's limit")
		c.broken = err
		return nil, err
	}
	if err != nil {
		return nil, c.fail(ctx, op, err)
	}
	c.log.server(fmt.Sprintf("(message, %d bytes)", len(raw)))
	return raw, nil
}

// octets is the size a RETR answer announces ("+OK 1234 octets", the
// first number of the text, RFC 1939), or 0 when it names none. It is
// only a hint for the buffer size: the body is read to its terminator.
func octets(status string) int64 {
	f, _, _ := strings.Cut(status, " ")
	n, err := strconv.ParseInt(f, 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// restoreCRLF turns every LF into CRLF: the inverse of the line-ending
// half of textproto's DotReader.
func restoreCRLF(b []byte) []byte {
	n := bytes.Count(b, []byte{'\n'})
	if n == 0 {
		return b
	}
	out := make([]byte, 0, len(b)+n)
	for {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			return append(out, b...)
		}
		out = append(out, b[:i]...)
		out = append(out, '\r', '\n')
		b = b[i+1:]
	}
}

func (c *Client) serverErr(op, line string) error {
	text := strings.TrimSpace(strings.TrimPrefix(line, "-ERR"))
	if text == "" {
		text = "-ERR"
	}
	return &mailerr.Error{Kind: mailerr.ServerRefused, Op: op, Host: c.host, Text: text}
}

func (c *Client) protoErr(op, text string) error {
	return &mailerr.Error{Kind: mailerr.Protocol, Op: op, Host: c.host, Text: text}
}

// fail records an I/O failure (the session is then unusable) and classifies
// it.
func (c *Client) fail(ctx context.Context, op string, err error) error {
	e := c.ioErr(ctx, op, err)
	if c.broken == nil {
		c.broken = e
	}
	return e
}

func (c *Client) ioErr(ctx context.Context, op string, err error) error {
	if ce := ctx.Err(); ce != nil {
		k := mailerr.Canceled
		if errors.Is(ce, context.DeadlineExceeded) {
			k = mailerr.Timeout
		}
		return &mailerr.Error{Kind: k, Op: op, Host: c.host, Err: ce}
	}
	var me *mailerr.Error
	if errors.As(err, &me) {
		return mailerr.Wrap(op, c.host, err)
	}
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed), err == errClosed:
		return &mailerr.Error{Kind: mailerr.Unreachable, Op: op, Host: c.host, Text: "connection closed", Err: err}
	case errors.Is(err, os.ErrDeadlineExceeded):
		return &mailerr.Error{Kind: mailerr.Timeout, Op: op, Host: c.host, Text: "the server did not answer in time", Err: err}
	}
	w := mailerr.Wrap(op, c.host, err)
	if mailerr.KindOf(w) == mailerr.Unknown {
		return &mailerr.Error{Kind: mailerr.Unreachable, Op: op, Host: c.host, Err: err}
	}
	return w
}

func clip(s string) string {
	if len(s) > 120 {
		return s[:120] + "…"
	}
	return s
}

// idleConn refreshes an inactivity deadline before every read and write,
// capped by the operation's context deadline, and can be cancelled from
// another goroutine (context.AfterFunc) by moving the deadline into the past.
type idleConn struct {
	net.Conn
	timeout time.Duration

	mu       sync.Mutex
	limit    time.Time // context deadline of the current operation
	canceled bool
}

func (c *idleConn) arm(limit time.Time) {
	c.mu.Lock()
	c.limit = limit
	c.canceled = false
	c.mu.Unlock()
}

func (c *idleConn) cancel() {
	c.mu.Lock()
	c.canceled = true
	c.Conn.SetDeadline(time.Unix(1, 0))
	c.mu.Unlock()
}

func (c *idleConn) isCanceled() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.canceled
}

func (c *idleConn) refresh(set func(time.Time) error) {
	c.mu.Lock()
	if !c.canceled {
		d := time.Now().Add(c.timeout)
		if !c.limit.IsZero() && c.limit.Before(d) {
			d = c.limit
		}
		set(d)
	}
	c.mu.Unlock()
}

func (c *idleConn) Read(p []byte) (int, error) {
	c.refresh(c.Conn.SetReadDeadline)
	return c.Conn.Read(p)
}

func (c *idleConn) Write(p []byte) (int, error) {
	c.refresh(c.Conn.SetWriteDeadline)
	return c.Conn.Write(p)
}
