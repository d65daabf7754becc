package pop3

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"hongyan/mailcore/account"
	"hongyan/mailcore/event"
	"hongyan/mailcore/mailerr"
	"hongyan/mailcore/netsec"
	"hongyan/mailcore/store"
)

// Config describes one POP3 account.
type Config struct {
	// Account is the account id used in the store and in events.
	Account  string
	Host     string
	Port     int
	Security string // SecurityTLS or SecuritySTLS
	Username string
	Password string
	Net      netsec.Options
	// Timeout is the inactivity limit of one command; 0 means DefaultTimeout.
	Timeout time.Duration
	// Interval between automatic checks in Run; 0 checks only on demand.
	Interval time.Duration
	// LeaveOnServer keeps retrieved messages on the server.
	LeaveOnServer bool
	// DeleteAfterDays deletes retrieved messages from the server this many
	// days after their first retrieval (0: never). Applies when
	// LeaveOnServer is on.
	DeleteAfterDays int
	// DeleteWhenDeletedLocally deletes the server copy once the local copy
	// is removed from the store (deleted from Trash).
	DeleteWhenDeletedLocally bool
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
	// Debug receives the protocol dialogue without credentials.
	Debug io.Writer
}

// ConfigFromAccount builds a Config from account settings and a password
// taken from the keyring.
func ConfigFromAccount(a account.Account, password string, opts netsec.Options) Config {
	return Config{
		Account:                  a.ID,
		Host:                     a.Incoming.Host,
		Port:                     a.Incoming.Port,
		Security:                 a.Incoming.Security,
		Username:                 a.Incoming.Username,
		Password:                 password,
		Net:                      opts,
		Interval:                 time.Duration(a.Options.CheckIntervalMinutes) * time.Minute,
		LeaveOnServer:            a.Options.POP3LeaveOnServer,
		DeleteAfterDays:          a.Options.POP3DeleteAfterDays,
		DeleteWhenDeletedLocally: a.Options.POP3DeleteWhenDeletedLocally,
	}
}

// Result of one check.
type Result struct {
	New     int // messages stored locally
	Deleted int // messages deleted from the server (QUIT succeeded)
}

// Account retrieves one POP3 account into local folders of the store.
type Account struct {
	cfg   Config
	st    *store.Store
	sink  event.Sink
	now   func() time.Time
	wake  chan struct{}
	check sync.Mutex // one check at a time
}

// LocalFolders are the folders every POP3 account has in the store: those
// the actions of the message list move mail to (Archive, Junk, Delete)
// among them, so that they work as they do for an IMAP account.
var LocalFolders = []struct{ Name, Role string }{
	{"Inbox", store.RoleInbox},
	{"Drafts", store.RoleDrafts},
	{"Sent", store.RoleSent},
	{"Archive", store.RoleArchive},
	{"Junk", store.RoleJunk},
	{"Trash", store.RoleTrash},
}

// New returns an account engine. sink may be nil.
func New(cfg Config, st *store.Store, sink event.Sink) *Account {
	if sink == nil {
		sink = event.Discard
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &Account{cfg: cfg, st: st, sink: sink, now: now, wake: make(chan struct{}, 1)}
}

// EnsureFolders creates the local folders on first use and returns their
// ids by role.
func (a *Account) EnsureFolders(ctx context.Context) (map[string]int64, error) {
	ids := make(map[string]int64, len(LocalFolders))
	created := false
	for _, lf := range LocalFolders {
		if f, err := a.st.FolderByRole(ctx, a.cfg.Account, lf.Role); err == nil {
			ids[lf.Role] = f.ID
			continue
		} else if !mailerr.Is(err, mailerr.NotFound) {
			return nil, err
		}
		id, err := a.st.UpsertFolder(ctx, store.Folder{Account: a.cfg.Account, Name: lf.Name, Delim: "/",
			Role: lf.Role, Subscribed: true, Selectable: true, Local: true})
		if err != nil {
			return nil, err
		}
		ids[lf.Role] = id
		created = true
	}
	if created {
		a.sink(event.FoldersChanged{Account: a.cfg.Account})
	}
	return ids, nil
}

// CheckNow asks Run to check at once. It never blocks.
func (a *Account) CheckNow() {
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

// Run checks at start, then every Interval and whenever CheckNow is called,
// until ctx is done. Failures are reported as AccountStatus events.
func (a *Account) Run(ctx context.Context) {
	for {
		_, _ = a.Check(ctx)
		var tick <-chan time.Time
		var t *time.Timer
		if a.cfg.Interval > 0 {
			t = time.NewTimer(a.cfg.Interval)
			tick = t.C
		}
		select {
		case <-ctx.Done():
			if t != nil {
				t.Stop()
			}
			return
		case <-tick:
		case <-a.wake:
			if t != nil {
				t.Stop()
			}
		}
	}
}

// Check connects once: it downloads every message not yet retrieved,
// stores it durably, then applies the deletion policy. See the package
// documentation for the guarantees.
func (a *Account) Check(ctx context.Context) (Result, error) {
	a.check.Lock()
	defer a.check.Unlock()
	res, err := a.run(ctx)
	if err != nil {
		a.sink(event.AccountStatus{Account: a.cfg.Account, Online: false, Err: err})
	} else {
		a.sink(event.AccountStatus{Account: a.cfg.Account, Online: true})
	}
	return res, err
}

// serverMsg is one message of the maildrop in this session.
type serverMsg struct {
	num int
	id  string // UIDL or fallback identity
}

func (a *Account) run(ctx context.Context) (Result, error) {
	var res Result
	folders, err := a.EnsureFolders(ctx)
	if err != nil {
		return res, err
	}
	inbox := folders[store.RoleInbox]
	known, err := a.st.POP3Entries(ctx, a.cfg.Account)
	if err != nil {
		return res, err
	}
	firstCheck := len(known) == 0

	c, err := Dial(ctx, DialOptions{Host: a.cfg.Host, Port: a.cfg.Port, Security: a.cfg.Security,
		Net: a.cfg.Net, Timeout: a.cfg.Timeout, Debug: a.cfg.Debug})
	if err != nil {
		return res, err
	}
	defer c.Close()
	if err := c.Login(ctx, a.cfg.Username, a.cfg.Password); err != nil {
		return res, err
	}

	dl := newDownloader(a, inbox)
	c.bodyBuf = dl.pool.get
	var onServer []serverMsg
	uidls, err := c.UIDL(ctx)
	switch {
	case err == nil && uniqueUIDLs(uidls):
		var want []int
		idOf := make(map[int]string, len(uidls))
		for _, u := range uidls {
			onServer = append(onServer, serverMsg{u.Num, u.UIDL})
			if _, ok := known[u.UIDL]; !ok {
				want = append(want, u.Num)
				idOf[u.Num] = u.UIDL
			}
		}
		dl.total.Store(int64(len(want)))
		err = c.RetrMany(ctx, want, func(num int, raw []byte) error {
			return dl.add(ctx, idOf[num], raw)
		})
	case err == nil || mailerr.Is(err, mailerr.ServerRefused):
		// No usable UIDL: identify messages by content (package doc).
		var sizes []MessageSize
		sizes, err = c.List(ctx)
		if err != nil {
			break
		}
		nums := make([]int, len(sizes))
		for i, s := range sizes {
			nums[i] = s.Num
		}
		dl.total.Store(int64(len(nums)))
		copies := map[string]int{}
		err = c.RetrMany(ctx, nums, func(num int, raw []byte) error {
			id := contentIdentity(raw, copies)
			onServer = append(onServer, serverMsg{num, id})
			if _, ok := known[id]; ok {
				dl.pool.put(raw)
				return nil
			}
			return dl.add(ctx, id, raw)
		})
	}
	if ferr := dl.finish(ctx); err == nil {
		err = ferr
	}
	res.New = dl.stored
	if res.New > 0 {
		if !firstCheck {
			a.sink(event.NewMail{Account: a.cfg.Account, FolderID: inbox, Count: res.New, Latest: dl.latest})
		}
	}
	a.sink(event.MessagesChanged{Account: a.cfg.Account, FolderID: inbox})
	if err != nil {
		return res, err
	}

	// Deletion, only for messages whose local copy is committed: the
	// entries are read back from the store after the download. When the
	// policy never deletes, the entries from before the download serve to
	// find messages gone from the server (every message retrieved now is
	// on the server).
	if a.mayDelete() {
		known, err = a.st.POP3Entries(ctx, a.cfg.Account)
		if err != nil {
			return res, err
		}
	}
	present := make(map[string]bool, len(onServer))
	var dele []serverMsg
	for _, m := range onServer {
		present[m.id] = true
		e, ok := known[m.id]
		if ok && a.shouldDelete(e) {
			dele = append(dele, m)
		}
	}
	var gone []string
	for id, e := range known {
		if !present[id] && !e.DeletedOnServer {
			gone = append(gone, id)
		}
	}
	sort.Strings(gone)
	if err := a.st.MarkPOP3Deleted(ctx, a.cfg.Account, gone); err != nil {
		return res, err
	}
	for _, m := range dele {
		if err := c.Dele(ctx, m.num); err != nil {
			// Closing without QUIT makes the server forget every DELE.
			return res, err
		}
	}
	if err := c.Quit(ctx); err != nil {
		if len(dele) == 0 {
			return res, nil // nothing depended on the QUIT
		}
		return res, err
	}
	if len(dele) > 0 {
		ids := make([]string, len(dele))
		for i, m := range dele {
			ids[i] = m.id
		}
		if err := a.st.MarkPOP3Deleted(ctx, a.cfg.Account, ids); err != nil {
			return res, err
		}
		res.Deleted = len(dele)
	}
	return res, nil
}

// mayDelete reports whether the policy can delete any server copy.
func (a *Account) mayDelete() bool {
	return !a.cfg.LeaveOnServer || a.cfg.DeleteWhenDeletedLocally || a.cfg.DeleteAfterDays > 0
}

func (a *Account) shouldDelete(e store.POP3Entry) bool {
	switch {
	case !a.cfg.LeaveOnServer:
		return true
	case a.cfg.DeleteWhenDeletedLocally && (!e.LocalExists || e.DeleteRequested):
		return true
	case a.cfg.DeleteAfterDays > 0 && !a.now().Before(e.FirstSeen.Add(time.Duration(a.cfg.DeleteAfterDays)*24*time.Hour)):
		return true
	}
	return false
}

func uniqueUIDLs(ids []MessageID) bool {
	seen := make(map[string]bool, len(ids))
	for _, u := range ids {
		if seen[u.UIDL] {
			return false
		}
		seen[u.UIDL] = true
	}
	return true
}

// contentIdentity is the fallback identity of a message on a server
// without UIDL: the SHA-256 of the full message, with "#k" for the k-th
// identical copy in this maildrop (copies counts them per session).
func contentIdentity(raw []byte, copies map[string]int) string {
	sum := sha256.Sum256(raw)
	h := "sha256:" + hex.EncodeToString(sum[:])
	copies[h]++
	if k := copies[h]; k > 1 {
		return fmt.Sprintf("%s#%d", h, k)
	}
	return h
}

// downloader turns retrieved messages into durable store transactions on
// three goroutines of its own, so that the network keeps flowing: a parser
// builds the summaries and batches them, a packer appends each batch's
// sources to the session's pack file and syncs it, a committer writes each
// batch's rows in one transaction (and fsync). A batch reaches the
// committer only once its sources are on disk, so a committed row never
// names missing bytes; syncing one batch's pack overlaps with committing
// the previous batch. Messages handed to add are always committed by
// finish, even when the check was cancelled, so nothing received is lost.
type downloader struct {
	a      *Account
	folder int64
	total  atomic.Int64
	done   int

	pool    *bufPool
	in      chan rawMsg
	packs   chan []store.POP3Message
	commits chan []store.POP3Message
	parsed  chan struct{}
	written chan struct{}

	mu     sync.Mutex
	err    error
	stored int
	latest []event.MailSummary
}

type rawMsg struct {
	id  string
	raw []byte
}

// Batches adapt to the speed of the disk (group commit): the parser hands
// a batch on as soon as it holds batchMinMessages (or batchMinBytes) and
// the packer is free to take it, and keeps growing it while the packer is
// busy, up to batchMessages (or batchBytes). The packer and the committer
// also merge whatever batches are waiting for them. Each batch costs an
// fsync or two whatever its size, so a slow disk gets fewer, larger ones,
// while the batch left at the end of a download stays small.
const (
	batchMinMessages = 250
	batchMinBytes    = 4 << 20
	batchMessages    = 2000
	batchBytes       = 32 << 20
)

func newDownloader(a *Account, folder int64) *downloader {
	d := &downloader{a: a, folder: folder, pool: newBufPool(),
		in:      make(chan rawMsg, 128),
		packs:   make(chan []store.POP3Message, 1),
		commits: make(chan []store.POP3Message, 1),
		parsed:  make(chan struct{}),
		written: make(chan struct{}),
	}
	go d.parser()
	go d.packer()
	go d.committer()
	return d
}

// add queues one retrieved message.
func (d *downloader) add(ctx context.Context, id string, raw []byte) error {
	if err := d.failed(); err != nil {
		return err
	}
	d.in <- rawMsg{id, raw}
	d.done++
	return nil
}

func (d *downloader) failed() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.err
}

func (d *downloader) parser() {
	defer close(d.parsed)
	defer close(d.packs)
	var batch []store.POP3Message
	size, n := 0, 0
	var latest []event.MailSummary
	flush := func() {
		if len(batch) == 0 {
			return
		}
		d.packs <- batch
		batch, size = nil, 0
		d.a.sink(event.SyncProgress{Account: d.a.cfg.Account, FolderID: d.folder, Done: n, Total: int(d.total.Load())})
	}
	for {
		if len(batch) >= batchMessages || size >= batchBytes {
			flush()
		}
		// out stays nil (never ready) until the batch is worth a commit.
		var out chan<- []store.POP3Message
		if len(batch) >= batchMinMessages || size >= batchMinBytes {
			out = d.packs
		}
		var m rawMsg
		var ok bool
		select {
		case out <- batch:
			batch, size = nil, 0
			d.a.sink(event.SyncProgress{Account: d.a.cfg.Account, FolderID: d.folder, Done: n, Total: int(d.total.Load())})
			continue
		case m, ok = <-d.in:
		}
		if !ok {
			break
		}
		sum := summarize(m.raw, d.a.now())
		batch = append(batch, store.POP3Message{UIDL: m.id, Summary: sum, Raw: m.raw})
		size += len(m.raw)
		n++
		if len(latest) == 5 {
			copy(latest, latest[1:])
			latest = latest[:4]
		}
		latest = append(latest, event.MailSummary{From: sum.From.String(), Subject: sum.Subject})
	}
	flush()
	d.mu.Lock()
	d.latest = latest
	d.mu.Unlock()
}

// packer makes each batch's sources durable in the session's pack and
// passes the batch on with the sources replaced by their place in the pack.
// A batch whose sources could not be written is not passed on: its
// messages are not recorded, so they stay on the server and are retrieved
// again at the next check.
func (d *downloader) packer() {
	defer close(d.commits)
	var pack *store.Pack
	defer func() {
		if pack != nil {
			pack.Close()
		}
	}()
	raws := make([][]byte, 0, batchMessages)
	for b := range d.packs {
		b = drain(d.packs, b)
		if d.failed() != nil {
			continue
		}
		var err error
		if pack == nil {
			pack, err = d.a.st.CreatePack(context.Background())
		}
		var refs []store.PackRef
		if err == nil {
			raws = raws[:0]
			for i := range b {
				raws = append(raws, b[i].Raw)
			}
			refs, err = pack.Append(raws)
		}
		if err != nil {
			d.setErr(err)
			continue
		}
		for i := range b {
			b[i].Body, b[i].Raw = refs[i], nil
		}
		// The sources are on disk and nothing else refers to their
		// buffers (summaries hold copies): the reader may reuse them.
		for i, raw := range raws {
			d.pool.put(raw)
			raws[i] = nil
		}
		d.commits <- b
	}
}

// drain appends to b every batch already waiting in ch, without blocking.
func drain(ch <-chan []store.POP3Message, b []store.POP3Message) []store.POP3Message {
	for {
		select {
		case more, ok := <-ch:
			if !ok {
				return b
			}
			b = append(b, more...)
		default:
			return b
		}
	}
}

func (d *downloader) setErr(err error) {
	d.mu.Lock()
	if d.err == nil {
		d.err = err
	}
	d.mu.Unlock()
}

func (d *downloader) committer() {
	defer close(d.written)
	for b := range d.commits {
		b = drain(d.commits, b)
		ids, err := d.a.st.AddPOP3Messages(context.Background(), d.a.cfg.Account, d.folder, d.a.now(), b)
		d.mu.Lock()
		if err != nil && d.err == nil {
			d.err = err
		}
		for _, id := range ids {
			if id != 0 {
				d.stored++
			}
		}
		d.mu.Unlock()
	}
}

// finish commits what is left and waits for every commit.
func (d *downloader) finish(ctx context.Context) error {
	close(d.in)
	<-d.parsed
	<-d.written
	d.a.sink(event.SyncProgress{Account: d.a.cfg.Account, FolderID: d.folder, Done: d.done, Total: int(d.total.Load()), Finished: true})
	return d.failed()
}

var errNotLocal = &mailerr.Error{Kind: mailerr.NotFound, Op: "pop3", Text: "message does not belong to this account"}
