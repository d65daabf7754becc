package main

import (
	"fmt"
	"path/filepath"
	"time"

	"hongyan/internal/mailtest"
	"hongyan/mailcore/netsec"
	"hongyan/mailcore/pop3"
	"hongyan/mailcore/store"
)

func init() {
	Register(Metric{Name: "pop3", Order: 20, Run: pop3Metrics})
}

// pop3Messages is the size of the POP3 mailbox (fixed: POP3 accounts are
// small by nature, and every run downloads all of it).
const pop3Messages = 10000

// pop3Metrics times the engine downloading pop3Messages messages into a
// fresh store against a raw POP3 session doing the same work (raw_pop3),
// best of two runs each, interleaved.
func pop3Metrics(env *Env) ([]Result, error) {
	s := env.Stack
	u, err := s.NewUser()
	if err != nil {
		return nil, err
	}
	logf("seeding %d messages for pop3", pop3Messages)
	if err := s.Seed(u, "INBOX", mailtest.GenerateMessages(pop3Messages, 2)); err != nil {
		return nil, err
	}
	ctx := env.Ctx
	// One untimed download warms Dovecot's index and the page cache.
	if n, _, err := pop3.RawDownload(ctx, s.Host, s.POP3SPort, u.Name, u.Password, s.TLSConfig()); err != nil || n != pop3Messages {
		return nil, fmt.Errorf("raw pop3 warm-up: %d messages, %v", n, err)
	}
	account := "pop-bench"
	var raw, engine time.Duration
	for i := 0; i < 2; i++ {
		n, d, err := pop3.RawDownload(ctx, s.Host, s.POP3SPort, u.Name, u.Password, s.TLSConfig())
		if err != nil {
			return nil, err
		}
		if n != pop3Messages {
			return nil, fmt.Errorf("raw pop3 saw %d messages, want %d", n, pop3Messages)
		}
		if raw == 0 || d < raw {
			raw = d
		}

		path := filepath.Join(env.Dir, fmt.Sprintf("pop3-%d.db", i))
		st, err := store.Open(path)
		if err != nil {
			return nil, err
		}
		cfg := pop3.Config{Account: account, Host: s.Host, Port: s.POP3SPort, Security: pop3.SecurityTLS,
			Username: u.Name, Password: u.Password, Net: netsec.Options{RootCAs: s.CAPool},
			LeaveOnServer: true, Timeout: time.Minute}
		res, d2, err := pop3.BenchCheck(ctx, pop3.New(cfg, st, nil))
		st.Close()
		if err != nil {
			return nil, err
		}
		if res.New != pop3Messages {
			return nil, fmt.Errorf("pop3 engine stored %d messages, want %d", res.New, pop3Messages)
		}
		if engine == 0 || d2 < engine {
			engine = d2
		}
		env.POP3Store, env.POP3Account = path, account
	}
	return []Result{
		{Name: "pop3.raw_download", Value: raw.Seconds(), Unit: "s",
			Note: fmt.Sprintf("baseline: %d messages over POP3S, pipelined RETR, nothing kept", pop3Messages)},
		Result{Name: "pop3.download", Value: engine.Seconds(), Unit: "s", Goal: "ratio <= 1.2",
			Note: fmt.Sprintf("%d messages into a fresh store (sources kept in pack files, leave on server)", pop3Messages)}.
			WithBaseline("raw_pop3", raw.Seconds()),
	}, nil
}
