// Command bench runs Hongyan's benchmarks against the real Dovecot and
// Postfix stack and writes bench-results/results.{json,md,png}.
//
//	go run ./bench [-run REGEXP] [-out DIR] [-cpuprofile FILE]      (BENCH_N sets the mailbox size)
//
// BENCH_SYNC_CPUPROFILE=FILE writes a CPU profile of each round of the
// IMAP cold sync (FILE.0, FILE.1, ...), which runs in a process of its own.
package main

import (
	"context"
	"flag"
	"os"
	"regexp"
	"runtime/pprof"
	"strconv"

	"hongyan/internal/mailtest"
)

func main() {
	if child := os.Getenv(childEnv); child != "" {
		os.Exit(runChild(child))
	}
	run := flag.String("run", ".", "run only metric groups matching this regular expression")
	out := flag.String("out", "bench-results", "output directory")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the whole run (stack start and seeding included) to this file")
	flag.Parse()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			logf("cpu profile: %v", err)
			os.Exit(2)
		}
		defer pprof.StopCPUProfile()
	}
	re, err := regexp.Compile(*run)
	if err != nil {
		logf("bad -run: %v", err)
		os.Exit(2)
	}
	n := 100000
	if v := os.Getenv("BENCH_N"); v != "" {
		if n, err = strconv.Atoi(v); err != nil || n <= 0 {
			logf("bad BENCH_N %q", v)
			os.Exit(2)
		}
	}
	dir, err := os.MkdirTemp("", "hongyan-bench-")
	if err != nil {
		logf("%v", err)
		os.Exit(1)
	}
	defer os.RemoveAll(dir)

	logf("starting the mail stack")
	stack, err := mailtest.Start()
	if err != nil {
		logf("%v", err)
		os.Exit(1)
	}
	defer stack.Close()

	env := &Env{Ctx: context.Background(), Stack: stack, N: n, Dir: dir, seeded: map[string]mailtest.User{}}
	var results []Result
	failed := false
	for _, m := range metrics() {
		if !re.MatchString(m.Name) {
			continue
		}
		logf("running %s", m.Name)
		rs, err := m.Run(env)
		if err != nil {
			logf("%s failed: %v", m.Name, err)
			failed = true
		}
		for _, r := range rs {
			logf("  %-26s %10.3f %s", r.Name, r.Value, r.Unit)
		}
		results = append(results, rs...)
	}
	if err := writeReport(*out, n, results); err != nil {
		logf("writing report: %v", err)
		failed = true
	}
	if failed {
		stack.Close()
		os.Exit(1)
	}
}
