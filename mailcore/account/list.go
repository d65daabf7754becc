package account

import (
	"errors"
	"fmt"
	"os"

	"hongyan/mailcore/secret"
)

// ErrNoAccount means no account has the given ID.
var ErrNoAccount = errors.New("account: no such account")

// ErrDuplicateID means an account with that ID already exists.
var ErrDuplicateID = errors.New("account: an account with this ID already exists")

// Find returns the account with the given ID, or nil. The pointer stays
// valid until the next Add, Remove or Move.
func (p *Profile) Find(id string) *Account {
	for i := range p.Accounts {
		if p.Accounts[i].ID == id {
			return &p.Accounts[i]
		}
	}
	return nil
}

func (p *Profile) index(id string) int {
	for i := range p.Accounts {
		if p.Accounts[i].ID == id {
			return i
		}
	}
	return -1
}

// Add normalises and validates a and appends it. An empty ID gets a fresh
// one. It returns the stored account's ID.
func (p *Profile) Add(a Account) (string, error) {
	if a.ID == "" {
		a.ID = NewID()
	}
	a.Normalize()
	if err := a.Validate(); err != nil {
		return "", err
	}
	if p.Find(a.ID) != nil {
		return "", fmt.Errorf("%w: %s", ErrDuplicateID, a.ID)
	}
	p.Accounts = append(p.Accounts, a)
	return a.ID, nil
}

// Update replaces the account with the same ID after normalising and
// validating it.
func (p *Profile) Update(a Account) error {
	i := p.index(a.ID)
	if i < 0 {
		return fmt.Errorf("%w: %s", ErrNoAccount, a.ID)
	}
	a.Normalize()
	if err := a.Validate(); err != nil {
		return err
	}
	p.Accounts[i] = a
	return nil
}

// Remove drops the account from the profile only; see RemoveAccount to
// also delete its passwords and cache.
func (p *Profile) Remove(id string) error {
	i := p.index(id)
	if i < 0 {
		return fmt.Errorf("%w: %s", ErrNoAccount, id)
	}
	p.Accounts = append(p.Accounts[:i], p.Accounts[i+1:]...)
	return nil
}

// Move puts the account at position to (0 = first), shifting the others.
// to is clamped to the list.
func (p *Profile) Move(id string, to int) error {
	i := p.index(id)
	if i < 0 {
		return fmt.Errorf("%w: %s", ErrNoAccount, id)
	}
	to = max(0, min(to, len(p.Accounts)-1))
	a := p.Accounts[i]
	p.Accounts = append(p.Accounts[:i], p.Accounts[i+1:]...)
	p.Accounts = append(p.Accounts[:to], append([]Account{a}, p.Accounts[to:]...)...)
	return nil
}

// RemoveHooks delete what an account leaves outside settings.json. A nil
// hook is skipped.
type RemoveHooks struct {
	// DeleteSecret deletes the password stored for a role ("incoming",
	// "outgoing"). An error matching secret.ErrNotFound counts as done.
	DeleteSecret func(accountID, role string) error
	// DeleteCache deletes the account's local cache.
	DeleteCache func(accountID string) error
}

// StandardRemoveHooks deletes passwords from store (may be nil) and the
// cache directory AccountCacheDir(profileDir, id).
func StandardRemoveHooks(store secret.Store, profileDir string) RemoveHooks {
	h := RemoveHooks{
		DeleteCache: func(id string) error {
			if err := os.RemoveAll(AccountCacheDir(profileDir, id)); err != nil {
				return err
			}
			return nil
		},
	}
	if store != nil {
		h.DeleteSecret = store.Delete
	}
	return h
}

// RemoveError tells which clean-up step failed. The account was left in
// the profile so the user can retry, or force it with Profile.Remove.
type RemoveError struct {
	AccountID string
	Step      string // "secret incoming", "secret outgoing" or "cache"
	Err       error
}

func (e *RemoveError) Error() string {
	return fmt.Sprintf("account: removing %s: %s: %v", e.AccountID, e.Step, e.Err)
}

func (e *RemoveError) Unwrap() error { return e.Err }

// RemoveAccount deletes the account's passwords and cache through hooks,
// then drops it from the profile. The caller confirms with the user first
// (unsent mail in the outbox is lost) and saves the profile afterwards. If
// a hook fails the account stays and a *RemoveError is returned.
func (p *Profile) RemoveAccount(id string, hooks RemoveHooks) error {
	if p.index(id) < 0 {
		return fmt.Errorf("%w: %s", ErrNoAccount, id)
	}
	if hooks.DeleteSecret != nil {
		for _, role := range []string{secret.RoleIncoming, secret.RoleOutgoing} {
			if err := hooks.DeleteSecret(id, role); err != nil && !errors.Is(err, secret.ErrNotFound) {
				return &RemoveError{AccountID: id, Step: "secret " + role, Err: err}
			}
		}
	}
	if hooks.DeleteCache != nil {
		if err := hooks.DeleteCache(id); err != nil {
			return &RemoveError{AccountID: id, Step: "cache", Err: err}
		}
	}
	return p.Remove(id)
}
