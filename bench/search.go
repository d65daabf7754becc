package main

import (
	"fmt"
	"path/filepath"

	"hongyan/internal/mailtest"
	"hongyan/mailcore/search"
	"hongyan/mailcore/store"
)

func init() {
	Register(Metric{Name: "search", Order: 40, Run: searchMetrics})
}

// searchStore opens the cache of BENCH_N messages: the one the IMAP cold
// sync filled when that group ran, else a new one filled directly with
// generated summaries (in chunks, to bound memory).
func searchStore(env *Env) (*store.Store, string, error) {
	if env.ColdStore != "" {
		st, err := store.Open(env.ColdStore)
		return st, "the IMAP cold sync's cache", err
	}
	st, err := store.Open(filepath.Join(env.Dir, "search.db"))
	if err != nil {
		return nil, "", err
	}
	logf("filling a cache with %d summaries", env.N)
	const chunk = 10000
	for done := 0; done < env.N; done += chunk {
		raws := mailtest.GenerateMessages(min(chunk, env.N-done), int64(100+done/chunk))
		if err := search.BenchPopulate(env.Ctx, st, "bench", raws, false); err != nil {
			st.Close()
			return nil, "", err
		}
	}
	return st, "generated summaries", nil
}

// searchMetrics measures, over BENCH_N cached summaries: rebuilding the
// full-text index (index_rate), the query mix of search.BenchQueries
// (median, p95) and threading every message (thread.build).
func searchMetrics(env *Env) ([]Result, error) {
	st, src, err := searchStore(env)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	ctx := env.Ctx
	rate, err := search.BenchIndexRate(ctx, st)
	if err != nil {
		return nil, err
	}
	out := []Result{{Name: "search.index_rate", Value: rate, Unit: "messages/s",
		Note: fmt.Sprintf("full rebuild of the index over %d messages (%s, headers only)", env.N, src)}}
	res, err := search.BenchSearch(ctx, st, 5)
	if err != nil {
		return out, err
	}
	note := fmt.Sprintf("%d queries of search.BenchQueries, first page of 50", res.Queries)
	out = append(out,
		Result{Name: "search.median", Value: ms(res.Median), Unit: "ms", Goal: "<= 50", Note: note},
		Result{Name: "search.p95", Value: ms(res.P95), Unit: "ms", Goal: "<= 150", Note: note})
	d, err := search.BenchThreadBuild(ctx, st)
	if err != nil {
		return out, err
	}
	out = append(out, Result{Name: "thread.build", Value: d.Seconds(), Unit: "s", Goal: "<= 2",
		Note: fmt.Sprintf("threading all %d messages from scratch", env.N)})
	return out, nil
}
