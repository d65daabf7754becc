// Package faultnet is a TCP proxy for tests on 127.0.0.1 that stands
// between a client under test and a real server and misbehaves on demand:
// it delays traffic, cuts a connection after N bytes in either direction,
// stalls, rewrites server lines (for example to strip STARTTLS from a
// capability list, or to inject bytes after a response), refuses
// connections for a while, and captures every byte both ways.
//
// With Config.ClientTLS and Config.UpstreamTLS set the proxy terminates TLS
// on both sides, so that faults and captures apply to the plaintext
// protocol even on implicit-TLS ports (the test CA signs the proxy's
// certificate, so the client under test still verifies normally).
package faultnet

import (
	"bytes"
	"crypto/tls"
	"errors"
	"net"
	"sync"
	"testing"
	"time"
)

// Dir is a direction of traffic.
type Dir int

const (
	// Up is client → server.
	Up Dir = iota
	// Down is server → client.
	Down
)

func (d Dir) String() string {
	if d == Up {
		return "client→server"
	}
	return "server→client"
}

// Rewriter is applied to each server→client line (including its line
// ending). It returns the bytes to forward instead and whether later lines
// should still be offered to it; once it returns false the rest of the
// stream passes unchanged (needed once a connection turns into TLS).
type Rewriter func(line []byte) (out []byte, more bool)

// Fault is what the proxy does to connections accepted after SetFault.
// Zero values mean "nothing".
type Fault struct {
	// Delay is slept before every forwarded chunk, both ways.
	Delay time.Duration
	// CutUp / CutDown close the whole connection once that many bytes
	// went that way (exactly that many are delivered).
	CutUp, CutDown int64
	// StallUp / StallDown stop forwarding that way after that many bytes;
	// the connection stays open (a hung server or network).
	StallUp, StallDown int64
	// RewriteDown rewrites server→client lines.
	RewriteDown Rewriter
	// Refuse makes the proxy accept and at once reset new connections
	// (a server that is down); they still count in Attempts.
	Refuse bool
}

// Config describes a proxy.
type Config struct {
	// Target is the real server, host:port on 127.0.0.1.
	Target string
	// ClientTLS, when set, terminates TLS from the client with this
	// configuration (implicit TLS).
	ClientTLS *tls.Config
	// UpstreamTLS, when set, speaks TLS to the target.
	UpstreamTLS *tls.Config
}

// Proxy is a running fault-injecting proxy.
type Proxy struct {
	cfg Config
	ln  net.Listener

	mu       sync.Mutex
	fault    Fault
	attempts int
	conns    []*Conn
	closed   bool
	wg       sync.WaitGroup
}

// Conn is the record of one proxied connection.
type Conn struct {
	mu      sync.Mutex
	up      bytes.Buffer
	down    bytes.Buffer
	cutBy   string
	client  net.Conn
	server  net.Conn
	done    chan struct{}
	closeMu sync.Once
}

// Start listens on 127.0.0.1 (a free port) and proxies to cfg.Target.
func Start(cfg Config) (*Proxy, error) {
	if cfg.Target == "" {
		return nil, errors.New("faultnet: no target")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{cfg: cfg, ln: ln}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// New starts a proxy to target for a test and closes it when the test
// ends. A failure to listen fails the test.
func New(t testing.TB, cfg Config) *Proxy {
	t.Helper()
	p, err := Start(cfg)
	if err != nil {
		t.Fatalf("faultnet: %v", err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// Addr is the proxy's host:port.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Port is the proxy's port.
func (p *Proxy) Port() int { return p.ln.Addr().(*net.TCPAddr).Port }

// SetFault sets the behaviour for connections accepted from now on.
func (p *Proxy) SetFault(f Fault) {
	p.mu.Lock()
	p.fault = f
	p.mu.Unlock()
}

// Refuse switches refusing new connections on or off, keeping the rest of
// the current fault.
func (p *Proxy) Refuse(on bool) {
	p.mu.Lock()
	p.fault.Refuse = on
	p.mu.Unlock()
}

// DropAll closes every open connection (a server restart).
func (p *Proxy) DropAll() {
	p.mu.Lock()
	cs := append([]*Conn(nil), p.conns...)
	p.mu.Unlock()
	for _, c := range cs {
		c.cut("dropped")
	}
}

// Attempts is the number of connections accepted so far, refused ones
// included.
func (p *Proxy) Attempts() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.attempts
}

// Conns returns the record of every connection that was proxied.
func (p *Proxy) Conns() []*Conn {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]*Conn(nil), p.conns...)
}

// Bytes returns everything that went one way, all connections in order.
func (p *Proxy) Bytes(d Dir) []byte {
	var b []byte
	for _, c := range p.Conns() {
		b = append(b, c.Bytes(d)...)
	}
	return b
}

// Reset forgets the records of past connections.
func (p *Proxy) Reset() {
	p.mu.Lock()
	p.conns = nil
	p.mu.Unlock()
}

// Close stops listening and drops every connection.
func (p *Proxy) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	p.mu.Unlock()
	err := p.ln.Close()
	p.DropAll()
	p.wg.Wait()
	return err
}

// Bytes returns what went one way on this connection.
func (c *Conn) Bytes(d Dir) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d == Up {
		return append([]byte(nil), c.up.Bytes()...)
	}
	return append([]byte(nil), c.down.Bytes()...)
}

// CutBy says why the proxy closed the connection ("" when it did not).
func (c *Conn) CutBy() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cutBy
}

// Done is closed when the connection has ended.
func (c *Conn) Done() <-chan struct{} { return c.done }

func (c *Conn) cut(why string) {
	c.closeMu.Do(func() {
		c.mu.Lock()
		c.cutBy = why
		c.mu.Unlock()
		c.closeBoth()
	})
}

func (c *Conn) closeBoth() {
	c.mu.Lock()
	client, server := c.client, c.server
	c.mu.Unlock()
	if client != nil {
		client.Close()
	}
	if server != nil {
		server.Close()
	}
}

func (c *Conn) record(d Dir, b []byte) {
	c.mu.Lock()
	if d == Up {
		c.up.Write(b)
	} else {
		c.down.Write(b)
	}
	c.mu.Unlock()
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		raw, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		p.attempts++
		f := p.fault
		closed := p.closed
		p.mu.Unlock()
		if closed {
			raw.Close()
			return
		}
		if f.Refuse {
			if tc, ok := raw.(*net.TCPConn); ok {
				_ = tc.SetLinger(0) // reset, like a port nobody listens on
			}
			raw.Close()
			continue
		}
		c := &Conn{done: make(chan struct{})}
		p.mu.Lock()
		p.conns = append(p.conns, c)
		p.mu.Unlock()
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.serve(c, raw, f)
		}()
	}
}

func (p *Proxy) serve(c *Conn, raw net.Conn, f Fault) {
	defer close(c.done)
	var client net.Conn = raw
	c.mu.Lock()
	c.client = raw
	c.mu.Unlock()
	if p.cfg.ClientTLS != nil {
		tc := tls.Server(raw, p.cfg.ClientTLS)
		_ = raw.SetDeadline(time.Now().Add(10 * time.Second))
		if err := tc.Handshake(); err != nil {
			raw.Close()
			return
		}
		_ = raw.SetDeadline(time.Time{})
		client = tc
	}
	d := net.Dialer{Timeout: 10 * time.Second}
	var server net.Conn
	var err error
	if p.cfg.UpstreamTLS != nil {
		server, err = tls.DialWithDialer(&d, "tcp", p.cfg.Target, p.cfg.UpstreamTLS)
	} else {
		server, err = d.Dial("tcp", p.cfg.Target)
	}
	if err != nil {
		raw.Close()
		return
	}
	c.mu.Lock()
	c.client, c.server = client, server
	c.mu.Unlock()

	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		c.pump(Up, server, client, f.Delay, f.CutUp, f.StallUp, nil)
	}()
	go func() {
		defer wg.Done()
		c.pump(Down, client, server, f.Delay, f.CutDown, f.StallDown, f.RewriteDown)
	}()
	wg.Wait()
}

// pump forwards src to dst applying the faults of one direction. When it
// ends, the whole connection is closed.
func (c *Conn) pump(d Dir, dst, src net.Conn, delay time.Duration, cutAt, stallAt int64, rw Rewriter) {
	defer c.closeMu.Do(c.closeBoth)
	var sent int64
	var line []byte // pending partial line while rewriting
	buf := make([]byte, 32<<10)
	// emit forwards out, honouring cut and stall; false ends the pump.
	emit := func(out []byte) bool {
		if len(out) == 0 {
			return true
		}
		if delay > 0 {
			time.Sleep(delay)
		}
		limit, why := int64(-1), ""
		if cutAt > 0 {
			limit, why = cutAt, "cut"
		}
		if stallAt > 0 && (limit < 0 || stallAt < limit) {
			limit, why = stallAt, "stall"
		}
		if limit >= 0 && sent+int64(len(out)) >= limit {
			out = out[:limit-sent]
			if len(out) > 0 {
				c.record(d, out)
				if _, err := dst.Write(out); err != nil {
					return false
				}
			}
			sent = limit
			if why == "cut" {
				c.cut("cut " + d.String())
				return false
			}
			// Stall: keep the connection open and forward nothing more.
			<-c.waitClosed(src)
			return false
		}
		c.record(d, out)
		sent += int64(len(out))
		_, err := dst.Write(out)
		return err == nil
	}
	for {
		n, err := src.Read(buf)
		if n > 0 {
			chunk := buf[:n]
			if rw == nil {
				if !emit(append([]byte(nil), chunk...)) {
					return
				}
			} else {
				line = append(line, chunk...)
				var out []byte
				for rw != nil {
					i := bytes.IndexByte(line, '\n')
					if i < 0 {
						break
					}
					r, more := rw(append([]byte(nil), line[:i+1]...))
					out = append(out, r...)
					line = line[i+1:]
					if !more {
						rw = nil
					}
				}
				if rw == nil {
					out = append(out, line...)
					line = nil
				}
				if !emit(out) {
					return
				}
			}
		}
		if err != nil {
			if len(line) > 0 {
				emit(line)
			}
			return
		}
	}
}

// waitClosed returns a channel closed once src can no longer be read (the
// peer or the proxy closed the connection); the bytes read meanwhile are
// dropped, as a stalled network would.
func (c *Conn) waitClosed(src net.Conn) <-chan struct{} {
	ch := make(chan struct{})
	go func() {
		defer close(ch)
		b := make([]byte, 4096)
		for {
			if _, err := src.Read(b); err != nil {
				return
			}
		}
	}()
	return ch
}
