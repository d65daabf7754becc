package main

import (
	"fmt"
	"path/filepath"
	"time"

	"hongyan/app/readbench"
	"hongyan/internal/mailtest"
	"hongyan/mailcore/message"
	"hongyan/mailcore/search"
	"hongyan/mailcore/store"
)

func init() {
	Register(Metric{Name: "message", Order: 50, Run: messageMetrics})
}

const parseMessages = 10000

// cachedBodies reads parseMessages cached message sources: from the POP3
// group's store when it ran, else from a store filled here.
func cachedBodies(env *Env) ([][]byte, error) {
	path, account := env.POP3Store, env.POP3Account
	if path == "" {
		path, account = filepath.Join(env.Dir, "bodies.db"), "bench"
		st, err := store.Open(path)
		if err != nil {
			return nil, err
		}
		logf("caching %d message bodies", parseMessages)
		err = search.BenchPopulate(env.Ctx, st, account, mailtest.GenerateMessages(parseMessages, 4), true)
		st.Close()
		if err != nil {
			return nil, err
		}
	}
	st, err := store.Open(path)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	ctx := env.Ctx
	inbox, err := st.FolderByRole(ctx, account, store.RoleInbox)
	if err != nil {
		return nil, err
	}
	sums, err := st.Page(ctx, inbox.ID, store.ByDateDesc, 0, parseMessages)
	if err != nil {
		return nil, err
	}
	out := make([][]byte, 0, len(sums))
	for _, s := range sums {
		raw, err := st.Body(ctx, s.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, raw)
	}
	if len(out) != parseMessages {
		return nil, fmt.Errorf("%d cached bodies, want %d", len(out), parseMessages)
	}
	return out, nil
}

// messageMetrics: opening a large message to a rendered view (median of
// five) and the parse rate over cached sources.
func messageMetrics(env *Env) ([]Result, error) {
	var opens []time.Duration
	for i := 0; i < 5; i++ {
		v, err := readbench.OpenLargeMs()
		if err != nil {
			return nil, err
		}
		opens = append(opens, time.Duration(v*float64(time.Millisecond)))
	}
	out := []Result{{Name: "message.open_large", Value: ms(median(opens)), Unit: "ms", Goal: "<= 300",
		Note: "200 KB HTML + 5 MB attachment, parsed and rendered (Fyne test driver), median of 5"}}

	raws, err := cachedBodies(env)
	if err != nil {
		return out, err
	}
	var bytes int64
	start := time.Now()
	for _, raw := range raws {
		if _, err := message.Parse(raw); err != nil {
			return out, err
		}
		bytes += int64(len(raw))
	}
	d := time.Since(start)
	out = append(out, Result{Name: "message.parse_rate", Value: float64(len(raws)) / d.Seconds(), Unit: "messages/s",
		Note: fmt.Sprintf("message.Parse of %d cached sources (%.0f MB)", len(raws), float64(bytes)/(1<<20))})
	return out, nil
}
