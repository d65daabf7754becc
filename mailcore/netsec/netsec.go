// Package netsec holds what every protocol client of mailcore shares about
// connecting safely: dialing with timeouts and typed errors, and a TLS
// configuration that verifies certificates normally but lets a user trust one
// specific self-signed certificate for one specific host.
package netsec

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"hongyan/mailcore/mailerr"
)

// DefaultDialTimeout bounds connection set-up (TCP and TLS handshake).
const DefaultDialTimeout = 20 * time.Second

// Options say how to verify a server.
type Options struct {
	// RootCAs replaces the system roots when non-nil (tests, private CAs).
	RootCAs *x509.CertPool
	// Trusted reports whether the user chose to trust the certificate with
	// this SHA-256 fingerprint for this host. It is only consulted when
	// normal verification fails.
	Trusted func(host, fingerprint string) bool
	// DialTimeout bounds TCP connect plus TLS handshake; 0 means default.
	DialTimeout time.Duration
	// Dial replaces net.Dialer (tests: fault-injecting proxies).
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// Fingerprint returns the lower-case hex SHA-256 of a DER certificate.
func Fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])
}

// FormatFingerprint groups a hex fingerprint as AB:CD:... for display.
func FormatFingerprint(fp string) string {
	fp = strings.ToUpper(fp)
	var b strings.Builder
	for i := 0; i < len(fp); i += 2 {
		if i > 0 {
			b.WriteByte(':')
		}
		end := i + 2
		if end > len(fp) {
			end = len(fp)
		}
		b.WriteString(fp[i:end])
	}
	return b.String()
}

// TLSConfig returns a client TLS configuration for host. Verification is done
// by hand in VerifyConnection (with InsecureSkipVerify only switching off the
// built-in check) so that a failure can carry the certificate's fingerprint
// and a user-trusted fingerprint can be honoured for exactly this host.
func TLSConfig(host string, opts Options) *tls.Config {
	return &tls.Config{
		ServerName:         host,
		MinVersion:         tls.VersionTLS12,
		InsecureSkipVerify: true, // verification happens in VerifyConnection below
		VerifyConnection: func(cs tls.ConnectionState) error {
			return verify(host, cs, opts)
		},
	}
}

func verify(host string, cs tls.ConnectionState, opts Options) error {
	if len(cs.PeerCertificates) == 0 {
		return &mailerr.Error{Kind: mailerr.TLSInvalid, Op: "tls", Host: host, Text: "server sent no certificate"}
	}
	leaf := cs.PeerCertificates[0]
	inter := x509.NewCertPool()
	for _, c := range cs.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	_, err := leaf.Verify(x509.VerifyOptions{
		DNSName:       host,
		Roots:         opts.RootCAs,
		Intermediates: inter,
	})
	if err == nil {
		return nil
	}
	fp := Fingerprint(leaf.Raw)
	if opts.Trusted != nil && opts.Trusted(host, fp) {
		return nil
	}
	return &mailerr.Error{Kind: mailerr.TLSInvalid, Op: "tls", Host: host,
		Text: certReason(err), Fingerprint: fp, Err: err}
}

func certReason(err error) string {
	var hn x509.HostnameError
	var ua x509.UnknownAuthorityError
	var ci x509.CertificateInvalidError
	switch {
	case errors.As(err, &hn):
		return "certificate is for another host"
	case errors.As(err, &ua):
		return "certificate is signed by an unknown authority"
	case errors.As(err, &ci):
		if ci.Reason == x509.Expired {
			return "certificate has expired or is not yet valid"
		}
		return "certificate is invalid"
	}
	return err.Error()
}

func (o Options) timeout() time.Duration {
	if o.DialTimeout > 0 {
		return o.DialTimeout
	}
	return DefaultDialTimeout
}

// DialPlain opens a TCP connection (for STARTTLS protocols).
func DialPlain(ctx context.Context, host string, port int, opts Options) (net.Conn, error) {
	addr := net.JoinHostPort(host, fmt.Sprint(port))
	ctx, cancel := context.WithTimeout(ctx, opts.timeout())
	defer cancel()
	var c net.Conn
	var err error
	if opts.Dial != nil {
		c, err = opts.Dial(ctx, "tcp", addr)
	} else {
		var d net.Dialer
		c, err = d.DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return nil, mailerr.Wrap("connect", host, classifyDial(err))
	}
	return c, nil
}

// DialTLS opens a connection with implicit TLS.
func DialTLS(ctx context.Context, host string, port int, opts Options) (*tls.Conn, error) {
	raw, err := DialPlain(ctx, host, port, opts)
	if err != nil {
		return nil, err
	}
	return Handshake(ctx, raw, host, opts)
}

// Handshake runs a client TLS handshake over an established connection (the
// implicit-TLS case and the STARTTLS upgrade alike).
func Handshake(ctx context.Context, raw net.Conn, host string, opts Options) (*tls.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, opts.timeout())
	defer cancel()
	tc := tls.Client(raw, TLSConfig(host, opts))
	if err := tc.HandshakeContext(ctx); err != nil {
		raw.Close()
		return nil, ClassifyTLS(host, err)
	}
	return tc, nil
}

// ClassifyTLS turns a handshake error into a typed one.
func ClassifyTLS(host string, err error) error {
	var me *mailerr.Error
	if errors.As(err, &me) {
		return mailerr.Wrap("tls", host, me)
	}
	var rec tls.RecordHeaderError
	if errors.As(err, &rec) {
		return &mailerr.Error{Kind: mailerr.TLSInvalid, Op: "tls", Host: host,
			Text: "server does not speak TLS on this port", Err: err}
	}
	k := mailerr.KindOf(err)
	if k == mailerr.Unknown {
		k = mailerr.TLSInvalid
	}
	return &mailerr.Error{Kind: k, Op: "tls", Host: host, Err: err}
}

func classifyDial(err error) error {
	k := mailerr.KindOf(err)
	if k == mailerr.Unknown {
		k = mailerr.Unreachable
	}
	return &mailerr.Error{Kind: k, Op: "connect", Err: err}
}
