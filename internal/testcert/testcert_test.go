package testcert

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"net"
	"testing"
	"time"
)

// handshake serves srv once on 127.0.0.1 and dials it with cli, returning
// the client's handshake error.
func handshake(t *testing.T, srv, cli *tls.Config) error {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", srv)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		_ = c.(*tls.Conn).Handshake()
		_, _ = io.Copy(io.Discard, c)
		c.Close()
	}()
	c, err := tls.Dial("tcp", ln.Addr().String(), cli)
	if err != nil {
		return err
	}
	return c.Close()
}

func TestLocalhostVerifiesForBothNames(t *testing.T) {
	c := Localhost(t)
	for _, name := range DefaultHosts {
		if err := handshake(t, c.ServerConfig(), c.ClientConfig(name)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	if err := handshake(t, c.ServerConfig(), c.ClientConfig("example.test")); err == nil {
		t.Fatal("certificate verified for a host it does not name")
	}
}

func TestIssuedByCA(t *testing.T) {
	ca := NewCA(t)
	c := ca.Issue(t, Options{Hosts: []string{"mail.example.test"}})
	if err := c.Leaf.CheckSignatureFrom(ca.Cert); err != nil {
		t.Fatalf("leaf not signed by CA: %v", err)
	}
	if _, err := c.Leaf.Verify(x509.VerifyOptions{Roots: ca.Pool, DNSName: "mail.example.test"}); err != nil {
		t.Fatalf("verify against CA pool: %v", err)
	}
	// The leaf's own pool is the CA's, so another CA's leaf is not trusted.
	other := NewCA(t).Issue(t, Options{Hosts: []string{"mail.example.test"}})
	if _, err := other.Leaf.Verify(x509.VerifyOptions{Roots: c.Pool, DNSName: "mail.example.test"}); err == nil {
		t.Fatal("leaf of another CA verified")
	}
}

func TestValidityWindow(t *testing.T) {
	now := time.Now()
	c := SelfSigned(t, Options{NotBefore: now.Add(-48 * time.Hour), NotAfter: now.Add(-24 * time.Hour)})
	_, err := c.Leaf.Verify(x509.VerifyOptions{Roots: c.Pool, DNSName: "localhost"})
	var inv x509.CertificateInvalidError
	if !errors.As(err, &inv) || inv.Reason != x509.Expired {
		t.Fatalf("expired certificate: got %v", err)
	}
	if !c.Leaf.NotAfter.Equal(now.Add(-24 * time.Hour).Truncate(time.Second)) {
		t.Fatalf("NotAfter %v", c.Leaf.NotAfter)
	}
}

func TestHostsSplitIntoIPAndDNS(t *testing.T) {
	c := SelfSigned(t, Options{Hosts: []string{"127.0.0.2", "a.test", "::1"}, CommonName: "cn"})
	if len(c.Leaf.IPAddresses) != 2 || !c.Leaf.IPAddresses[0].Equal(net.ParseIP("127.0.0.2")) ||
		!c.Leaf.IPAddresses[1].Equal(net.IPv6loopback) {
		t.Fatalf("IPs %v", c.Leaf.IPAddresses)
	}
	if len(c.Leaf.DNSNames) != 1 || c.Leaf.DNSNames[0] != "a.test" {
		t.Fatalf("DNS names %v", c.Leaf.DNSNames)
	}
	if c.Leaf.Subject.CommonName != "cn" {
		t.Fatalf("CN %q", c.Leaf.Subject.CommonName)
	}
}

func TestPEMAndFingerprint(t *testing.T) {
	c := Localhost(t)
	pair, err := tls.X509KeyPair(c.CertPEM, c.KeyPEM)
	if err != nil {
		t.Fatalf("PEM pair does not load: %v", err)
	}
	if string(pair.Certificate[0]) != string(c.DER) {
		t.Fatal("PEM certificate differs from DER")
	}
	if len(c.Fingerprint) != 64 || c.Fingerprint != Fingerprint(c.TLS.Certificate[0]) {
		t.Fatalf("fingerprint %q", c.Fingerprint)
	}
	if Fingerprint(Localhost(t).DER) == c.Fingerprint {
		t.Fatal("two certificates share a fingerprint")
	}
	ca := NewCA(t)
	b, _ := pem.Decode(ca.PEM)
	if b == nil || b.Type != "CERTIFICATE" || string(b.Bytes) != string(ca.Cert.Raw) {
		t.Fatal("CA PEM does not hold the CA certificate")
	}
}
