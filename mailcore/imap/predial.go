package imap

import (
	"context"
	"strings"
	"sync"
	"time"
)

// The first sync of a folder opens its helper connections while the main
// connection selects the folder (syncOn). For the folder synced first of
// all, the one that follows the folder list (firstUncounted: the selected
// folder, or the Inbox of a new account), they are opened earlier still,
// when the listing starts: the main connection's login and the listing
// took 20-35 ms on Dovecot (bench, 100,000 messages), which the helpers'
// logins now overlap instead of following.

// preDialWait is how long helpers opened ahead wait for their sync before
// they are closed unused.
const preDialWait = 15 * time.Second

// preDialed is a set of helpers opened ahead for the folder name.
type preDialed struct {
	name   string
	dial   *helperDial
	ctx    context.Context    // the helpers' connections live until it ends
	cancel context.CancelFunc // ends ctx
	timer  *time.Timer
}

type preDials struct {
	mu  sync.Mutex
	cur *preDialed
}

// firstSyncName is the folder whose first sync comes right after the
// folder list, or "" when that folder has been synced before (its sync
// then rarely needs helpers). An account with nothing cached yet starts
// with "INBOX", which every server has under that name.
func (a *Account) firstSyncName(ctx context.Context) string {
	id := a.selectedFolder(ctx)
	if id == 0 {
		return "INBOX"
	}
	f, err := a.st.Folder(ctx, id)
	if err != nil || f.UIDValidity != 0 || f.SyncedFrom != 0 || f.Local || !f.Selectable {
		return ""
	}
	return f.Name
}

// preDial starts opening helpers for first, the folder synced first
// (firstSyncName), unless it is "" or helpers are already on their way.
// They are closed when no sync takes them within preDialWait, and when
// the account is closed.
func (a *Account) preDial(name string) {
	if a.syncConns() <= 1 || name == "" {
		return
	}
	a.pre.mu.Lock()
	defer a.pre.mu.Unlock()
	if a.pre.cur != nil {
		return
	}
	// The helpers outlive the listing that opened them. CONDSTORE as the
	// server offers it, as the sync's own choice is (syncOn): the helpers
	// ask their own capabilities.
	hctx, cancel := context.WithCancel(context.Background())
	p := &preDialed{name: name, ctx: hctx, cancel: cancel}
	p.dial = a.startHelpers(hctx, name, a.syncConns(), true)
	p.timer = time.AfterFunc(a.preWait, func() { a.dropPre(p) })
	a.pre.cur = p
}

// dropPre closes p's helpers if no sync has taken them.
func (a *Account) dropPre(p *preDialed) {
	a.pre.mu.Lock()
	if a.pre.cur != p {
		a.pre.mu.Unlock()
		return
	}
	a.pre.cur = nil
	a.pre.mu.Unlock()
	p.dial.close()
	p.cancel()
}

// takePre hands over the helpers opened ahead for the folder name, with
// the function that closes them; nil when there are none.
func (a *Account) takePre(name string) (*helperDial, context.CancelFunc) {
	a.pre.mu.Lock()
	p := a.pre.cur
	if p == nil || !sameFolder(p.name, name) {
		a.pre.mu.Unlock()
		return nil, nil
	}
	a.pre.cur = nil
	a.pre.mu.Unlock()
	p.timer.Stop()
	return p.dial, p.cancel
}

// closePre closes helpers opened ahead that no sync has taken.
func (a *Account) closePre() {
	a.pre.mu.Lock()
	p := a.pre.cur
	a.pre.mu.Unlock()
	if p != nil {
		p.timer.Stop()
		a.dropPre(p)
	}
}

// sameFolder compares folder names; INBOX is case-insensitive (RFC 9051).
func sameFolder(a, b string) bool {
	return a == b || strings.EqualFold(a, "INBOX") && strings.EqualFold(b, "INBOX")
}
