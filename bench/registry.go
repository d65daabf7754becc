package main

import (
	"context"
	"fmt"
	"os"
	"sort"
	"sync"

	"hongyan/internal/mailtest"
)

// Result is one row of the benchmark report. Ratio is Value/BaselineValue
// when a baseline exists.
type Result struct {
	Name          string  `json:"name"`
	Value         float64 `json:"value"`
	Unit          string  `json:"unit"`
	BaselineName  string  `json:"baseline_name,omitempty"`
	BaselineValue float64 `json:"baseline_value,omitempty"`
	Ratio         float64 `json:"ratio,omitempty"`
	Goal          string  `json:"goal,omitempty"`
	Note          string  `json:"note,omitempty"`
}

// WithBaseline fills the baseline columns and the ratio.
func (r Result) WithBaseline(name string, value float64) Result {
	r.BaselineName, r.BaselineValue = name, value
	if value > 0 {
		r.Ratio = r.Value / value
	}
	return r
}

// Env is what metric functions share: the running mail stack and users
// seeded once per run.
type Env struct {
	Ctx   context.Context
	Stack *mailtest.Stack
	N     int    // BENCH_N: messages in the big mailbox
	Dir   string // scratch directory of this run

	// ColdStore is the cache filled by the IMAP cold sync (BENCH_N
	// summaries, account "bench"), kept for later groups; "" until then.
	ColdStore string
	// POP3Store is the cache filled by the last pop3.download run (10,000
	// messages with bodies, account POP3Account); "" until then.
	POP3Store   string
	POP3Account string

	mu     sync.Mutex
	seeded map[string]mailtest.User
}

// SeededUser returns a user whose INBOX holds N generated messages (seed
// 1), creating and warming it on first use under the given key.
func (e *Env) SeededUser(key string, warm func(mailtest.User) error) (mailtest.User, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if u, ok := e.seeded[key]; ok {
		return u, nil
	}
	u, err := e.Stack.NewUser()
	if err != nil {
		return u, err
	}
	logf("seeding %d messages for %s", e.N, key)
	if err := e.Stack.Seed(u, "INBOX", mailtestMessages(e.N)); err != nil {
		return u, err
	}
	if warm != nil {
		logf("warming the server (one untimed full fetch)")
		if err := warm(u); err != nil {
			return u, err
		}
	}
	e.seeded[key] = u
	return u, nil
}

func mailtestMessages(n int) [][]byte { return mailtest.GenerateMessages(n, 1) }

// Metric produces one or more rows. Later areas register theirs
// (pop3.*, smtp.*, ui.*, search.*) from their own files in this package.
type Metric struct {
	Name  string // group name, used by -run filtering
	Order int    // lower runs first
	Run   func(*Env) ([]Result, error)
}

var (
	regMu    sync.Mutex
	registry []Metric
)

// Register adds a metric group; call it from an init function.
func Register(m Metric) {
	regMu.Lock()
	defer regMu.Unlock()
	registry = append(registry, m)
}

func metrics() []Metric {
	regMu.Lock()
	defer regMu.Unlock()
	out := append([]Metric(nil), registry...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Order < out[j].Order })
	return out
}

func logf(format string, a ...any) { fmt.Fprintf(os.Stderr, "bench: "+format+"\n", a...) }
