package secret

import (
	"errors"
	"strings"

	"github.com/zalando/go-keyring"
)

// Sentinel errors. Test for them with errors.Is.
var (
	ErrNotFound    = errors.New("secret: no password stored")
	ErrUnavailable = errors.New("secret: credential store unavailable")
	ErrLocked      = errors.New("secret: credential store is locked")
	ErrTimeout     = errors.New("secret: credential store did not answer in time")
	ErrInvalid     = errors.New("secret: invalid account ID or role")
)

// Error describes a failed credential store operation. It never contains the
// password.
type Error struct {
	Op        string // "get", "set", "delete" or "probe"
	AccountID string
	Role      string
	Kind      error // one of the sentinel errors
	Err       error // underlying cause, may be nil
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Kind.Error())
	b.WriteString(" (")
	b.WriteString(e.Op)
	if e.AccountID != "" || e.Role != "" {
		b.WriteString(" ")
		b.WriteString(e.AccountID)
		b.WriteString("/")
		b.WriteString(e.Role)
	}
	b.WriteString(")")
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap exposes the kind, the kinds it implies (ErrLocked implies
// ErrUnavailable) and the cause.
func (e *Error) Unwrap() []error {
	errs := []error{e.Kind}
	if e.Kind == ErrLocked {
		errs = append(errs, ErrUnavailable)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

// classify maps an error from go-keyring (and, below it, D-Bus) onto one of
// the sentinel kinds. go-keyring does not export typed errors for a missing
// Secret Service or a locked collection, so the D-Bus error names and the
// library's messages are matched as text.
func classify(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, keyring.ErrNotFound), errors.Is(err, ErrNotFound):
		return ErrNotFound
	case errors.Is(err, ErrTimeout):
		return ErrTimeout
	case errors.Is(err, ErrLocked):
		return ErrLocked
	case errors.Is(err, ErrUnavailable):
		return ErrUnavailable
	}
	msg := strings.ToLower(err.Error())
	switch {
	case strings.Contains(msg, "islocked"),
		strings.Contains(msg, "is locked"),
		strings.Contains(msg, "failed to unlock"),
		strings.Contains(msg, "locked"):
		return ErrLocked
	case strings.Contains(msg, "no such secret item"),
		strings.Contains(msg, "nosuchobject"):
		return ErrNotFound
	}
	// Anything else (no session bus, no org.freedesktop.secrets service,
	// prompt dismissed, too-large data, ...) means the store cannot be used
	// for this request.
	return ErrUnavailable
}
