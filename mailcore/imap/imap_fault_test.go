package imap

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"hongyan/internal/faultnet"
	"hongyan/internal/mailtest"
	"hongyan/internal/testcert"
	"hongyan/mailcore/event"
	"hongyan/mailcore/mailerr"
	"hongyan/mailcore/netsec"
	"hongyan/mailcore/store"
)

// plainProxy forwards to a stack port byte for byte (TLS passes through).
func plainProxy(t *testing.T, s *mailtest.Stack, port int) *faultnet.Proxy {
	return faultnet.New(t, faultnet.Config{Target: s.Addr(port)})
}

// clearProxy terminates TLS on both sides in front of an implicit-TLS
// port, so faults and captures apply to the IMAP dialogue itself.
func clearProxy(t *testing.T, s *mailtest.Stack, port int) *faultnet.Proxy {
	t.Helper()
	cs, up, err := faultnet.StackTLS(s.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	return faultnet.New(t, faultnet.Config{Target: s.Addr(port), ClientTLS: cs, UpstreamTLS: up})
}

// assertNoCredentials fails if the captured client bytes carry the
// password, plainly or inside a SASL PLAIN response.
func assertNoCredentials(t *testing.T, up []byte, user, pass string) {
	t.Helper()
	plain := base64.StdEncoding.EncodeToString([]byte("\x00" + user + "\x00" + pass))
	for _, bad := range []string{pass, plain} {
		if bytes.Contains(up, []byte(bad)) {
			t.Fatalf("credentials crossed the wire in plaintext: %q", up)
		}
	}
}

func TestFaultSTARTTLSStripped(t *testing.T) {
	s := mailtest.Shared(t)
	u := s.AddUser(t)
	p := plainProxy(t, s, s.IMAPPort)
	p.SetFault(faultnet.Fault{RewriteDown: faultnet.StripWord("STARTTLS")})
	cfg := config(s, u)
	cfg.Port, cfg.Security, cfg.Timeout = p.Port(), SecuritySTARTTLS, 10*time.Second
	err := New(cfg, openStore(t), nil).SyncFolders(context.Background())
	if !mailerr.Is(err, mailerr.SecurityRefused) {
		t.Fatalf("stripped STARTTLS: %v, want security-refused", err)
	}
	if len(p.Conns()) == 0 || !strings.Contains(string(p.Bytes(faultnet.Down)), "CAPABILITY") {
		t.Fatalf("the proxy saw no IMAP dialogue: %q", p.Bytes(faultnet.Down))
	}
	up := strings.ToUpper(string(p.Bytes(faultnet.Up)))
	if strings.Contains(up, "LOGIN") || strings.Contains(up, "AUTHENTICATE") || strings.Contains(up, "STARTTLS") {
		t.Fatalf("client went on after STARTTLS vanished: %q", up)
	}
	assertNoCredentials(t, p.Bytes(faultnet.Up), u.Name, u.Password)
}

// The server's (or an attacker's) bytes after "OK Begin TLS" in the same
// packet must never be read as if they had come over TLS.
func TestFaultSTARTTLSInjection(t *testing.T) {
	s := mailtest.Shared(t)
	u := s.AddUser(t)
	for _, inject := range []string{
		"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN LOGINDISABLED] injected\r\n",
		"S2 OK [CAPABILITY IMAP4rev1] injected tagged answer\r\n",
		"* PREAUTH injected\r\n",
	} {
		p := plainProxy(t, s, s.IMAPPort)
		p.SetFault(faultnet.Fault{RewriteDown: faultnet.InjectAfter(func(l []byte) bool {
			return bytes.HasPrefix(l, []byte("S1 OK"))
		}, []byte(inject))})
		cfg := config(s, u)
		cfg.Port, cfg.Security, cfg.Timeout = p.Port(), SecuritySTARTTLS, 10*time.Second
		st := openStore(t)
		err := New(cfg, st, nil).SyncFolders(context.Background())
		if err == nil {
			t.Fatalf("injected %q: the session went on", inject)
		}
		if k := mailerr.KindOf(err); k != mailerr.Protocol && k != mailerr.TLSInvalid {
			t.Fatalf("injected %q: %v, want a protocol or TLS error", inject, err)
		}
		if fs, _ := st.Folders(context.Background(), cfg.AccountID); len(fs) != 0 {
			t.Fatalf("injected %q: folders stored from a broken session", inject)
		}
		assertNoCredentials(t, p.Bytes(faultnet.Up), u.Name, u.Password)
	}
}

// Invalid, expired and wrong-host certificates are refused with the
// fingerprint; a trusted fingerprint works for its host only and only
// while the server keeps that certificate.
func TestFaultCertificates(t *testing.T) {
	s := mailtest.Shared(t)
	u := s.AddUser(t)
	ca := testcert.NewCA(t)
	now := time.Now()
	lo := []string{"127.0.0.1"}
	var current atomic.Pointer[tls.Certificate]
	_, up, err := faultnet.StackTLS(s.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	p := faultnet.New(t, faultnet.Config{Target: s.Addr(s.IMAPSPort), UpstreamTLS: up,
		ClientTLS: &tls.Config{GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return current.Load(), nil }}})
	var trusted atomic.Value // "host|fp"
	trusted.Store("")
	try := func() error {
		cfg := config(s, u)
		cfg.Port, cfg.Timeout = p.Port(), 10*time.Second
		cfg.TLS = netsec.Options{RootCAs: ca.Pool, Trusted: func(host, fp string) bool { return trusted.Load().(string) == host+"|"+fp }}
		a := New(cfg, openStore(t), nil)
		defer a.Close()
		return a.SyncFolders(context.Background())
	}

	good := ca.Issue(t, testcert.Options{Hosts: lo})
	current.Store(&good.TLS)
	if err := try(); err != nil {
		t.Fatalf("valid certificate through the proxy: %v", err)
	}
	for _, c := range []struct {
		name string
		cert *testcert.Cert
		why  string
	}{
		{"expired", ca.Issue(t, testcert.Options{Hosts: lo, NotBefore: now.Add(-48 * time.Hour), NotAfter: now.Add(-time.Hour)}), "expired"},
		{"wrong host", ca.Issue(t, testcert.Options{Hosts: []string{"mail.example.org"}}), "another host"},
		{"unknown authority", testcert.SelfSigned(t, testcert.Options{Hosts: lo}), "unknown authority"},
	} {
		current.Store(&c.cert.TLS)
		err := try()
		var me *mailerr.Error
		if !mailerr.Is(err, mailerr.TLSInvalid) || !errorsAs(err, &me) {
			t.Fatalf("%s: %v, want tls-invalid", c.name, err)
		}
		if mailerr.FingerprintOf(err) != c.cert.Fingerprint {
			t.Fatalf("%s: fingerprint %q, want %q", c.name, mailerr.FingerprintOf(err), c.cert.Fingerprint)
		}
		if !strings.Contains(err.Error(), c.why) {
			t.Fatalf("%s: unclear error %q", c.name, err)
		}
	}
	// Nothing but TLS handshakes reached the server side of the proxy.
	if up := p.Bytes(faultnet.Up); bytes.Contains(up, []byte(u.Password)) {
		t.Fatal("password sent to an untrusted server")
	}

	self := testcert.SelfSigned(t, testcert.Options{Hosts: lo})
	current.Store(&self.TLS)
	trusted.Store("localhost|" + self.Fingerprint)
	if err := try(); !mailerr.Is(err, mailerr.TLSInvalid) {
		t.Fatalf("fingerprint trusted for another host was honoured: %v", err)
	}
	trusted.Store("127.0.0.1|" + self.Fingerprint)
	if err := try(); err != nil {
		t.Fatalf("trusted fingerprint refused: %v", err)
	}
	other := testcert.SelfSigned(t, testcert.Options{Hosts: lo})
	current.Store(&other.TLS)
	err = try()
	if !mailerr.Is(err, mailerr.TLSInvalid) || mailerr.FingerprintOf(err) != other.Fingerprint {
		t.Fatalf("changed certificate accepted or not reported: %v", err)
	}
}

// pageAll returns every cached summary of a folder.
func pageAll(t *testing.T, st *store.Store, folderID int64) []store.Summary {
	t.Helper()
	p, err := st.Page(context.Background(), folderID, store.ByDateDesc, 0, 100000)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// assertMirror checks that the cache holds exactly the server's messages,
// each once.
func assertMirror(t *testing.T, st *store.Store, folderID int64, server []uint32, what string) {
	t.Helper()
	msgs := pageAll(t, st, folderID)
	ids := map[string]bool{}
	uids := map[uint32]bool{}
	for _, m := range msgs {
		if ids[m.MessageID] || uids[m.UID] {
			t.Fatalf("%s: duplicate message %q uid %d", what, m.MessageID, m.UID)
		}
		ids[m.MessageID], uids[m.UID] = true, true
	}
	if len(msgs) != len(server) {
		t.Fatalf("%s: cache has %d messages, server %d", what, len(msgs), len(server))
	}
	for _, u := range server {
		if !uids[u] {
			t.Fatalf("%s: server UID %d missing from the cache", what, u)
		}
	}
}

// A header sync of 50 messages is cut after N bytes, for N spread over the
// whole dialogue in both directions; a sync without the proxy afterwards
// leaves the cache equal to the server, nothing lost or doubled.
func TestFaultCutSweepIMAPSync(t *testing.T) {
	s := mailtest.Shared(t)
	u := s.AddUser(t)
	seed(t, s, u, "INBOX", 50)
	server := serverUIDs(t, other(t, s, u), "INBOX")
	if len(server) != 50 {
		t.Fatalf("seeded %d", len(server))
	}
	for _, bulk := range []bool{false, true} {
		t.Run(fmt.Sprintf("bulk=%v", bulk), func(t *testing.T) { cutSweep(t, s, u, server, bulk) })
	}
}

// cutSweep syncs through a proxy that cuts the connection at points spread
// over the dialogue; bulk makes the first sync use the helper connections.
func cutSweep(t *testing.T, s *mailtest.Stack, u mailtest.User, server []uint32, bulk bool) {
	ctx := context.Background()
	p := clearProxy(t, s, s.IMAPSPort)
	log := &protoLog{}
	syncVia := func(st *store.Store, port int) error {
		cfg := config(s, u)
		cfg.Port, cfg.Timeout, cfg.BatchSize, cfg.Pipeline, cfg.Debug = port, 10*time.Second, 8, 2, log
		a := New(cfg, st, nil)
		defer a.Close()
		if bulk {
			a.parallelMin = 1
		}
		if err := a.SyncFolders(ctx); err != nil {
			return err
		}
		return a.SyncFolder(ctx, folder(t, st, a, "INBOX").ID)
	}
	// A clean run gives the size of the dialogue.
	if err := syncVia(openStore(t), p.Port()); err != nil {
		t.Fatal(err)
	}
	if used := strings.Contains(log.String(), "H1 UID FETCH"); used != bulk {
		t.Fatalf("helper connections used: %v, want %v", used, bulk)
	}
	down, up := len(p.Bytes(faultnet.Down)), len(p.Bytes(faultnet.Up))
	if down < 5000 {
		t.Fatalf("suspiciously short sync: %d bytes", down)
	}
	var faults []faultnet.Fault
	for k := 0; k < 12; k++ {
		faults = append(faults, faultnet.Fault{CutDown: int64(1 + k*down/12)})
	}
	for k := 1; k < 5; k++ {
		faults = append(faults, faultnet.Fault{CutUp: int64(k * up / 5)})
	}
	for _, f := range faults {
		st := openStore(t)
		p.SetFault(f)
		err := syncVia(st, p.Port())
		if err != nil && !mailerr.Is(err, mailerr.Unreachable) && !mailerr.Is(err, mailerr.Protocol) && !mailerr.Is(err, mailerr.Timeout) {
			t.Fatalf("cut %+v: unexpected error kind: %v", f, err)
		}
		if err := syncVia(st, s.IMAPSPort); err != nil {
			t.Fatalf("cut %+v: resync: %v", f, err)
		}
		f0, err := st.FolderByName(ctx, "acct-"+u.Name, "INBOX")
		if err != nil {
			t.Fatal(err)
		}
		assertMirror(t, st, f0.ID, server, "after a cut")
	}
}

// The server goes away during IDLE: the account reconnects with backoff,
// without a busy loop, and picks up new mail once the server is back.
func TestFaultServerRestartDuringIdle(t *testing.T) {
	s := mailtest.Shared(t)
	u := s.AddUser(t)
	seed(t, s, u, "INBOX", 3)
	p := plainProxy(t, s, s.IMAPSPort)
	cfg := config(s, u)
	cfg.Port, cfg.Timeout = p.Port(), 10*time.Second
	st := openStore(t)
	rec := newRecorder()
	a := New(cfg, st, rec.sink)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); a.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	online := func(e event.Event) bool { s, ok := e.(event.AccountStatus); return ok && s.Online }
	rec.wait(t, 30*time.Second, online)
	// Wait for the IDLE connection (main + idle).
	deadline := time.Now().Add(20 * time.Second)
	for len(p.Conns()) < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("no IDLE connection: %d connections", len(p.Conns()))
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)

	before, cpu0 := p.Attempts(), faultnet.CPUTime()
	p.Refuse(true)
	p.DropAll()
	time.Sleep(5 * time.Second)
	attempts, cpu := p.Attempts()-before, faultnet.CPUTime()-cpu0
	p.Refuse(false)
	t.Logf("outage of 5s: %d connection attempts, %v CPU", attempts, cpu)
	if attempts > 5 {
		t.Fatalf("%d connection attempts during a 5 s outage: no backoff", attempts)
	}
	if attempts == 0 {
		t.Fatal("no reconnection attempt during the outage")
	}
	// A busy loop would burn about a core for the whole 5 s.
	if cpu > 1500*time.Millisecond {
		t.Fatalf("%v CPU used during a 5 s outage: busy loop", cpu)
	}
	rec.wait(t, 30*time.Second, online)
	appendMsg(t, other(t, s, u), "INBOX", "after the restart")
	inbox := folder(t, st, a, "INBOX")
	deadline = time.Now().Add(30 * time.Second)
	for count(t, st, inbox.ID) != 4 {
		if time.Now().After(deadline) {
			for _, e := range rec.all() {
				t.Logf("event %T %+v", e, e)
			}
			t.Logf("attempts %d conns %d", p.Attempts(), len(p.Conns()))
			t.Fatalf("new mail after the restart not seen: %d messages", count(t, st, inbox.ID))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// A full disk while syncing: a clear storage error, and no command that
// changes the server (no EXPUNGE, MOVE, COPY, STORE) is ever sent.
func TestFaultDiskFullIMAP(t *testing.T) {
	s := mailtest.Shared(t)
	u := s.AddUser(t)
	seed(t, s, u, "INBOX", 200)
	dir := faultnet.TinyDisk(t, "2m")
	st, err := store.Open(dir + "/cache.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	p := clearProxy(t, s, s.IMAPSPort)
	cfg := config(s, u)
	cfg.Port, cfg.Timeout, cfg.BatchSize = p.Port(), 10*time.Second, 20
	a := New(cfg, st, nil)
	t.Cleanup(a.Close)
	ctx := context.Background()
	listFolders(t, a)
	inbox := folder(t, st, a, "INBOX")
	faultnet.FillDisk(t, dir, 16<<10)
	err = a.SyncFolder(ctx, inbox.ID)
	if !mailerr.Is(err, mailerr.Storage) {
		t.Fatalf("sync on a full disk: %v, want a storage error", err)
	}
	// Whatever did get cached, deleting or moving it must fail locally
	// first and never reach the server.
	if msgs := pageAll(t, st, inbox.ID); len(msgs) > 0 {
		trash, terr := st.FolderByRole(ctx, a.ID(), store.RoleTrash)
		ids := []int64{msgs[0].ID}
		if terr == nil {
			_ = a.Move(ctx, ids, trash.ID)
		}
		_ = a.Delete(ctx, ids)
		_ = a.ReplayOps(ctx)
	}
	a.Close()
	for _, cmd := range []string{" EXPUNGE", " MOVE ", " COPY ", " STORE ", "UID EXPUNGE"} {
		if bytes.Contains(bytes.ToUpper(p.Bytes(faultnet.Up)), []byte(cmd)) {
			t.Fatalf("%q sent to the server although the store failed", cmd)
		}
	}
	if n := len(serverUIDs(t, other(t, s, u), "INBOX")); n != 200 {
		t.Fatalf("server has %d messages, want all 200 untouched", n)
	}
}
