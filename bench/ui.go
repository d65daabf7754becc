package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"

	"hongyan/app/composebench"
)

func init() {
	Register(Metric{Name: "compose", Order: 60, Run: composeMetrics})
	Register(Metric{Name: "ui", Order: 70, Run: uiMetrics})
}

// composeMetrics: typing into the compose body holding a 50 KB quoted
// reply, against a plain wrapped multi-line Entry with the same text, and
// opening a compose window on such a reply.
func composeMetrics(env *Env) ([]Result, error) {
	const keys = 60
	entry := composebench.EntryKeystrokeMs(keys, fyne.TextWrapWord)
	ours := composebench.KeystrokeMs(keys)
	out := []Result{
		{Name: "compose.entry_keystroke", Value: entry, Unit: "ms",
			Note: "baseline: widget.Entry (word wrap) holding the same 50 KB reply, median of 60 keys"},
		Result{Name: "compose.keystroke", Value: ours, Unit: "ms", Goal: "<= 50",
			Note: "compose body editor with a 50 KB quoted reply, key to relayout, median of 60 keys"}.
			WithBaseline("entry_keystroke", entry),
	}
	var opens []time.Duration
	for i := 0; i < 3; i++ {
		v, err := composebench.OpenMs()
		if err != nil {
			return out, err
		}
		opens = append(opens, time.Duration(v*float64(time.Millisecond)))
	}
	out = append(out, Result{Name: "compose.open", Value: ms(median(opens)), Unit: "ms", Goal: "<= 150",
		Note: "reply quoting 50 KB to laid-out window, median of 3"})
	return out, nil
}

// uiRows maps the custom units reported by the app package's BenchmarkUI*
// benchmarks to report rows.
var uiRows = []struct {
	bench, unit, name, resUnit, goal, note string
}{
	{"BenchmarkUIStartup", "ms/startup", "ui.startup", "ms", "<= 1000", "engine open to the first message rows drawn"},
	{"BenchmarkUIIdleRSS", "MB", "ui.idle_rss", "MB", "<= 150", "resident memory with the window up after scrolling"},
	{"BenchmarkUIScrollFrame", "ms/frame", "ui.scroll_frame", "ms", "<= 16", "one scroll step of the message list, rows redrawn"},
	{"BenchmarkUISwitchFolder", "ms/switch", "ui.switch_folder", "ms", "<= 100", "folder selection to the other folder's first rows"},
}

// uiMetrics runs the main window benchmarks of package app (they need the
// package's unexported window code, so they live in its tests) in a `go
// test` child over a cache of BENCH_N messages and reads their metrics.
func uiMetrics(env *Env) ([]Result, error) {
	gobin := os.Getenv("GO")
	if gobin == "" {
		gobin = "go"
	}
	cmd := exec.Command(gobin, "test", "./app", "-run", "^$", "-bench", "^BenchmarkUI", "-benchtime", "1x", "-count", "1", "-timeout", "60m")
	cmd.Env = append(os.Environ(), "BENCH_N="+strconv.Itoa(env.N))
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("go test ./app -bench BenchmarkUI: %w\n%s", err, stdout.String())
	}
	vals := parseBenchUnits(stdout.String())
	var out []Result
	for _, r := range uiRows {
		v, ok := vals[r.bench+" "+r.unit]
		if !ok {
			return out, fmt.Errorf("%s reported no %s:\n%s", r.bench, r.unit, stdout.String())
		}
		out = append(out, Result{Name: r.name, Value: v, Unit: r.resUnit, Goal: r.goal,
			Note: fmt.Sprintf("%s (Fyne test driver, %d cached messages per folder)", r.note, env.N)})
	}
	return out, nil
}

// parseBenchUnits reads `go test -bench` output lines such as
// "BenchmarkUIStartup-2  1  123 ns/op  45.6 ms/startup" into a map keyed
// by "BenchmarkUIStartup ms/startup".
func parseBenchUnits(s string) map[string]float64 {
	out := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		name := f[0]
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			if _, err := strconv.Atoi(name[i+1:]); err == nil {
				name = name[:i]
			}
		}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			out[name+" "+f[i+1]] = v
		}
	}
	return out
}
