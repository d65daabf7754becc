package faultnet

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"hongyan/internal/testcert"
)

// lineServer greets, then answers every line with "echo: <line>".
func lineServer(t *testing.T, greeting string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				io.WriteString(c, greeting)
				r := bufio.NewReader(c)
				for {
					l, err := r.ReadString('\n')
					if err != nil {
						return
					}
					io.WriteString(c, "echo: "+l)
				}
			}()
		}
	}()
	return ln.Addr().String()
}

func dial(t *testing.T, p *Proxy) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", p.Addr(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	return c
}

func TestForwardAndCapture(t *testing.T) {
	p := New(t, Config{Target: lineServer(t, "hello\r\n")})
	c := dial(t, p)
	r := bufio.NewReader(c)
	if l, _ := r.ReadString('\n'); l != "hello\r\n" {
		t.Fatalf("greeting %q", l)
	}
	io.WriteString(c, "one\r\n")
	if l, _ := r.ReadString('\n'); l != "echo: one\r\n" {
		t.Fatalf("answer %q", l)
	}
	c.Close()
	<-p.Conns()[0].Done()
	if got := string(p.Bytes(Up)); got != "one\r\n" {
		t.Fatalf("captured up %q", got)
	}
	if got := string(p.Bytes(Down)); got != "hello\r\necho: one\r\n" {
		t.Fatalf("captured down %q", got)
	}
	if p.Attempts() != 1 {
		t.Fatalf("attempts %d", p.Attempts())
	}
}

func TestCutDownAfterN(t *testing.T) {
	p := New(t, Config{Target: lineServer(t, "0123456789\r\n")})
	p.SetFault(Fault{CutDown: 4})
	c := dial(t, p)
	got, err := io.ReadAll(c)
	if err != nil && !strings.Contains(err.Error(), "reset") {
		t.Fatal(err)
	}
	if string(got) != "0123" {
		t.Fatalf("got %q, want exactly 4 bytes", got)
	}
	<-p.Conns()[0].Done()
	if p.Conns()[0].CutBy() == "" {
		t.Fatal("cut not recorded")
	}
}

func TestCutUpAfterN(t *testing.T) {
	p := New(t, Config{Target: lineServer(t, "hi\r\n")})
	p.SetFault(Fault{CutUp: 6})
	c := dial(t, p)
	r := bufio.NewReader(c)
	r.ReadString('\n')
	io.WriteString(c, "abc\r\ndef\r\n")
	rest, _ := io.ReadAll(r)
	if strings.Contains(string(rest), "def") {
		t.Fatalf("server saw bytes after the cut: %q", rest)
	}
	<-p.Conns()[0].Done()
	if up := string(p.Bytes(Up)); up != "abc\r\nd" {
		t.Fatalf("up %q", up)
	}
}

func TestStallKeepsConnectionOpen(t *testing.T) {
	p := New(t, Config{Target: lineServer(t, "hi\r\n")})
	p.SetFault(Fault{StallDown: 4})
	c := dial(t, p)
	_ = c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	b, _ := io.ReadAll(c)
	if string(b) != "hi\r\n" {
		t.Fatalf("got %q", b)
	}
	io.WriteString(c, "x\r\n")
	_ = c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	var one [1]byte
	_, err := c.Read(one[:])
	var ne net.Error
	if err == nil || !(errorsAs(err, &ne) && ne.Timeout()) {
		t.Fatalf("stalled read: %v, want a timeout", err)
	}
}

func errorsAs(err error, ne *net.Error) bool {
	e, ok := err.(net.Error)
	if ok {
		*ne = e
	}
	return ok
}

func TestRewriteStripAndInject(t *testing.T) {
	p := New(t, Config{Target: lineServer(t, "* OK [CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN] ready\r\n+OK\r\nSTLS\r\n250-STARTTLS\r\n250 STARTTLS\r\n")})
	p.SetFault(Fault{RewriteDown: func() Rewriter {
		strip := StripWord("STARTTLS")
		stls := StripWord("STLS")
		return func(l []byte) ([]byte, bool) {
			o, _ := strip(l)
			if len(o) == 0 {
				return o, true
			}
			return stls(o)
		}
	}()})
	c := dial(t, p)
	r := bufio.NewReader(c)
	want := []string{"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n", "+OK\r\n", "250 HELP\r\n"}
	for _, w := range want {
		if l, _ := r.ReadString('\n'); l != w {
			t.Fatalf("got %q want %q", l, w)
		}
	}

	q := New(t, Config{Target: lineServer(t, "220 go ahead\r\n")})
	q.SetFault(Fault{RewriteDown: InjectAfter(func(l []byte) bool { return bytes.HasPrefix(l, []byte("220")) }, []byte("250 injected\r\n"))})
	c2 := dial(t, q)
	b := make([]byte, 100)
	n, _ := io.ReadAtLeast(c2, b, len("220 go ahead\r\n250 injected\r\n"))
	if string(b[:n]) != "220 go ahead\r\n250 injected\r\n" {
		t.Fatalf("injected %q", b[:n])
	}
	io.WriteString(c2, "x\r\n")
	r2 := bufio.NewReader(c2)
	if l, _ := r2.ReadString('\n'); l != "echo: x\r\n" {
		t.Fatalf("after injection the stream must pass unchanged: %q", l)
	}
}

func TestRefuseCountsAttempts(t *testing.T) {
	p := New(t, Config{Target: lineServer(t, "hi\r\n")})
	c := dial(t, p)
	bufio.NewReader(c).ReadString('\n')
	p.Refuse(true)
	p.DropAll()
	<-p.Conns()[0].Done()
	for i := 0; i < 3; i++ {
		c, err := net.Dial("tcp", p.Addr())
		if err == nil {
			c.SetDeadline(time.Now().Add(time.Second))
			n, _ := c.Read(make([]byte, 10))
			c.Close()
			if n != 0 {
				t.Fatal("a refused connection got data")
			}
		}
	}
	if p.Attempts() != 4 {
		t.Fatalf("attempts %d, want 4", p.Attempts())
	}
	p.Refuse(false)
	c = dial(t, p)
	if l, _ := bufio.NewReader(c).ReadString('\n'); l != "hi\r\n" {
		t.Fatalf("after refusal: %q", l)
	}
}

func TestDelay(t *testing.T) {
	p := New(t, Config{Target: lineServer(t, "hi\r\n")})
	p.SetFault(Fault{Delay: 200 * time.Millisecond})
	c := dial(t, p)
	c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if n, _ := c.Read(make([]byte, 10)); n != 0 {
		t.Fatal("data arrived before the delay")
	}
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	if l, _ := bufio.NewReader(c).ReadString('\n'); l != "hi\r\n" {
		t.Fatalf("delayed greeting %q", l)
	}
}

func TestTLSTerminationCapturesPlaintext(t *testing.T) {
	cert := testcert.Localhost(t)
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cert.ServerConfig())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		io.WriteString(c, "secret greeting\r\n")
		bufio.NewReader(c).ReadString('\n')
	}()
	p := New(t, Config{Target: ln.Addr().String(),
		ClientTLS:   cert.ServerConfig(),
		UpstreamTLS: cert.ClientConfig("127.0.0.1")})
	c, err := tls.Dial("tcp", p.Addr(), cert.ClientConfig("127.0.0.1"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if l, _ := bufio.NewReader(c).ReadString('\n'); l != "secret greeting\r\n" {
		t.Fatalf("through TLS: %q", l)
	}
	io.WriteString(c, "PASS hunter2\r\n")
	deadline := time.Now().Add(5 * time.Second)
	for !bytes.Contains(p.Bytes(Up), []byte("PASS hunter2")) {
		if time.Now().After(deadline) {
			t.Fatalf("plaintext not captured: %q", p.Bytes(Up))
		}
		time.Sleep(10 * time.Millisecond)
	}
}
