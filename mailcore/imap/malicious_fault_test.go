package imap

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"hongyan/internal/testcert"
	"hongyan/mailcore/mailerr"
	"hongyan/mailcore/netsec"
	"hongyan/mailcore/store"
)

// evilServer is a scripted hostile IMAP server on 127.0.0.1 (implicit
// TLS). Commands it has no script for get a tagged OK.
type evilServer struct {
	port int
	pool *x509.CertPool
	// answer writes the reply to one command; it returns false to hang up.
	answer func(w io.Writer, tag, cmd, rest string) bool
}

func startEvil(t *testing.T, answer func(w io.Writer, tag, cmd, rest string) bool) *evilServer {
	t.Helper()
	cert := testcert.SelfSigned(t, testcert.Options{Hosts: []string{"127.0.0.1"}})
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cert.ServerConfig())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	e := &evilServer{port: ln.Addr().(*net.TCPAddr).Port, pool: cert.Pool, answer: answer}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go e.serve(c)
		}
	}()
	return e
}

func (e *evilServer) serve(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	w := bufio.NewWriter(c)
	defer w.Flush()
	io.WriteString(w, "* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN] evil\r\n")
	w.Flush()
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		f := strings.SplitN(strings.TrimRight(line, "\r\n"), " ", 3)
		if len(f) < 2 {
			continue
		}
		tag, cmd, rest := f[0], strings.ToUpper(f[1]), ""
		if len(f) == 3 {
			rest = f[2]
		}
		if cmd == "UID" {
			g := strings.SplitN(rest, " ", 2)
			cmd = "UID " + strings.ToUpper(g[0])
			if len(g) == 2 {
				rest = g[1]
			}
		}
		switch cmd {
		case "CAPABILITY":
			fmt.Fprintf(w, "* CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN\r\n%s OK done\r\n", tag)
		case "AUTHENTICATE", "LOGIN":
			fmt.Fprintf(w, "%s OK welcome\r\n", tag)
		case "LOGOUT":
			fmt.Fprintf(w, "* BYE\r\n%s OK bye\r\n", tag)
			return
		default:
			if !e.answer(w, tag, cmd, rest) {
				return
			}
		}
		if err := w.Flush(); err != nil {
			return
		}
	}
}

func (e *evilServer) config() Config {
	return Config{AccountID: "evil", Host: "127.0.0.1", Port: e.port, Security: SecurityTLS,
		Username: "u", Password: "p", TLS: netsec.Options{RootCAs: e.pool}, Timeout: 4 * time.Second}
}

// flood writes chunk until the client goes away.
func flood(w io.Writer, chunk string) bool {
	big := strings.Repeat(chunk, (64<<10)/len(chunk)+1)
	for {
		if _, err := io.WriteString(w, big); err != nil {
			return false
		}
	}
}

// bounded runs f and checks that it returns within limit and allocates
// less than maxAlloc bytes meanwhile.
func bounded(t *testing.T, name string, limit time.Duration, maxAlloc uint64, f func() error) error {
	t.Helper()
	runtime.GC()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	done := make(chan error, 1)
	go func() { done <- f() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(limit):
		t.Fatalf("%s: the call did not return within %v", name, limit)
	}
	runtime.ReadMemStats(&m1)
	alloc := m1.TotalAlloc - m0.TotalAlloc
	t.Logf("%s: %v, %d MiB allocated", name, err, alloc>>20)
	if alloc > maxAlloc {
		t.Fatalf("%s: %d MiB allocated, want under %d MiB", name, alloc>>20, maxAlloc>>20)
	}
	return err
}

func okList(w io.Writer, tag string) {
	fmt.Fprintf(w, "* LIST () \"/\" INBOX\r\n%s OK list\r\n", tag)
}

func TestFaultMaliciousHugeLiteral(t *testing.T) {
	e := startEvil(t, func(w io.Writer, tag, cmd, rest string) bool {
		if cmd == "LIST" {
			io.WriteString(w, "* LIST () \"/\" {2000000000}\r\n")
			return flood(w, "x")
		}
		fmt.Fprintf(w, "%s OK\r\n", tag)
		return true
	})
	err := bounded(t, "huge literal", 20*time.Second, 256<<20, func() error {
		return New(e.config(), openStore(t), nil).SyncFolders(context.Background())
	})
	if !mailerr.Is(err, mailerr.Protocol) || !strings.Contains(err.Error(), "literal") {
		t.Fatalf("huge literal: %v, want a protocol error naming the literal", err)
	}
}

func TestFaultMaliciousEndlessLine(t *testing.T) {
	e := startEvil(t, func(w io.Writer, tag, cmd, rest string) bool {
		if cmd == "LIST" {
			io.WriteString(w, "* LIST (")
			return flood(w, `\Flag `)
		}
		fmt.Fprintf(w, "%s OK\r\n", tag)
		return true
	})
	err := bounded(t, "endless line", 20*time.Second, 512<<20, func() error {
		return New(e.config(), openStore(t), nil).SyncFolders(context.Background())
	})
	if k := mailerr.KindOf(err); k != mailerr.Protocol && k != mailerr.Timeout {
		t.Fatalf("endless line: %v, want a protocol error or a timeout", err)
	}
}

func TestFaultMaliciousEndlessResponses(t *testing.T) {
	e := startEvil(t, func(w io.Writer, tag, cmd, rest string) bool {
		switch cmd {
		case "LIST":
			okList(w, tag)
		case "SELECT", "EXAMINE":
			return flood(w, "* 1 EXISTS\r\n")
		default:
			fmt.Fprintf(w, "%s OK\r\n", tag)
		}
		return true
	})
	st := openStore(t)
	a := New(e.config(), st, nil)
	defer a.Close()
	listFolders(t, a)
	f := folder(t, st, a, "INBOX")
	err := bounded(t, "endless responses", 20*time.Second, 1<<30, func() error {
		return a.SyncFolder(context.Background(), f.ID)
	})
	if k := mailerr.KindOf(err); k != mailerr.Timeout && k != mailerr.Protocol && k != mailerr.Unreachable {
		t.Fatalf("endless responses: %v, want a timeout", err)
	}
}

const evilEnvelope = `ENVELOPE ("Mon, 1 Jan 2024 00:00:00 +0000" %s (("A" NIL "a" "x.test")) NIL NIL NIL NIL NIL NIL "<m%d@x.test>")`

func TestFaultMaliciousBadUTF8Folders(t *testing.T) {
	e := startEvil(t, func(w io.Writer, tag, cmd, rest string) bool {
		if cmd == "LIST" {
			fmt.Fprintf(w, "* LIST () \"/\" INBOX\r\n* LIST () \"/\" \"\xff\xfe bad\"\r\n%s OK list\r\n", tag)
		} else {
			fmt.Fprintf(w, "%s OK\r\n", tag)
		}
		return true
	})
	st := openStore(t)
	err := bounded(t, "bad UTF-8 folders", 20*time.Second, 256<<20, func() error {
		return New(e.config(), st, nil).SyncFolders(context.Background())
	})
	if err != nil && !mailerr.Is(err, mailerr.Protocol) {
		t.Fatalf("folders with bad names: %v, want success or a protocol error", err)
	}
	fs, _ := st.Folders(context.Background(), "evil")
	for _, f := range fs {
		if !utf8.ValidString(f.Name) {
			t.Fatalf("invalid UTF-8 folder name stored: %q", f.Name)
		}
	}
}

func TestFaultMaliciousAbsurdUIDs(t *testing.T) {
	e := startEvil(t, func(w io.Writer, tag, cmd, rest string) bool {
		switch cmd {
		case "LIST":
			okList(w, tag)
		case "SELECT", "EXAMINE":
			fmt.Fprintf(w, "* 6 EXISTS\r\n* OK [UIDVALIDITY 1] x\r\n* OK [UIDNEXT 10] x\r\n%s OK [READ-WRITE] selected\r\n", tag)
		case "UID FETCH":
			for i, uid := range []uint64{0, 4294967295, 7, 7, 9, 2} {
				subj := fmt.Sprintf(`"subject %d"`, uid)
				if uid == 9 {
					subj = "\"bad \xc3\x28 utf8\""
				}
				fmt.Fprintf(w, "* %d FETCH (UID %d FLAGS (\\Seen) RFC822.SIZE 10 INTERNALDATE \"01-Jan-2024 00:00:00 +0000\" "+evilEnvelope+")\r\n",
					i+1, uid, subj, uid)
			}
			fmt.Fprintf(w, "%s OK fetched\r\n", tag)
		case "UID SEARCH":
			fmt.Fprintf(w, "* SEARCH 2 7 9 4294967295\r\n%s OK\r\n", tag)
		default:
			fmt.Fprintf(w, "%s OK\r\n", tag)
		}
		return true
	})
	// Both FETCH paths: go-imap on the main connection, and the helper
	// connections whose answers are decoded by hand (bulk.go).
	for _, bulk := range []bool{false, true} {
		t.Run(fmt.Sprintf("bulk=%v", bulk), func(t *testing.T) { absurdUIDs(t, e, bulk) })
	}
}

// evilAccount opens an account over st, closed with the test. With bulk,
// a first sync of any size goes to the helper connections (bulk.go), and
// the test fails if it did not.
func evilAccount(t *testing.T, cfg Config, st *store.Store, bulk bool) *Account {
	t.Helper()
	log := &protoLog{}
	if bulk {
		cfg.BatchSize, cfg.Debug = 1, log
	}
	a := New(cfg, st, nil)
	t.Cleanup(a.Close)
	if bulk {
		a.parallelMin = 1
		t.Cleanup(func() {
			if !strings.Contains(log.String(), "H1 UID FETCH") {
				t.Error("the helper connections were not used")
			}
		})
	}
	return a
}

func absurdUIDs(t *testing.T, e *evilServer, bulk bool) {
	st := openStore(t)
	a := evilAccount(t, e.config(), st, bulk)
	ctx := context.Background()
	listFolders(t, a)
	inbox := folder(t, st, a, "INBOX")
	err := bounded(t, "absurd UIDs", 20*time.Second, 256<<20, func() error { return a.SyncFolder(ctx, inbox.ID) })
	if err != nil && !mailerr.Is(err, mailerr.Protocol) {
		t.Fatalf("absurd UIDs: %v", err)
	}
	uids, uerr := st.UIDs(ctx, inbox.ID)
	if uerr != nil {
		t.Fatal(uerr)
	}
	seen := map[uint32]bool{}
	for _, u := range uids {
		if u == 0 || u >= 10 || seen[u] {
			t.Fatalf("absurd UID %d cached (all: %v)", u, uids)
		}
		seen[u] = true
	}
	if err == nil {
		for _, u := range []uint32{2, 7} {
			if !seen[u] {
				t.Fatalf("valid UID %d lost (cached %v)", u, uids)
			}
		}
	}
	msgs, _ := st.Page(ctx, inbox.ID, store.ByDateDesc, 0, 100)
	for _, m := range msgs {
		if !utf8.ValidString(m.Subject) {
			t.Fatalf("invalid UTF-8 subject stored: %q", m.Subject)
		}
	}
}

func TestGuardLiteralScan(t *testing.T) {
	g := &guardConn{host: "h"}
	ok := "* 1 FETCH (BODY[] {5}\r\n{9999999999}\r\n)\r\nA1 OK\r\n"
	if err := g.scan([]byte(ok)); err != nil {
		t.Fatalf("a literal's content was parsed: %v", err)
	}
	g = &guardConn{host: "h"}
	// Split across reads.
	for _, part := range []string{"* LIST () \"/\" {20000", "00000}", "\r", "\n"} {
		if err := g.scan([]byte(part)); err != nil {
			if !strings.Contains(err.Error(), "literal") {
				t.Fatal(err)
			}
			return
		}
	}
	t.Fatal("a huge literal split across reads was not caught")
}

// A server that stops answering in the middle of a FETCH must not hold the
// sync for ever: it ends with a timeout soon after the command timeout.
func TestFaultMaliciousSilentMidFetch(t *testing.T) {
	e := startEvil(t, func(w io.Writer, tag, cmd, rest string) bool {
		switch cmd {
		case "LIST":
			okList(w, tag)
		case "SELECT", "EXAMINE":
			fmt.Fprintf(w, "* 3 EXISTS\r\n* OK [UIDVALIDITY 7] v\r\n* OK [UIDNEXT 4] n\r\n%s OK [READ-WRITE] selected\r\n", tag)
		case "UID SEARCH":
			fmt.Fprintf(w, "* SEARCH 1 2 3\r\n%s OK\r\n", tag)
		case "UID FETCH", "FETCH":
			// One message, then silence with the connection open.
			io.WriteString(w, "* 1 FETCH (UID 3 FLAGS () RFC822.SIZE 10)\r\n")
			if f, ok := w.(interface{ Flush() error }); ok {
				f.Flush()
			}
			time.Sleep(25 * time.Second)
			return false
		default:
			fmt.Fprintf(w, "%s OK\r\n", tag)
		}
		return true
	})
	for _, bulk := range []bool{false, true} {
		t.Run(fmt.Sprintf("bulk=%v", bulk), func(t *testing.T) {
			st := openStore(t)
			cfg := e.config()
			cfg.Timeout = 2 * time.Second
			a := evilAccount(t, cfg, st, bulk)
			listFolders(t, a)
			f := folder(t, st, a, "INBOX")
			err := bounded(t, "silent mid-FETCH", 15*time.Second, 256<<20, func() error {
				return a.SyncFolder(context.Background(), f.ID)
			})
			if k := mailerr.KindOf(err); k != mailerr.Timeout && k != mailerr.Unreachable {
				t.Fatalf("silent server: %v, want a timeout", err)
			}
		})
	}
}
