// Package mailcore is Hongyan's engine: accounts, the local cache, and the
// IMAP, POP3 and SMTP work behind them. It never imports fyne; the app
// drives it through Engine and hears back through typed events.
//
// Engine is the one object the application holds. Reads (folders, message
// pages, cached bodies) go straight to the store and are fast; everything
// that may touch the network is asynchronous or takes a context, and
// reports through the event sink.
package mailcore

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"hongyan/mailcore/account"
	"hongyan/mailcore/event"
	"hongyan/mailcore/mailerr"
	"hongyan/mailcore/netsec"
	"hongyan/mailcore/secret"
	"hongyan/mailcore/smtp"
	"hongyan/mailcore/store"
)

// Options configure an Engine.
type Options struct {
	// ProfileDir holds settings.json and the cache directory.
	ProfileDir string
	// Secrets holds passwords; nil means the OS keyring.
	Secrets secret.Store
	// TLS adds verification options (a private CA in tests). Each account's
	// trusted certificate fingerprints are added to it.
	TLS netsec.Options
	// Sink receives events; nil drops them.
	Sink event.Sink
	// DebugDir, when set, receives one protocol log per account and server
	// role, with credentials redacted.
	DebugDir string
}

// incoming is what an account's retrieval engine (IMAP or POP3) offers.
type incoming interface {
	Run(ctx context.Context)
	CheckNow()
	Select(folderID int64)
	FetchBody(ctx context.Context, id int64) ([]byte, error)
	SetFlags(ctx context.Context, ids []int64, set, clear store.Flags) error
	Move(ctx context.Context, ids []int64, toFolder int64) error
	Delete(ctx context.Context, ids []int64) error
	CreateFolder(ctx context.Context, name string) error
	RenameFolder(ctx context.Context, id int64, newName string) error
	DeleteFolder(ctx context.Context, id int64) error
}

type runner struct {
	acct   account.Account
	in     incoming
	cancel context.CancelFunc
	done   chan struct{}
}

// Engine is the running mail engine of one profile.
type Engine struct {
	opts    Options
	store   *store.Store
	secrets secret.Store
	sink    event.Sink

	outbox *smtp.Outbox

	mu      sync.Mutex
	profile *account.Profile
	runners map[string]*runner
	started bool

	indexKick chan struct{}
	draftMu   sync.Mutex // server draft copies are replaced one at a time
	ctx       context.Context
	stop      context.CancelFunc
	wg        sync.WaitGroup
}

// Open loads the profile and opens the cache. A broken settings file is
// kept aside and reported in the returned error, while the engine still
// opens with an empty profile (check with errors.As for
// *account.BrokenProfileError).
func Open(opts Options) (*Engine, error) {
	if opts.ProfileDir == "" {
		dir, err := account.DefaultProfileDir()
		if err != nil {
			return nil, err
		}
		opts.ProfileDir = dir
	}
	prof, loadErr := account.Load(opts.ProfileDir)
	var broken *account.BrokenProfileError
	if loadErr != nil && !errors.As(loadErr, &broken) {
		return nil, loadErr
	}
	if prof == nil {
		prof = account.NewProfile()
	}
	st, err := store.Open(filepath.Join(account.CacheDir(opts.ProfileDir), "cache.db"))
	if err != nil {
		return nil, err
	}
	if opts.Secrets == nil {
		// The OS keyring, with a session-only store the user may choose
		// when the keyring is unavailable (never chosen silently).
		opts.Secrets = secret.NewFallback(secret.NewKeyringStore(secret.DefaultTimeout))
	}
	if opts.Sink == nil {
		opts.Sink = event.Discard
	}
	e := &Engine{opts: opts, store: st, secrets: opts.Secrets,
		profile: prof, runners: map[string]*runner{}, indexKick: make(chan struct{}, 1)}
	e.sink = e.observe
	e.ctx, e.stop = context.WithCancel(context.Background())
	e.outbox = smtp.NewOutbox(smtp.OutboxOptions{Store: st, Config: e.smtpConfig, Sent: sentRouter{e}, Sink: e.sink})
	return e, loadErr
}

// Close stops every account and closes the cache.
func (e *Engine) Close() error {
	e.stop()
	e.mu.Lock()
	rs := make([]*runner, 0, len(e.runners))
	for _, r := range e.runners {
		rs = append(rs, r)
	}
	e.runners = map[string]*runner{}
	e.mu.Unlock()
	for _, r := range rs {
		r.cancel()
		<-r.done
	}
	e.outbox.Wait()
	e.wg.Wait()
	return e.store.Close()
}

// Store is the local cache (read-only use by the app: pages, counts).
func (e *Engine) Store() *store.Store { return e.store }

// Secrets is the credential store.
func (e *Engine) Secrets() secret.Store { return e.secrets }

// ProfileDir is where settings and the cache live.
func (e *Engine) ProfileDir() string { return e.opts.ProfileDir }

// Accounts returns a copy of the configured accounts, in display order.
func (e *Engine) Accounts() []account.Account {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]account.Account(nil), e.profile.Accounts...)
}

// Account returns one account.
func (e *Engine) Account(id string) (account.Account, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if a := e.profile.Find(id); a != nil {
		return *a, true
	}
	return account.Account{}, false
}

// Settings returns the application settings.
func (e *Engine) Settings() account.AppSettings {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.profile.Settings
}

// SaveSettings replaces and saves the application settings.
func (e *Engine) SaveSettings(s account.AppSettings) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	old := e.profile.Settings
	e.profile.Settings = s
	if err := e.profile.Save(e.opts.ProfileDir); err != nil {
		e.profile.Settings = old
		return err
	}
	return nil
}

// Start starts every account's background work (retrieval loops) and the
// outbox worker. Mail left "sending" by a crash becomes "uncertain" and is
// reported, never resent on its own.
func (e *Engine) Start() error {
	e.mu.Lock()
	started := e.started
	e.started = true
	e.mu.Unlock()
	if started {
		return nil
	}
	for _, a := range e.Accounts() {
		e.startAccount(a)
	}
	e.wg.Add(1)
	go e.indexLoop()
	return e.outbox.Start(e.ctx)
}

func (e *Engine) startAccount(a account.Account) {
	e.mu.Lock()
	if _, ok := e.runners[a.ID]; ok {
		e.mu.Unlock()
		return
	}
	ctx, cancel := context.WithCancel(e.ctx)
	r := &runner{acct: a, cancel: cancel, done: make(chan struct{})}
	e.runners[a.ID] = r
	e.mu.Unlock()

	in, err := e.build(a)
	if err != nil {
		e.sink(event.AccountStatus{Account: a.ID, Err: err})
		close(r.done)
		return
	}
	e.mu.Lock()
	r.in = in
	e.mu.Unlock()
	go func() { defer close(r.done); in.Run(ctx) }()
}

func (e *Engine) stopAccount(id string) {
	e.mu.Lock()
	r := e.runners[id]
	delete(e.runners, id)
	e.mu.Unlock()
	if r != nil {
		r.cancel()
		<-r.done
	}
}

func (e *Engine) runner(id string) (*runner, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	r := e.runners[id]
	if r == nil || r.in == nil {
		return nil, &mailerr.Error{Kind: mailerr.NotFound, Op: "account", Text: "account is not running: " + id}
	}
	return r, nil
}

// tlsFor returns the TLS options of an account: the engine's, plus the
// certificates the user trusted for this account's servers.
func (e *Engine) tlsFor(id string) netsec.Options {
	o := e.opts.TLS
	base := o.Trusted
	o.Trusted = func(host, fp string) bool {
		if base != nil && base(host, fp) {
			return true
		}
		a, ok := e.Account(id)
		return ok && a.IsTrusted(host, fp)
	}
	return o
}

// password returns a function fetching an account's password for a role.
func (e *Engine) password(id, role string) func(context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		type res struct {
			pw  string
			err error
		}
		ch := make(chan res, 1)
		go func() {
			pw, err := e.secrets.Get(id, role)
			ch <- res{pw, err}
		}()
		select {
		case r := <-ch:
			if r.err != nil {
				return "", &mailerr.Error{Kind: mailerr.AuthFailed, Op: "password", Text: "no password available: " + r.err.Error(), Err: r.err}
			}
			return r.pw, nil
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
}

// AddAccount validates and saves a new account, stores its passwords in
// the credential store and starts it. outgoingPassword may be empty to
// use the incoming one. When the keyring is unavailable the error matches
// secret.ErrUnavailable (or ErrTimeout) and nothing is saved: the app asks
// the user, and may call AddAccountForSession.
func (e *Engine) AddAccount(a account.Account, incomingPassword, outgoingPassword string) (account.Account, error) {
	return e.addAccount(a, incomingPassword, outgoingPassword, e.secrets.Set)
}

// AddAccountForSession is AddAccount with the passwords kept in memory for
// this session only, never written anywhere: the user's choice when no
// keyring is available.
func (e *Engine) AddAccountForSession(a account.Account, incomingPassword, outgoingPassword string) (account.Account, error) {
	return e.addAccount(a, incomingPassword, outgoingPassword, e.keepForSession)
}

// UsePasswordForSession keeps an existing account's password in memory for
// this session (its keyring is unavailable) and restarts the account.
func (e *Engine) UsePasswordForSession(id, password string) error {
	for _, role := range []string{"incoming", "outgoing"} {
		if err := e.keepForSession(id, role, password); err != nil {
			return err
		}
	}
	a, ok := e.Account(id)
	if !ok {
		return fmt.Errorf("no account %s", id)
	}
	e.stopAccount(id)
	e.startAccount(a)
	return nil
}

// KeyringAvailable probes the OS keyring (nil when it answers).
func (e *Engine) KeyringAvailable(ctx context.Context) error {
	if p, ok := e.secrets.(interface{ Available(context.Context) error }); ok {
		return p.Available(ctx)
	}
	return nil
}

func (e *Engine) keepForSession(id, role, password string) error {
	if fb, ok := e.secrets.(*secret.Fallback); ok {
		return fb.KeepForSession(id, role, password)
	}
	// A store without a persistent part (tests, the demo) is session-only
	// already.
	return e.secrets.Set(id, role, password)
}

func (e *Engine) addAccount(a account.Account, incomingPassword, outgoingPassword string, set func(id, role, pw string) error) (account.Account, error) {
	if a.ID == "" {
		a.ID = account.NewID()
	}
	a.Normalize()
	if err := a.Validate(); err != nil {
		return a, err
	}
	if outgoingPassword == "" {
		outgoingPassword = incomingPassword
	}
	if err := set(a.ID, "incoming", incomingPassword); err != nil {
		return a, err
	}
	if err := set(a.ID, "outgoing", outgoingPassword); err != nil {
		e.secrets.Delete(a.ID, "incoming")
		return a, err
	}
	e.mu.Lock()
	if _, err := e.profile.Add(a); err != nil {
		e.mu.Unlock()
		return a, err
	}
	if err := e.profile.Save(e.opts.ProfileDir); err != nil {
		e.profile.Remove(a.ID)
		e.mu.Unlock()
		return a, err
	}
	e.mu.Unlock()
	e.sink(event.FoldersChanged{Account: a.ID})
	e.startAccount(a)
	return a, nil
}

// UpdateAccount saves changed settings of an account and restarts it.
func (e *Engine) UpdateAccount(a account.Account) error {
	a.Normalize()
	if err := a.Validate(); err != nil {
		return err
	}
	e.mu.Lock()
	if err := e.profile.Update(a); err != nil {
		e.mu.Unlock()
		return err
	}
	err := e.profile.Save(e.opts.ProfileDir)
	e.mu.Unlock()
	if err != nil {
		return err
	}
	e.stopAccount(a.ID)
	e.startAccount(a)
	return nil
}

// SetPassword changes an account's password for a role.
func (e *Engine) SetPassword(id, role, password string) error {
	if err := e.secrets.Set(id, role, password); err != nil {
		return err
	}
	e.CheckNow(id)
	return nil
}

// TrustCertificate records that the user trusts a certificate for a host of
// an account, then retries.
func (e *Engine) TrustCertificate(id, host, fingerprint string) error {
	e.mu.Lock()
	a := e.profile.Find(id)
	if a == nil {
		e.mu.Unlock()
		return fmt.Errorf("no account %s", id)
	}
	if err := a.Trust(host, fingerprint); err != nil {
		e.mu.Unlock()
		return err
	}
	err := e.profile.Save(e.opts.ProfileDir)
	e.mu.Unlock()
	if err == nil {
		e.CheckNow(id)
	}
	return err
}

// MoveAccount changes an account's position in the list.
func (e *Engine) MoveAccount(id string, to int) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.profile.Move(id, to); err != nil {
		return err
	}
	return e.profile.Save(e.opts.ProfileDir)
}

// ErrUnsentMail is returned by RemoveAccount when the account still has
// mail in its outbox and force is false: the UI asks first.
var ErrUnsentMail = errors.New("the account has unsent mail in its outbox")

// RemoveAccount stops an account and removes it with its passwords, its
// cache and (only with force when mail is waiting) its outbox.
func (e *Engine) RemoveAccount(ctx context.Context, id string, force bool) error {
	if !force {
		n, err := e.unsentCount(ctx, id)
		if err != nil {
			return err
		}
		if n > 0 {
			return ErrUnsentMail
		}
	}
	e.stopAccount(id)
	e.mu.Lock()
	defer e.mu.Unlock()
	hooks := account.StandardRemoveHooks(e.secrets, e.opts.ProfileDir)
	hooks.DeleteCache = func(accountID string) error {
		if err := e.deleteOutbox(ctx, accountID); err != nil {
			return err
		}
		if err := e.store.DeletePOP3Account(ctx, accountID); err != nil {
			return err
		}
		return e.store.DeleteAccount(ctx, accountID)
	}
	if err := e.profile.RemoveAccount(id, hooks); err != nil {
		return err
	}
	e.sink(event.FoldersChanged{Account: id})
	return nil
}

// Folders lists an account's folders, special ones first.
func (e *Engine) Folders(ctx context.Context, accountID string) ([]store.Folder, error) {
	return e.store.Folders(ctx, accountID)
}

// InboxIDs returns the inbox folder of every account (the unified inbox).
func (e *Engine) InboxIDs(ctx context.Context) []int64 {
	var ids []int64
	for _, a := range e.Accounts() {
		if f, err := e.store.FolderByRole(ctx, a.ID, store.RoleInbox); err == nil {
			ids = append(ids, f.ID)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

// SelectFolder tells the account which folder the user looks at, so that
// it is kept fresh (IDLE) and synced first.
func (e *Engine) SelectFolder(ctx context.Context, folderID int64) {
	f, err := e.store.Folder(ctx, folderID)
	if err != nil {
		return
	}
	if r, err := e.runner(f.Account); err == nil {
		r.in.Select(folderID)
	}
}

// CheckNow asks one account (or all, with "") to look for new mail now.
func (e *Engine) CheckNow(accountID string) {
	e.mu.Lock()
	var rs []*runner
	for id, r := range e.runners {
		if accountID == "" || id == accountID {
			rs = append(rs, r)
		}
	}
	e.mu.Unlock()
	for _, r := range rs {
		if r.in != nil {
			r.in.CheckNow()
		}
	}
	e.outbox.Kick()
}

// Body returns a message's raw source, from the cache or fetched from the
// server on demand (and cached).
func (e *Engine) Body(ctx context.Context, messageID int64) ([]byte, error) {
	if raw, err := e.store.Body(ctx, messageID); err == nil {
		return raw, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	acct, err := e.accountOfMessage(ctx, messageID)
	if err != nil {
		return nil, err
	}
	r, err := e.runner(acct)
	if err != nil {
		return nil, err
	}
	return r.in.FetchBody(ctx, messageID)
}

func (e *Engine) accountOfMessage(ctx context.Context, id int64) (string, error) {
	m, err := e.store.Message(ctx, id)
	if err != nil {
		return "", err
	}
	f, err := e.store.Folder(ctx, m.FolderID)
	if err != nil {
		return "", err
	}
	return f.Account, nil
}

// groupByAccount splits message ids by the account that owns them.
// The messages are read in chunks and each folder once: a selection can
// hold thousands of messages, and two queries a message showed.
func (e *Engine) groupByAccount(ctx context.Context, ids []int64) (map[string][]int64, error) {
	ms, err := e.store.SummariesOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	accountOf := map[int64]string{} // folder → account
	out := map[string][]int64{}
	for _, m := range ms {
		a, ok := accountOf[m.FolderID]
		if !ok {
			f, err := e.store.Folder(ctx, m.FolderID)
			if err != nil {
				return nil, err
			}
			a = f.Account
			accountOf[m.FolderID] = a
		}
		out[a] = append(out[a], m.ID)
	}
	return out, nil
}

func (e *Engine) each(ctx context.Context, ids []int64, f func(incoming, []int64) error) error {
	groups, err := e.groupByAccount(ctx, ids)
	if err != nil {
		return err
	}
	var errs []error
	for acct, ids := range groups {
		r, err := e.runner(acct)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if err := f(r.in, ids); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// SetFlags sets and clears flags on messages (read, flagged, junk, ...).
// The cache changes at once; the server follows, now or when back online.
func (e *Engine) SetFlags(ctx context.Context, ids []int64, set, clear store.Flags) error {
	return e.each(ctx, ids, func(in incoming, ids []int64) error { return in.SetFlags(ctx, ids, set, clear) })
}

// MarkFoldersRead marks every message of the folders read ("mark all as
// read"), as SetFlags does: in the cache at once, on the server now or
// when back online. The Undo it returns marks those messages unread again.
func (e *Engine) MarkFoldersRead(ctx context.Context, folderIDs ...int64) (Undo, error) {
	var u Undo
	var errs []error
	for _, f := range folderIDs {
		ids, err := e.store.UnreadIDs(ctx, f)
		if err == nil && len(ids) > 0 {
			err = e.SetFlags(ctx, ids, store.Seen, 0)
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		u.unread = append(u.unread, ids...)
	}
	return u, errors.Join(errs...)
}

// Move moves messages to a folder of the same account.
func (e *Engine) Move(ctx context.Context, ids []int64, toFolder int64) error {
	return e.each(ctx, ids, func(in incoming, ids []int64) error { return in.Move(ctx, ids, toFolder) })
}

// Delete moves messages to Trash, or removes them when already there.
func (e *Engine) Delete(ctx context.Context, ids []int64) error {
	return e.each(ctx, ids, func(in incoming, ids []int64) error { return in.Delete(ctx, ids) })
}

// EmptyFolder empties a Trash or a Junk folder: what is in Trash is
// deleted for good, what is in Junk goes to Trash (the Undo returned puts
// it back). As with any delete, the cache changes at once and the server
// follows, now or when back online. Only the messages in the cache are
// taken: mail that reached the folder on the server since the last check
// is left for the user to see first. It returns how many were taken.
func (e *Engine) EmptyFolder(ctx context.Context, folderID int64) (Undo, int, error) {
	f, err := e.store.Folder(ctx, folderID)
	if err != nil {
		return Undo{}, 0, err
	}
	if f.Role != store.RoleTrash && f.Role != store.RoleJunk {
		return Undo{}, 0, &mailerr.Error{Kind: mailerr.NotFound, Op: "empty folder", Text: "only Trash and Junk can be emptied"}
	}
	ids, err := e.store.MessageIDs(ctx, folderID)
	if err != nil || len(ids) == 0 {
		return Undo{}, 0, err
	}
	var u Undo
	if f.Role == store.RoleJunk {
		if u, err = e.Remember(ctx, ids); err != nil {
			return Undo{}, 0, err
		}
	}
	if err := e.Delete(ctx, ids); err != nil {
		return Undo{}, 0, err
	}
	return u, len(ids), nil
}

// MoveToRole moves messages to their account's special folder (archive,
// junk, inbox for "not junk"), creating nothing: an error says when the
// account has no such folder.
func (e *Engine) MoveToRole(ctx context.Context, ids []int64, role string) error {
	groups, err := e.groupByAccount(ctx, ids)
	if err != nil {
		return err
	}
	var errs []error
	for acct, ids := range groups {
		f, err := e.store.FolderByRole(ctx, acct, role)
		if err != nil {
			errs = append(errs, &mailerr.Error{Kind: mailerr.NotFound, Op: "move", Text: "the account has no " + role + " folder"})
			continue
		}
		if err := e.Move(ctx, ids, f.ID); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// CreateFolder creates a folder on an account.
func (e *Engine) CreateFolder(ctx context.Context, accountID, name string) error {
	r, err := e.runner(accountID)
	if err != nil {
		return err
	}
	return r.in.CreateFolder(ctx, name)
}

// RenameFolder renames a folder.
func (e *Engine) RenameFolder(ctx context.Context, folderID int64, newName string) error {
	f, err := e.store.Folder(ctx, folderID)
	if err != nil {
		return err
	}
	r, err := e.runner(f.Account)
	if err != nil {
		return err
	}
	return r.in.RenameFolder(ctx, folderID, newName)
}

// DeleteFolder deletes a folder and its messages.
func (e *Engine) DeleteFolder(ctx context.Context, folderID int64) error {
	f, err := e.store.Folder(ctx, folderID)
	if err != nil {
		return err
	}
	r, err := e.runner(f.Account)
	if err != nil {
		return err
	}
	return r.in.DeleteFolder(ctx, folderID)
}

// now is replaceable in tests.
var now = time.Now
