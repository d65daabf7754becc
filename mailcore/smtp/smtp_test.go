package smtp

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"hongyan/internal/mailtest"
	"hongyan/mailcore/event"
	"hongyan/mailcore/mailerr"
	"hongyan/mailcore/message"
	"hongyan/mailcore/netsec"
	"hongyan/mailcore/store"
)

type events struct {
	mu sync.Mutex
	l  []event.SendResult
}

func (e *events) sink(ev event.Event) {
	if r, ok := ev.(event.SendResult); ok {
		e.mu.Lock()
		e.l = append(e.l, r)
		e.mu.Unlock()
	}
}

func (e *events) states(id int64) []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var s []string
	for _, r := range e.l {
		if r.OutboxID == id {
			s = append(s, string(r.State))
		}
	}
	return s
}

func item(t *testing.T, st *store.Store, id int64) store.OutboxItem {
	t.Helper()
	it, err := st.OutboxItem(bg(), id)
	if err != nil {
		t.Fatal(err)
	}
	return it
}

func sentCount(t *testing.T, st *store.Store, account, msgid string) int {
	t.Helper()
	f, err := st.FolderByRole(bg(), account, store.RoleSent)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := st.FindByMessageID(bg(), account, msgid)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range ms {
		if m.FolderID == f.ID {
			n++
		}
	}
	return n
}

func TestSendWithAttachmentsArrivesByteCorrect(t *testing.T) {
	s := mailtest.Shared(t)
	alice, bob, carol := s.AddUser(t), s.AddUser(t), s.AddUser(t)
	st := openStore(t)
	bin := make([]byte, 200_000)
	for i := range bin {
		bin[i] = byte(i*31 + i/7)
	}
	for _, sec := range []Security{StartTLS, ImplicitTLS} {
		t.Run(fmt.Sprint(sec), func(t *testing.T) {
			var ev events
			ob := NewOutbox(OutboxOptions{Store: st, Sent: LocalSent{st}, Sink: ev.sink,
				Config: fixedConfig(stackConfig(s, alice, sec))})
			d := &message.Draft{
				From:    message.Address{Name: "爱丽丝", Email: alice.Address},
				To:      []message.Address{{Name: "鲍勃 Bob", Email: bob.Address}},
				Bcc:     []message.Address{{Name: "Carol", Email: carol.Address}},
				Subject: "季度报告 — UTF-8 subject ✓ " + fmt.Sprint(sec),
				Text:    strings.Repeat("这是一封测试邮件，包含很长的段落以便测试 format=flowed 的软换行。 ", 6) + "\n\n> 引用\n-- \n签名",
				Attachments: []message.DraftAttachment{
					{Data: bin, Name: "数据 文件 – 二进制.bin"},
					{Data: []byte("plain ascii\r\n"), Name: "notes.txt", ContentType: "text/plain"},
				},
			}
			id, err := ob.Enqueue(bg(), "acct-alice", d, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			raw := item(t, st, id).Raw
			if err := ob.RunOnce(bg()); err != nil {
				t.Fatal(err)
			}
			if it := item(t, st, id); it.State != store.OutboxCopied || it.Attempts != 1 {
				t.Fatalf("state %s attempts %d err %q", it.State, it.Attempts, it.LastError)
			}
			got := waitMailbox(t, s, bob, "INBOX", 1+map[Security]int{StartTLS: 0, ImplicitTLS: 1}[sec])
			last := got[len(got)-1]
			if !bytes.HasSuffix(last, raw) {
				t.Fatalf("message changed in transit")
			}
			waitMailbox(t, s, carol, "INBOX", len(got))
			if bytes.Contains(last, []byte(carol.Address)) {
				t.Fatal("Bcc recipient visible to others")
			}
			m, err := message.Parse(last)
			if err != nil {
				t.Fatal(err)
			}
			if m.Subject != d.Subject || m.From[0].Name != "爱丽丝" || m.To[0].Name != "鲍勃 Bob" {
				t.Fatalf("headers: %q %+v %+v", m.Subject, m.From, m.To)
			}
			// a space the user left at a line's end is dropped on purpose
			if want := strings.ReplaceAll(d.Text, "。 \n", "。\n"); strings.TrimRight(m.Text, "\n") != want {
				t.Fatalf("flowed text did not round-trip:\n%q\n%q", m.Text, d.Text)
			}
			found := false
			for i, a := range m.Attachments {
				if a.Name == "数据 文件 – 二进制.bin" {
					data, err := m.AttachmentData(i)
					if err != nil {
						t.Fatal(err)
					}
					if sha256.Sum256(data) != sha256.Sum256(bin) {
						t.Fatal("attachment SHA-256 differs")
					}
					found = true
				}
			}
			if !found {
				t.Fatalf("attachment with non-ASCII name not found: %+v", m.Attachments)
			}
			if n := sentCount(t, st, "acct-alice", d.MessageID); n != 1 {
				t.Fatalf("%d copies in Sent", n)
			}
			if strings.Join(ev.states(id), ",") != "queued,sending,sent,copied" {
				t.Fatalf("events %v", ev.states(id))
			}
		})
	}
}

func TestServerDownThenUpDeliveredOnce(t *testing.T) {
	s := mailtest.Shared(t)
	alice, bob := s.AddUser(t), s.AddUser(t)
	st := openStore(t)
	clk := &clock{t: time.Now()}
	// A port nobody listens on.
	f, _ := newFakeServer(t, false)
	deadPort := f.port()
	f.ln.Close()
	var mu sync.Mutex
	cfg := stackConfig(s, alice, ImplicitTLS)
	cfg.Port = deadPort
	ob := NewOutbox(OutboxOptions{Store: st, Sent: LocalSent{st}, Now: clk.Now,
		Config: func(context.Context, string) (Config, error) { mu.Lock(); defer mu.Unlock(); return cfg, nil }})
	d := &message.Draft{From: message.Address{Email: alice.Address}, To: []message.Address{{Email: bob.Address}}, Subject: "retry", Text: "x"}
	id, err := ob.Enqueue(bg(), "a", d, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if err := ob.RunOnce(bg()); !mailerr.Is(err, mailerr.Unreachable) {
		t.Fatalf("want unreachable, got %v", err)
	}
	it := item(t, st, id)
	if it.State != store.OutboxQueued || it.Attempts != 1 || !it.NextAttempt.Equal(clk.Now().Add(time.Minute).Truncate(time.Second)) {
		t.Fatalf("after failure: %s attempts %d next %v (now %v)", it.State, it.Attempts, it.NextAttempt, clk.Now())
	}
	// Still down at the second attempt: 5 minutes next.
	clk.Add(61 * time.Second)
	ob.RunOnce(bg())
	if it := item(t, st, id); it.Attempts != 2 || it.NextAttempt.Sub(clk.Now()) < 4*time.Minute {
		t.Fatalf("backoff: attempts %d next in %v", it.Attempts, it.NextAttempt.Sub(clk.Now()))
	}
	// Server back; nothing happens before the backoff ends.
	mu.Lock()
	cfg.Port = s.SubmissionsPort
	mu.Unlock()
	ob.RunOnce(bg())
	if it := item(t, st, id); it.State != store.OutboxQueued || it.Attempts != 2 {
		t.Fatalf("sent before its time: %s", it.State)
	}
	clk.Add(5*time.Minute + time.Second)
	// The background worker does it once kicked.
	ctx, cancel := context.WithCancel(bg())
	if err := ob.Start(ctx); err != nil {
		t.Fatal(err)
	}
	ob.Kick()
	deadline := time.Now().Add(30 * time.Second)
	for item(t, st, id).State != store.OutboxCopied {
		if time.Now().After(deadline) {
			t.Fatalf("not delivered: %+v", item(t, st, id))
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	ob.Wait()
	waitMailbox(t, s, bob, "INBOX", 1)
	if ob.Backoff(1) != time.Minute || ob.Backoff(4) != 30*time.Minute || ob.Backoff(9) != time.Hour {
		t.Fatal("backoff schedule")
	}
}

const crashChildEnv = "HONGYAN_SMTP_CRASH_CHILD"

// crashCopier stops the process where a crash hurts most: the server has
// accepted the message and the outbox recorded it, the Sent copy is next.
type crashCopier struct{}

func (crashCopier) AlreadyInSent(context.Context, string, string) (bool, error) {
	os.Exit(3)
	return false, nil
}
func (crashCopier) CopyToSent(context.Context, string, []byte, string) error {
	os.Exit(3)
	return nil
}

func crashChild() int {
	st, err := store.Open(os.Getenv("HY_DB"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 4
	}
	pem, err := os.ReadFile(os.Getenv("HY_CA"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 4
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	port, _ := strconv.Atoi(os.Getenv("HY_PORT"))
	cfg := Config{Host: "127.0.0.1", Port: port, Security: ImplicitTLS, Username: os.Getenv("HY_USER"),
		Password: os.Getenv("HY_PASS"), Net: netsec.Options{RootCAs: pool}}
	ob := NewOutbox(OutboxOptions{Store: st, Sent: crashCopier{},
		Config: fixedConfig(cfg)})
	if err := ob.Recover(bg()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 4
	}
	err = ob.RunOnce(bg())
	fmt.Fprintln(os.Stderr, "child: returned without crashing:", err)
	return 4
}

func TestCrashBetweenAcceptanceAndSentCopy(t *testing.T) {
	s := mailtest.Shared(t)
	alice, bob := s.AddUser(t), s.AddUser(t)
	db := filepath.Join(t.TempDir(), "cache.db")
	st, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	ob := NewOutbox(OutboxOptions{Store: st})
	d := &message.Draft{From: message.Address{Email: alice.Address}, To: []message.Address{{Email: bob.Address}}, Subject: "crash", Text: "once"}
	id, err := ob.Enqueue(bg(), "a", d, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashChildEnv+"=1", "HY_DB="+db, "HY_CA="+s.CAFile,
		"HY_PORT="+strconv.Itoa(s.SubmissionsPort), "HY_USER="+alice.Name, "HY_PASS="+alice.Password)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 3 {
		t.Fatalf("child: %v\n%s", err, out)
	}

	st, err = store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if it := item(t, st, id); it.State != store.OutboxSent {
		t.Fatalf("after the crash: %s", it.State)
	}
	ob = NewOutbox(OutboxOptions{Store: st, Sent: LocalSent{st},
		Config: fixedConfig(stackConfig(s, alice, ImplicitTLS))})
	if err := ob.Recover(bg()); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if err := ob.RunOnce(bg()); err != nil {
			t.Fatal(err)
		}
	}
	if it := item(t, st, id); it.State != store.OutboxCopied || it.Attempts != 1 {
		t.Fatalf("after restart: %s attempts %d", it.State, it.Attempts)
	}
	waitMailbox(t, s, bob, "INBOX", 1)
	if n := sentCount(t, st, "a", d.MessageID); n != 1 {
		t.Fatalf("%d copies in Sent", n)
	}
}

func TestFoundSendingBecomesUncertain(t *testing.T) {
	s := mailtest.Shared(t)
	alice, bob := s.AddUser(t), s.AddUser(t)
	st := openStore(t)
	var ev events
	ob := NewOutbox(OutboxOptions{Store: st, Sent: LocalSent{st}, Sink: ev.sink,
		Config: fixedConfig(stackConfig(s, alice, ImplicitTLS))})
	d := &message.Draft{From: message.Address{Email: alice.Address}, To: []message.Address{{Email: bob.Address}}, Subject: "maybe", Text: "?"}
	id, err := ob.Enqueue(bg(), "a", d, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	// What a crash in the middle of DATA leaves behind.
	if err := st.OutboxTransition(bg(), id, []string{store.OutboxQueued}, store.OutboxSending, time.Now(), store.OutboxChange{AddAttempt: true}); err != nil {
		t.Fatal(err)
	}
	if err := ob.Recover(bg()); err != nil {
		t.Fatal(err)
	}
	if err := ob.RunOnce(bg()); err != nil {
		t.Fatal(err)
	}
	if it := item(t, st, id); it.State != store.OutboxUncertain {
		t.Fatalf("state %s", it.State)
	}
	if _, _, err := ob.Cancel(bg(), id); !errors.Is(err, store.ErrOutboxState) {
		t.Fatalf("cancel of an uncertain message: %v", err)
	}
	time.Sleep(time.Second)
	if n := len(mailbox(t, s, bob, "INBOX")); n != 0 {
		t.Fatalf("resent without the user's word: %d", n)
	}
	if err := ob.Resend(bg(), id); err != nil {
		t.Fatal(err)
	}
	if err := ob.RunOnce(bg()); err != nil {
		t.Fatal(err)
	}
	waitMailbox(t, s, bob, "INBOX", 1)
	if st := ev.states(id); st[0] != "queued" || st[1] != "uncertain" || st[len(st)-1] != "copied" {
		t.Fatalf("events %v", st)
	}

	// Discard drops another uncertain one for good.
	id2, _ := ob.Enqueue(bg(), "a", &message.Draft{From: d.From, To: d.To, Subject: "drop", Text: "x"}, time.Time{})
	st.OutboxTransition(bg(), id2, []string{store.OutboxQueued}, store.OutboxSending, time.Now(), store.OutboxChange{})
	ob.Recover(bg())
	if err := ob.Discard(bg(), id2); err != nil {
		t.Fatal(err)
	}
	if _, err := st.OutboxItem(bg(), id2); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("discarded item: %v", err)
	}
}

func TestPermanentFailureNotRetried(t *testing.T) {
	s := mailtest.Shared(t)
	alice, bob := s.AddUser(t), s.AddUser(t)
	st := openStore(t)
	clk := &clock{t: time.Now()}
	ob := NewOutbox(OutboxOptions{Store: st, Sent: LocalSent{st}, Now: clk.Now,
		Config: fixedConfig(stackConfig(s, alice, StartTLS))})
	bad, err := ob.Enqueue(bg(), "a", &message.Draft{From: message.Address{Email: alice.Address},
		To: []message.Address{{Email: "someone@elsewhere.example"}}, Subject: "relay", Text: "x"}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	good, _ := ob.Enqueue(bg(), "a", &message.Draft{From: message.Address{Email: alice.Address},
		To: []message.Address{{Email: bob.Address}}, Subject: "after the refused one", Text: "x"}, time.Time{})
	ob.RunOnce(bg())
	it := item(t, st, bad)
	if it.State != store.OutboxFailed || !strings.Contains(it.LastError, "55") || !strings.Contains(it.LastError, "someone@elsewhere.example") {
		t.Fatalf("refused recipient: %s %q", it.State, it.LastError)
	}
	if item(t, st, good).State != store.OutboxCopied {
		t.Fatal("the session did not go on after a refused message")
	}
	clk.Add(2 * time.Hour)
	ob.RunOnce(bg())
	if it := item(t, st, bad); it.State != store.OutboxFailed || it.Attempts != 1 {
		t.Fatalf("failed message retried: %s %d", it.State, it.Attempts)
	}
	waitMailbox(t, s, bob, "INBOX", 1)
	// The refused message can be taken back to be edited.
	back, _, err := ob.Cancel(bg(), bad)
	if err != nil || back == nil || back.Subject != "relay" {
		t.Fatalf("cancel of a refused message: %+v %v", back, err)
	}
}

func TestSendNowAndNoEditOfUncertain(t *testing.T) {
	s := mailtest.Shared(t)
	alice, bob := s.AddUser(t), s.AddUser(t)
	st := openStore(t)
	clk := &clock{t: time.Now()}
	ob := NewOutbox(OutboxOptions{Store: st, Now: clk.Now, Config: fixedConfig(stackConfig(s, alice, ImplicitTLS))})
	d := &message.Draft{From: message.Address{Email: alice.Address}, To: []message.Address{{Email: bob.Address}}, Subject: "monday", Text: "x"}
	id, err := ob.Enqueue(bg(), "a", d, clk.Now().Add(72*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	ob.RunOnce(bg())
	if it := item(t, st, id); it.State != store.OutboxQueued {
		t.Fatalf("sent before its time: %s", it.State)
	}
	if err := ob.SendNow(bg(), id); err != nil {
		t.Fatal(err)
	}
	ob.RunOnce(bg())
	if it := item(t, st, id); it.State != store.OutboxCopied {
		t.Fatalf("not sent now: %s", it.State)
	}
	if err := ob.SendNow(bg(), id); !errors.Is(err, store.ErrOutboxState) {
		t.Fatalf("send now of a sent message: %v", err)
	}
	got := waitMailbox(t, s, bob, "INBOX", 1)
	if !bytes.Contains(got[0], []byte("Subject: monday")) {
		t.Fatal("wrong message delivered")
	}
	// A message that may have left is not taken back for editing.
	u, _ := ob.Enqueue(bg(), "a", &message.Draft{From: d.From, To: d.To, Subject: "maybe", Text: "x"}, clk.Now().Add(time.Hour))
	if err := st.OutboxTransition(bg(), u, []string{store.OutboxQueued}, store.OutboxUncertain, clk.Now(), store.OutboxChange{}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ob.Cancel(bg(), u); !errors.Is(err, store.ErrOutboxState) {
		t.Fatalf("cancel of an uncertain message: %v", err)
	}
}

func TestSizeLimitAnd4xxWithFakeServer(t *testing.T) {
	f, opts := newFakeServer(t, true, "SIZE 2000", "AUTH PLAIN LOGIN", "8BITMIME")
	f.dataCode = func(n int) string {
		if n == 1 {
			return "451 4.3.0 try again later"
		}
		return "250 2.0.0 queued"
	}
	st := openStore(t)
	clk := &clock{t: time.Now()}
	cfg := Config{Host: "127.0.0.1", Port: f.port(), Security: ImplicitTLS, Username: "u", Password: "pw-secret-123", Net: opts}
	ob := NewOutbox(OutboxOptions{Store: st, Now: clk.Now, Config: fixedConfig(cfg)})
	from := message.Address{Email: "me@example.org"}
	to := []message.Address{{Email: "you@example.org"}}
	big, _ := ob.Enqueue(bg(), "a", &message.Draft{From: from, To: to, Subject: "big", Text: strings.Repeat("x ", 2000)}, time.Time{})
	small, _ := ob.Enqueue(bg(), "a", &message.Draft{From: from, To: to, Subject: "small", Text: "hi"}, time.Time{})
	ob.RunOnce(bg())
	if it := item(t, st, big); it.State != store.OutboxFailed || !strings.Contains(it.LastError, "the server accepts at most 2.0 KiB") {
		t.Fatalf("oversize: %s %q", it.State, it.LastError)
	}
	if it := item(t, st, small); it.State != store.OutboxQueued || !strings.Contains(it.LastError, "451") {
		t.Fatalf("4xx: %s %q", it.State, it.LastError)
	}
	for _, l := range f.log() {
		if strings.HasPrefix(l, "MAIL") && !strings.Contains(l, "BODY=8BITMIME") {
			t.Fatalf("8BITMIME offered but not used: %q", l)
		}
	}
	clk.Add(time.Minute + time.Second)
	ob.RunOnce(bg())
	if it := item(t, st, small); it.State != store.OutboxCopied || it.Attempts != 2 {
		t.Fatalf("retry: %s %d", it.State, it.Attempts)
	}
	f.mu.Lock()
	accepted := f.accepted
	f.mu.Unlock()
	if accepted != 1 {
		t.Fatalf("accepted %d times", accepted)
	}
}

func TestConnectionLostAfterDotIsUncertain(t *testing.T) {
	f, opts := newFakeServer(t, true, "AUTH PLAIN")
	f.dropData = true
	st := openStore(t)
	cfg := Config{Host: "127.0.0.1", Port: f.port(), Security: ImplicitTLS, Username: "u", Password: "pw-secret-123", Net: opts}
	ob := NewOutbox(OutboxOptions{Store: st, Config: fixedConfig(cfg)})
	id, _ := ob.Enqueue(bg(), "a", &message.Draft{From: message.Address{Email: "me@example.org"},
		To: []message.Address{{Email: "you@example.org"}}, Subject: "lost", Text: "x"}, time.Time{})
	ob.RunOnce(bg())
	if it := item(t, st, id); it.State != store.OutboxUncertain {
		t.Fatalf("state %s %q", it.State, it.LastError)
	}
}

func TestStartTLSRequired(t *testing.T) {
	f, _ := newFakeServer(t, false, "AUTH PLAIN LOGIN", "SIZE 1000000")
	var logBuf bytes.Buffer
	_, err := Dial(bg(), Config{Host: "127.0.0.1", Port: f.port(), Security: StartTLS, Username: "user",
		Password: "hunter2-secret", Debug: &logBuf})
	if !mailerr.Is(err, mailerr.SecurityRefused) {
		t.Fatalf("want SecurityRefused, got %v", err)
	}
	time.Sleep(100 * time.Millisecond)
	lines := f.log()
	if len(lines) == 0 {
		t.Fatal("fake server saw nothing")
	}
	for _, l := range lines {
		if strings.HasPrefix(strings.ToUpper(l), "AUTH") || strings.Contains(l, "hunter2") {
			t.Fatalf("credentials reached a server without TLS: %q", l)
		}
	}
}

func TestAuthFailedAndRedactedLog(t *testing.T) {
	s := mailtest.Shared(t)
	alice := s.AddUser(t)
	cfg := stackConfig(s, alice, StartTLS)
	var logBuf bytes.Buffer
	cfg.Debug = &logBuf
	sess, err := Dial(bg(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	sess.Close()
	if !strings.Contains(logBuf.String(), "AUTH PLAIN [redacted]") || strings.Contains(logBuf.String(), alice.Password) {
		t.Fatalf("protocol log not redacted:\n%s", logBuf.String())
	}
	cfg.Password = "wrong-password"
	cfg.Auth = "LOGIN"
	logBuf.Reset()
	if _, err := Dial(bg(), cfg); !mailerr.Is(err, mailerr.AuthFailed) {
		t.Fatalf("want AuthFailed, got %v", err)
	}
	if strings.Contains(logBuf.String(), "wrong-password") || strings.Contains(logBuf.String(), "d3JvbmctcGFzc3dvcmQ") {
		t.Fatalf("password in log:\n%s", logBuf.String())
	}
	cfg = stackConfig(s, alice, ImplicitTLS)
	cfg.Net.RootCAs = x509.NewCertPool()
	if _, err := Dial(bg(), cfg); !mailerr.Is(err, mailerr.TLSInvalid) || mailerr.FingerprintOf(err) == "" {
		t.Fatalf("untrusted certificate: %v", err)
	}
}

func TestHeaderInjectionNeverQueued(t *testing.T) {
	st := openStore(t)
	ob := NewOutbox(OutboxOptions{Store: st, Config: func(context.Context, string) (Config, error) {
		return Config{}, errors.New("must not be called")
	}})
	for _, d := range []*message.Draft{
		{From: message.Address{Email: "a@example.org"}, To: []message.Address{{Email: "b@example.org"}}, Subject: "x\r\nBcc: c@example.org"},
		{From: message.Address{Name: "A\nB", Email: "a@example.org"}, To: []message.Address{{Email: "b@example.org"}}},
		{From: message.Address{Email: "a@example.org"}, To: []message.Address{{Email: "b@example.org\r\nRCPT TO:<c@example.org>"}}},
	} {
		var fe *message.FieldError
		if _, err := ob.Enqueue(bg(), "a", d, time.Time{}); !errors.As(err, &fe) {
			t.Fatalf("want FieldError, got %v", err)
		}
	}
	if l, _ := st.OutboxList(bg(), ""); len(l) != 0 {
		t.Fatalf("queued: %+v", l)
	}
}

func TestUndoAndSendLater(t *testing.T) {
	s := mailtest.Shared(t)
	alice, bob := s.AddUser(t), s.AddUser(t)
	st := openStore(t)
	clk := &clock{t: time.Now()}
	ob := NewOutbox(OutboxOptions{Store: st, Now: clk.Now,
		Config: fixedConfig(stackConfig(s, alice, ImplicitTLS))})
	d := &message.Draft{From: message.Address{Email: alice.Address}, To: []message.Address{{Email: bob.Address}}, Subject: "undo me", Text: "oops"}
	undo, _ := ob.Enqueue(bg(), "a", d, clk.Now().Add(10*time.Second))
	later, _ := ob.Enqueue(bg(), "a", &message.Draft{From: d.From, To: d.To, Subject: "later", Text: "x"}, clk.Now().Add(time.Hour))
	ob.RunOnce(bg())
	back, raw, err := ob.Cancel(bg(), undo)
	if err != nil || back == nil || back.Subject != "undo me" || back.Text != "oops" || len(raw) == 0 {
		t.Fatalf("cancel: %+v %v", back, err)
	}
	if it := item(t, st, later); it.State != store.OutboxQueued {
		t.Fatalf("sent early: %s", it.State)
	}
	clk.Add(time.Hour)
	ob.RunOnce(bg())
	if it := item(t, st, later); it.State != store.OutboxCopied {
		t.Fatalf("not sent later: %s", it.State)
	}
	if _, _, err := ob.Cancel(bg(), later); !errors.Is(err, store.ErrOutboxState) {
		t.Fatalf("cancel after sending: %v", err)
	}
	got := waitMailbox(t, s, bob, "INBOX", 1)
	if !bytes.Contains(got[0], []byte("Subject: later")) {
		t.Fatalf("wrong message delivered")
	}
}

func TestBenchEntryPoints(t *testing.T) {
	s := mailtest.Shared(t)
	alice, bob := s.AddUser(t), s.AddUser(t)
	msgs := make([][]byte, 20)
	for i := range msgs {
		d := &message.Draft{From: message.Address{Email: alice.Address}, To: []message.Address{{Email: bob.Address}},
			Subject: fmt.Sprintf("bench %d", i), Text: "small"}
		var err error
		if msgs[i], err = d.Build(); err != nil {
			t.Fatal(err)
		}
	}
	st := openStore(t)
	if _, err := SubmitViaOutbox(bg(), stackConfig(s, alice, ImplicitTLS), st, msgs[:10]); err != nil {
		t.Fatal(err)
	}
	if _, err := RawSubmit(bg(), s.Host, s.SubmissionsPort, alice.Name, alice.Password, s.TLSConfig(), msgs[10:]); err != nil {
		t.Fatal(err)
	}
	waitMailbox(t, s, bob, "INBOX", 20)
}

func BenchmarkSubmit(b *testing.B) {
	s := mailtest.Shared(b)
	alice, bob := s.AddUser(b), s.AddUser(b)
	msgs := make([][]byte, 100)
	for i := range msgs {
		d := &message.Draft{From: message.Address{Email: alice.Address}, To: []message.Address{{Email: bob.Address}},
			Subject: fmt.Sprintf("bench %d", i), Text: "small"}
		msgs[i], _ = d.Build()
	}
	b.Run("outbox", func(b *testing.B) {
		st := openStore(b)
		for i := 0; i < b.N; i++ {
			if _, err := SubmitViaOutbox(bg(), stackConfig(s, alice, ImplicitTLS), st, msgs); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("raw_smtp", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := RawSubmit(bg(), s.Host, s.SubmissionsPort, alice.Name, alice.Password, s.TLSConfig(), msgs); err != nil {
				b.Fatal(err)
			}
		}
	})
}
