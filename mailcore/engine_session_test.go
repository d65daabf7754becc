package mailcore

import (
	"context"
	"errors"
	"testing"
	"time"

	"hongyan/internal/mailtest"
	"hongyan/mailcore/account"
	"hongyan/mailcore/secret"
	"hongyan/mailcore/store"
)

// noKeyring is a keyring whose service is absent (no Secret Service).
type noKeyring struct{}

var errNoService = errors.New("The name org.freedesktop.secrets was not provided by any .service files")

func (noKeyring) Set(string, string, string) error   { return errNoService }
func (noKeyring) Get(string, string) (string, error) { return "", errNoService }
func (noKeyring) Delete(string, string) error        { return errNoService }
func (noKeyring) DeleteAll(string) error             { return errNoService }

// Without a keyring, adding an account fails clearly and saves nothing;
// with the user's consent the password is kept for this session only, the
// account works, and nothing reaches the disk.
func TestNoKeyringSessionOnlyPassword(t *testing.T) {
	ctx := context.Background()
	st := mailtest.Shared(t)
	u := st.AddUser(t)
	if err := st.Seed(u, "INBOX", mailtest.GenerateMessages(5, 3)); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	fb := secret.NewFallback(secret.NewKeyringStoreWith(noKeyring{}, time.Second))
	e := openEngine(t, dir, &recorder{}, fb)
	defer e.Close()
	if err := e.Start(); err != nil {
		t.Fatal(err)
	}
	if err := e.KeyringAvailable(ctx); !errors.Is(err, secret.ErrUnavailable) {
		t.Fatalf("keyring probe: %v", err)
	}
	a := testAccount(st, u, account.ProtocolPOP3)
	if _, err := e.AddAccount(a, u.Password, ""); !errors.Is(err, secret.ErrUnavailable) {
		t.Fatalf("AddAccount without a keyring: %v", err)
	}
	if len(e.Accounts()) != 0 {
		t.Fatal("an account was saved although its password could not be")
	}
	a, err := e.AddAccountForSession(a, u.Password, "")
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the inbox to fill", func() bool {
		f, err := e.Store().FolderByRole(ctx, a.ID, store.RoleInbox)
		if err != nil {
			return false
		}
		n, _, _ := e.Store().Counts(ctx, f.ID)
		return n == 5
	})
	e.Close()
	assertNoSecretOnDisk(t, dir, u.Password)

	// After a restart the password is gone with the session: the account
	// reports it cannot log in, and a password given for the session
	// brings it back.
	rec := &recorder{}
	fb2 := secret.NewFallback(secret.NewKeyringStoreWith(noKeyring{}, time.Second))
	e2 := openEngine(t, dir, rec, fb2)
	defer e2.Close()
	if err := e2.Start(); err != nil {
		t.Fatal(err)
	}
	if _, err := fb2.Get(a.ID, "incoming"); err == nil {
		t.Fatal("a session-only password survived the restart")
	}
	if err := e2.UsePasswordForSession(a.ID, u.Password); err != nil {
		t.Fatal(err)
	}
	if err := st.Seed(u, "INBOX", mailtest.GenerateMessages(1, 77)); err != nil {
		t.Fatal(err)
	}
	e2.CheckNow(a.ID)
	waitFor(t, "the new message after the session password", func() bool {
		f, _ := e2.Store().FolderByRole(ctx, a.ID, store.RoleInbox)
		n, _, _ := e2.Store().Counts(ctx, f.ID)
		return n == 6
	})
}
