package app

// UI benchmarks for the bench harness. Each reports one custom metric:
//
//	BENCH_N=10000 go test ./app -run '^$' -bench 'BenchmarkUI' -benchtime 1x
//
//	BenchmarkUIStartup      ms/startup  engine open to the first message rows drawn and painted
//	BenchmarkUIIdleRSS      MB          resident memory with the window up after scrolling
//	BenchmarkUIScrollFrame  ms/frame    one scroll step of the message list, rows redrawn
//	BenchmarkUISwitchFolder ms/switch   tree selection to the first rows of the other folder
//
// They run the real window code on Fyne's test driver (software painter)
// over a cache of BENCH_N messages (default 10000) made from generated
// mail; the account points at a closed port, so nothing is fetched.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"hongyan/internal/mailtest"
	"hongyan/mailcore"
	"hongyan/mailcore/account"
	"hongyan/mailcore/event"
	"hongyan/mailcore/message"
	"hongyan/mailcore/secret"
	"hongyan/mailcore/store"
)

func benchN() int {
	if n, err := strconv.Atoi(os.Getenv("BENCH_N")); err == nil && n > 0 {
		return n
	}
	return 10000
}

// benchProfile makes a profile whose cache holds n messages in the inbox
// and n in a second folder; it returns the profile directory and the
// session password store holding the (unused) password.
func benchProfile(b *testing.B, n int) (string, *secret.SessionStore) {
	b.Helper()
	dir := b.TempDir()
	secrets := secret.NewSessionStore()
	eng, err := mailcore.Open(mailcore.Options{ProfileDir: dir, Secrets: secrets})
	if err != nil {
		b.Fatal(err)
	}
	defer eng.Close()
	a := account.New()
	a.DisplayName = "Bench"
	a.Email = "bench@example.org"
	a.Incoming = account.IncomingServer{Protocol: account.ProtocolPOP3, Host: "127.0.0.1", Port: 1, Security: account.SecurityTLS, Username: "bench"}
	a.Outgoing = account.OutgoingServer{Host: "127.0.0.1", Port: 1, Security: account.SecurityTLS, Username: "bench"}
	a.Options.CheckIntervalMinutes = 0
	a, err = eng.AddAccount(a, "x", "")
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	st := eng.Store()
	inbox, err := st.FolderByRole(ctx, a.ID, store.RoleInbox)
	if err != nil {
		id, err2 := st.UpsertFolder(ctx, store.Folder{Account: a.ID, Name: "INBOX", Delim: "/", Role: store.RoleInbox, Selectable: true, Local: true})
		if err2 != nil {
			b.Fatal(err2)
		}
		inbox.ID = id
	}
	other, err := st.UpsertFolder(ctx, store.Folder{Account: a.ID, Name: "Projects", Delim: "/", Selectable: true, Local: true})
	if err != nil {
		b.Fatal(err)
	}
	raws := mailtest.GenerateMessages(min(n, 2000), 3)
	for _, folder := range []int64{inbox.ID, other} {
		batch := make([]store.Summary, 0, 1000)
		for i := 0; i < n; i++ {
			raw := raws[i%len(raws)]
			s := message.ParseHeaderSummary(raw)
			m := store.Summary{UID: uint32(i + 1), Date: s.Date.Add(-time.Duration(i) * time.Minute), InternalDate: s.Date,
				Size: int64(len(raw)), Subject: s.Subject, MessageID: fmt.Sprintf("<%d.%d@bench>", folder, i),
				HasAttachments: s.HasAttachments, Preview: s.Preview}
			if len(s.From) > 0 {
				m.From = store.Address{Name: s.From[0].Name, Addr: s.From[0].Email}
			}
			if i%3 == 0 {
				m.Flags = store.Seen
			}
			batch = append(batch, m)
			if len(batch) == cap(batch) {
				if err := st.PutSummaries(ctx, folder, batch); err != nil {
					b.Fatal(err)
				}
				batch = batch[:0]
			}
		}
		if err := st.PutSummaries(ctx, folder, batch); err != nil {
			b.Fatal(err)
		}
	}
	return dir, secrets
}

// benchWindow opens the engine on dir and shows the main window; it
// returns when the first rows are drawn.
func benchWindow(b *testing.B, dir string, secrets secret.Store) (*mainWindow, *testUI, func()) {
	a := test.NewApp()
	tu := &testUI{}
	mw := newMainWindow(a, Options{ProfileDir: dir})
	mw.win.Resize(fyne.NewSize(1100, 700))
	ctx, cancel := context.WithCancel(context.Background())
	mw.ui = newUIContext(ctx, tu.do)
	queue := event.NewQueue(tu.do, mw.handleEvents, eventDelay)
	eng, err := mailcore.Open(mailcore.Options{ProfileDir: dir, Secrets: secrets, Sink: queue.Sink()})
	if err != nil {
		b.Fatal(err)
	}
	mw.engineReady(eng, nil)
	tu.waitFor(b, "first rows", func() bool {
		_, ok := mw.mv.list.peek(0)
		return mw.mv.list.total > 0 && ok
	})
	return mw, tu, func() {
		cancel()
		eng.Close()
		mw.ui.wg.Wait()
		mw.win.Close()
		test.NewApp()
	}
}

func BenchmarkUIStartup(b *testing.B) {
	dir, secrets := benchProfile(b, benchN())
	var total time.Duration
	for i := 0; i < b.N; i++ {
		start := time.Now()
		mw, _, done := benchWindow(b, dir, secrets)
		mw.win.Canvas().Capture() // paint
		total += time.Since(start)
		done()
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms/startup")
}

func BenchmarkUIScrollFrame(b *testing.B) {
	dir, secrets := benchProfile(b, benchN())
	mw, tu, done := benchWindow(b, dir, secrets)
	defer done()
	l := mw.mv.list
	const steps = 300
	var total time.Duration
	frames := 0
	for i := 0; i < b.N; i++ {
		l.list.ScrollToTop()
		tu.pump()
		for s := 0; s < steps; s++ {
			start := time.Now()
			l.list.ScrollToOffset(l.list.GetScrollOffset() + 3*l.rowPitch)
			tu.waitFor(b, "rows of the scrolled page", func() bool {
				i := int(l.list.GetScrollOffset() / l.rowPitch)
				_, ok := l.peek(i)
				return ok
			})
			l.list.Refresh()
			total += time.Since(start)
			frames++
		}
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(frames), "ms/frame")
}

func BenchmarkUISwitchFolder(b *testing.B) {
	dir, secrets := benchProfile(b, benchN())
	mw, tu, done := benchWindow(b, dir, secrets)
	defer done()
	mv := mw.mv
	// The two folders holding the seeded mail: the account's POP3 engine
	// may also have created its own empty local Inbox meanwhile.
	var folders []string
	for uid, n := range mv.tm.nodes {
		if n.folder.ID == 0 || (n.folder.Role != store.RoleInbox && n.folder.Name != "Projects") {
			continue
		}
		if total, _, err := mv.eng.Store().Counts(context.Background(), n.folder.ID); err == nil && total > 0 {
			folders = append(folders, uid)
		}
	}
	if len(folders) != 2 {
		b.Fatalf("folders %v", folders)
	}
	var total time.Duration
	for i := 0; i < b.N; i++ {
		uid := folders[i%2]
		start := time.Now()
		mv.tree.Select(uid)
		tu.waitFor(b, "rows of the other folder", func() bool {
			_, ok := mv.list.peek(0)
			return ok && mv.list.total > 0
		})
		mv.list.list.Refresh()
		total += time.Since(start)
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms/switch")
}

func BenchmarkUIIdleRSS(b *testing.B) {
	dir, secrets := benchProfile(b, benchN())
	for i := 0; i < b.N; i++ {
		mw, tu, done := benchWindow(b, dir, secrets)
		l := mw.mv.list
		for s := 0; s < 200; s++ {
			l.list.ScrollToOffset(l.list.GetScrollOffset() + 20*l.rowPitch)
			tu.pump()
		}
		mw.win.Canvas().Capture()
		// Give back what the set-up (generating and parsing the mail)
		// left in the heap, as a long-running process would have.
		runtime.GC()
		debug.FreeOSMemory()
		b.ReportMetric(rssMB(), "MB")
		done()
	}
}

// rssMB is this process's resident set size.
func rssMB() float64 {
	data, err := os.ReadFile(filepath.Join("/proc", "self", "status"))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			f := strings.Fields(line)
			if len(f) >= 2 {
				kb, _ := strconv.ParseFloat(f[1], 64)
				return kb / 1024
			}
		}
	}
	return 0
}
