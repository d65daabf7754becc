package secret

import (
	"context"
	"time"

	"github.com/zalando/go-keyring"
)

// Service is the keyring service name under which all Hongyan passwords are
// stored.
const Service = "hongyan"

// Roles: which server of an account a password belongs to.
const (
	RoleIncoming = "incoming" // IMAP or POP3
	RoleOutgoing = "outgoing" // SMTP submission
)

// DefaultTimeout bounds every keyring call made by KeyringStore.
const DefaultTimeout = 3 * time.Second

// Store keeps one password per account and role.
type Store interface {
	Get(accountID, role string) (string, error)
	Set(accountID, role, password string) error
	Delete(accountID, role string) error
}

// Prober is implemented by stores that can tell whether they are usable.
type Prober interface {
	// Available returns nil when the store answers, or an error matching
	// ErrUnavailable, ErrLocked or ErrTimeout.
	Available(ctx context.Context) error
}

// Key returns the keyring user name for an account and role:
// "<accountID>/<role>".
func Key(accountID, role string) string { return accountID + "/" + role }

// ValidateKey checks an account ID and role. Account IDs must be non-empty
// and made of ASCII letters, digits, '-' and '_' (they also name cache
// directories); roles must be RoleIncoming or RoleOutgoing.
func ValidateKey(accountID, role string) error {
	if role != RoleIncoming && role != RoleOutgoing {
		return ErrInvalid
	}
	if accountID == "" || len(accountID) > 128 {
		return ErrInvalid
	}
	for _, r := range accountID {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_'
		if !ok {
			return ErrInvalid
		}
	}
	return nil
}

// KeyringStore is a Store on the operating system keyring.
type KeyringStore struct {
	backend keyring.Keyring // nil means go-keyring's package functions
	timeout time.Duration
}

// NewKeyringStore returns a store on the system keyring (through go-keyring,
// so keyring.MockInit also affects it) with the given timeout per call;
// timeout <= 0 means DefaultTimeout.
func NewKeyringStore(timeout time.Duration) *KeyringStore {
	return NewKeyringStoreWith(nil, timeout)
}

// NewKeyringStoreWith returns a store on an explicit keyring implementation
// (nil means go-keyring's default provider). Meant for tests and for
// platforms with their own backend.
func NewKeyringStoreWith(backend keyring.Keyring, timeout time.Duration) *KeyringStore {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &KeyringStore{backend: backend, timeout: timeout}
}

type packageKeyring struct{}

func (packageKeyring) Get(s, u string) (string, error) { return keyring.Get(s, u) }
func (packageKeyring) Set(s, u, p string) error        { return keyring.Set(s, u, p) }
func (packageKeyring) Delete(s, u string) error        { return keyring.Delete(s, u) }
func (packageKeyring) DeleteAll(s string) error        { return keyring.DeleteAll(s) }

func (k *KeyringStore) kr() keyring.Keyring {
	if k.backend != nil {
		return k.backend
	}
	return packageKeyring{}
}

type result struct {
	value string
	err   error
}

// call runs fn on its own goroutine and waits at most the store timeout or
// until ctx ends. A keyring that never answers leaves that goroutine blocked
// in the library; the buffered channel lets it finish later without leaking
// further.
func (k *KeyringStore) call(ctx context.Context, fn func() (string, error)) (string, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := context.WithTimeout(ctx, k.timeout)
	defer cancel()
	ch := make(chan result, 1)
	go func() {
		v, err := fn()
		ch <- result{v, err}
	}()
	select {
	case r := <-ch:
		return r.value, r.err
	case <-ctx.Done():
		return "", ErrTimeout
	}
}

func wrap(op, accountID, role string, err error) error {
	if err == nil {
		return nil
	}
	kind := classify(err)
	cause := err
	if cause == kind {
		cause = nil
	}
	return &Error{Op: op, AccountID: accountID, Role: role, Kind: kind, Err: cause}
}

// Get returns the password for an account and role, or an error matching
// ErrNotFound, ErrUnavailable, ErrLocked, ErrTimeout or ErrInvalid.
func (k *KeyringStore) Get(accountID, role string) (string, error) {
	if err := ValidateKey(accountID, role); err != nil {
		return "", &Error{Op: "get", AccountID: accountID, Role: role, Kind: ErrInvalid}
	}
	kr := k.kr()
	v, err := k.call(context.Background(), func() (string, error) {
		return kr.Get(Service, Key(accountID, role))
	})
	if err != nil {
		return "", wrap("get", accountID, role, err)
	}
	return v, nil
}

// Set stores the password for an account and role, replacing any old one.
func (k *KeyringStore) Set(accountID, role, password string) error {
	if err := ValidateKey(accountID, role); err != nil {
		return &Error{Op: "set", AccountID: accountID, Role: role, Kind: ErrInvalid}
	}
	kr := k.kr()
	_, err := k.call(context.Background(), func() (string, error) {
		return "", kr.Set(Service, Key(accountID, role), password)
	})
	return wrap("set", accountID, role, err)
}

// Delete removes the password for an account and role. Deleting a password
// that is not stored returns an error matching ErrNotFound.
func (k *KeyringStore) Delete(accountID, role string) error {
	if err := ValidateKey(accountID, role); err != nil {
		return &Error{Op: "delete", AccountID: accountID, Role: role, Kind: ErrInvalid}
	}
	kr := k.kr()
	_, err := k.call(context.Background(), func() (string, error) {
		return "", kr.Delete(Service, Key(accountID, role))
	})
	return wrap("delete", accountID, role, err)
}

// probeUser is looked up (never written) to see whether the keyring answers.
const probeUser = "probe/availability"

// Available looks up a key that is never stored: "not found" proves the
// keyring answered. It returns nil or an error matching ErrUnavailable,
// ErrLocked or ErrTimeout. ctx may shorten (not lengthen) the store timeout.
func (k *KeyringStore) Available(ctx context.Context) error {
	kr := k.kr()
	_, err := k.call(ctx, func() (string, error) {
		return kr.Get(Service, probeUser)
	})
	if err == nil || classify(err) == ErrNotFound {
		return nil
	}
	return wrap("probe", "", "", err)
}
