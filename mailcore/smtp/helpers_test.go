package smtp

import (
	"bufio"
	"context"
	"crypto/tls"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"hongyan/internal/mailtest"
	"hongyan/internal/testcert"
	"hongyan/mailcore/netsec"
	"hongyan/mailcore/store"
)

func TestMain(m *testing.M) {
	if os.Getenv(crashChildEnv) != "" {
		os.Exit(crashChild())
	}
	mailtest.Main(m)
}

// stackConfig is the submission configuration for u on the test stack.
func stackConfig(s *mailtest.Stack, u mailtest.User, sec Security) Config {
	port := s.SubmissionsPort
	if sec == StartTLS {
		port = s.SubmissionPort
	}
	return Config{Host: s.Host, Port: port, Security: sec, Username: u.Name, Password: u.Password,
		Net: netsec.Options{RootCAs: s.CAPool, DialTimeout: 10 * time.Second}, Timeout: 30 * time.Second}
}

func openStore(t testing.TB) *store.Store {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "cache.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// mailbox returns the raw messages of a user's mailbox, read over IMAPS.
func mailbox(t testing.TB, s *mailtest.Stack, u mailtest.User, name string) [][]byte {
	t.Helper()
	c, err := imapclient.DialTLS(s.Addr(s.IMAPSPort), &imapclient.Options{TLSConfig: s.TLSConfig()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(u.Name, u.Password).Wait(); err != nil {
		t.Fatal(err)
	}
	sel, err := c.Select(name, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if sel.NumMessages == 0 {
		return nil
	}
	sec := &imap.FetchItemBodySection{Peek: true}
	msgs, err := c.Fetch(imap.SeqSetNum(seqRange(sel.NumMessages)...), &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{sec}}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for _, m := range msgs {
		out = append(out, m.FindBodySection(sec))
	}
	return out
}

func seqRange(n uint32) []uint32 {
	s := make([]uint32, n)
	for i := range s {
		s[i] = uint32(i + 1)
	}
	return s
}

// waitMailbox polls until the mailbox holds want messages, then checks
// that no further copy shows up after the Postfix queue had time to drain.
func waitMailbox(t testing.TB, s *mailtest.Stack, u mailtest.User, name string, want int) [][]byte {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		got := mailbox(t, s, u, name)
		if len(got) > want {
			t.Fatalf("%s of %s has %d messages, want %d", name, u.Name, len(got), want)
		}
		if len(got) == want {
			time.Sleep(700 * time.Millisecond)
			again := mailbox(t, s, u, name)
			if len(again) != want {
				t.Fatalf("%s of %s went to %d messages, want %d", name, u.Name, len(again), want)
			}
			return again
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s of %s has %d messages after 30s, want %d\n%s", name, u.Name, len(got), want, s.ServerLog())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// fakeServer is a tiny scripted SMTP server on 127.0.0.1 for cases the real
// Postfix cannot produce on demand (no STARTTLS, a small SIZE, 4xx).
type fakeServer struct {
	ln       net.Listener
	tls      *tls.Config // implicit TLS when set
	ehlo     []string    // extension lines
	rcptCode func(n int) string
	dataCode func(n int) string
	dropData bool // close the connection right after the final dot

	mu       sync.Mutex
	lines    []string
	accepted int
	dataN    int
}

func newFakeServer(t *testing.T, withTLS bool, ehlo ...string) (*fakeServer, netsec.Options) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeServer{ln: ln, ehlo: ehlo}
	var opts netsec.Options
	if withTLS {
		cert := testcert.Localhost(t)
		f.tls = cert.ServerConfig()
		opts.RootCAs = cert.Pool
	}
	t.Cleanup(func() { ln.Close() })
	go f.serve()
	return f, opts
}

func (f *fakeServer) port() int { return f.ln.Addr().(*net.TCPAddr).Port }

func (f *fakeServer) log() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.lines...)
}

func (f *fakeServer) serve() {
	for {
		c, err := f.ln.Accept()
		if err != nil {
			return
		}
		if f.tls != nil {
			c = tls.Server(c, f.tls)
		}
		go f.handle(c)
	}
}

func (f *fakeServer) handle(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	say := func(s string) { c.Write([]byte(s + "\r\n")) }
	say("220 fake ESMTP")
	rcpts := 0
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		f.mu.Lock()
		f.lines = append(f.lines, line)
		f.mu.Unlock()
		cmd := strings.ToUpper(line)
		switch {
		case strings.HasPrefix(cmd, "EHLO"):
			ext := append([]string{"fake"}, f.ehlo...)
			for i, e := range ext {
				sep := "-"
				if i == len(ext)-1 {
					sep = " "
				}
				say("250" + sep + e)
			}
		case strings.HasPrefix(cmd, "AUTH"):
			say("235 2.7.0 ok")
		case strings.HasPrefix(cmd, "MAIL"):
			rcpts = 0
			say("250 2.1.0 ok")
		case strings.HasPrefix(cmd, "RCPT"):
			rcpts++
			code := "250 2.1.5 ok"
			if f.rcptCode != nil {
				code = f.rcptCode(rcpts)
			}
			say(code)
		case cmd == "DATA":
			say("354 go on")
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
			}
			f.mu.Lock()
			f.dataN++
			n := f.dataN
			f.mu.Unlock()
			if f.dropData {
				return
			}
			code := "250 2.0.0 queued"
			if f.dataCode != nil {
				code = f.dataCode(n)
			}
			if strings.HasPrefix(code, "250") {
				f.mu.Lock()
				f.accepted++
				f.mu.Unlock()
			}
			say(code)
		case cmd == "RSET", cmd == "NOOP":
			say("250 ok")
		case cmd == "QUIT":
			say("221 bye")
			return
		default:
			say("502 5.5.2 unknown")
		}
	}
}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// fixedConfig is an OutboxOptions.Config that always returns cfg.
func fixedConfig(cfg Config) func(context.Context, string) (Config, error) {
	return func(context.Context, string) (Config, error) { return cfg, nil }
}

func bg() context.Context { return context.Background() }
