package search

import (
	"context"
	"errors"
	"sort"
	"strings"
	"sync"

	"hongyan/mailcore/store"
)

// Result is one search hit. FromServer marks a message the server found
// and the local search did not (for example one older than the cache).
type Result struct {
	store.Summary
	FromServer bool
}

// ServerSearcher searches an account's server. Returned summaries carry at
// least FolderID and UID, and ID when the message is in the cache; the IMAP
// engine can build one from IMAPCriteria and UID SEARCH + FETCH ENVELOPE.
type ServerSearcher interface {
	Search(ctx context.Context, account string, q Query) ([]store.Summary, error)
}

// SearchMerged runs the local search (first limit results) and the server
// search of every account in scope (q.Accounts, or all accounts in the
// cache) in parallel, and merges them newest first without duplicates
// (same store id, same folder and UID, or same Message-ID). A failing
// server does not lose the local results: they are returned with the
// error (errors of several accounts joined).
func (e *Engine) SearchMerged(ctx context.Context, q Query, server ServerSearcher, limit int) ([]Result, error) {
	accounts := q.Accounts
	if len(accounts) == 0 {
		var err error
		if accounts, err = e.accounts(ctx); err != nil {
			return nil, err
		}
	}
	var (
		wg        sync.WaitGroup
		remote    = make([][]store.Summary, len(accounts))
		remoteErr = make([]error, len(accounts))
		local     []store.Summary
		localErr  error
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		local, localErr = e.Search(ctx, q, 0, limit)
	}()
	if server != nil {
		for i, acct := range accounts {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// Each goroutine writes only its own slot.
				remote[i], remoteErr[i] = server.Search(ctx, acct, q)
			}()
		}
	}
	wg.Wait()
	if localErr != nil {
		return nil, localErr
	}
	var all []store.Summary
	for _, r := range remote {
		all = append(all, r...)
	}
	out := Merge(local, all)
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, errors.Join(remoteErr...)
}

// Merge combines local and server results newest first, dropping server
// results that are already among the local ones.
func Merge(local, server []store.Summary) []Result {
	out := make([]Result, 0, len(local)+len(server))
	byID := map[int64]bool{}
	byUID := map[[2]int64]bool{}
	byMsgID := map[string]bool{}
	seen := func(m store.Summary) bool {
		if m.ID != 0 && byID[m.ID] {
			return true
		}
		if m.UID != 0 && byUID[[2]int64{m.FolderID, int64(m.UID)}] {
			return true
		}
		k := strings.Trim(strings.TrimSpace(m.MessageID), "<>")
		return k != "" && byMsgID[k]
	}
	note := func(m store.Summary) {
		if m.ID != 0 {
			byID[m.ID] = true
		}
		if m.UID != 0 {
			byUID[[2]int64{m.FolderID, int64(m.UID)}] = true
		}
		if k := strings.Trim(strings.TrimSpace(m.MessageID), "<>"); k != "" {
			byMsgID[k] = true
		}
	}
	for _, m := range local {
		if !seen(m) {
			note(m)
			out = append(out, Result{Summary: m})
		}
	}
	for _, m := range server {
		if !seen(m) {
			note(m)
			out = append(out, Result{Summary: m, FromServer: true})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Date.After(out[j].Date) })
	return out
}

func (e *Engine) accounts(ctx context.Context) ([]string, error) {
	return column[string](ctx, e.db, `SELECT DISTINCT account FROM folders ORDER BY account`)
}
