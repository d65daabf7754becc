package main

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	imapv2 "github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"hongyan/internal/faultnet"
	"hongyan/internal/mailtest"
	imapsync "hongyan/mailcore/imap"
	"hongyan/mailcore/netsec"
	"hongyan/mailcore/store"
)

func init() {
	Register(Metric{Name: "imap", Order: 10, Run: imapMetrics})
	Register(Metric{Name: "neomutt", Order: 11, Run: neomuttMetric})
}

const childEnv = "HONGYAN_BENCH_CHILD"

// rawBaseline is the raw_fetch time measured by the imap group, reused by
// the NeoMutt row so that both compare with the same baseline.
var rawBaseline time.Duration

// warmIMAP runs one untimed full fetch so that Dovecot's index and cache
// are built before anything is timed.
func warmIMAP(env *Env) func(mailtest.User) error {
	return func(u mailtest.User) error {
		_, _, err := rawFetch(env.Ctx, env.Stack.Addr(env.Stack.IMAPSPort), env.Stack.TLSConfig(), u.Name, u.Password)
		return err
	}
}

func imapConfig(s *mailtest.Stack, u mailtest.User) imapsync.Config {
	return imapsync.Config{AccountID: "bench", Host: s.Host, Port: s.IMAPSPort, Security: imapsync.SecurityTLS,
		Username: u.Name, Password: u.Password, TLS: netsec.Options{RootCAs: s.CAPool}}
}

type childResult struct {
	Seconds  float64 `json:"seconds"`
	Messages int     `json:"messages"`
	PeakKB   int64   `json:"peak_kb"`
	// CPU is the user and system CPU time the process spent in the sync:
	// steadier than the wall time, which follows the machine's load.
	CPU float64 `json:"cpu_seconds"`
	// The parts of CPU and the page faults, to tell a slow round's cause
	// (the sync's own code, the kernel, the heap's fresh pages).
	User   float64 `json:"user_seconds"`
	Sys    float64 `json:"sys_seconds"`
	MinFlt int64   `json:"minor_faults"`
}

// procUsage is this process's user and system CPU time and minor page
// faults so far.
func procUsage() (user, sys time.Duration, minflt int64) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, 0, 0
	}
	return time.Duration(ru.Utime.Nano()), time.Duration(ru.Stime.Nano()), ru.Minflt
}

// cpuTicks are the machine's CPU times so far, in seconds, from the first
// line of /proc/stat: user nice system idle iowait irq softirq steal; nil
// where that cannot be read.
func cpuTicks() []time.Duration {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return nil
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return nil
	}
	out := make([]time.Duration, 8)
	for i, v := range f[1:9] {
		n, _ := strconv.ParseInt(v, 10, 64)
		out[i] = time.Duration(n) * time.Second / 100 // USER_HZ
	}
	return out
}

// stealTime is the time the hypervisor has taken from this machine's
// cores so far, or 0.
func stealTime() time.Duration {
	if t := cpuTicks(); t != nil {
		return t[7]
	}
	return 0
}

// machineCPU is the CPU time all processes of the machine have spent so
// far (user, system and interrupts of every core: all but idle and
// iowait), or 0 where that cannot be read. Over a round it shows how busy
// Dovecot, its TLS proxy and the client kept the cores together: on two
// cores both the sync and the raw drain use nearly all of them.
func machineCPU() time.Duration {
	var sum time.Duration
	for i, d := range cpuTicks() {
		if i != 3 && i != 4 {
			sum += d
		}
	}
	return sum
}

// peakRSS reads this process's VmHWM in kB. (The rusage of a child is no
// use here: Linux carries the parent's high-water mark across the
// vfork+exec that starts it.)
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb
		}
	}
	return 0
}

// runChild performs the cold sync in a process of its own, so that its
// peak RSS can be read by the parent.
func runChild(kind string) int {
	if kind != "imap-sync" {
		fmt.Fprintln(os.Stderr, "unknown child", kind)
		return 2
	}
	pem, err := os.ReadFile(os.Getenv("BENCH_CAFILE"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	port, _ := strconv.Atoi(os.Getenv("BENCH_PORT"))
	st, err := store.Open(os.Getenv("BENCH_STORE"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer st.Close()
	cfg := imapsync.Config{AccountID: "bench", Host: os.Getenv("BENCH_HOST"), Port: port, Security: imapsync.SecurityTLS,
		Username: os.Getenv("BENCH_USER"), Password: os.Getenv("BENCH_PASS"), TLS: netsec.Options{RootCAs: pool}}
	ctx := context.Background()
	if prof := os.Getenv("BENCH_SYNC_CPUPROFILE"); prof != "" {
		// The parent's -cpuprofile never sees this process; a profile of
		// the sync itself is written here, the last round's kept.
		f, err := os.Create(prof)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "cpu profile:", err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}
	u0, s0, f0 := procUsage()
	cpu0, start := faultnet.CPUTime(), time.Now()
	a := imapsync.New(cfg, st, nil)
	defer a.Close()
	if err := a.SyncFolders(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	inbox, err := st.FolderByRole(ctx, "bench", store.RoleInbox)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := a.SyncFolder(ctx, inbox.ID); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	secs, cpu := time.Since(start).Seconds(), (faultnet.CPUTime() - cpu0).Seconds()
	u1, s1, f1 := procUsage()
	n, _, _ := st.Counts(ctx, inbox.ID)
	_ = json.NewEncoder(os.Stdout).Encode(childResult{Seconds: secs, Messages: n, PeakKB: peakRSS(), CPU: cpu,
		User: (u1 - u0).Seconds(), Sys: (s1 - s0).Seconds(), MinFlt: f1 - f0})
	return 0
}

// imapRounds is how many times the raw baseline and the cold sync run.
const imapRounds = 3

func imapMetrics(env *Env) ([]Result, error) {
	s := env.Stack
	u, err := env.SeededUser("imap", warmIMAP(env))
	if err != nil {
		return nil, err
	}
	var out []Result

	// The baseline (a raw pipelined FETCH) and the cold sync (in a child
	// process, for its peak RSS) run in turns, three times each, and the
	// best of each counts. This machine's speed drifts by tens of percent
	// within a minute; taking turns lets both see the same drift, which
	// running all of one and then all of the other did not.
	self, err := os.Executable()
	if err != nil {
		return out, err
	}
	var raw time.Duration
	var best childResult
	var peakKB int64
	var dbPath string
	var rawRuns, syncRuns, syncCPU []string // every round, for the notes
	var rawMachine, syncMachine []string    // the machine's CPU time in each round
	var syncParts []string                  // user/system CPU, page faults, steal of each sync round
	for i := 0; i < imapRounds; i++ {
		m0 := machineCPU()
		n, d, err := rawFetch(env.Ctx, s.Addr(s.IMAPSPort), s.TLSConfig(), u.Name, u.Password)
		if err != nil {
			return out, err
		}
		if n != env.N {
			return out, fmt.Errorf("raw fetch saw %d messages, want %d", n, env.N)
		}
		rawRuns = append(rawRuns, fmt.Sprintf("%.3f", d.Seconds()))
		rawMachine = append(rawMachine, fmt.Sprintf("%.2f", (machineCPU()-m0).Seconds()))
		if raw == 0 || d < raw {
			raw = d
		}

		if dbPath != "" {
			os.Remove(dbPath)
		}
		dbPath = filepath.Join(env.Dir, fmt.Sprintf("imap-cold-%d.db", i))
		cmd := exec.Command(self)
		cmd.Env = append(os.Environ(), childEnv+"=imap-sync", "BENCH_CAFILE="+s.CAFile, "BENCH_HOST="+s.Host,
			"BENCH_PORT="+strconv.Itoa(s.IMAPSPort), "BENCH_USER="+u.Name, "BENCH_PASS="+u.Password, "BENCH_STORE="+dbPath)
		if prof := os.Getenv("BENCH_SYNC_CPUPROFILE"); prof != "" {
			// one profile per round, so that a slow round can be
			// compared with the others of its run
			cmd.Env = append(cmd.Env, fmt.Sprintf("BENCH_SYNC_CPUPROFILE=%s.%d", prof, i))
		}
		cmd.Stderr = os.Stderr
		st1 := stealTime()
		m1 := machineCPU()
		stdout, err := cmd.Output()
		syncMachine = append(syncMachine, fmt.Sprintf("%.2f", (machineCPU()-m1).Seconds()))
		if err != nil {
			return out, fmt.Errorf("cold sync child: %w", err)
		}
		var cr childResult
		if err := json.Unmarshal(stdout, &cr); err != nil {
			return out, fmt.Errorf("cold sync child output %q: %w", stdout, err)
		}
		if cr.Messages != env.N {
			return out, fmt.Errorf("cold sync cached %d messages, want %d", cr.Messages, env.N)
		}
		syncRuns = append(syncRuns, fmt.Sprintf("%.3f", cr.Seconds))
		syncCPU = append(syncCPU, fmt.Sprintf("%.2f", cr.CPU))
		syncParts = append(syncParts, fmt.Sprintf("%.2f/%.2f/%dk/%.2f", cr.User, cr.Sys, cr.MinFlt/1000, (stealTime()-st1).Seconds()))
		if best.Seconds == 0 || cr.Seconds < best.Seconds {
			best = cr
		}
		peakKB = max(peakKB, cr.PeakKB)
	}
	rawBaseline = raw
	out = append(out, Result{Name: "imap.raw_fetch", Value: raw.Seconds(), Unit: "s",
		Note: fmt.Sprintf("baseline: minimal client, one pipelined UID FETCH 1:*, best of %d (%s s; CPU of the whole machine %s s)",
			imapRounds, strings.Join(rawRuns, ", "), strings.Join(rawMachine, ", "))})
	env.ColdStore = dbPath
	out = append(out, Result{Name: "imap.cold_sync", Value: best.Seconds, Unit: "s", Goal: "ratio <= 1.3",
		Note: fmt.Sprintf("best of %d, each into an empty store, in turns with the baseline (%s s; CPU of the syncing process %s s, of the whole machine %s s; user/system s, minor faults, steal s: %s)",
			imapRounds, strings.Join(syncRuns, ", "), strings.Join(syncCPU, ", "), strings.Join(syncMachine, ", "), strings.Join(syncParts, ", "))}.WithBaseline("raw_fetch", raw.Seconds()))
	out = append(out, Result{Name: "imap.sync_peak_rss", Value: float64(peakKB) / 1024, Unit: "MB", Goal: "<= 250",
		Note: fmt.Sprintf("peak RSS (VmHWM) of a process doing the cold sync (the highest of %d runs)", imapRounds)})

	// Warm reopen: a new engine over the synced cache, nothing changed.
	st, err := store.Open(dbPath)
	if err != nil {
		return out, err
	}
	defer st.Close()
	ctx := env.Ctx
	inbox, err := st.FolderByRole(ctx, "bench", store.RoleInbox)
	if err != nil {
		return out, err
	}
	var reopen []time.Duration
	var a *imapsync.Account
	for i := 0; i < 5; i++ {
		if a != nil {
			a.Close()
		}
		start := time.Now()
		a = imapsync.New(imapConfig(s, u), st, nil)
		if err := a.SyncFolder(ctx, inbox.ID); err != nil {
			return out, err
		}
		page, err := st.Page(ctx, inbox.ID, store.ByDateDesc, 0, 50)
		if err != nil || len(page) != 50 {
			return out, fmt.Errorf("first page: %d rows, %v", len(page), err)
		}
		reopen = append(reopen, time.Since(start))
	}
	defer a.Close()
	out = append(out, Result{Name: "imap.warm_reopen", Value: ms(median(reopen)), Unit: "ms", Goal: "<= 100",
		Note: "connect, login, SELECT, resync check, first page of 50"})

	// Flag resync: another client changes 100 flags.
	oc, err := imapclient.DialTLS(s.Addr(s.IMAPSPort), &imapclient.Options{TLSConfig: s.TLSConfig()})
	if err != nil {
		return out, err
	}
	defer oc.Close()
	if err := oc.Login(u.Name, u.Password).Wait(); err != nil {
		return out, err
	}
	if _, err := oc.Select("INBOX", nil).Wait(); err != nil {
		return out, err
	}
	var flagTimes []time.Duration
	for round := 0; round < 3; round++ {
		var set imapv2.UIDSet
		for i := 0; i < 100; i++ {
			set.AddNum(imapv2.UID(1 + (i*97+(round/2)*13)%env.N))
		}
		op := imapv2.StoreFlagsAdd
		if round%2 == 1 {
			op = imapv2.StoreFlagsDel
		}
		if err := oc.Store(set, &imapv2.StoreFlags{Op: op, Silent: true, Flags: []imapv2.Flag{imapv2.FlagFlagged}}, nil).Close(); err != nil {
			return out, err
		}
		start := time.Now()
		stats, err := a.SyncFolderStats(ctx, inbox.ID)
		if err != nil {
			return out, err
		}
		flagTimes = append(flagTimes, time.Since(start))
		if stats.FlagsChanged == 0 {
			return out, fmt.Errorf("flag resync saw no change")
		}
	}
	out = append(out, Result{Name: "imap.flag_resync", Value: ms(median(flagTimes)), Unit: "ms", Goal: "<= 300",
		Note: "100 flags changed by another client"})

	// Store: one page of 50 rows.
	var pages []time.Duration
	for i := 0; i < 21; i++ {
		start := time.Now()
		page, err := st.Page(ctx, inbox.ID, store.ByDateDesc, (i%3)*50, 50)
		if err != nil || len(page) != 50 {
			return out, fmt.Errorf("page: %d rows, %v", len(page), err)
		}
		pages = append(pages, time.Since(start))
	}
	out = append(out, Result{Name: "store.first_page", Value: ms(median(pages)), Unit: "ms", Goal: "<= 5"})
	return out, nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}
