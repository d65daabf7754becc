// Package secret keeps account passwords out of the settings file.
//
// Passwords live in the operating system's credential store, reached through
// github.com/zalando/go-keyring (Secret Service over D-Bus on Linux and the
// BSDs, Keychain on macOS, Credential Manager on Windows). The rest of
// mailcore only sees the small Store interface, so tests and the demo mode
// can use SessionStore instead.
//
// # Key scheme
//
// Every password is stored under
//
//	service: "hongyan"
//	user:    "<accountID>/<role>"
//
// where role is "incoming" (IMAP or POP3) or "outgoing" (SMTP submission).
// On Linux go-keyring writes an item into the Secret Service "login"
// collection (or the default alias) with the attributes
//
//	service  = hongyan
//	username = <accountID>/<role>
//
// so a stored password can be inspected with
//
//	secret-tool lookup service hongyan username <accountID>/<role>
//
// # Failure behaviour
//
// A locked, absent or hung keyring must never freeze the application: every
// keyring call runs on its own goroutine and gives up after a timeout
// (DefaultTimeout unless configured), returning ErrTimeout. Errors are
// mapped onto a few sentinel values that callers test with errors.Is:
//
//	ErrNotFound     no password stored for that account and role
//	ErrUnavailable  no usable credential store (no Secret Service, no D-Bus)
//	ErrLocked       the store is locked and could not be unlocked; also
//	                matches ErrUnavailable
//	ErrTimeout      the store did not answer in time
//	ErrInvalid      bad account ID or role
//
// Nothing here falls back silently: when the keyring is unavailable Fallback
// returns ErrUnavailable and the application asks the user whether to keep
// the password for this session only (Fallback.KeepForSession).
//
// Redactor scrubs credentials from protocol debug logs.
package secret
