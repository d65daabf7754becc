package app

import (
	"context"
	"fmt"

	"hongyan/mailcore"
	"hongyan/mailcore/account"
	"hongyan/mailcore/demo"
	"hongyan/mailcore/secret"
)

// startDemo starts the in-process demo servers and a throw-away profile
// holding the demo account. The returned options carry the profile, a
// session-only secret store with the demo password (it never reaches the
// keyring) and TLS options trusting the demo certificate; the caller adds
// its Sink and passes them to mailcore.Open. cleanup stops the servers and
// removes the profile; call it after the engine is closed.
func startDemo(ctx context.Context) (profileDir string, opts mailcore.Options, cleanup func(), err error) {
	dir, removeDir, err := demo.TempProfile()
	if err != nil {
		return "", mailcore.Options{}, nil, err
	}
	srv, err := demo.Start(ctx)
	if err != nil {
		removeDir()
		return "", mailcore.Options{}, nil, err
	}
	cleanup = func() {
		srv.Close()
		removeDir()
	}
	secrets := secret.NewSessionStore()
	acct := srv.Account()
	for _, role := range []string{secret.RoleIncoming, secret.RoleOutgoing} {
		if err := secrets.Set(acct.ID, role, srv.Password()); err != nil {
			cleanup()
			return "", mailcore.Options{}, nil, fmt.Errorf("demo: keeping the password: %w", err)
		}
	}
	prof := account.NewProfile()
	if _, err := prof.Add(acct); err != nil {
		cleanup()
		return "", mailcore.Options{}, nil, fmt.Errorf("demo: adding the account: %w", err)
	}
	if err := prof.Save(dir); err != nil {
		cleanup()
		return "", mailcore.Options{}, nil, fmt.Errorf("demo: saving the profile: %w", err)
	}
	return dir, mailcore.Options{ProfileDir: dir, Secrets: secrets, TLS: srv.TLS()}, cleanup, nil
}
