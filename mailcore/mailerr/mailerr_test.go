package mailerr

import (
	"context"
	"errors"
	"fmt"
	"net"
	"syscall"
	"testing"
)

func TestKindOf(t *testing.T) {
	cases := []struct {
		err  error
		want Kind
	}{
		{New(AuthFailed, "login", "h", errors.New("x")), AuthFailed},
		{fmt.Errorf("outer: %w", New(TLSInvalid, "connect", "h", nil)), TLSInvalid},
		{context.Canceled, Canceled},
		{context.DeadlineExceeded, Timeout},
		{&net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}, Unreachable},
		{&net.DNSError{Err: "no such host", Name: "x"}, Unreachable},
		{fmt.Errorf("write: %w", syscall.ENOSPC), Storage},
		{errors.New("mystery"), Unknown},
	}
	for _, c := range cases {
		if got := KindOf(c.err); got != c.want {
			t.Errorf("KindOf(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}

func TestWrapKeepsKindAndFingerprint(t *testing.T) {
	inner := &Error{Kind: TLSInvalid, Fingerprint: "abcd"}
	err := Wrap("connect", "imap.example.org", inner)
	if !Is(err, TLSInvalid) {
		t.Fatalf("kind lost: %v", err)
	}
	if FingerprintOf(fmt.Errorf("x: %w", err)) != "abcd" {
		t.Fatalf("fingerprint lost: %v", err)
	}
	var e *Error
	if !errors.As(err, &e) || e.Host != "imap.example.org" || e.Op != "connect" {
		t.Fatalf("op/host not recorded: %#v", e)
	}
	if Wrap("x", "y", nil) != nil {
		t.Fatal("Wrap(nil) must be nil")
	}
	if got := Wrap("fetch", "h", &net.OpError{Op: "read", Err: syscall.ECONNRESET}); !Is(got, Unreachable) {
		t.Fatalf("reset not unreachable: %v", got)
	}
}

func TestErrorText(t *testing.T) {
	e := &Error{Kind: ServerRefused, Op: "select", Host: "h", Text: "Mailbox doesn't exist"}
	if got := e.Error(); got != "select: server-refused (h): Mailbox doesn't exist" {
		t.Fatalf("got %q", got)
	}
}
