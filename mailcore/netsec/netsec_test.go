package netsec

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"strconv"
	"testing"
	"time"

	"hongyan/mailcore/mailerr"
)

// selfSigned makes a certificate for the given IP, valid in [from, to].
func selfSigned(t *testing.T, ip string, from, to time.Time) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "test"},
		NotBefore:    from, NotAfter: to,
		IPAddresses: []net.IP{net.ParseIP(ip)},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

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
	now := time.Now()
	cert := selfSigned(t, "127.0.0.1", now.Add(-time.Hour), now.Add(time.Hour))
	port := serve(t, cert)
	ctx := context.Background()

	_, err := DialTLS(ctx, "127.0.0.1", port, Options{})
	if !mailerr.Is(err, mailerr.TLSInvalid) {
		t.Fatalf("self-signed accepted or wrong kind: %v", err)
	}
	fp := mailerr.FingerprintOf(err)
	if fp != Fingerprint(cert.Certificate[0]) {
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
	good := selfSigned(t, "127.0.0.1", now.Add(-time.Hour), now.Add(time.Hour))
	leaf, _ := x509.ParseCertificate(good.Certificate[0])
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	c, err := DialTLS(context.Background(), "127.0.0.1", serve(t, good), Options{RootCAs: pool})
	if err != nil {
		t.Fatalf("valid certificate refused: %v", err)
	}
	c.Close()

	expired := selfSigned(t, "127.0.0.1", now.Add(-48*time.Hour), now.Add(-24*time.Hour))
	eleaf, _ := x509.ParseCertificate(expired.Certificate[0])
	pool2 := x509.NewCertPool()
	pool2.AddCert(eleaf)
	_, err = DialTLS(context.Background(), "127.0.0.1", serve(t, expired), Options{RootCAs: pool2})
	if !mailerr.Is(err, mailerr.TLSInvalid) {
		t.Fatalf("expired certificate accepted: %v", err)
	}

	wrongHost := selfSigned(t, "127.0.0.2", now.Add(-time.Hour), now.Add(time.Hour))
	wleaf, _ := x509.ParseCertificate(wrongHost.Certificate[0])
	pool3 := x509.NewCertPool()
	pool3.AddCert(wleaf)
	_, err = DialTLS(context.Background(), "127.0.0.1", serve(t, wrongHost), Options{RootCAs: pool3})
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
