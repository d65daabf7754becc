package smtp

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"hongyan/internal/faultnet"
	"hongyan/internal/mailtest"
	"hongyan/mailcore/mailerr"
	"hongyan/mailcore/store"
)

func noCredentialsSMTP(t *testing.T, up []byte, u mailtest.User) {
	t.Helper()
	plain := base64.StdEncoding.EncodeToString([]byte("\x00" + u.Name + "\x00" + u.Password))
	if bytes.Contains(up, []byte(u.Password)) || bytes.Contains(up, []byte(plain)) ||
		bytes.Contains(bytes.ToUpper(up), []byte("AUTH")) {
		t.Fatalf("login attempted in plaintext: %q", up)
	}
}

func TestFaultSMTPSTARTTLSStripped(t *testing.T) {
	s := mailtest.Shared(t)
	u := s.AddUser(t)
	p := faultnet.New(t, faultnet.Config{Target: s.Addr(s.SubmissionPort)})
	p.SetFault(faultnet.Fault{RewriteDown: faultnet.StripWord("STARTTLS")})
	cfg := stackConfig(s, u, StartTLS)
	cfg.Port = p.Port()
	_, err := Dial(bg(), cfg)
	if !mailerr.Is(err, mailerr.SecurityRefused) {
		t.Fatalf("stripped STARTTLS: %v, want security-refused", err)
	}
	if !bytes.Contains(p.Bytes(faultnet.Up), []byte("EHLO")) {
		t.Fatalf("proxy saw no SMTP dialogue: %q", p.Bytes(faultnet.Up))
	}
	noCredentialsSMTP(t, p.Bytes(faultnet.Up), u)
}

// A "250" injected after the STARTTLS answer must never be taken as the
// reply to anything sent over TLS.
func TestFaultSMTPSTARTTLSInjection(t *testing.T) {
	s := mailtest.Shared(t)
	u := s.AddUser(t)
	p := faultnet.New(t, faultnet.Config{Target: s.Addr(s.SubmissionPort)})
	n220 := 0
	p.SetFault(faultnet.Fault{RewriteDown: faultnet.InjectAfter(func(l []byte) bool {
		if bytes.HasPrefix(l, []byte("220")) {
			n220++
		}
		return n220 == 2 // the greeting is the first 220, STARTTLS's answer the second
	}, []byte("250-injected\r\n250 AUTH PLAIN\r\n"))})
	cfg := stackConfig(s, u, StartTLS)
	cfg.Port = p.Port()
	sess, err := Dial(bg(), cfg)
	if err == nil {
		sess.Close()
		t.Fatal("the session went on after data was injected before the TLS handshake")
	}
	if !mailerr.Is(err, mailerr.Protocol) {
		t.Fatalf("injection: %v, want a protocol error", err)
	}
	noCredentialsSMTP(t, p.Bytes(faultnet.Up), u)
}

// A submission cut before the message is complete, after the final dot
// but before the reply, and after the reply: the outbox ends queued and
// then delivers once, uncertain and never resends, or sent.
func TestFaultCutSMTPSubmission(t *testing.T) {
	s := mailtest.Shared(t)
	cs, upTLS, err := faultnet.StackTLS(s.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	p := faultnet.New(t, faultnet.Config{Target: s.Addr(s.SubmissionsPort), ClientTLS: cs, UpstreamTLS: upTLS})
	var viaProxy atomic.Bool
	clk := &clock{t: time.Now()}
	run := func(u mailtest.User, st *store.Store, subject string) (*Outbox, int64) {
		ob := NewOutbox(OutboxOptions{Store: st, Now: clk.Now,
			Config: func(context.Context, string) (Config, error) {
				cfg := stackConfig(s, u, ImplicitTLS)
				cfg.Timeout = 10 * time.Second
				if viaProxy.Load() {
					cfg.Port = p.Port()
				}
				return cfg, nil
			}})
		raw := fmt.Sprintf("From: <%s>\r\nTo: <%s>\r\nSubject: %s\r\nMessage-ID: <%d@hongyan.test>\r\n\r\n%s\r\n",
			u.Address, u.Address, subject, time.Now().UnixNano(), bytes.Repeat([]byte("body line\r\n"), 200))
		ids, err := ob.EnqueueRaw(bg(), store.OutboxItem{Account: "a", Raw: []byte(raw), From: u.Address, Recipients: []string{u.Address}})
		if err != nil {
			t.Fatal(err)
		}
		return ob, ids[0]
	}
	// A clean run locates the final dot and its reply.
	viaProxy.Store(true)
	u0 := s.AddUser(t)
	st0 := openStore(t)
	ob, id := run(u0, st0, "clean")
	if err := ob.RunOnce(bg()); err != nil {
		t.Fatal(err)
	}
	if it := item(t, st0, id); it.State != store.OutboxCopied {
		t.Fatalf("clean run: %s %s", it.State, it.LastError)
	}
	up, down := p.Bytes(faultnet.Up), p.Bytes(faultnet.Down)
	dot := bytes.Index(up, []byte("\r\n.\r\n"))
	mail := bytes.Index(up, []byte("MAIL FROM"))
	queued := bytes.Index(down, []byte("queued as"))
	if queued >= 0 {
		queued = bytes.LastIndex(down[:queued], []byte("\n")) + 1
	}
	if dot < 0 || mail < 0 || queued < 0 {
		t.Fatalf("unexpected dialogue:\n%s\n%s", up, down)
	}
	afterReply := queued + bytes.Index(down[queued:], []byte("\n")) + 1
	waitMailbox(t, s, u0, "INBOX", 1)

	cases := []struct {
		name      string
		fault     faultnet.Fault
		states    []string // acceptable states right after the cut
		delivered int      // copies on the server once everything settled
	}{
		{"before MAIL FROM", faultnet.Fault{CutUp: int64(mail)}, []string{store.OutboxQueued}, 1},
		{"inside the message", faultnet.Fault{CutUp: int64(dot - 100)}, []string{store.OutboxQueued, store.OutboxUncertain}, -1},
		{"after the dot, before the reply", faultnet.Fault{CutDown: int64(queued + 1)}, []string{store.OutboxUncertain}, 1},
		{"after the reply", faultnet.Fault{CutDown: int64(afterReply)}, []string{store.OutboxCopied}, 1},
	}
	for _, c := range cases {
		u := s.AddUser(t)
		st := openStore(t)
		viaProxy.Store(true)
		p.SetFault(c.fault)
		ob, id := run(u, st, c.name)
		_ = ob.RunOnce(bg())
		it := item(t, st, id)
		ok := false
		for _, want := range c.states {
			ok = ok || it.State == want
		}
		if !ok {
			t.Fatalf("%s: state %s (%s), want one of %v", c.name, it.State, it.LastError, c.states)
		}
		first := it.State
		// Reconnect without the proxy: queued mail goes out, uncertain
		// mail stays for the user to decide.
		viaProxy.Store(false)
		p.SetFault(faultnet.Fault{})
		clk.Add(2 * time.Hour) // past any retry backoff
		if err := ob.RunOnce(bg()); err != nil && first == store.OutboxQueued {
			t.Fatalf("%s: delivery after reconnect: %v", c.name, err)
		}
		it = item(t, st, id)
		switch first {
		case store.OutboxQueued:
			if it.State != store.OutboxCopied {
				t.Fatalf("%s: after reconnect %s (%s)", c.name, it.State, it.LastError)
			}
			waitMailbox(t, s, u, "INBOX", 1)
		case store.OutboxUncertain:
			if it.State != store.OutboxUncertain {
				t.Fatalf("%s: uncertain mail changed to %s on its own", c.name, it.State)
			}
			if c.delivered >= 0 {
				waitMailbox(t, s, u, "INBOX", c.delivered)
			} else {
				time.Sleep(time.Second)
				if n := len(mailbox(t, s, u, "INBOX")); n > 1 {
					t.Fatalf("%s: %d copies delivered", c.name, n)
				}
			}
		default:
			waitMailbox(t, s, u, "INBOX", c.delivered)
		}
	}
}
