package app

import (
	"context"
	"fmt"

	"hongyan/mailcore"
	"hongyan/mailcore/account"
)

// switchToDemo starts the demo servers and a demo engine on a temporary
// profile, and hands it to the window in place of the current engine. The
// user's own profile is left untouched; the demo's password lives in a
// session-only store, never the keyring, and its servers and profile are
// removed when the application ends. It runs off the UI goroutine.
func (m *mainWindow) switchToDemo(ctx context.Context) (account.Account, error) {
	_, opts, cleanup, err := startDemo(ctx)
	if err != nil {
		return account.Account{}, fmt.Errorf("%s", T("demo.start_failed", map[string]any{"Error": err.Error()}))
	}
	opts.Sink = m.sink
	eng, err := mailcore.Open(opts)
	if err != nil {
		cleanup()
		return account.Account{}, err
	}
	m.addCleanup(cleanup)
	accts := eng.Accounts()
	done := make(chan *mailcore.Engine, 1)
	m.ui.do(func() {
		old := m.eng
		if m.mv != nil {
			m.mv = nil
		}
		m.eng = nil
		m.engineReady(eng, nil)
		// A newcomer trying the demo sees the key shortcuts once.
		m.firstAccountAdded()
		done <- old
	})
	select {
	case old := <-done:
		if old != nil {
			old.Close()
		}
	case <-ctx.Done():
	}
	if len(accts) == 0 {
		return account.Account{}, fmt.Errorf("the demo profile has no account")
	}
	return accts[0], nil
}

func (m *mainWindow) addCleanup(f func()) {
	m.cleanupMu.Lock()
	m.cleanups = append(m.cleanups, f)
	m.cleanupMu.Unlock()
}

// runCleanups runs the registered clean-ups, newest first.
func (m *mainWindow) runCleanups() {
	m.cleanupMu.Lock()
	fs := m.cleanups
	m.cleanups = nil
	m.cleanupMu.Unlock()
	for i := len(fs) - 1; i >= 0; i-- {
		fs[i]()
	}
}
