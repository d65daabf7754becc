package pop3

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/textproto"
	"path/filepath"
	"strings"
	"testing"

	"hongyan/mailcore/mailerr"
	"hongyan/mailcore/netsec"
	"hongyan/mailcore/store"
)

// The DotReader of net/textproto undoes dot-stuffing, has no line-length
// limit and stops at the terminator; restoreCRLF puts back the CRs it
// removed. This checks those claims on wire bytes.
func TestDotReaderUnstuffsAndRestoresCRLF(t *testing.T) {
	long := strings.Repeat("x", 10*1024)
	wire := "Subject: dots\r\n\r\n..leading dot\r\n...two dots\r\n..\r\n" + long + "\r\nbare\rCR\r\n.\r\n+OK next\r\n"
	want := "Subject: dots\r\n\r\n.leading dot\r\n..two dots\r\n.\r\n" + long + "\r\nbare\rCR\r\n"
	r := textproto.NewReader(bufio.NewReaderSize(strings.NewReader(wire), 4096))
	got, err := io.ReadAll(r.DotReader())
	if err != nil {
		t.Fatal(err)
	}
	if string(restoreCRLF(got)) != want {
		t.Fatalf("decoded message differs:\n%q", restoreCRLF(got))
	}
	next, err := r.ReadLine()
	if err != nil || next != "+OK next" {
		t.Fatalf("reader not positioned after the terminator: %q %v", next, err)
	}
}

func TestRedactLine(t *testing.T) {
	for in, want := range map[string]string{
		"PASS hunter2":             "PASS <redacted>",
		"pass hunter2":             "PASS <redacted>",
		"AUTH PLAIN AGFsaWNlAHB3":  "AUTH PLAIN <redacted>",
		"APOP alice 0123456789abc": "APOP <redacted>",
		"USER alice":               "USER alice",
		"RETR 3":                   "RETR 3",
	} {
		if got := RedactLine(in); got != want {
			t.Errorf("RedactLine(%q) = %q, want %q", in, got, want)
		}
	}
	var buf bytes.Buffer
	d := newDebugLog(&buf)
	d.client("AGFsaWNlAHNlY3JldA==", true) // a SASL response line
	d.client("PASS hunter2", true)
	if strings.Contains(buf.String(), "hunter2") || strings.Contains(buf.String(), "AGFsaWNl") {
		t.Fatalf("secret logged: %q", buf.String())
	}
}

// A plain-port server that does not offer STLS must be refused before any
// credential is sent.
func TestSTLSRequiredRefusedWithoutSTLS(t *testing.T) {
	f := newFakeServer(t, false, []string{"USER", "UIDL", "SASL PLAIN"}, nil)
	st := openStore(t)
	a := New(Config{Account: "acct", Host: "127.0.0.1", Port: f.port, Security: SecuritySTLS,
		Username: "alice", Password: "s3cret"}, st, nil)
	_, err := a.Check(context.Background())
	if !mailerr.Is(err, mailerr.SecurityRefused) {
		t.Fatalf("want SecurityRefused, got %v", err)
	}
	cmds := f.commands()
	if len(cmds) == 0 || cmds[0] != "CAPA" {
		t.Fatalf("commands %q: CAPA expected first", cmds)
	}
	for _, c := range cmds {
		up := strings.ToUpper(c)
		if strings.HasPrefix(up, "USER") || strings.HasPrefix(up, "PASS") || strings.HasPrefix(up, "AUTH") || strings.HasPrefix(up, "APOP") {
			t.Fatalf("credential command sent to a server without STLS: %q", cmds)
		}
	}
	// A server without CAPA at all is refused the same way.
	f2 := newFakeServer(t, false, nil, nil)
	f2.noCAPA = true
	_, err = Dial(context.Background(), DialOptions{Host: "127.0.0.1", Port: f2.port, Security: SecuritySTLS})
	if !mailerr.Is(err, mailerr.SecurityRefused) {
		t.Fatalf("no CAPA: want SecurityRefused, got %v", err)
	}
	if _, err := Dial(context.Background(), DialOptions{Host: "127.0.0.1", Port: f2.port, Security: "none"}); !mailerr.Is(err, mailerr.SecurityRefused) {
		t.Fatalf("plaintext mode accepted: %v", err)
	}
}

func TestFakeServerWrongPasswordAndUntrustedCert(t *testing.T) {
	f := newFakeServer(t, true, []string{"USER"}, nil)
	ctx := context.Background()
	_, err := Dial(ctx, DialOptions{Host: "127.0.0.1", Port: f.port, Security: SecurityTLS})
	if !mailerr.Is(err, mailerr.TLSInvalid) || mailerr.FingerprintOf(err) == "" {
		t.Fatalf("untrusted certificate: want TLSInvalid with fingerprint, got %v", err)
	}
	c, err := Dial(ctx, DialOptions{Host: "127.0.0.1", Port: f.port, Security: SecurityTLS, Net: netsec.Options{RootCAs: f.pool}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	err = c.Login(ctx, "alice", "wrong")
	var me *mailerr.Error
	if !mailerr.Is(err, mailerr.AuthFailed) || !asErr(err, &me) || !strings.Contains(me.Text, "Authentication failed") {
		t.Fatalf("want AuthFailed with the server's text, got %v", err)
	}
}

// A server without UIDL: messages are identified by content, downloaded
// once, identical copies both kept, and deleted only in the session that
// hashed them.
func TestNoUIDLServer(t *testing.T) {
	m1 := []byte("From: a@example.org\r\nSubject: one\r\n\r\nbody one\r\n.dot line\r\n")
	m2 := []byte("From: b@example.org\r\nSubject: two\r\n\r\nbody two\r\n")
	f := newFakeServer(t, true, []string{"USER", "TOP"}, [][]byte{m1, m2, m2})
	st := openStore(t)
	cfg := Config{Account: "acct", Host: "127.0.0.1", Port: f.port, Security: SecurityTLS,
		Username: "alice", Password: "s3cret", Net: netsec.Options{RootCAs: f.pool}, LeaveOnServer: true}
	ctx := context.Background()
	a := New(cfg, st, nil)
	res, err := a.Check(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.New != 3 || res.Deleted != 0 {
		t.Fatalf("first check %+v, want 3 new (two identical copies kept)", res)
	}
	res, err = a.Check(ctx)
	if err != nil || res.New != 0 {
		t.Fatalf("second check %+v %v: want nothing new", res, err)
	}
	inbox := inboxOf(t, st, "acct")
	bodies := bodiesOf(t, st, inbox)
	if len(bodies) != 3 || !bytes.Equal(bodies[0], m1) || !bytes.Equal(bodies[1], m2) || !bytes.Equal(bodies[2], m2) {
		t.Fatalf("stored bodies differ: %q", bodies)
	}
	for _, c := range f.commands() {
		if strings.HasPrefix(c, "DELE") {
			t.Fatalf("DELE sent while leaving mail on the server: %q", f.commands())
		}
	}

	// Now delete from the server: all three go, after QUIT.
	cfg.LeaveOnServer = false
	a = New(cfg, st, nil)
	res, err = a.Check(ctx)
	if err != nil || res.Deleted != 3 || res.New != 0 {
		t.Fatalf("delete check %+v %v", res, err)
	}
	if f.count() != 0 {
		t.Fatalf("%d messages left on the server", f.count())
	}
	if n := len(bodiesOf(t, st, inbox)); n != 3 {
		t.Fatalf("local copies: %d, want 3", n)
	}
}

func asErr(err error, target **mailerr.Error) bool {
	e, ok := err.(*mailerr.Error)
	if ok {
		*target = e
	}
	return ok
}

func openStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "cache.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func inboxOf(t *testing.T, st *store.Store, account string) int64 {
	t.Helper()
	f, err := st.FolderByRole(context.Background(), account, store.RoleInbox)
	if err != nil {
		t.Fatal(err)
	}
	if !f.Local {
		t.Fatal("POP3 inbox is not a local folder")
	}
	return f.ID
}

// bodiesOf returns the raw bodies of a folder in local UID order.
func bodiesOf(t *testing.T, st *store.Store, folder int64) [][]byte {
	t.Helper()
	ctx := context.Background()
	uids, err := st.UIDs(ctx, folder)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for _, u := range uids {
		m, err := st.MessageByUID(ctx, folder, u)
		if err != nil {
			t.Fatal(err)
		}
		b, err := st.Body(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}
