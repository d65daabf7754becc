// Package testcert makes X.509 certificates for tests: a private CA, leaf
// certificates it signs, and self-signed leaves, for 127.0.0.1/localhost or
// any chosen hosts and validity window. Keys are ECDSA P-256.
//
// Only tests import it. Every constructor takes a testing.TB and fails the
// test on error, so callers need no error handling of their own.
package testcert

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"math/big"
	"net"
	"testing"
	"time"
)

// DefaultHosts are the names a certificate covers when Options.Hosts is empty.
var DefaultHosts = []string{"127.0.0.1", "localhost"}

// Options choose what a leaf certificate says. The zero value gives a
// certificate for DefaultHosts valid from an hour ago to an hour from now.
type Options struct {
	// Hosts are IP addresses or DNS names; each is put in the IP or DNS
	// subject alternative names depending on whether it parses as an IP.
	Hosts []string
	// NotBefore and NotAfter bound validity; zero means now-1h and now+1h.
	NotBefore, NotAfter time.Time
	// CommonName is the subject CN; empty means the first host.
	CommonName string
}

// Cert is a leaf certificate with its key in every form a test may want.
type Cert struct {
	// TLS is ready for tls.Config.Certificates; its Leaf is set.
	TLS tls.Certificate
	// Leaf is the parsed certificate; DER its encoding.
	Leaf *x509.Certificate
	DER  []byte
	// Pool trusts this certificate: the issuing CA, or the certificate
	// itself when self-signed.
	Pool *x509.CertPool
	// CertPEM and KeyPEM are the certificate and its PKCS#8 key as PEM.
	CertPEM, KeyPEM []byte
	// Fingerprint is the lowercase hex SHA-256 of DER, the form
	// mailcore/netsec uses for user-trusted certificates.
	Fingerprint string
}

// ServerConfig returns a TLS server configuration presenting c.
func (c *Cert) ServerConfig() *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{c.TLS}}
}

// ClientConfig returns a TLS client configuration that trusts c (or its CA)
// and expects serverName.
func (c *Cert) ClientConfig(serverName string) *tls.Config {
	return &tls.Config{RootCAs: c.Pool, ServerName: serverName}
}

// CA is a private certificate authority.
type CA struct {
	Cert *x509.Certificate
	// Pool holds only this CA.
	Pool *x509.CertPool
	// PEM is the CA certificate as PEM.
	PEM []byte
	key *ecdsa.PrivateKey
}

// NewCA makes a CA valid from two days ago to two days from now.
func NewCA(t testing.TB) *CA {
	t.Helper()
	key := newKey(t)
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial(t),
		Subject:               pkix.Name{CommonName: "Hongyan test CA"},
		NotBefore:             now.Add(-48 * time.Hour),
		NotAfter:              now.Add(48 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLenZero:        true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatalf("testcert: CA certificate: %v", err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("testcert: parse CA certificate: %v", err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(c)
	return &CA{Cert: c, Pool: pool, PEM: pemBlock("CERTIFICATE", der), key: key}
}

// Issue makes a leaf certificate signed by ca.
func (ca *CA) Issue(t testing.TB, o Options) *Cert {
	t.Helper()
	return build(t, o, ca)
}

// SelfSigned makes a self-signed leaf certificate.
func SelfSigned(t testing.TB, o Options) *Cert {
	t.Helper()
	return build(t, o, nil)
}

// Localhost is SelfSigned with the zero Options: 127.0.0.1 and localhost,
// valid for the next hour.
func Localhost(t testing.TB) *Cert {
	t.Helper()
	return SelfSigned(t, Options{})
}

// Fingerprint returns the lowercase hex SHA-256 of a DER certificate.
func Fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])
}

func build(t testing.TB, o Options, ca *CA) *Cert {
	t.Helper()
	hosts := o.Hosts
	if len(hosts) == 0 {
		hosts = DefaultHosts
	}
	now := time.Now()
	from, to := o.NotBefore, o.NotAfter
	if from.IsZero() {
		from = now.Add(-time.Hour)
	}
	if to.IsZero() {
		to = now.Add(time.Hour)
	}
	cn := o.CommonName
	if cn == "" {
		cn = hosts[0]
	}
	key := newKey(t)
	tmpl := &x509.Certificate{
		SerialNumber: serial(t),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    from,
		NotAfter:     to,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	parent, signer := tmpl, key
	if ca != nil {
		parent, signer = ca.Cert, ca.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, signer)
	if err != nil {
		t.Fatalf("testcert: certificate: %v", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("testcert: parse certificate: %v", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatalf("testcert: marshal key: %v", err)
	}
	pool := x509.NewCertPool()
	if ca != nil {
		pool.AddCert(ca.Cert)
	} else {
		pool.AddCert(leaf)
	}
	return &Cert{
		TLS:         tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf},
		Leaf:        leaf,
		DER:         der,
		Pool:        pool,
		CertPEM:     pemBlock("CERTIFICATE", der),
		KeyPEM:      pemBlock("PRIVATE KEY", keyDER),
		Fingerprint: Fingerprint(der),
	}
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("testcert: key: %v", err)
	}
	return key
}

// serial is random so that certificates made in one test never share an
// issuer and serial number.
func serial(t testing.TB) *big.Int {
	t.Helper()
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		t.Fatalf("testcert: serial: %v", err)
	}
	return n
}

func pemBlock(kind string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der})
}
