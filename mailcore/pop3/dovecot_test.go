package pop3

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"hongyan/internal/mailtest"
	"hongyan/mailcore/event"
	"hongyan/mailcore/mailerr"
	"hongyan/mailcore/netsec"
	"hongyan/mailcore/store"
)

func TestMain(m *testing.M) { mailtest.Main(m) }

func dovecotConfig(s *mailtest.Stack, u mailtest.User, tlsPort bool) Config {
	cfg := Config{Account: "pop-" + u.Name, Host: s.Host, Port: s.POP3Port, Security: SecuritySTLS,
		Username: u.Name, Password: u.Password, Net: netsec.Options{RootCAs: s.CAPool},
		LeaveOnServer: true, Timeout: 20 * time.Second}
	if tlsPort {
		cfg.Port, cfg.Security = s.POP3SPort, SecurityTLS
	}
	return cfg
}

func seed(t *testing.T, s *mailtest.Stack, u mailtest.User, msgs [][]byte) {
	t.Helper()
	if err := s.Seed(u, "INBOX", msgs); err != nil {
		t.Fatal(err)
	}
}

// serverCount logs in separately and returns STAT's message count.
func serverCount(t *testing.T, cfg Config) int {
	t.Helper()
	ctx := context.Background()
	c, err := Dial(ctx, DialOptions{Host: cfg.Host, Port: cfg.Port, Security: cfg.Security, Net: cfg.Net})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(ctx, cfg.Username, cfg.Password); err != nil {
		t.Fatal(err)
	}
	n, _, err := c.Stat(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Quit(ctx); err != nil {
		t.Fatal(err)
	}
	return n
}

func crlf(b []byte) []byte {
	return bytes.ReplaceAll(bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n")), []byte("\n"), []byte("\r\n"))
}

// Dot-stuffed lines and a 10 KB line come back byte for byte over STLS.
// Dovecot stores what Seed wrote and serves every line ending as CRLF: a
// message written with CRLF is served unchanged, one written with bare LF
// is served with each LF turned into CRLF (and nothing else changed), so
// the stored copy is compared with that form.
func TestDovecotDotStuffingAndLongLinesByteExact(t *testing.T) {
	s := mailtest.Shared(t)
	u := s.AddUser(t)
	long := strings.Repeat("0123456789", 1024) // one 10 KB line
	body := "Hello\r\n.\r\n..\r\n.leading dot\r\n..two leading dots\r\n...\r\n" + long + "\r\n. space after dot\r\nend\r\n.\r\n"
	m1 := []byte("From: Dot <dot@hongyan.test>\r\nTo: " + u.Address + "\r\nSubject: dots CRLF\r\nMessage-ID: <dots1@hongyan.test>\r\nDate: Mon, 02 Jan 2023 10:00:00 +0000\r\n\r\n" + body)
	m2 := bytes.ReplaceAll(m1, []byte("\r\n"), []byte("\n"))
	m2 = bytes.Replace(m2, []byte("dots CRLF"), []byte("dots LF"), 1)
	m2 = bytes.Replace(m2, []byte("<dots1@"), []byte("<dots2@"), 1)
	seed(t, s, u, [][]byte{m1, m2})

	var dbg bytes.Buffer
	cfg := dovecotConfig(s, u, false)
	cfg.Debug = &dbg
	st := openStore(t)
	res, err := New(cfg, st, nil).Check(context.Background())
	if err != nil {
		t.Fatalf("check: %v\n%s", err, s.ServerLog())
	}
	if res.New != 2 {
		t.Fatalf("new %d, want 2", res.New)
	}
	got := bodiesOf(t, st, inboxOf(t, st, cfg.Account))
	if !bytes.Equal(got[0], m1) {
		t.Fatalf("CRLF message altered:\n got %d bytes %q\nwant %d bytes", len(got[0]), clipBytes(got[0]), len(m1))
	}
	if !bytes.Equal(got[1], crlf(m2)) {
		t.Fatalf("LF message altered beyond CRLF endings:\n got %q", clipBytes(got[1]))
	}
	log := dbg.String()
	if strings.Contains(log, u.Password) {
		t.Fatal("password in the debug log")
	}
	if !strings.Contains(log, "C: STLS") || !strings.Contains(log, "<redacted>") {
		t.Fatalf("debug log lacks the STLS or a redacted login line:\n%s", log)
	}
	m, _ := st.MessageByUID(context.Background(), inboxOf(t, st, cfg.Account), 1)
	if m.Subject != "dots CRLF" || m.From.Addr != "dot@hongyan.test" || m.MessageID == "" {
		t.Fatalf("summary %+v", m)
	}
}

func clipBytes(b []byte) []byte {
	if len(b) > 400 {
		return b[:400]
	}
	return b
}

// Leave on server over implicit TLS: a second check downloads nothing, the
// server keeps everything; new mail after that raises NewMail.
func TestDovecotLeaveOnServerImplicitTLS(t *testing.T) {
	s := mailtest.Shared(t)
	u := s.AddUser(t)
	msgs := mailtest.GenerateMessages(30, 7)
	seed(t, s, u, msgs[:20])
	cfg := dovecotConfig(s, u, true)
	st := openStore(t)
	var mu sync.Mutex
	var evs []event.Event
	a := New(cfg, st, func(e event.Event) { mu.Lock(); evs = append(evs, e); mu.Unlock() })
	ctx := context.Background()
	if res, err := a.Check(ctx); err != nil || res.New != 20 || res.Deleted != 0 {
		t.Fatalf("first check %+v %v", res, err)
	}
	if res, err := a.Check(ctx); err != nil || res.New != 0 {
		t.Fatalf("second check %+v %v: want nothing new", res, err)
	}
	if n := serverCount(t, cfg); n != 20 {
		t.Fatalf("server holds %d, want 20", n)
	}
	seed(t, s, u, msgs[20:])
	mu.Lock()
	evs = nil
	mu.Unlock()
	if res, err := a.Check(ctx); err != nil || res.New != 10 {
		t.Fatalf("third check %+v %v", res, err)
	}
	mu.Lock()
	defer mu.Unlock()
	var newMail, changed int
	for _, e := range evs {
		switch e := e.(type) {
		case event.NewMail:
			newMail++
			if e.Count != 10 || len(e.Latest) == 0 {
				t.Fatalf("NewMail %+v", e)
			}
		case event.MessagesChanged:
			changed++
		}
	}
	if newMail != 1 || changed != 1 {
		t.Fatalf("events: %d NewMail, %d MessagesChanged; want 1 and 1", newMail, changed)
	}
	got := bodiesOf(t, st, inboxOf(t, st, cfg.Account))
	if len(got) != 30 {
		t.Fatalf("%d local messages", len(got))
	}
	for i := range got {
		if !bytes.Equal(got[i], crlf(msgs[i])) {
			t.Fatalf("message %d differs", i)
		}
	}
}

func TestDovecotDeleteAfterDays(t *testing.T) {
	s := mailtest.Shared(t)
	u := s.AddUser(t)
	seed(t, s, u, mailtest.GenerateMessages(5, 11))
	var clock atomic.Int64
	clock.Store(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC).Unix())
	cfg := dovecotConfig(s, u, true)
	cfg.DeleteAfterDays = 3
	cfg.Now = func() time.Time { return time.Unix(clock.Load(), 0) }
	st := openStore(t)
	a := New(cfg, st, nil)
	ctx := context.Background()
	if res, err := a.Check(ctx); err != nil || res.New != 5 || res.Deleted != 0 {
		t.Fatalf("first check %+v %v", res, err)
	}
	clock.Add(int64(2 * 24 * time.Hour / time.Second))
	if res, err := a.Check(ctx); err != nil || res.Deleted != 0 {
		t.Fatalf("after 2 days %+v %v", res, err)
	}
	if n := serverCount(t, cfg); n != 5 {
		t.Fatalf("server holds %d after 2 days", n)
	}
	clock.Add(int64(24 * time.Hour / time.Second))
	if res, err := a.Check(ctx); err != nil || res.Deleted != 5 || res.New != 0 {
		t.Fatalf("after 3 days %+v %v", res, err)
	}
	if n := serverCount(t, cfg); n != 0 {
		t.Fatalf("server holds %d after 3 days", n)
	}
	if n := len(bodiesOf(t, st, inboxOf(t, st, cfg.Account))); n != 5 {
		t.Fatalf("local copies %d, want 5", n)
	}
	es, _ := st.POP3Entries(ctx, cfg.Account)
	for _, e := range es {
		if !e.DeletedOnServer {
			t.Fatalf("entry not marked deleted: %+v", e)
		}
	}
}

func TestDovecotDeleteWhenDeletedLocally(t *testing.T) {
	s := mailtest.Shared(t)
	u := s.AddUser(t)
	seed(t, s, u, mailtest.GenerateMessages(3, 13))
	cfg := dovecotConfig(s, u, false)
	cfg.DeleteWhenDeletedLocally = true
	st := openStore(t)
	a := New(cfg, st, nil)
	ctx := context.Background()
	if res, err := a.Check(ctx); err != nil || res.New != 3 {
		t.Fatalf("first check %+v %v", res, err)
	}
	inbox := inboxOf(t, st, cfg.Account)
	page, err := st.Page(ctx, inbox, store.ByDateAsc, 0, 10)
	if err != nil || len(page) != 3 {
		t.Fatalf("page %d %v", len(page), err)
	}
	// Local flag change and move to Trash: nothing happens on the server.
	if err := a.SetFlags(ctx, page[0].ID, store.Seen|store.Flagged, 0); err != nil {
		t.Fatal(err)
	}
	if m, _ := st.Message(ctx, page[0].ID); m.Flags&store.Seen == 0 || m.Pending {
		t.Fatalf("local flags %+v", m)
	}
	if err := a.Delete(ctx, page[0].ID); err != nil {
		t.Fatal(err)
	}
	if res, err := a.Check(ctx); err != nil || res.Deleted != 0 || res.New != 0 {
		t.Fatalf("after move to Trash %+v %v", res, err)
	}
	// Deleting from Trash removes it here and then on the server.
	if err := a.Delete(ctx, page[0].ID); err != nil {
		t.Fatal(err)
	}
	// A removal straight through the store counts as well.
	if err := st.DeleteMessage(ctx, page[1].ID); err != nil {
		t.Fatal(err)
	}
	if res, err := a.Check(ctx); err != nil || res.Deleted != 2 || res.New != 0 {
		t.Fatalf("after local deletion %+v %v", res, err)
	}
	if n := serverCount(t, cfg); n != 1 {
		t.Fatalf("server holds %d, want 1", n)
	}
	if res, err := a.Check(ctx); err != nil || res.Deleted != 0 || res.New != 0 {
		t.Fatalf("steady state %+v %v", res, err)
	}
}

func TestDovecotWrongPassword(t *testing.T) {
	s := mailtest.Shared(t)
	u := s.AddUser(t)
	for _, tlsPort := range []bool{false, true} {
		cfg := dovecotConfig(s, u, tlsPort)
		cfg.Password = "not-the-password"
		_, err := New(cfg, openStore(t), nil).Check(context.Background())
		var me *mailerr.Error
		if !mailerr.Is(err, mailerr.AuthFailed) || !asErr(err, &me) || me.Text == "" {
			t.Fatalf("tls=%v: want AuthFailed with the server's text, got %v", tlsPort, err)
		}
	}
}

// cutConn closes the connection once the client has read limit bytes.
type cutConn struct {
	net.Conn
	left int64
}

func (c *cutConn) Read(p []byte) (int, error) {
	if c.left <= 0 {
		c.Conn.Close()
		return 0, net.ErrClosed
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.Conn.Read(p)
	c.left -= int64(n)
	return n, err
}

// The connection breaks in the middle of the download (or the check is
// cancelled): the next check completes it, nothing lost, nothing twice, and
// with delete-from-server nothing is deleted before it is stored.
func TestDovecotInterruptedDownload(t *testing.T) {
	s := mailtest.Shared(t)
	msgs := mailtest.GenerateMessages(120, 21)
	for _, mode := range []string{"cut", "cancel"} {
		t.Run(mode, func(t *testing.T) {
			u := s.AddUser(t)
			seed(t, s, u, msgs)
			cfg := dovecotConfig(s, u, true)
			cfg.LeaveOnServer = false
			st := openStore(t)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			broken := cfg
			var read atomic.Int64
			broken.Net.Dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
				var d net.Dialer
				c, err := d.DialContext(ctx, network, addr)
				if err != nil {
					return nil, err
				}
				if mode == "cut" {
					return &cutConn{Conn: c, left: 900 << 10}, nil
				}
				// Well before the end: the pipeline has read ahead and
				// committed what it had when the cancel arrives, and near
				// the end that was everything.
				return &countConn{Conn: c, n: &read, at: 300 << 10, fire: cancel}, nil
			}
			res, err := New(broken, st, nil).Check(ctx)
			if err == nil {
				t.Fatalf("interrupted check succeeded: %+v", res)
			}
			want := mailerr.Unreachable
			if mode == "cancel" {
				want = mailerr.Canceled
			}
			if !mailerr.Is(err, want) {
				t.Fatalf("want %v, got %v", want, err)
			}
			if res.New <= 0 || res.New >= len(msgs) || res.Deleted != 0 {
				t.Fatalf("interrupted check %+v: want a partial download and no deletion", res)
			}
			if n := serverCount(t, cfg); n != len(msgs) {
				t.Fatalf("server lost messages: %d", n)
			}
			first := res.New
			res, err = New(cfg, st, nil).Check(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if res.New != len(msgs)-first || res.Deleted != len(msgs) {
				t.Fatalf("second check %+v after %d", res, first)
			}
			got := bodiesOf(t, st, inboxOf(t, st, cfg.Account))
			if len(got) != len(msgs) {
				t.Fatalf("%d local messages, want %d", len(got), len(msgs))
			}
			for i := range got {
				if !bytes.Equal(got[i], crlf(msgs[i])) {
					t.Fatalf("message %d differs or is out of order", i)
				}
			}
			if n := serverCount(t, cfg); n != 0 {
				t.Fatalf("server still holds %d", n)
			}
		})
	}
}

// countConn calls fire once the client has read at bytes.
type countConn struct {
	net.Conn
	n    *atomic.Int64
	at   int64
	fire func()
}

func (c *countConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if c.n.Add(int64(n)) >= c.at {
		c.fire()
	}
	return n, err
}

// BenchmarkDownload is pop3.download at a small scale: the engine's Check
// (download, parse, durable store) against RawDownload (protocol only) on
// the same maildrop. The bench harness runs the 10,000-message version.
func BenchmarkDownload(b *testing.B) {
	s := mailtest.Shared(b)
	u, err := s.NewUser()
	if err != nil {
		b.Fatal(err)
	}
	const n = 2000
	if err := s.Seed(u, "INBOX", mailtest.GenerateMessages(n, 5)); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	var raw, engine time.Duration
	for i := 0; i < b.N; i++ {
		got, d, err := RawDownload(ctx, s.Host, s.POP3SPort, u.Name, u.Password, s.TLSConfig())
		if err != nil || got != n {
			b.Fatalf("raw: %d %v", got, err)
		}
		raw += d
		st, err := store.Open(b.TempDir() + "/cache.db")
		if err != nil {
			b.Fatal(err)
		}
		cfg := dovecotConfig(s, u, true)
		cfg.LeaveOnServer = true
		res, d2, err := BenchCheck(ctx, New(cfg, st, nil))
		st.Close()
		if err != nil || res.New != n {
			b.Fatalf("engine: %+v %v", res, err)
		}
		engine += d2
	}
	b.ReportMetric(raw.Seconds()/float64(b.N), "raw_s")
	b.ReportMetric(engine.Seconds()/float64(b.N), "engine_s")
	b.ReportMetric(engine.Seconds()/raw.Seconds(), "ratio")
}

// A selection is deleted in one step: what is outside Trash goes there,
// what is in Trash is removed and (DeleteWhenDeletedLocally) deleted on
// the server at the next check; a selection holding a message of another
// account changes nothing.
func TestDovecotDeleteSelection(t *testing.T) {
	s := mailtest.Shared(t)
	u := s.AddUser(t)
	seed(t, s, u, mailtest.GenerateMessages(5, 17))
	cfg := dovecotConfig(s, u, false)
	cfg.DeleteWhenDeletedLocally = true
	st := openStore(t)
	a := New(cfg, st, nil)
	ctx := context.Background()
	if res, err := a.Check(ctx); err != nil || res.New != 5 {
		t.Fatalf("first check %+v %v", res, err)
	}
	inbox := inboxOf(t, st, cfg.Account)
	page, err := st.Page(ctx, inbox, store.ByDateAsc, 0, 10)
	if err != nil || len(page) != 5 {
		t.Fatalf("page %d %v", len(page), err)
	}
	ids := []int64{page[0].ID, page[1].ID, page[2].ID, page[3].ID}
	if err := a.SetFlagsMany(ctx, ids, store.Seen, 0); err != nil {
		t.Fatal(err)
	}
	if err := a.DeleteMany(ctx, ids[:2]); err != nil { // to Trash
		t.Fatal(err)
	}
	other, err := st.UpsertFolder(ctx, store.Folder{Account: "someone-else", Name: "Inbox", Local: true, Selectable: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.PutSummaries(ctx, other, []store.Summary{{UID: 1, Subject: "not this account's"}}); err != nil {
		t.Fatal(err)
	}
	foreign, _ := st.MessageIDs(ctx, other)
	if err := a.DeleteMany(ctx, append([]int64{ids[2]}, foreign...)); err == nil {
		t.Fatal("a selection with another account's message was deleted")
	}
	if m, _ := st.Message(ctx, ids[2]); m.FolderID != inbox {
		t.Fatal("a refused selection moved a message")
	}
	// Two in Trash and two in the inbox: the Trash ones go for good, the
	// others to Trash.
	if err := a.DeleteMany(ctx, ids); err != nil {
		t.Fatal(err)
	}
	trash, _ := st.FolderByRole(ctx, cfg.Account, store.RoleTrash)
	inTrash, _ := st.MessageIDs(ctx, trash.ID)
	if fmt.Sprint(inTrash) != fmt.Sprint([]int64{ids[2], ids[3]}) && fmt.Sprint(inTrash) != fmt.Sprint([]int64{ids[3], ids[2]}) {
		t.Fatalf("Trash holds %v, want %v", inTrash, ids[2:])
	}
	for _, id := range ids[2:] {
		if m, _ := st.Message(ctx, id); m.Flags&store.Seen == 0 {
			t.Errorf("message %d lost its flags on the way to Trash", id)
		}
	}
	if res, err := a.Check(ctx); err != nil || res.Deleted != 2 || res.New != 0 {
		t.Fatalf("after deleting two from Trash %+v %v", res, err)
	}
	if n := serverCount(t, cfg); n != 3 {
		t.Fatalf("server holds %d, want 3", n)
	}
}
