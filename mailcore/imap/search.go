package imap

import (
	"context"
	"errors"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	imapv2 "github.com/emersion/go-imap/v2"

	"hongyan/mailcore/event"
	"hongyan/mailcore/mailerr"
	"hongyan/mailcore/store"
)

// MaxServerResults bounds the messages one server search returns per
// folder (the newest, by UID): a broad query on a large mailbox must not
// make the client fetch and cache every envelope.
const MaxServerResults = 300

// searchIdle is how long an unused search connection stays open.
const searchIdle = 2 * time.Minute

// searchSlot is an account's connection for searches. Searches get their
// own connection so that they never wait behind a long header sync on the
// main one.
type searchSlot struct {
	mu   sync.Mutex // one search at a time; guards cn
	cn   *conn
	idle *time.Timer
	// live is cn for closing from outside a search (Account.Close).
	live atomic.Pointer[conn]
}

// The search connections live beside the accounts rather than in Account,
// keyed by account; an idle timer closes and forgets each.
var searchSlots = struct {
	sync.Mutex
	m map[*Account]*searchSlot
}{m: map[*Account]*searchSlot{}}

func (a *Account) searchSlot() *searchSlot {
	searchSlots.Lock()
	defer searchSlots.Unlock()
	s := searchSlots.m[a]
	if s == nil {
		s = &searchSlot{}
		searchSlots.m[a] = s
	}
	return s
}

// withSearchConn runs f on the account's search connection, connecting
// first when needed.
func (a *Account) withSearchConn(ctx context.Context, f func(cn *conn) error) error {
	s := a.searchSlot()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.idle != nil {
		s.idle.Stop()
	}
	if s.cn != nil {
		select {
		case <-s.cn.c.Closed():
			s.cn = nil
		default:
		}
	}
	if s.cn == nil {
		cn, err := a.dial(ctx)
		if err != nil {
			return err
		}
		s.cn = cn
		s.live.Store(cn)
	}
	err := f(s.cn)
	if err != nil {
		switch mailerr.KindOf(err) {
		case mailerr.Unreachable, mailerr.Timeout, mailerr.Canceled, mailerr.Protocol:
			s.live.CompareAndSwap(s.cn, nil)
			s.cn.close()
			s.cn = nil
		}
	}
	s.idle = time.AfterFunc(searchIdle, func() { a.closeSearch(s) })
	return err
}

// closeSearchConn closes the account's search connection, without waiting
// for a search under way (it fails and its caller sees why).
func (a *Account) closeSearchConn() {
	searchSlots.Lock()
	s := searchSlots.m[a]
	delete(searchSlots.m, a)
	searchSlots.Unlock()
	if s == nil {
		return
	}
	if cn := s.live.Swap(nil); cn != nil {
		cn.c.Close()
		if cn.closeDbg != nil {
			cn.closeDbg()
		}
	}
}

func (a *Account) closeSearch(s *searchSlot) {
	s.mu.Lock()
	cn := s.cn
	s.cn = nil
	s.live.CompareAndSwap(cn, nil)
	s.mu.Unlock()
	searchSlots.Lock()
	if searchSlots.m[a] == s {
		delete(searchSlots.m, a)
	}
	searchSlots.Unlock()
	if cn != nil {
		cn.close()
	}
}

// SearchServer runs a UID SEARCH in every selectable folder of the account
// and returns the matching messages as cached summaries. Messages the
// cache does not hold yet (older than the synced range, or in folders that
// are not synced) have their envelopes fetched and stored first, so that
// every result has a store id and can be shown and opened.
func (a *Account) SearchServer(ctx context.Context, criteria imapv2.SearchCriteria) ([]store.Summary, error) {
	return a.SearchServerIn(ctx, criteria, nil)
}

// SearchServerIn is SearchServer limited to the given folders of the
// account (nil: all selectable folders, the selected one and the inbox
// first).
func (a *Account) SearchServerIn(ctx context.Context, criteria imapv2.SearchCriteria, folderIDs []int64) ([]store.Summary, error) {
	if err := ctx.Err(); err != nil {
		return nil, ctxErr(ctx, "search", a.cfg.Host, err)
	}
	fs, err := a.searchFolders(ctx, folderIDs)
	if err != nil {
		return nil, err
	}
	var out []store.Summary
	var errs []error
	for _, f := range fs {
		if err := ctx.Err(); err != nil {
			return out, ctxErr(ctx, "search", a.cfg.Host, err)
		}
		var got []store.Summary
		var added bool
		err := a.withSearchConn(ctx, func(cn *conn) error {
			var err error
			got, added, err = a.searchFolder(ctx, cn, f, criteria)
			return err
		})
		if added {
			a.sink(event.MessagesChanged{Account: a.cfg.AccountID, FolderID: f.ID})
		}
		out = append(out, got...)
		if err != nil {
			switch mailerr.KindOf(err) {
			case mailerr.NotFound, mailerr.ServerRefused:
				// The folder went away or cannot be searched; the others
				// still can.
				errs = append(errs, err)
				continue
			}
			return out, err
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Date.After(out[j].Date) })
	return out, errors.Join(errs...)
}

// searchFolders lists the folders to search: the selected folder and the
// inbox first, then the other selectable server folders.
func (a *Account) searchFolders(ctx context.Context, only []int64) ([]store.Folder, error) {
	all, err := a.st.Folders(ctx, a.cfg.AccountID)
	if err != nil {
		return nil, err
	}
	want := map[int64]bool{}
	for _, id := range only {
		want[id] = true
	}
	sel := a.selectedFolder(ctx)
	var first, rest []store.Folder
	for _, f := range all {
		if f.Local || !f.Selectable || (only != nil && !want[f.ID]) {
			continue
		}
		if f.ID == sel || f.Role == store.RoleInbox {
			first = append(first, f)
		} else {
			rest = append(rest, f)
		}
	}
	return append(first, rest...), nil
}

// searchFolder searches one folder on cn. added reports that summaries
// were stored.
func (a *Account) searchFolder(ctx context.Context, cn *conn, f store.Folder, criteria imapv2.SearchCriteria) (out []store.Summary, added bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, 2*a.timeout())
	defer cancel()
	err = cn.run(ctx, "search", func() error {
		// EXAMINE: read-only, so a search never changes \Recent or flags.
		sel, err := cn.c.Select(f.Name, &imapv2.SelectOptions{ReadOnly: true}).Wait()
		if err != nil {
			cn.selected = ""
			return err
		}
		// The main connection's notion of "selected" is its own; this one
		// always re-examines.
		cn.selected = ""
		if sel.NumMessages == 0 {
			return nil
		}
		if f.UIDValidity != 0 && sel.UIDValidity != f.UIDValidity {
			// The cache of this folder is stale; the next sync rebuilds it
			// and UIDs from the server cannot be matched to it until then.
			return nil
		}
		var opts *imapv2.SearchOptions
		if cn.caps.Has(imapv2.CapESearch) {
			opts = &imapv2.SearchOptions{ReturnAll: true}
		}
		crit := criteria
		data, err := cn.c.UIDSearch(&crit, opts).Wait()
		if err != nil {
			return err
		}
		uids := searchUIDs(data)
		if len(uids) == 0 {
			return nil
		}
		var missingUIDs []uint32
		for _, u := range uids {
			m, err := a.st.MessageByUID(ctx, f.ID, u)
			if err == nil {
				out = append(out, m)
				continue
			}
			if !errors.Is(err, store.ErrNotFound) && mailerr.KindOf(err) != mailerr.NotFound {
				return err
			}
			missingUIDs = append(missingUIDs, u)
		}
		if len(missingUIDs) == 0 {
			return nil
		}
		fetched, err := fetchSummaries(cn, missingUIDs)
		if err != nil {
			return err
		}
		if len(fetched) == 0 {
			return nil
		}
		if f.UIDValidity == 0 {
			// Never synced: record the UIDVALIDITY the stored UIDs belong
			// to, so that a renumbering before the first sync is noticed.
			cur, err := a.st.Folder(ctx, f.ID)
			if err != nil {
				return err
			}
			if cur.UIDValidity == 0 {
				if err := a.st.SetSyncState(ctx, f.ID, sel.UIDValidity, cur.UIDNext, cur.HighestModSeq, cur.SyncedFrom); err != nil {
					return err
				}
			} else if cur.UIDValidity != sel.UIDValidity {
				return nil
			}
		}
		if err := a.st.PutSummaries(ctx, f.ID, fetched); err != nil {
			return err
		}
		added = true
		for _, s := range fetched {
			m, err := a.st.MessageByUID(ctx, f.ID, s.UID)
			if err != nil {
				return err
			}
			out = append(out, m)
		}
		return nil
	})
	return out, added, err
}

// searchUIDs reads a UID SEARCH answer into ascending UIDs, keeping only
// the newest MaxServerResults (walking the ranges from the top, so that an
// answer covering millions of UIDs costs no more than a small one).
func searchUIDs(data *imapv2.SearchData) []uint32 {
	if data == nil {
		return nil
	}
	us, ok := data.All.(imapv2.UIDSet)
	if !ok {
		return nil
	}
	var ranges []imapv2.UIDRange
	for _, r := range us {
		if r.Start > r.Stop {
			r.Start, r.Stop = r.Stop, r.Start
		}
		if r.Start == 0 || r.Stop == 0 {
			continue // a dynamic range would be a server bug
		}
		ranges = append(ranges, r)
	}
	sort.Slice(ranges, func(i, j int) bool { return ranges[i].Stop > ranges[j].Stop })
	seen := map[uint32]bool{}
	var out []uint32
	for _, r := range ranges {
		for u := r.Stop; u >= r.Start && len(out) < MaxServerResults; u-- {
			if !seen[uint32(u)] {
				seen[uint32(u)] = true
				out = append(out, uint32(u))
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// fetchSummaries fetches the envelopes of uids in the examined folder, as
// the header sync does.
func fetchSummaries(cn *conn, uids []uint32) ([]store.Summary, error) {
	var set imapv2.UIDSet
	for _, u := range uids {
		set.AddNum(imapv2.UID(u))
	}
	want := map[uint32]bool{}
	for _, u := range uids {
		want[u] = true
	}
	cmd := cn.c.Fetch(set, summaryFetch())
	var out []store.Summary
	for {
		msg := cmd.Next()
		if msg == nil {
			break
		}
		if s, ok := summaryOf(msg); ok && want[s.UID] {
			delete(want, s.UID) // each UID once
			out = append(out, s)
		}
	}
	return out, cmd.Close()
}
