package imap

import (
	"context"
	"errors"
	"sort"
	"time"

	imapv2 "github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"hongyan/mailcore/event"
	"hongyan/mailcore/mailerr"
	"hongyan/mailcore/store"
)

// SyncStats describes what one SyncFolder did.
type SyncStats struct {
	New          int  // messages fetched above the previous UIDNEXT
	Backfilled   int  // older messages fetched
	FlagsChanged int  // flag updates applied
	Expunged     int  // messages removed from the cache
	Reset        bool // UIDVALIDITY changed and the cache was rebuilt
}

// summaryFetch is what the header sync asks for.
//
// No MODSEQ: nothing uses a message's own, and the flag resync starts
// from the folder's HIGHESTMODSEQ as SELECT or EXAMINE reported it before
// the FETCH (RFC 7162). Servers add it unasked only to unsolicited FETCH
// responses. It was about 16 bytes of each message's answer.
func summaryFetch() *imapv2.FetchOptions {
	return &imapv2.FetchOptions{
		UID: true, Flags: true, InternalDate: true, RFC822Size: true, Envelope: true,
		BodyStructure: &imapv2.FetchItemBodyStructure{Extended: true},
	}
}

// selectFolder selects name on cn unless it already is.
func (cn *conn) selectFolder(name string, condstore bool) (*imapv2.SelectData, error) {
	d, err := cn.c.Select(name, &imapv2.SelectOptions{CondStore: condstore}).Wait()
	if err != nil {
		cn.selected = ""
		return nil, err
	}
	cn.selected = name
	return d, nil
}

// refreshSelected brings the session's view of name, the mailbox already
// selected on cn by selectFolder, up to date without selecting it again,
// and returns what SELECT would have reported. SELECT of the mailbox that
// is already selected makes the server close and reopen it, which on
// Dovecot costs about 300 ms for 100,000 messages; NOOP and STATUS cost a
// round trip each.
//
// Servers differ in what STATUS reports for the selected mailbox: Dovecot
// answers from the session's view (so a NOOP must bring the view up to
// date first, or a flag change would go unseen), others from the mailbox
// itself (so the view must then catch up with what STATUS counted, or a
// UID below the reported UIDNEXT could be missing from the view when the
// sync fetches it). NOOP, STATUS, NOOP is right for both; the message
// count is the session's own after the last NOOP. It returns nil, nil when
// the server refuses STATUS for the selected mailbox (RFC 9051 discourages
// it, though servers must support it): the caller selects it then.
func (cn *conn) refreshSelected(name string, condstore bool) (*imapv2.SelectData, error) {
	if err := cn.c.Noop().Wait(); err != nil {
		cn.selected = ""
		return nil, err
	}
	st, err := cn.c.Status(name, &imapv2.StatusOptions{UIDNext: true, UIDValidity: true, HighestModSeq: condstore}).Wait()
	if err != nil {
		var ie *imapv2.Error
		if errors.As(err, &ie) {
			return nil, nil // a NO or BAD: the connection is fine
		}
		cn.selected = ""
		return nil, err
	}
	if err := cn.c.Noop().Wait(); err != nil {
		cn.selected = ""
		return nil, err
	}
	mb := cn.c.Mailbox()
	if mb == nil || mb.Name != name || st.UIDValidity == 0 {
		return nil, nil
	}
	return &imapv2.SelectData{NumMessages: mb.NumMessages, UIDNext: st.UIDNext,
		UIDValidity: st.UIDValidity, HighestModSeq: st.HighestModSeq}, nil
}

// SyncFolder brings one folder of the cache in step with the server: new
// messages (newest first), flag changes, expunges, then the older messages
// not cached yet. It can be interrupted at any point and resumed later
// without gaps or duplicates.
func (a *Account) SyncFolder(ctx context.Context, folderID int64) error {
	_, err := a.SyncFolderStats(ctx, folderID)
	return err
}

// SyncFolderStats is SyncFolder returning what was done.
func (a *Account) SyncFolderStats(ctx context.Context, folderID int64) (SyncStats, error) {
	var st SyncStats
	f, err := a.st.Folder(ctx, folderID)
	if err != nil {
		return st, err
	}
	if f.Account != a.cfg.AccountID || f.Local {
		return st, &mailerr.Error{Kind: mailerr.NotFound, Op: "sync", Text: "not a folder of this account"}
	}
	if !f.Selectable {
		return st, nil
	}
	err = a.withConn(ctx, func(cn *conn) error {
		return cn.run(ctx, "sync", func() error {
			var err error
			st, err = a.syncOn(ctx, cn, f)
			return err
		})
	})
	changed := st.New+st.Backfilled+st.FlagsChanged+st.Expunged > 0 || st.Reset
	if changed {
		a.sink(event.MessagesChanged{Account: a.cfg.AccountID, FolderID: folderID})
		a.sink(event.FoldersChanged{Account: a.cfg.AccountID})
	}
	return st, err
}

// selectOn selects f on the main connection, or brings the selected
// folder's state up to date. SELECT is one round trip: it is bounded by
// the command timeout (a server flooding it with untagged data would
// otherwise hold it forever).
func (a *Account) selectOn(ctx context.Context, cn *conn, f store.Folder, condstore bool) (*imapv2.SelectData, error) {
	sctx, cancel := a.opCtx(ctx)
	defer cancel()
	var sel *imapv2.SelectData
	err := cn.run(sctx, "select", func() error {
		var err error
		if cn.selected == f.Name {
			if sel, err = cn.refreshSelected(f.Name, condstore); err != nil || sel != nil {
				return err
			}
		}
		sel, err = cn.selectFolder(f.Name, condstore)
		return err
	})
	return sel, err
}

// likelyBulk guesses from what the store knows (the STATUS count of the
// folder list, how far a first sync got) whether syncing f will fetch at
// least parallelMin messages' headers. A folder left uncounted for its
// first sync (firstUncounted) is taken to be large: if it is not, the
// helpers opened for it are closed unused, once.
func (a *Account) likelyBulk(f store.Folder) bool {
	if f.SyncedFrom == 0 {
		if f.UIDValidity == 0 && a.wasUncounted(f.Name) {
			return true
		}
		return f.ServerTotal >= a.parallelMin
	}
	return f.SyncedFrom > uint32(a.parallelMin)
}

func (a *Account) syncOn(ctx context.Context, cn *conn, f store.Folder) (SyncStats, error) {
	var st SyncStats
	condstore := cn.caps.Has(imapv2.CapCondStore)
	// A folder that has many messages whose headers are not cached yet
	// will be fetched over helper connections (fetchRange): open them
	// while this connection selects the folder, unless the folder list
	// opened them already (preDial); those are closed if not needed.
	early, closeEarly := a.takePre(f.Name)
	if early != nil {
		defer closeEarly()
	}
	if a.syncConns() > 1 && a.likelyBulk(f) {
		if early == nil {
			ectx, cancel := context.WithCancel(ctx)
			defer cancel()
			early = a.startHelpers(ectx, f.Name, a.syncConns(), condstore)
		}
		defer early.close()
	} else if early != nil {
		early.close()
		early = nil
	}
	// A first sync takes the folder's state (UIDVALIDITY, UIDNEXT, count,
	// HIGHESTMODSEQ) from a helper's EXAMINE and leaves this connection
	// alone: SELECT would only repeat it, and on Dovecot opening a large
	// folder in one more session costs 70-100 ms before the first header
	// arrives. Later syncs select the folder here.
	var sel *imapv2.SelectData
	if early != nil && f.SyncedFrom == 0 {
		sel = early.state()
	}
	if sel == nil {
		var err error
		if sel, err = a.selectOn(ctx, cn, f, condstore); err != nil {
			return st, err
		}
	}
	if sel.UIDValidity != 0 && f.UIDValidity != 0 && sel.UIDValidity != f.UIDValidity {
		// The server renumbered the folder: forget the cache of it (never
		// the server's data) and sync it again from scratch.
		if err := a.st.ResetFolder(ctx, f.ID, sel.UIDValidity); err != nil {
			return st, err
		}
		st.Reset = true
		f.UIDNext, f.HighestModSeq, f.SyncedFrom = 0, 0, 0
	}
	f.UIDValidity = sel.UIDValidity
	srvNext := uint32(sel.UIDNext)
	if srvNext == 0 {
		srvNext = 1 // only IMAP4rev1 servers without UIDNEXT; fetch everything
	}
	firstSync := f.SyncedFrom == 0
	hms := sel.HighestModSeq
	if !condstore {
		hms = 0
	}

	if firstSync {
		// Record the top: everything from srvNext down will be backfilled.
		f.UIDNext, f.SyncedFrom = srvNext, srvNext
		if sel.NumMessages == 0 {
			f.SyncedFrom = 1
		}
		if err := a.st.SetSyncState(ctx, f.ID, f.UIDValidity, f.UIDNext, hms, f.SyncedFrom); err != nil {
			return st, err
		}
		f.HighestModSeq = hms
	} else {
		// 1. New messages above the previous UIDNEXT.
		if srvNext > f.UIDNext {
			var fresh []store.Summary
			n, err := a.fetchRange(ctx, cn, f, f.UIDNext, srvNext-1, condstore, int(sel.NumMessages), early, func(batch []store.Summary) {
				for _, m := range batch {
					if m.Flags&store.Seen == 0 {
						fresh = append(fresh, m)
					}
				}
			}, nil)
			if err != nil {
				return st, err
			}
			st.New = n
			if len(fresh) > 0 {
				a.newMail(f.ID, fresh)
			}
		}
		// 2. Flag changes and expunges among the messages cached before.
		if f.UIDNext > f.SyncedFrom {
			fc, ex, err := a.resyncFlags(ctx, cn, f, sel, condstore, srvNext)
			if err != nil {
				return st, err
			}
			st.FlagsChanged, st.Expunged = fc, ex
		}
		f.UIDNext = srvNext
		f.HighestModSeq = hms
		if err := a.st.SetSyncState(ctx, f.ID, f.UIDValidity, f.UIDNext, f.HighestModSeq, f.SyncedFrom); err != nil {
			return st, err
		}
	}

	// 3. Backfill older messages, newest first, resumable.
	if f.SyncedFrom > 1 {
		n, err := a.fetchRange(ctx, cn, f, 1, f.SyncedFrom-1, condstore, int(sel.NumMessages), early, nil, func(lo uint32) store.SyncPoint {
			return store.SyncPoint{UIDValidity: f.UIDValidity, UIDNext: f.UIDNext, HighestModSeq: f.HighestModSeq, SyncedFrom: lo}
		})
		st.Backfilled = n
		if err != nil {
			return st, err
		}
	}
	a.sink(event.SyncProgress{Account: a.cfg.AccountID, FolderID: f.ID, Done: int(sel.NumMessages), Total: int(sel.NumMessages), Finished: true})
	// The server's message count, for the next first sync of the folder
	// (likelyBulk, after a UIDVALIDITY change). The unread count is the
	// cache's own from now on; counting it here scanned the whole folder
	// after every sync (about 25 ms for 100,000 messages).
	var err error
	if total := int(sel.NumMessages); total != f.ServerTotal {
		err = a.st.SetServerTotal(ctx, f.ID, total)
	}
	return st, err
}

func (a *Account) newMail(folderID int64, fresh []store.Summary) {
	sort.Slice(fresh, func(i, j int) bool { return fresh[i].UID > fresh[j].UID })
	ev := event.NewMail{Account: a.cfg.AccountID, FolderID: folderID, Count: len(fresh)}
	for i := 0; i < len(fresh) && i < 3; i++ {
		from := fresh[i].From.Name
		if from == "" {
			from = fresh[i].From.Addr
		}
		ev.Latest = append(ev.Latest, event.MailSummary{From: from, Subject: fresh[i].Subject})
	}
	a.sink(ev)
}

type fetchBatch struct {
	lo, hi uint32
	res    chan fetchResult
	// encodeFor, when not 0, has the helper that decodes the batch also
	// encode it for the store (fetchResult.enc) off the writer's goroutine.
	encodeFor int64
}

type fetchResult struct {
	msgs []store.Summary
	enc  *store.EncodedSummaries
	err  error
}

// fetchRange fetches the summaries of UIDs lo..hi, newest first, in
// pipelined batches. Each FETCH in flight has its own consumer goroutine
// (go-imap's per-command buffer would otherwise stall the reader while an
// earlier command is drained). A large range goes instead to extra
// read-only connections (helpers), each taking the next batch from a
// shared queue when it has none in flight (helperset.go), whose responses
// are decoded by hand on one goroutine per helper (bulk.go), so that
// decoding runs in parallel and costs a fraction of go-imap's. Batches
// are committed in order, one store transaction each; with resume set,
// each transaction also records the resume point resume(lo) that its
// batch reaches, so an interrupted sync resumes without gaps. Memory is
// bounded by Pipeline batches per connection.
func (a *Account) fetchRange(ctx context.Context, cn *conn, f store.Folder, lo, hi uint32, condstore bool, exists int,
	early *helperDial, each func([]store.Summary), resume func(lo uint32) store.SyncPoint) (int, error) {
	if lo == 0 {
		lo = 1
	}
	if hi < lo {
		return 0, nil
	}
	// Size UID ranges to hold about BatchSize messages given the folder's
	// density (UIDs are sparse after deletions).
	width := uint64(a.batchSize())
	if exists > 0 && uint64(hi) > uint64(exists) {
		width = width * uint64(hi) / uint64(exists)
	}
	if width < 1 {
		width = 1
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	opts := summaryFetch()

	// window bounds the batches fetched ahead of the store: Pipeline
	// per connection.
	window := a.pipeline()
	closeAll := func() { _ = cn.c.Close() }
	span := int(hi - lo + 1)
	if exists > 0 && exists < span {
		span = exists
	}
	// A large range goes to helper connections whose responses are
	// decoded by hand (bulk.go); the main connection waits meanwhile. If
	// no helper can be opened, the main connection does it all.
	var q *batchQueue
	if a.syncConns() > 1 && span >= a.parallelMin && uint64(span) > 2*width {
		if early == nil || early.isUsed() {
			early = a.startHelpers(ctx, f.Name, a.syncConns(), condstore)
			defer early.close()
		}
		set := &helperSet{q: &batchQueue{}}
		defer set.end()
		if early.take(f.UIDValidity, set.join) > 0 {
			defer boostGC()()
			q = set.q
			window *= a.syncConns()
			closeAll = set.closeAll
		}
	}

	if q == nil && cn.selected != f.Name {
		// A first sync that took the folder's state from a helper (syncOn)
		// and then found too little to fetch for helpers.
		if _, err := a.selectOn(ctx, cn, f, condstore); err != nil {
			return 0, err
		}
	}
	order := make(chan *fetchBatch, window)
	slots := make(chan struct{}, window)

	go func() {
		defer close(order)
		top := uint64(hi)
		for top >= uint64(lo) {
			bot := uint64(lo)
			if top+1 > width && top+1-width > bot {
				bot = top + 1 - width
			}
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return
			}
			b := &fetchBatch{lo: uint32(bot), hi: uint32(top), res: make(chan fetchResult, 1)}
			if q != nil && resume != nil {
				b.encodeFor = f.ID
			}
			if q != nil {
				q.push(b)
			} else {
				var set imapv2.UIDSet
				set.AddRange(imapv2.UID(bot), imapv2.UID(top))
				cmd := cn.c.Fetch(set, opts)
				go func() { b.res <- drainSummaries(cmd, b.lo, b.hi) }()
			}
			order <- b
			top = bot - 1
		}
	}()

	n := 0
	total := span
	var firstErr error
	for b := range order {
		if firstErr != nil {
			// Batches still queued are not waited for: the sync has
			// failed and its connections are closed on return.
			<-slots
			continue
		}
		r := a.awaitBatch(b, closeAll)
		if r.err == nil && ctx.Err() != nil {
			r.err = ctx.Err()
		}
		if r.err != nil {
			firstErr = r.err
			cancel()
			<-slots
			continue
		}
		var err error
		if resume != nil {
			// The backfill's resume point moves down with each batch.
			if r.enc == nil {
				r.enc = store.EncodeSummaries(f.ID, r.msgs)
			}
			err = a.st.PutSummariesSynced(ctx, r.enc, resume(b.lo))
		} else {
			err = a.st.PutSummaries(ctx, f.ID, r.msgs)
		}
		if err != nil {
			firstErr = err
			cancel()
			<-slots
			continue
		}
		n += len(r.msgs)
		r.enc.Release()
		if each != nil {
			each(r.msgs)
		} else {
			summariesPool.Put(r.msgs) // stored, and nothing else keeps them
		}
		<-slots
		a.sink(event.SyncProgress{Account: a.cfg.AccountID, FolderID: f.ID, Done: n, Total: total})
	}
	return n, firstErr
}

// awaitBatch waits for one FETCH batch. A server that goes silent in the
// middle of a FETCH would otherwise hold the sync for ever (the response
// reader blocks on the socket): when a batch has not completed within the
// command timeout, every connection of the sync is closed, which ends all
// pending reads, and the batch reports a timeout.
func (a *Account) awaitBatch(b *fetchBatch, closeAll func()) fetchResult {
	t := time.NewTimer(a.timeout())
	defer t.Stop()
	select {
	case r := <-b.res:
		return r
	case <-t.C:
	}
	closeAll()
	<-b.res
	return fetchResult{err: &mailerr.Error{Kind: mailerr.Timeout, Op: "fetch", Host: a.cfg.Host,
		Text: "the server stopped answering in the middle of a FETCH"}}
}

// drainSummaries collects the answers to one UID FETCH of lo..hi. A UID
// outside the range asked for (0, 4294967295, anything else a broken
// server invents) or repeated is dropped: it would land in the cache as a
// message that does not exist, or twice.
func drainSummaries(cmd *imapclient.FetchCommand, lo, hi uint32) fetchResult {
	var out []store.Summary
	seen := map[uint32]bool{}
	for {
		msg := cmd.Next()
		if msg == nil {
			break
		}
		if s, ok := summaryOf(msg); ok && s.UID >= lo && s.UID <= hi && !seen[s.UID] {
			seen[s.UID] = true
			out = append(out, s)
		}
	}
	return fetchResult{msgs: out, err: cmd.Close()}
}

// resyncFlags applies flag changes and expunges for the UIDs cached before
// this sync (f.SyncedFrom .. f.UIDNext-1). With CONDSTORE only changed
// messages are fetched; without it one (UID FLAGS) listing serves both
// purposes. Expunges are found by comparing the server's count, and only
// when it differs, its UID list, with the cache.
func (a *Account) resyncFlags(ctx context.Context, cn *conn, f store.Folder, sel *imapv2.SelectData, condstore bool, srvNext uint32) (int, int, error) {
	var set imapv2.UIDSet
	set.AddRange(imapv2.UID(f.SyncedFrom), imapv2.UID(f.UIDNext-1))
	var serverUIDs []uint32 // filled only by a full listing
	changed := 0
	if condstore && f.HighestModSeq != 0 {
		if sel.HighestModSeq != f.HighestModSeq {
			ups, _, err := fetchFlags(cn.c.Fetch(set, &imapv2.FetchOptions{UID: true, Flags: true, ModSeq: true, ChangedSince: f.HighestModSeq}))
			if err != nil {
				return 0, 0, err
			}
			if err := a.st.UpdateFlags(ctx, f.ID, ups); err != nil {
				return 0, 0, err
			}
			changed = len(ups)
		}
	} else {
		ups, uids, err := fetchFlags(cn.c.Fetch(set, &imapv2.FetchOptions{UID: true, Flags: true}))
		if err != nil {
			return 0, 0, err
		}
		serverUIDs = uids
		ups, err = a.onlyChanged(ctx, f.ID, ups)
		if err != nil {
			return 0, 0, err
		}
		if err := a.st.UpdateFlags(ctx, f.ID, ups); err != nil {
			return 0, 0, err
		}
		changed = len(ups)
	}

	if serverUIDs == nil && f.SyncedFrom <= 1 {
		// Cheap check first: the server's message count against the
		// cache's, without listing UIDs.
		n, err := a.st.RealUIDCount(ctx, f.ID)
		if err != nil {
			return changed, 0, err
		}
		if int(sel.NumMessages) == n {
			return changed, 0, nil
		}
	}
	cached, err := a.st.UIDs(ctx, f.ID)
	if err != nil {
		return changed, 0, err
	}
	cached = realUIDs(cached)
	if serverUIDs == nil {
		var crit imapv2.SearchCriteria
		var all imapv2.UIDSet
		all.AddRange(imapv2.UID(f.SyncedFrom), imapv2.UID(srvNext-1))
		crit.UID = []imapv2.UIDSet{all}
		var opts *imapv2.SearchOptions
		if cn.caps.Has(imapv2.CapESearch) {
			opts = &imapv2.SearchOptions{ReturnAll: true}
		}
		data, err := cn.c.UIDSearch(&crit, opts).Wait()
		if err != nil {
			return changed, 0, err
		}
		serverUIDs = []uint32{}
		if us, ok := data.All.(imapv2.UIDSet); ok {
			for _, r := range us {
				if r.Start == 0 || r.Stop == 0 {
					continue // a dynamic range would be a server bug
				}
				for u := r.Start; u <= r.Stop && u != 0; u++ {
					serverUIDs = append(serverUIDs, uint32(u))
				}
			}
		}
	}
	gone := missing(cached, serverUIDs, f.SyncedFrom, f.UIDNext)
	if err := a.st.DeleteUIDs(ctx, f.ID, gone); err != nil {
		return changed, 0, err
	}
	return changed, len(gone), nil
}

// onlyChanged drops updates equal to what the cache holds, so that a full
// (UID FLAGS) listing does not rewrite every row.
func (a *Account) onlyChanged(ctx context.Context, folderID int64, ups []store.FlagUpdate) ([]store.FlagUpdate, error) {
	cur, err := a.st.IMAPFlagsByUID(ctx, folderID)
	if err != nil {
		return nil, err
	}
	out := ups[:0]
	for _, u := range ups {
		c, ok := cur[u.UID]
		if !ok || c.Flags != u.Flags || c.Keywords != joinKeywords(u.Keywords) {
			out = append(out, u)
		}
	}
	return out, nil
}

func fetchFlags(cmd *imapclient.FetchCommand) ([]store.FlagUpdate, []uint32, error) {
	var ups []store.FlagUpdate
	var uids []uint32
	for {
		msg := cmd.Next()
		if msg == nil {
			break
		}
		var u store.FlagUpdate
		for {
			item := msg.Next()
			if item == nil {
				break
			}
			switch it := item.(type) {
			case imapclient.FetchItemDataUID:
				u.UID = uint32(it.UID)
			case imapclient.FetchItemDataFlags:
				u.Flags, u.Keywords = FromIMAPFlags(it.Flags)
			case imapclient.FetchItemDataModSeq:
				u.ModSeq = it.ModSeq
			}
		}
		if u.UID != 0 {
			ups = append(ups, u)
			uids = append(uids, u.UID)
		}
	}
	if err := cmd.Close(); err != nil {
		return nil, nil, err
	}
	sort.Slice(uids, func(i, j int) bool { return uids[i] < uids[j] })
	return ups, uids, nil
}

// realUIDs drops placeholders of offline moves and appends.
func realUIDs(uids []uint32) []uint32 {
	out := uids[:0]
	for _, u := range uids {
		if u < store.PlaceholderUIDBase {
			out = append(out, u)
		}
	}
	return out
}

// missing returns the cached UIDs in [from, below) absent from server
// (both ascending).
func missing(cached, server []uint32, from, below uint32) []uint32 {
	var gone []uint32
	j := 0
	for _, u := range cached {
		if u < from || u >= below {
			continue
		}
		for j < len(server) && server[j] < u {
			j++
		}
		if j >= len(server) || server[j] != u {
			gone = append(gone, u)
		}
	}
	return gone
}
