package imap

import (
	"context"
	"errors"
	"time"

	imapv2 "github.com/emersion/go-imap/v2"

	"hongyan/mailcore/event"
	"hongyan/mailcore/mailerr"
	"hongyan/mailcore/store"
)

const (
	minBackoff = time.Second
	maxBackoff = 5 * time.Minute
	// idleRestart ends and restarts IDLE well inside servers' 30-minute
	// inactivity limit, and lets a dead connection be noticed.
	idleRestart = 9 * time.Minute
)

// Select chooses the folder that is watched with IDLE (the one on screen).
func (a *Account) Select(folderID int64) {
	a.selMu.Lock()
	a.selected = folderID
	a.selMu.Unlock()
	select {
	case a.selChg <- struct{}{}:
	default:
	}
}

// selectedID is the folder last given to Select, or 0.
func (a *Account) selectedID() int64 {
	a.selMu.Lock()
	defer a.selMu.Unlock()
	return a.selected
}

func (a *Account) selectedFolder(ctx context.Context) int64 {
	if id := a.selectedID(); id != 0 {
		if f, err := a.st.Folder(ctx, id); err == nil && f.Account == a.cfg.AccountID {
			return id
		}
	}
	if f, err := a.st.FolderByRole(ctx, a.cfg.AccountID, store.RoleInbox); err == nil {
		return f.ID
	}
	return 0
}

// CheckNow asks Run to replay queued operations and check every folder now
// (and to reconnect at once when offline).
func (a *Account) CheckNow() {
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

func (a *Account) interval() time.Duration {
	if a.cfg.Interval > 0 {
		return a.cfg.Interval
	}
	return 5 * time.Minute
}

// Run keeps the account in step until ctx ends: connect, list folders,
// replay queued operations, sync the selected folder then the others,
// IDLE on the selected folder on a connection of its own, check the others
// periodically, and reconnect with capped exponential backoff.
func (a *Account) Run(ctx context.Context) {
	defer a.Close()
	backoff := minBackoff
	for ctx.Err() == nil {
		connected, err := a.session(ctx)
		if ctx.Err() != nil {
			return
		}
		a.sink(event.AccountStatus{Account: a.cfg.AccountID, Online: false, Err: err})
		a.Close()
		if connected {
			backoff = minBackoff
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		case <-a.wake:
			t.Stop()
		}
		backoff *= 2
		if backoff > maxBackoff {
			backoff = maxBackoff
		}
	}
}

// syncAll syncs the selected folder first, then every other selectable
// subscribed folder, except those that listed, the STATUS taken by a
// listing just before (nil for none), shows unchanged (see unchanged).
func (a *Account) syncAll(ctx context.Context, listed map[string]*imapv2.StatusData) error {
	sel := a.selectedFolder(ctx)
	if sel != 0 {
		if err := a.SyncFolder(ctx, sel); err != nil {
			return err
		}
	}
	fs, err := a.st.Folders(ctx, a.cfg.AccountID)
	if err != nil {
		return err
	}
	for _, f := range fs {
		if f.ID == sel || !f.Selectable || !f.Subscribed || f.Local {
			continue
		}
		if same, err := a.unchanged(ctx, f, listed[f.Name]); err != nil {
			return err
		} else if same {
			continue
		}
		if err := a.SyncFolder(ctx, f.ID); err != nil {
			if mailerr.Is(err, mailerr.NotFound) || mailerr.Is(err, mailerr.ServerRefused) {
				continue // deleted meanwhile; the next listing drops it
			}
			return err
		}
	}
	return nil
}

// unchanged tells whether st, a STATUS of f, shows that a sync of f would
// find nothing to do: the same UIDVALIDITY, UIDNEXT (no new message) and
// HIGHESTMODSEQ (no flag change, no expunge: RFC 7162 raises it for
// both) as at its last sync, all of it cached (no first sync or backfill
// left) and as many messages as the cache has. A STATUS answers from
// what the server keeps about its folders, where a sync opens the folder:
// on Dovecot about 2 ms against an EXAMINE that loads the folder's index.
// Without CONDSTORE a flag change shows in no STATUS item, so such a
// folder is always synced.
func (a *Account) unchanged(ctx context.Context, f store.Folder, st *imapv2.StatusData) (bool, error) {
	if st == nil || st.UIDValidity == 0 || st.UIDValidity != f.UIDValidity || uint32(st.UIDNext) != f.UIDNext ||
		st.HighestModSeq == 0 || st.HighestModSeq != f.HighestModSeq || f.SyncedFrom != 1 || st.NumMessages == nil {
		return false, nil
	}
	n, err := a.st.RealUIDCount(ctx, f.ID)
	if err != nil {
		return false, err
	}
	return n == int(*st.NumMessages), nil
}

// replayKeeping replays the queued operations and returns listed, the
// STATUS of a listing just before, or nil when an operation was replayed:
// it changed folders after that STATUS, so every folder is synced then.
func (a *Account) replayKeeping(ctx context.Context, listed map[string]*imapv2.StatusData) (map[string]*imapv2.StatusData, error) {
	n, err := a.replayOps(ctx)
	if n > 0 {
		listed = nil
	}
	return listed, err
}

func (a *Account) session(ctx context.Context) (connected bool, err error) {
	listed, err := a.listFolders(ctx)
	if err != nil {
		return false, err
	}
	a.sink(event.AccountStatus{Account: a.cfg.AccountID, Online: true})
	if listed, err = a.replayKeeping(ctx, listed); err != nil {
		return true, err
	}
	if _, _, err := a.Quota(ctx); err != nil && !mailerr.Is(err, mailerr.NotFound) {
		return true, err
	}
	if err := a.syncAll(ctx, listed); err != nil {
		return true, err
	}

	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	hit := make(chan struct{}, 1)
	idleErr := make(chan error, 1)
	startIdle := func() (context.CancelFunc, chan struct{}) {
		ictx, icancel := context.WithCancel(sctx)
		done := make(chan struct{})
		go func() {
			defer close(done)
			err := a.idle(ictx, a.selectedFolder(ictx), hit)
			if err != nil && ictx.Err() == nil {
				select {
				case idleErr <- err:
				default:
				}
			}
		}()
		return icancel, done
	}
	stopIdle, idleDone := startIdle()
	defer func() { stopIdle(); <-idleDone }()

	tick := time.NewTicker(a.interval())
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return true, ctx.Err()
		case err := <-idleErr:
			return true, err
		case <-a.selChg:
			stopIdle()
			<-idleDone
			if sel := a.selectedFolder(ctx); sel != 0 {
				if err := a.SyncFolder(ctx, sel); err != nil {
					return true, err
				}
			}
			stopIdle, idleDone = startIdle()
		case <-hit:
			// Let a burst of changes settle into one sync.
			time.Sleep(150 * time.Millisecond)
			if sel := a.selectedFolder(ctx); sel != 0 {
				if err := a.SyncFolder(ctx, sel); err != nil {
					return true, err
				}
			}
		case <-a.wake:
			if err := a.ReplayOps(ctx); err != nil {
				return true, err
			}
			if err := a.syncAll(ctx, nil); err != nil {
				return true, err
			}
		case <-tick.C:
			listed, err := a.listFolders(ctx)
			if err != nil {
				return true, err
			}
			if listed, err = a.replayKeeping(ctx, listed); err != nil {
				return true, err
			}
			if err := a.syncAll(ctx, listed); err != nil {
				return true, err
			}
			_, _, _ = a.Quota(ctx)
		}
	}
}

// idle watches one folder on a connection of its own and signals hit when
// the server reports a change. Without IDLE it polls with NOOP.
func (a *Account) idle(ctx context.Context, folderID int64, hit chan<- struct{}) error {
	if folderID == 0 {
		<-ctx.Done()
		return nil
	}
	f, err := a.st.Folder(ctx, folderID)
	if err != nil {
		return err
	}
	cn, err := a.dial(ctx)
	if err != nil {
		return err
	}
	defer cn.close()
	sctx, cancel := a.opCtx(ctx)
	var sel *imapv2.SelectData
	err = cn.run(sctx, "select", func() error {
		var err error
		sel, err = cn.selectFolder(f.Name, false)
		return err
	})
	cancel()
	if err != nil {
		return err
	}
	signal := func() {
		select {
		case hit <- struct{}{}:
		default:
		}
	}
	// Mail that arrived between the last sync and this SELECT raises no
	// IDLE notification: compare with the cache now.
	if cur, err := a.st.Folder(ctx, folderID); err == nil && sel.UIDNext != 0 && uint32(sel.UIDNext) != cur.UIDNext {
		signal()
	}
	canIdle := cn.caps.Has(imapv2.CapIdle) || cn.caps.Has(imapv2.CapIMAP4rev2)
	for ctx.Err() == nil {
		if !canIdle {
			t := time.NewTimer(30 * time.Second)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil
			case <-t.C:
			}
			nctx, cancel := a.opCtx(ctx)
			err := cn.run(nctx, "noop", func() error { return cn.c.Noop().Wait() })
			cancel()
			if err != nil {
				return err
			}
			select {
			case <-cn.unil.ch:
				signal()
			default:
			}
			continue
		}
		icmd, err := cn.c.Idle()
		if err != nil {
			return classify(ctx, "idle", cn.host, err)
		}
		t := time.NewTimer(idleRestart)
		stop := false
		select {
		case <-ctx.Done():
			stop = true
		case <-t.C:
		case <-cn.unil.ch:
			signal()
		case <-cn.c.Closed():
			t.Stop()
			return &mailerr.Error{Kind: mailerr.Unreachable, Op: "idle", Host: cn.host, Err: errors.New("connection closed")}
		}
		t.Stop()
		cctx, cancel := context.WithTimeout(context.Background(), a.timeout())
		err = cn.run(cctx, "idle", func() error {
			if err := icmd.Close(); err != nil {
				return err
			}
			return icmd.Wait()
		})
		cancel()
		if stop {
			return nil
		}
		if err != nil {
			return err
		}
	}
	return nil
}
