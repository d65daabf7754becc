package pop3

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"hongyan/internal/testcert"
)

// fakeServer is a small scripted POP3 server on 127.0.0.1 for the cases a
// real Dovecot cannot show: no STLS offered, no UIDL. It speaks implicit TLS
// when useTLS is set, plain TCP otherwise.
type fakeServer struct {
	t      *testing.T
	port   int
	pool   *x509.CertPool
	capa   []string // CAPA lines
	noCAPA bool
	user   string
	pass   string

	mu       sync.Mutex
	msgs     [][]byte // the maildrop
	received []string // every command line received, in order
	deleted  int      // messages removed at QUIT
}

func newFakeServer(t *testing.T, useTLS bool, capa []string, msgs [][]byte) *fakeServer {
	t.Helper()
	f := &fakeServer{t: t, capa: capa, msgs: msgs, user: "alice", pass: "s3cret"}
	var ln net.Listener
	var err error
	if useTLS {
		cert := testcert.Localhost(t)
		f.pool = cert.Pool
		ln, err = tls.Listen("tcp", "127.0.0.1:0", cert.ServerConfig())
	} else {
		ln, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	f.port = ln.Addr().(*net.TCPAddr).Port
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go f.serve(c)
		}
	}()
	return f
}

func (f *fakeServer) commands() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.received...)
}

func (f *fakeServer) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.msgs)
}

func (f *fakeServer) serve(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	r := bufio.NewReader(c)
	w := bufio.NewWriter(c)
	say := func(format string, a ...any) {
		fmt.Fprintf(w, format+"\r\n", a...)
		w.Flush()
	}
	f.mu.Lock()
	drop := append([][]byte(nil), f.msgs...)
	f.mu.Unlock()
	marked := map[int]bool{}
	authed := false
	userOK := false
	say("+OK fake ready")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		f.mu.Lock()
		f.received = append(f.received, line)
		f.mu.Unlock()
		verb, arg, _ := strings.Cut(line, " ")
		num, _ := strconv.Atoi(arg)
		valid := num >= 1 && num <= len(drop) && !marked[num]
		switch strings.ToUpper(verb) {
		case "CAPA":
			if f.noCAPA {
				say("-ERR unknown command")
				continue
			}
			say("+OK")
			for _, l := range f.capa {
				say("%s", l)
			}
			say(".")
		case "USER":
			userOK = arg == f.user
			say("+OK")
		case "PASS":
			if userOK && arg == f.pass {
				authed = true
				say("+OK logged in")
			} else {
				say("-ERR [AUTH] Authentication failed.")
			}
		case "STAT":
			say("+OK %d 0", len(drop))
		case "LIST":
			if !authed {
				say("-ERR not logged in")
				continue
			}
			say("+OK")
			for i, m := range drop {
				if !marked[i+1] {
					say("%d %d", i+1, len(m))
				}
			}
			say(".")
		case "RETR":
			if !authed || !valid {
				say("-ERR no such message")
				continue
			}
			say("+OK")
			w.Write(dotStuff(drop[num-1]))
			say(".")
		case "DELE":
			if !authed || !valid {
				say("-ERR no such message")
				continue
			}
			marked[num] = true
			say("+OK marked")
		case "QUIT":
			f.mu.Lock()
			var keep [][]byte
			for i, m := range f.msgs {
				if !marked[i+1] {
					keep = append(keep, m)
				}
			}
			f.deleted += len(f.msgs) - len(keep)
			f.msgs = keep
			f.mu.Unlock()
			say("+OK bye")
			return
		default:
			say("-ERR unknown command")
		}
	}
}

// dotStuff encodes a CRLF message for a multi-line response.
func dotStuff(m []byte) []byte {
	var out []byte
	for _, l := range strings.SplitAfter(string(m), "\r\n") {
		if l == "" {
			continue
		}
		if strings.HasPrefix(l, ".") {
			out = append(out, '.')
		}
		out = append(out, l...)
	}
	if len(out) > 0 && !strings.HasSuffix(string(out), "\r\n") {
		out = append(out, '\r', '\n')
	}
	return out
}
