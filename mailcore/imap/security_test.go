package imap

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"hongyan/internal/mailtest"
	"hongyan/mailcore/mailerr"
	"hongyan/mailcore/netsec"
)

// fakeServer greets like an IMAP server without STARTTLS and records every
// line it receives.
type fakeServer struct {
	l     net.Listener
	mu    sync.Mutex
	lines []string
}

func startFake(t *testing.T, greeting string) *fakeServer {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeServer{l: l}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go f.serve(c, greeting)
		}
	}()
	return f
}

func (f *fakeServer) serve(c net.Conn, greeting string) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	c.Write([]byte(greeting + "\r\n"))
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		f.mu.Lock()
		f.lines = append(f.lines, strings.TrimSpace(line))
		f.mu.Unlock()
		fs := strings.Fields(line)
		if len(fs) < 2 {
			continue
		}
		switch strings.ToUpper(fs[1]) {
		case "CAPABILITY":
			c.Write([]byte("* CAPABILITY IMAP4rev1 AUTH=PLAIN LOGIN\r\n" + fs[0] + " OK done\r\n"))
		case "STARTTLS":
			c.Write([]byte(fs[0] + " BAD unknown command\r\n"))
		default:
			c.Write([]byte(fs[0] + " OK whatever\r\n"))
		}
	}
}

func (f *fakeServer) port() int { return f.l.Addr().(*net.TCPAddr).Port }

func (f *fakeServer) received() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.lines...)
}

func TestSTARTTLSRequired(t *testing.T) {
	for _, greeting := range []string{
		"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] fake ready",
		"* OK fake ready without capabilities",
	} {
		f := startFake(t, greeting)
		a := New(Config{AccountID: "x", Host: "127.0.0.1", Port: f.port(), Security: SecuritySTARTTLS,
			Username: "someone", Password: "s3cret-pass"}, openStore(t), nil)
		err := a.SyncFolders(context.Background())
		if !mailerr.Is(err, mailerr.SecurityRefused) {
			t.Fatalf("greeting %q: %v, want security refused", greeting, err)
		}
		time.Sleep(100 * time.Millisecond)
		for _, l := range f.received() {
			u := strings.ToUpper(l)
			if strings.Contains(u, "LOGIN") || strings.Contains(u, "AUTHENTICATE") || strings.Contains(l, "s3cret") {
				t.Fatalf("credentials sent in the clear: %q", l)
			}
			if strings.Contains(u, "STARTTLS") {
				t.Fatalf("STARTTLS sent although not offered: %q", l)
			}
		}
	}
}

func TestSTARTTLSAndDebugRedaction(t *testing.T) {
	s := mailtest.Shared(t)
	u := s.AddUser(t)
	var dbg bytes.Buffer
	cfg := config(s, u)
	cfg.Port, cfg.Security = s.IMAPPort, SecuritySTARTTLS
	cfg.Debug = &syncBuffer{b: &dbg}
	a := New(cfg, openStore(t), nil)
	listFolders(t, a)
	a.Close()
	log := cfg.Debug.(*syncBuffer).String()
	if !strings.Contains(log, "AUTHENTICATE") && !strings.Contains(log, "LOGIN") {
		t.Fatalf("debug log lacks the login exchange:\n%s", log)
	}
	if strings.Contains(log, u.Password) {
		t.Fatal("password in the debug log")
	}
	if !strings.Contains(log, "LIST") {
		t.Fatal("debug log lacks protocol traffic")
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  *bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestConnectErrorsClassified(t *testing.T) {
	s := mailtest.Shared(t)
	u := s.AddUser(t)
	ctx := context.Background()

	bad := config(s, u)
	bad.Password = "wrong"
	err := New(bad, openStore(t), nil).SyncFolders(ctx)
	var me *mailerr.Error
	if !mailerr.Is(err, mailerr.AuthFailed) || !errorsAs(err, &me) || me.Text == "" {
		t.Fatalf("wrong password: %v", err)
	}

	untrusted := config(s, u)
	untrusted.TLS = netsec.Options{}
	err = New(untrusted, openStore(t), nil).SyncFolders(ctx)
	if !mailerr.Is(err, mailerr.TLSInvalid) || mailerr.FingerprintOf(err) == "" {
		t.Fatalf("untrusted certificate: %v", err)
	}
	fp := mailerr.FingerprintOf(err)
	untrusted.TLS.Trusted = func(host, got string) bool { return host == s.Host && got == fp }
	if err := New(untrusted, openStore(t), nil).SyncFolders(ctx); err != nil {
		t.Fatalf("trusted fingerprint: %v", err)
	}

	// Untrusted certificate over STARTTLS is classified too.
	st := config(s, u)
	st.Port, st.Security, st.TLS = s.IMAPPort, SecuritySTARTTLS, netsec.Options{}
	if err := New(st, openStore(t), nil).SyncFolders(ctx); !mailerr.Is(err, mailerr.TLSInvalid) {
		t.Fatalf("STARTTLS untrusted: %v", err)
	}

	// Implicit TLS against the STARTTLS port.
	wrong := config(s, u)
	wrong.Port = s.IMAPPort
	wrong.Timeout = 5 * time.Second
	if err := New(wrong, openStore(t), nil).SyncFolders(ctx); err == nil {
		t.Fatal("TLS to a plain port succeeded")
	} else if k := mailerr.KindOf(err); k != mailerr.TLSInvalid && k != mailerr.Timeout {
		t.Fatalf("TLS to a plain port: %v", err)
	}

	// Cancelled context.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := New(config(s, u), openStore(t), nil).SyncFolders(cctx); !mailerr.Is(err, mailerr.Canceled) && !mailerr.Is(err, mailerr.Unreachable) {
		t.Fatalf("cancelled: %v", err)
	}
}
