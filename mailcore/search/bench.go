package search

import (
	"context"
	"sort"
	"time"

	"hongyan/mailcore/message"
	"hongyan/mailcore/store"
)

// BenchQueries is the fixed mix the benchmark harness times: single words,
// a prefix, phrases, Chinese words of two and four characters, and field
// queries, chosen to match mail like internal/mailtest.GenerateMessages.
var BenchQueries = []string{
	"budget", "invoice", "deadline", "Smith", "custom",
	`"release planning"`, `"meeting notes"`,
	"会议", "合同", "季度报告", "王伟",
	"from:alice", "to:example.org", "subject:travel", "has:attachment report",
	"is:unread proposal", "after:2023-01-01 server", "in:inbox weekend",
}

// BenchResult is the timing of the query mix (first page of 50 results).
type BenchResult struct {
	Median, P95 time.Duration
	Queries     int
}

// BenchSearch runs BenchQueries rounds times over whatever st holds and
// returns the median and 95th percentile latency of one Search call
// (search.median, search.p95).
func BenchSearch(ctx context.Context, st *store.Store, rounds int) (BenchResult, error) {
	e := New(st)
	rounds = max(rounds, 1)
	var times []time.Duration
	for range rounds {
		for _, qs := range BenchQueries {
			q, err := Parse(qs)
			if err != nil {
				return BenchResult{}, err
			}
			start := time.Now()
			if _, err := e.Search(ctx, q, 0, 50); err != nil {
				return BenchResult{}, err
			}
			times = append(times, time.Since(start))
		}
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	return BenchResult{Median: times[len(times)/2], P95: times[(len(times)*95)/100], Queries: len(times)}, nil
}

// BenchIndexRate rebuilds the full-text index of st and returns messages
// indexed per second (search.index_rate). Cached bodies are parsed and
// indexed; messages without a body are indexed from their summary.
func BenchIndexRate(ctx context.Context, st *store.Store) (float64, error) {
	start := time.Now()
	n, err := st.RebuildSearchIndex(ctx)
	if err != nil {
		return 0, err
	}
	return float64(n) / time.Since(start).Seconds(), nil
}

// BenchThreadBuild recomputes every thread of st and returns how long it
// took (thread.build).
func BenchThreadBuild(ctx context.Context, st *store.Store) (time.Duration, error) {
	start := time.Now()
	_, err := st.ThreadAll(ctx)
	return time.Since(start), err
}

// BenchPopulate stores raw messages as the INBOX of account (created if
// needed), UIDs continuing after the folder's highest, in batches of 1000;
// withBodies also caches each body (which indexes its text). The harness
// may use it instead of a full IMAP sync to fill a cache quickly.
func BenchPopulate(ctx context.Context, st *store.Store, account string, raws [][]byte, withBodies bool) error {
	fid, err := st.UpsertFolder(ctx, store.Folder{Account: account, Name: "INBOX", Delim: "/", Role: store.RoleInbox, Subscribed: true, Selectable: true})
	if err != nil {
		return err
	}
	uids, err := st.UIDs(ctx, fid)
	if err != nil {
		return err
	}
	next := uint32(1)
	if len(uids) > 0 {
		next = uids[len(uids)-1] + 1
	}
	conv := func(as []message.Address) []store.Address {
		out := make([]store.Address, len(as))
		for i, a := range as {
			out[i] = store.Address{Name: a.Name, Addr: a.Email}
		}
		return out
	}
	for start := 0; start < len(raws); start += 1000 {
		batch := raws[start:min(start+1000, len(raws))]
		sums := make([]store.Summary, len(batch))
		for i, raw := range batch {
			h := message.ParseHeaderSummary(raw)
			s := store.Summary{UID: next, Date: h.Date, InternalDate: h.Date, Size: int64(len(raw)), Subject: h.Subject,
				To: conv(h.To), Cc: conv(h.Cc), MessageID: h.MessageID, InReplyTo: h.InReplyTo, References: h.References,
				HasAttachments: h.HasAttachments, Preview: h.Preview}
			if len(h.From) > 0 {
				s.From = store.Address{Name: h.From[0].Name, Addr: h.From[0].Email}
			}
			if i%3 == 0 {
				s.Flags = store.Seen
			}
			sums[i] = s
			next++
		}
		if err := st.PutSummaries(ctx, fid, sums); err != nil {
			return err
		}
		if withBodies {
			for i, raw := range batch {
				m, err := st.MessageByUID(ctx, fid, sums[i].UID)
				if err != nil {
					return err
				}
				if err := st.SetBody(ctx, m.ID, raw, ""); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
