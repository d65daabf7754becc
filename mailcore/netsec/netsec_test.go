package netsec

import (
	"context"
	"crypto/tls"
	"net"
	"strconv"
	"testing"
	"time"

	"hongyan/internal/testcert"
	"hongyan/mailcore/mailerr"
)

func serve(t *testing.T, cert tls.Certificate) int {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
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
				_ = c.(*tls.Conn).Handshake()
				buf := make([]byte, 1)
				c.Read(buf)
				c.Close()
			}()
		}
	}()
	_, p, _ := net.SplitHostPort(ln.Addr().String())
	port, _ := strconv.Atoi(p)
	return port
}

func TestSelfSignedRefusedThenTrustedForThatHostOnly(t *testing.T) {
	cert := testcert.SelfSigned(t, testcert.Options{Hosts: []string{"127.0.0.1"}})
	port := serve(t, cert.TLS)
	ctx := context.Background()

	_, err := DialTLS(ctx, "127.0.0.1", port, Options{})
	if !mailerr.Is(err, mailerr.TLSInvalid) {
		t.Fatalf("self-signed accepted or wrong kind: %v", err)
	}
	fp := mailerr.FingerprintOf(err)
	if fp != cert.Fingerprint {
		t.Fatalf("fingerprint %q, want the server's", fp)
	}

	trusted := func(host, f string) bool { return host == "127.0.0.1" && f == fp }
	c, err := DialTLS(ctx, "127.0.0.1", port, Options{Trusted: trusted})
	if err != nil {
		t.Fatalf("trusted fingerprint refused: %v", err)
	}
	c.Close()

	// The same fingerprint trusted for another host does not help.
	other := func(host, f string) bool { return host == "mail.example.org" && f == fp }
	if _, err := DialTLS(ctx, "127.0.0.1", port, Options{Trusted: other}); !mailerr.Is(err, mailerr.TLSInvalid) {
		t.Fatalf("trust leaked across hosts: %v", err)
	}
}

func TestCAVerifiedExpiredAndWrongHost(t *testing.T) {
	now := time.Now()
	ca := testcert.NewCA(t)
	opts := Options{RootCAs: ca.Pool}
	good := ca.Issue(t, testcert.Options{Hosts: []string{"127.0.0.1"}})
	c, err := DialTLS(context.Background(), "127.0.0.1", serve(t, good.TLS), opts)
	if err != nil {
		t.Fatalf("valid certificate refused: %v", err)
	}
	c.Close()

	expired := ca.Issue(t, testcert.Options{Hosts: []string{"127.0.0.1"},
		NotBefore: now.Add(-48 * time.Hour), NotAfter: now.Add(-24 * time.Hour)})
	_, err = DialTLS(context.Background(), "127.0.0.1", serve(t, expired.TLS), opts)
	if !mailerr.Is(err, mailerr.TLSInvalid) {
		t.Fatalf("expired certificate accepted: %v", err)
	}

	wrongHost := ca.Issue(t, testcert.Options{Hosts: []string{"127.0.0.2"}})
	_, err = DialTLS(context.Background(), "127.0.0.1", serve(t, wrongHost.TLS), opts)
	if !mailerr.Is(err, mailerr.TLSInvalid) {
		t.Fatalf("wrong-host certificate accepted: %v", err)
	}
}

func TestUnreachable(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	_, err := DialPlain(context.Background(), "127.0.0.1", port, Options{})
	if !mailerr.Is(err, mailerr.Unreachable) {
		t.Fatalf("want unreachable, got %v", err)
	}
}

func TestFormatFingerprint(t *testing.T) {
	if got := FormatFingerprint("abcdef"); got != "AB:CD:EF" {
		t.Fatalf("got %q", got)
	}
}
