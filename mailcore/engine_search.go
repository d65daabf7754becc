package mailcore

import (
	"context"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"

	"hongyan/mailcore/search"
	"hongyan/mailcore/store"
)

// serverSearchTimeout bounds one account's server search.
const serverSearchTimeout = 45 * time.Second

// Search runs a query (see search.Parse for the syntax) over the local
// index and, in parallel, on the server of every IMAP account that is
// online, and returns one page of the merged results, newest first.
// Results the local search did not find are marked FromServer; they are
// in the cache (their summaries were fetched), so they open like any
// other. A server that fails does not lose the local results: they are
// returned together with the error. Each call searches the servers
// again: callers wanting several pages ask for them at once (up to
// search.MaxLimit).
func (e *Engine) Search(ctx context.Context, q string, offset, limit int) ([]search.Result, error) {
	pq, err := search.Parse(q)
	if err != nil {
		return nil, err
	}
	if offset < 0 {
		offset = 0
	}
	if limit <= 0 {
		return nil, nil
	}
	n := min(offset+limit, search.MaxLimit)
	res, err := e.searcher().SearchMerged(ctx, pq, &serverSearcher{e: e}, n)
	if offset >= len(res) {
		return nil, err
	}
	return res[offset:min(len(res), offset+limit)], err
}

// SearchLocal runs a query over the local index only (fast, for results
// as the user types).
func (e *Engine) SearchLocal(ctx context.Context, q string, offset, limit int) ([]search.Result, error) {
	pq, err := search.Parse(q)
	if err != nil {
		return nil, err
	}
	ms, err := e.searcher().Search(ctx, pq, offset, limit)
	if err != nil {
		return nil, err
	}
	out := make([]search.Result, len(ms))
	for i, m := range ms {
		out[i] = search.Result{Summary: m}
	}
	return out, nil
}

// SearchCount counts the local matches of a query.
func (e *Engine) SearchCount(ctx context.Context, q string) (int, error) {
	pq, err := search.Parse(q)
	if err != nil {
		return 0, err
	}
	return e.searcher().Count(ctx, pq)
}

// CanSearchServer reports whether any account can search on its server
// now (an IMAP account that is online).
func (e *Engine) CanSearchServer() bool {
	for _, a := range e.Accounts() {
		if _, ok := e.onlineIMAP(a.ID); ok {
			return true
		}
	}
	return false
}

// searcher is the local search over the cache (a light value: the index
// lives in the store).
func (e *Engine) searcher() *search.Engine { return search.New(e.store) }

// serverSearch is what an account engine that can search on its server
// offers (the IMAP one).
type serverSearch interface {
	Online() bool
	SearchServerIn(ctx context.Context, criteria imap.SearchCriteria, folderIDs []int64) ([]store.Summary, error)
}

// onlineIMAP returns an account's engine when it can search on its server
// and is online.
func (e *Engine) onlineIMAP(id string) (serverSearch, bool) {
	r, err := e.runner(id)
	if err != nil {
		return nil, false
	}
	in, ok := r.in.(serverSearch)
	if !ok || !in.Online() {
		return nil, false
	}
	return in, true
}

// serverSearcher adapts the engine's running IMAP accounts to
// search.ServerSearcher.
type serverSearcher struct{ e *Engine }

func (s *serverSearcher) Search(ctx context.Context, acct string, q search.Query) ([]store.Summary, error) {
	in, ok := s.e.onlineIMAP(acct)
	if !ok {
		return nil, nil // POP3, stopped or offline: local results only
	}
	var folders []int64 // nil: every folder
	if len(q.Folders) > 0 || q.SkipsTrashAndJunk() {
		fs, err := s.e.store.Folders(ctx, acct)
		if err != nil {
			return nil, err
		}
		for _, f := range fs {
			keep := !search.SkippedRole(f.Role)
			if len(q.Folders) > 0 {
				keep = folderMatches(f, q.Folders)
			}
			if keep {
				folders = append(folders, f.ID)
			}
		}
		if len(folders) == 0 {
			return nil, nil
		}
	}
	ctx, cancel := context.WithTimeout(ctx, serverSearchTimeout)
	defer cancel()
	return in.SearchServerIn(ctx, search.IMAPCriteria(q), folders)
}

// folderRoles are the in: words naming a special folder, as the local
// search reads them.
var folderRoles = map[string]string{
	"inbox": store.RoleInbox, "sent": store.RoleSent, "drafts": store.RoleDrafts, "draft": store.RoleDrafts,
	"trash": store.RoleTrash, "junk": store.RoleJunk, "spam": store.RoleJunk, "archive": store.RoleArchive,
}

// folderMatches tells whether f is named by one of the in: values: by
// role, full name or last name component, without regard to case.
func folderMatches(f store.Folder, values []string) bool {
	for _, v := range values {
		if role, ok := folderRoles[strings.ToLower(v)]; ok && f.Role == role {
			return true
		}
		if strings.EqualFold(v, f.Name) || strings.EqualFold(v, f.DisplayName()) {
			return true
		}
	}
	return false
}
