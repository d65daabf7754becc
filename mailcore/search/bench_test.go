package search

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"hongyan/internal/mailtest"
	"hongyan/mailcore/store"
)

// Benchmarks run over a cache of BENCH_N generated messages (default 10000,
// summaries only) and BENCH_BODIES of them with cached bodies (default
// 1000). The cache is built once per process.
var (
	benchOnce  sync.Once
	benchStore *store.Store
	benchErr   error
)

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v >= 0 {
		return v
	}
	return def
}

func benchCache(b *testing.B) *store.Store {
	benchOnce.Do(func() {
		ctx := context.Background()
		dir, err := os.MkdirTemp("", "hongyan-search-bench")
		if err != nil {
			benchErr = err
			return
		}
		benchStore, benchErr = store.Open(filepath.Join(dir, "cache.db"))
		if benchErr != nil {
			return
		}
		n, bodies := envInt("BENCH_N", 10000), envInt("BENCH_BODIES", 1000)
		const chunk = 5000
		for start, seed := 0, int64(1); start < n; start, seed = start+chunk, seed+1 {
			raws := mailtest.GenerateMessages(min(chunk, n-start), seed)
			withBodies := start < bodies
			if withBodies && len(raws) > bodies-start {
				if benchErr = BenchPopulate(ctx, benchStore, "bench", raws[:bodies-start], true); benchErr != nil {
					return
				}
				raws = raws[bodies-start:]
				withBodies = false
			}
			if benchErr = BenchPopulate(ctx, benchStore, "bench", raws, withBodies); benchErr != nil {
				return
			}
		}
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchStore
}

// BenchmarkQueryMix reports the median and p95 of the harness's query mix.
func BenchmarkQueryMix(b *testing.B) {
	st := benchCache(b)
	b.ResetTimer()
	var r BenchResult
	var err error
	for b.Loop() {
		if r, err = BenchSearch(context.Background(), st, 3); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(r.Median.Microseconds())/1000, "median-ms")
	b.ReportMetric(float64(r.P95.Microseconds())/1000, "p95-ms")
}

// BenchmarkSearchEach times each query of the mix on its own.
func BenchmarkSearchEach(b *testing.B) {
	st := benchCache(b)
	e := New(st)
	for _, qs := range BenchQueries {
		q, err := Parse(qs)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(qs, func(b *testing.B) {
			for b.Loop() {
				if _, err := e.Search(context.Background(), q, 0, 50); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkIndexRate(b *testing.B) {
	st := benchCache(b)
	var rate float64
	var err error
	for b.Loop() {
		if rate, err = BenchIndexRate(context.Background(), st); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(rate, "msgs/s")
}

func BenchmarkThreadBuild(b *testing.B) {
	st := benchCache(b)
	for b.Loop() {
		if _, err := BenchThreadBuild(context.Background(), st); err != nil {
			b.Fatal(err)
		}
	}
}
