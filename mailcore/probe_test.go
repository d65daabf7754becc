package mailcore

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"hongyan/internal/mailtest"
	"hongyan/internal/testcert"
	"hongyan/mailcore/account"
	"hongyan/mailcore/mailerr"
	"hongyan/mailcore/secret"
)

func probeEngine(t *testing.T) *Engine {
	t.Helper()
	e := openEngine(t, t.TempDir(), &recorder{}, secret.NewSessionStore())
	t.Cleanup(func() { e.Close() })
	return e
}

func TestProbeLoginsAgainstRealServers(t *testing.T) {
	st := mailtest.Shared(t)
	u := st.AddUser(t)
	e := probeEngine(t)
	ctx := context.Background()

	cases := []struct {
		name     string
		proto    string
		port     int
		security string
	}{
		{"imap-tls", account.ProtocolIMAP, st.IMAPSPort, account.SecurityTLS},
		{"imap-starttls", account.ProtocolIMAP, st.IMAPPort, account.SecuritySTARTTLS},
		{"pop3-tls", account.ProtocolPOP3, st.POP3SPort, account.SecurityTLS},
		{"pop3-stls", account.ProtocolPOP3, st.POP3Port, account.SecuritySTARTTLS},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := testAccount(st, u, c.proto)
			a.Incoming.Port, a.Incoming.Security = c.port, c.security
			if err := e.ProbeIncoming(ctx, a, u.Password); err != nil {
				t.Fatalf("good password refused: %v", err)
			}
			err := e.ProbeIncoming(ctx, a, u.Password+"x")
			if !mailerr.Is(err, mailerr.AuthFailed) {
				t.Fatalf("wrong password: got %v (kind %v), want auth-failed", err, mailerr.KindOf(err))
			}
		})
	}
	for _, c := range []struct {
		name     string
		port     int
		security string
	}{
		{"smtp-tls", st.SubmissionsPort, account.SecurityTLS},
		{"smtp-starttls", st.SubmissionPort, account.SecuritySTARTTLS},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := testAccount(st, u, account.ProtocolIMAP)
			a.Outgoing.Port, a.Outgoing.Security = c.port, c.security
			if err := e.ProbeOutgoing(ctx, a, u.Password); err != nil {
				t.Fatalf("good password refused: %v", err)
			}
			err := e.ProbeOutgoing(ctx, a, "not-"+u.Password)
			if !mailerr.Is(err, mailerr.AuthFailed) {
				t.Fatalf("wrong password: got %v (kind %v), want auth-failed", err, mailerr.KindOf(err))
			}
		})
	}
}

// closedPort returns a loopback port nothing listens on.
func closedPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}

func TestProbeClosedPortIsUnreachable(t *testing.T) {
	st := mailtest.Shared(t)
	u := st.AddUser(t)
	e := probeEngine(t)
	ctx := context.Background()
	for _, proto := range []string{account.ProtocolIMAP, account.ProtocolPOP3} {
		a := testAccount(st, u, proto)
		a.Incoming.Port = closedPort(t)
		if err := e.ProbeIncoming(ctx, a, u.Password); !mailerr.Is(err, mailerr.Unreachable) {
			t.Errorf("%s on a closed port: got %v, want unreachable", proto, err)
		}
	}
	a := testAccount(st, u, account.ProtocolIMAP)
	a.Outgoing.Port = closedPort(t)
	if err := e.ProbeOutgoing(ctx, a, u.Password); !mailerr.Is(err, mailerr.Unreachable) {
		t.Errorf("smtp on a closed port: got %v, want unreachable", err)
	}
	a.Outgoing.Host = ""
	if err := e.ProbeOutgoing(ctx, a, u.Password); !mailerr.Is(err, mailerr.Unreachable) {
		t.Errorf("smtp without a host: got %v, want unreachable", err)
	}
}

func TestProbeCanceled(t *testing.T) {
	st := mailtest.Shared(t)
	u := st.AddUser(t)
	e := probeEngine(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	a := testAccount(st, u, account.ProtocolIMAP)
	err := e.ProbeIncoming(ctx, a, u.Password)
	if k := mailerr.KindOf(err); k != mailerr.Canceled && k != mailerr.Unreachable {
		t.Fatalf("canceled probe: got %v (kind %v)", err, k)
	}
}

// fakePOP3 is a tiny POP3 server over TLS with its own self-signed
// certificate: it accepts any login. It stands for a provider whose
// certificate does not verify.
type fakePOP3 struct {
	port int
	fp   string
}

func startFakePOP3(t *testing.T) *fakePOP3 {
	t.Helper()
	cert := testcert.SelfSigned(t, testcert.Options{Hosts: []string{"127.0.0.1"}})
	l, err := tls.Listen("tcp", "127.0.0.1:0", cert.ServerConfig())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go servePOP3(c)
		}
	}()
	return &fakePOP3{port: l.Addr().(*net.TCPAddr).Port, fp: cert.Fingerprint}
}

func servePOP3(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	r := bufio.NewReader(c)
	w := func(s string) { _, _ = c.Write([]byte(s + "\r\n")) }
	w("+OK fake ready")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.Fields(line + " x")[0])
		switch cmd {
		case "CAPA":
			w("+OK")
			w("USER")
			w(".")
		case "USER", "PASS":
			w("+OK")
		case "QUIT":
			w("+OK bye")
			return
		default:
			w("-ERR unknown")
		}
	}
}

func TestProbeSelfSignedCertificateTrusted(t *testing.T) {
	st := mailtest.Shared(t)
	u := st.AddUser(t)
	e := probeEngine(t)
	ctx := context.Background()
	srv := startFakePOP3(t)

	a := testAccount(st, u, account.ProtocolPOP3)
	a.Incoming.Host, a.Incoming.Port = "127.0.0.1", srv.port
	err := e.ProbeIncoming(ctx, a, "secret")
	if !mailerr.Is(err, mailerr.TLSInvalid) {
		t.Fatalf("self-signed certificate: got %v, want tls-invalid", err)
	}
	if fp := mailerr.FingerprintOf(err); fp != srv.fp {
		t.Fatalf("fingerprint %q, want %q", fp, srv.fp)
	}
	var me *mailerr.Error
	if !errors.As(err, &me) || me.Host != "127.0.0.1" {
		t.Fatalf("error names no host: %#v", err)
	}

	// Another certificate's fingerprint does not help.
	wrong := a
	if err := wrong.Trust("127.0.0.1", strings.Repeat("ab", 32)); err != nil {
		t.Fatal(err)
	}
	if err := e.ProbeIncoming(ctx, wrong, "secret"); !mailerr.Is(err, mailerr.TLSInvalid) {
		t.Fatalf("trusting another fingerprint: got %v", err)
	}
	// Nor does this fingerprint trusted for another host.
	other := a
	if err := other.Trust("localhost", srv.fp); err != nil {
		t.Fatal(err)
	}
	if err := e.ProbeIncoming(ctx, other, "secret"); !mailerr.Is(err, mailerr.TLSInvalid) {
		t.Fatalf("fingerprint trusted for another host: got %v", err)
	}

	if err := a.Trust(me.Host, me.Fingerprint); err != nil {
		t.Fatal(err)
	}
	if err := e.ProbeIncoming(ctx, a, "secret"); err != nil {
		t.Fatalf("trusted certificate still refused: %v", err)
	}

	// Submission over the same kind of certificate fails the same way.
	b := testAccount(st, u, account.ProtocolPOP3)
	b.Outgoing.Host, b.Outgoing.Port = "127.0.0.1", srv.port
	if err := e.ProbeOutgoing(ctx, b, "secret"); !mailerr.Is(err, mailerr.TLSInvalid) || mailerr.FingerprintOf(err) != srv.fp {
		t.Fatalf("smtp to a self-signed certificate: got %v", err)
	}
}

func TestProbeUntrustedStackCertificate(t *testing.T) {
	// An engine without the test CA sees the stack's real servers as
	// untrusted, and accepts them once their certificate is trusted.
	st := mailtest.Shared(t)
	u := st.AddUser(t)
	e, err := Open(Options{ProfileDir: t.TempDir(), Secrets: secret.NewSessionStore()})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	ctx := context.Background()
	a := testAccount(st, u, account.ProtocolIMAP)
	a.Incoming.Port, a.Incoming.Security = st.IMAPPort, account.SecuritySTARTTLS
	err = e.ProbeIncoming(ctx, a, u.Password)
	if !mailerr.Is(err, mailerr.TLSInvalid) || mailerr.FingerprintOf(err) == "" {
		t.Fatalf("untrusted STARTTLS certificate: got %v", err)
	}
	if err := a.Trust(st.Host, mailerr.FingerprintOf(err)); err != nil {
		t.Fatal(err)
	}
	if err := e.ProbeIncoming(ctx, a, u.Password); err != nil {
		t.Fatalf("after trusting: %v", err)
	}
	// Postfix serves the same certificate: trusted for the host, it passes.
	if err := e.ProbeOutgoing(ctx, a, u.Password); err != nil {
		t.Fatalf("smtp after trusting the host's certificate: %v", err)
	}
}

// TestProbeBothAtOnce runs the two probes of one account value in parallel,
// as the wizard does (run with -race).
func TestProbeBothAtOnce(t *testing.T) {
	st := mailtest.Shared(t)
	u := st.AddUser(t)
	e := probeEngine(t)
	a := testAccount(st, u, account.ProtocolIMAP)
	if err := a.Trust("Mail.Example.COM", strings.Repeat("AB", 32)); err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 2)
	go func() { errs <- e.ProbeIncoming(context.Background(), a, u.Password) }()
	go func() { errs <- e.ProbeOutgoing(context.Background(), a, u.Password) }()
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}
