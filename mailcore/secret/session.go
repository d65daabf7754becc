package secret

import (
	"context"
	"sync"
)

// SessionStore keeps passwords in memory for the life of the process, for
// the "remember for this session only" choice when no keyring is usable.
// It is safe for concurrent use.
type SessionStore struct {
	mu sync.Mutex
	m  map[string]string
}

// NewSessionStore returns an empty in-memory store.
func NewSessionStore() *SessionStore { return &SessionStore{m: map[string]string{}} }

// Get returns the password or an error matching ErrNotFound or ErrInvalid.
func (s *SessionStore) Get(accountID, role string) (string, error) {
	if err := ValidateKey(accountID, role); err != nil {
		return "", &Error{Op: "get", AccountID: accountID, Role: role, Kind: ErrInvalid}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[Key(accountID, role)]
	if !ok {
		return "", &Error{Op: "get", AccountID: accountID, Role: role, Kind: ErrNotFound}
	}
	return v, nil
}

// Set keeps the password in memory.
func (s *SessionStore) Set(accountID, role, password string) error {
	if err := ValidateKey(accountID, role); err != nil {
		return &Error{Op: "set", AccountID: accountID, Role: role, Kind: ErrInvalid}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]string{}
	}
	s.m[Key(accountID, role)] = password
	return nil
}

// Delete forgets the password; an error matching ErrNotFound if none was kept.
func (s *SessionStore) Delete(accountID, role string) error {
	if err := ValidateKey(accountID, role); err != nil {
		return &Error{Op: "delete", AccountID: accountID, Role: role, Kind: ErrInvalid}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := Key(accountID, role)
	if _, ok := s.m[k]; !ok {
		return &Error{Op: "delete", AccountID: accountID, Role: role, Kind: ErrNotFound}
	}
	delete(s.m, k)
	return nil
}

// Clear forgets every password.
func (s *SessionStore) Clear() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.m)
}

// Available always succeeds: memory is always there.
func (s *SessionStore) Available(context.Context) error { return nil }

// Fallback combines a persistent store (normally a KeyringStore) with a
// SessionStore without ever falling back on its own: when the persistent
// store fails, its error (matching ErrUnavailable, ErrLocked or ErrTimeout)
// is returned, and the application decides whether to ask the user for the
// password and keep it with KeepForSession.
type Fallback struct {
	Primary Store
	Session *SessionStore
}

// NewFallback returns a Fallback on primary with an empty session store.
func NewFallback(primary Store) *Fallback {
	return &Fallback{Primary: primary, Session: NewSessionStore()}
}

// Available probes the primary store (nil if it cannot be probed).
func (f *Fallback) Available(ctx context.Context) error {
	if p, ok := f.Primary.(Prober); ok {
		return p.Available(ctx)
	}
	return nil
}

// Get returns a password the user chose to keep for this session, else asks
// the primary store and returns its answer or error unchanged.
func (f *Fallback) Get(accountID, role string) (string, error) {
	if f.Session != nil {
		if v, err := f.Session.Get(accountID, role); err == nil {
			return v, nil
		}
	}
	return f.Primary.Get(accountID, role)
}

// Set writes to the primary store only. On failure nothing is kept; call
// KeepForSession if the user agrees.
func (f *Fallback) Set(accountID, role, password string) error {
	if err := f.Primary.Set(accountID, role, password); err != nil {
		return err
	}
	// A persistent copy now exists; drop any session-only copy so the two
	// cannot disagree.
	if f.Session != nil {
		_ = f.Session.Delete(accountID, role)
	}
	return nil
}

// KeepForSession keeps a password in memory only, after the user chose so.
func (f *Fallback) KeepForSession(accountID, role, password string) error {
	if f.Session == nil {
		f.Session = NewSessionStore()
	}
	return f.Session.Set(accountID, role, password)
}

// Delete removes the password from both stores. It succeeds if either store
// held it; it returns ErrNotFound if neither did, and the primary store's
// error if that store failed.
func (f *Fallback) Delete(accountID, role string) error {
	var sessErr error = ErrNotFound
	if f.Session != nil {
		sessErr = f.Session.Delete(accountID, role)
	}
	perr := f.Primary.Delete(accountID, role)
	switch {
	case perr == nil:
		return nil
	case isNotFound(perr) && sessErr == nil:
		return nil
	default:
		return perr
	}
}

func isNotFound(err error) bool {
	return err != nil && classify(err) == ErrNotFound
}
