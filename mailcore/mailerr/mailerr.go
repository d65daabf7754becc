// Package mailerr defines the typed errors every protocol package of mailcore
// returns, so that the UI can tell a user *why* something failed (server
// unreachable, certificate not trusted, wrong password, ...) without parsing
// strings.
package mailerr

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
)

// Kind classifies a failure from the user's point of view.
type Kind int

const (
	// Unknown is any failure that fits no other kind.
	Unknown Kind = iota
	// Unreachable: DNS failure, connection refused, network down.
	Unreachable
	// Timeout: the server did not answer in time.
	Timeout
	// TLSInvalid: the server's certificate is not trusted. Error.Fingerprint
	// holds its SHA-256 fingerprint so the user can choose to trust it.
	TLSInvalid
	// SecurityRefused: the server does not offer a secure channel (for
	// example STARTTLS missing), so Hongyan refused to send credentials.
	SecurityRefused
	// AuthFailed: the server rejected the user name or password.
	AuthFailed
	// ServerRefused: the server answered NO or BAD to a command.
	ServerRefused
	// Permanent: a permanent delivery failure (SMTP 5xx).
	Permanent
	// Temporary: a transient failure worth retrying (SMTP 4xx).
	Temporary
	// Protocol: the server sent something malformed or absurd.
	Protocol
	// Canceled: the operation was cancelled by the user.
	Canceled
	// Storage: the local store failed (disk full, corruption).
	Storage
	// NotFound: the object (message, folder) no longer exists.
	NotFound
)

var kindNames = [...]string{"unknown", "unreachable", "timeout", "tls-invalid",
	"security-refused", "auth-failed", "server-refused", "permanent", "temporary",
	"protocol", "canceled", "storage", "not-found"}

func (k Kind) String() string {
	if int(k) >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Error is a classified failure.
type Error struct {
	Kind Kind
	// Op is what was being done: "connect", "login", "select", "fetch", ...
	Op string
	// Host is the server involved, if any.
	Host string
	// Text is the server's own words, when it gave any.
	Text string
	// Fingerprint is the SHA-256 fingerprint (hex, lower case) of the server
	// certificate, set for TLSInvalid.
	Fingerprint string
	// Err is the underlying error.
	Err error
}

func (e *Error) Error() string {
	msg := e.Kind.String()
	if e.Op != "" {
		msg = e.Op + ": " + msg
	}
	if e.Host != "" {
		msg += " (" + e.Host + ")"
	}
	if e.Text != "" {
		msg += ": " + e.Text
	} else if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// New returns a classified error.
func New(kind Kind, op, host string, err error) *Error {
	return &Error{Kind: kind, Op: op, Host: host, Err: err}
}

// KindOf returns the kind of err: the Kind of the first *Error in its chain,
// or a kind guessed from well-known standard errors.
func KindOf(err error) Kind {
	if err == nil {
		return Unknown
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return guess(err)
}

// Is reports whether err is of the given kind.
func Is(err error, kind Kind) bool { return err != nil && KindOf(err) == kind }

// FingerprintOf returns the certificate fingerprint carried by err, if any.
func FingerprintOf(err error) string {
	var e *Error
	for err != nil {
		if !errors.As(err, &e) {
			return ""
		}
		if e.Fingerprint != "" {
			return e.Fingerprint
		}
		err = e.Err
	}
	return ""
}

// Wrap classifies err (keeping an existing classification) and records op
// and host.
func Wrap(op, host string, err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		if e.Op == "" || e.Host == "" {
			c := *e
			if c.Op == "" {
				c.Op = op
			}
			if c.Host == "" {
				c.Host = host
			}
			return &c
		}
		return err
	}
	return &Error{Kind: guess(err), Op: op, Host: host, Err: err}
}

func guess(err error) Kind {
	switch {
	case errors.Is(err, context.Canceled):
		return Canceled
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return Timeout
	case errors.Is(err, syscall.ENOSPC):
		return Storage
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH),
		errors.Is(err, syscall.EPIPE):
		return Unreachable
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		if dnsErr.IsTimeout {
			return Timeout
		}
		return Unreachable
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return Timeout
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return Unreachable
	}
	return Unknown
}
