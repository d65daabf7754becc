package pop3

import (
	"bytes"
	"context"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"hongyan/internal/faultnet"
	"hongyan/internal/mailtest"
	"hongyan/mailcore/mailerr"
	"hongyan/mailcore/store"
)

func clearProxy(t *testing.T, s *mailtest.Stack, port int) *faultnet.Proxy {
	t.Helper()
	cs, up, err := faultnet.StackTLS(s.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	return faultnet.New(t, faultnet.Config{Target: s.Addr(port), ClientTLS: cs, UpstreamTLS: up})
}

func noCredentials(t *testing.T, up []byte, u mailtest.User) {
	t.Helper()
	plain := base64.StdEncoding.EncodeToString([]byte("\x00" + u.Name + "\x00" + u.Password))
	if bytes.Contains(up, []byte(u.Password)) || bytes.Contains(up, []byte(plain)) {
		t.Fatalf("credentials crossed in plaintext: %q", up)
	}
	if U := bytes.ToUpper(up); bytes.Contains(U, []byte("PASS")) || bytes.Contains(U, []byte("AUTH")) {
		t.Fatalf("login attempted without TLS: %q", up)
	}
}

func TestFaultSTLSStripped(t *testing.T) {
	s := mailtest.Shared(t)
	u := s.AddUser(t)
	p := faultnet.New(t, faultnet.Config{Target: s.Addr(s.POP3Port)})
	p.SetFault(faultnet.Fault{RewriteDown: faultnet.StripWord("STLS")})
	cfg := dovecotConfig(s, u, false)
	cfg.Port = p.Port()
	_, err := New(cfg, openStore(t), nil).Check(context.Background())
	if !mailerr.Is(err, mailerr.SecurityRefused) {
		t.Fatalf("stripped STLS: %v, want security-refused", err)
	}
	if !bytes.Contains(p.Bytes(faultnet.Up), []byte("CAPA")) {
		t.Fatalf("proxy saw no POP3 dialogue: %q", p.Bytes(faultnet.Up))
	}
	noCredentials(t, p.Bytes(faultnet.Up), u)
}

func TestFaultSTLSInjection(t *testing.T) {
	s := mailtest.Shared(t)
	u := s.AddUser(t)
	seed(t, s, u, mailtest.GenerateMessages(2, 3))
	for _, inject := range []string{"+OK injected\r\n", "+OK\r\n1 injected-uidl\r\n.\r\n"} {
		p := faultnet.New(t, faultnet.Config{Target: s.Addr(s.POP3Port)})
		sawCapa := false
		p.SetFault(faultnet.Fault{RewriteDown: faultnet.InjectAfter(func(l []byte) bool {
			// The +OK after CAPA's listing is the answer to STLS.
			if bytes.HasPrefix(l, []byte(".")) {
				sawCapa = true
				return false
			}
			return sawCapa && bytes.HasPrefix(l, []byte("+OK"))
		}, []byte(inject))})
		cfg := dovecotConfig(s, u, false)
		cfg.Port = p.Port()
		st := openStore(t)
		_, err := New(cfg, st, nil).Check(context.Background())
		if k := mailerr.KindOf(err); k != mailerr.Protocol && k != mailerr.TLSInvalid {
			t.Fatalf("injected %q: %v, want a protocol or TLS error", inject, err)
		}
		noCredentials(t, p.Bytes(faultnet.Up), u)
		if n := len(bodiesOf(t, st, inboxOf(t, st, cfg.Account))); n != 0 {
			t.Fatalf("injected %q: %d messages stored from a broken session", inject, n)
		}
	}
}

// A retrieval with "delete from server" is cut at every phase: in the
// middle of the downloads, between RETR and DELE, between DELE and QUIT,
// before QUIT's answer. A check without the proxy afterwards leaves every
// message in the store exactly once and none on the server.
func TestFaultCutPhasesPOP3(t *testing.T) {
	s := mailtest.Shared(t)
	msgs := mailtest.GenerateMessages(10, 11)
	ctx := context.Background()
	p := clearProxy(t, s, s.POP3SPort)
	cfgFor := func(u mailtest.User, port int) Config {
		cfg := dovecotConfig(s, u, true)
		cfg.Port, cfg.LeaveOnServer, cfg.Timeout = port, false, 10*time.Second
		return cfg
	}
	// A clean run shows where the phases are in the dialogue.
	u0 := s.AddUser(t)
	seed(t, s, u0, msgs)
	if res, err := New(cfgFor(u0, p.Port()), openStore(t), nil).Check(ctx); err != nil || res.New != 10 || res.Deleted != 10 {
		t.Fatalf("clean run: %+v %v", res, err)
	}
	up, down := p.Bytes(faultnet.Up), p.Bytes(faultnet.Down)
	firstDele := bytes.Index(up, []byte("DELE "))
	quit := bytes.Index(up, []byte("QUIT"))
	firstRetr := bytes.Index(up, []byte("RETR "))
	if firstDele < 0 || quit < 0 || firstRetr < 0 {
		t.Fatalf("unexpected dialogue: %q", up)
	}
	lastOK := bytes.LastIndex(bytes.TrimRight(down, "\r\n"), []byte("\n")) + 1
	faults := map[string]faultnet.Fault{
		"before RETR":           {CutUp: int64(firstRetr)},
		"during the downloads":  {CutDown: int64(len(down) / 2)},
		"between RETR and DELE": {CutUp: int64(firstDele)},
		"among the DELEs":       {CutUp: int64(firstDele + 12)},
		"before QUIT":           {CutUp: int64(quit)},
		"before QUIT's answer":  {CutDown: int64(lastOK)},
	}
	for name, f := range faults {
		u := s.AddUser(t)
		seed(t, s, u, msgs)
		st := openStore(t)
		p.SetFault(f)
		_, err := New(cfgFor(u, p.Port()), st, nil).Check(ctx)
		if err != nil && !mailerr.Is(err, mailerr.Unreachable) && !mailerr.Is(err, mailerr.Timeout) {
			t.Fatalf("%s: unexpected error: %v", name, err)
		}
		if n := serverCount(t, cfgFor(u, s.POP3SPort)); n != 10 && !strings.Contains(name, "answer") {
			t.Fatalf("%s: the server deleted mail (%d left) although QUIT never completed", name, n)
		}
		p.SetFault(faultnet.Fault{})
		if _, err := New(cfgFor(u, s.POP3SPort), st, nil).Check(ctx); err != nil {
			t.Fatalf("%s: check after the cut: %v", name, err)
		}
		got := bodiesOf(t, st, inboxOf(t, st, "pop-"+u.Name))
		if len(got) != 10 {
			t.Fatalf("%s: %d messages stored, want 10 exactly once", name, len(got))
		}
		seen := map[string]bool{}
		for _, b := range got {
			k := string(b)
			if seen[k] {
				t.Fatalf("%s: a message stored twice", name)
			}
			seen[k] = true
		}
		if n := serverCount(t, cfgFor(u, s.POP3SPort)); n != 0 {
			t.Fatalf("%s: %d messages left on the server after a complete check", name, n)
		}
	}
}

// A full disk during a retrieval with "delete from server": a storage
// error, no DELE on the wire, the server copy untouched.
func TestFaultDiskFullPOP3(t *testing.T) {
	s := mailtest.Shared(t)
	u := s.AddUser(t)
	msgs := mailtest.GenerateMessages(40, 17)
	seed(t, s, u, msgs)
	dir := faultnet.TinyDisk(t, "2m")
	st, err := store.Open(dir + "/cache.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	p := clearProxy(t, s, s.POP3SPort)
	cfg := dovecotConfig(s, u, true)
	cfg.Port, cfg.LeaveOnServer, cfg.Timeout = p.Port(), false, 10*time.Second
	a := New(cfg, st, nil)
	if _, err := a.EnsureFolders(context.Background()); err != nil {
		t.Fatal(err)
	}
	faultnet.FillDisk(t, dir, 8<<10)
	_, err = a.Check(context.Background())
	if !mailerr.Is(err, mailerr.Storage) {
		t.Fatalf("check on a full disk: %v, want a storage error", err)
	}
	up := p.Bytes(faultnet.Up)
	if !bytes.Contains(up, []byte("RETR")) {
		t.Fatalf("no retrieval happened: %q", up)
	}
	if bytes.Contains(up, []byte("DELE")) {
		t.Fatal("DELE sent although the local copy was not stored")
	}
	direct := dovecotConfig(s, u, true)
	if n := serverCount(t, direct); n != len(msgs) {
		t.Fatalf("server has %d messages, want %d untouched", n, len(msgs))
	}
}
