package autoconfig

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"

	"hongyan/internal/testcert"
)

// dnsFixture is a local authoritative DNS server on 127.0.0.1 serving the
// records a test adds.
type dnsFixture struct {
	mu      sync.Mutex
	records map[string][]dns.RR // key: lower-case FQDN + "/" + type
	names   map[string]bool
	slow    map[string]bool // names whose queries are never answered
	addr    string
	stop    chan struct{}
}

func newDNS(t *testing.T) *dnsFixture {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &dnsFixture{records: map[string][]dns.RR{}, names: map[string]bool{}, slow: map[string]bool{},
		addr: pc.LocalAddr().String(), stop: make(chan struct{})}
	started := make(chan struct{})
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(f.serve), NotifyStartedFunc: func() { close(started) }}
	go func() { _ = srv.ActivateAndServe() }()
	<-started
	t.Cleanup(func() {
		close(f.stop)
		_ = srv.Shutdown()
	})
	return f
}

// add adds records written in zone-file syntax.
func (f *dnsFixture) add(t *testing.T, lines ...string) {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, l := range lines {
		rr, err := dns.NewRR(l)
		if err != nil {
			t.Fatalf("bad fixture record %q: %v", l, err)
		}
		h := rr.Header()
		name := strings.ToLower(h.Name)
		key := name + "/" + dns.TypeToString[h.Rrtype]
		f.records[key] = append(f.records[key], rr)
		f.names[name] = true
	}
}

func (f *dnsFixture) setSlow(name string) {
	f.mu.Lock()
	f.slow[dns.Fqdn(strings.ToLower(name))] = true
	f.mu.Unlock()
}

func (f *dnsFixture) serve(w dns.ResponseWriter, req *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(req)
	m.Authoritative = true
	if len(req.Question) == 1 {
		q := req.Question[0]
		name := strings.ToLower(q.Name)
		f.mu.Lock()
		slow := false
		for s := range f.slow {
			if name == s || strings.HasSuffix(name, "."+s) {
				slow = true
			}
		}
		rrs := append([]dns.RR(nil), f.records[name+"/"+dns.TypeToString[q.Qtype]]...)
		known := f.names[name]
		f.mu.Unlock()
		if slow {
			<-f.stop // never answer while the test runs
			return
		}
		m.Answer = rrs
		if !known {
			m.Rcode = dns.RcodeNameError
		}
	}
	_ = w.WriteMsg(m)
}

func (f *dnsFixture) resolver() *net.Resolver {
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "udp", f.addr)
	}}
}

// env bundles the local DNS, HTTPS and mail-server fixtures of a test.
type env struct {
	t     *testing.T
	dns   *dnsFixture
	res   *net.Resolver
	https *httptest.Server
	pool  *x509.CertPool
	cert  tls.Certificate

	mu       sync.Mutex
	handlers map[string]http.HandlerFunc // key: host + path
	ports    map[string]string           // "host:port" → listening 127.0.0.1 address
	dials    []string
}

// testHosts are the names the fixture certificate is valid for.
var testHosts = []string{
	"autoconfig.example.test", "example.test",
	"autoconfig.wellknown.test", "wellknown.test",
	"autoconfig.broken.test", "broken.test",
	"autoconfig.plain.test", "plain.test",
	"autoconfig.big.test", "big.test",
	"autoconfig.redirect.test", "redirect.test",
	"autoconfig.hoster.test", "hoster.test",
	"autoconfig.both.test", "both.test",
	"autoconfig.slow.test", "slow.test",
	"imap.guess.test", "mail.guess.test", "pop3.guess.test", "pop.guess.test", "smtp.guess.test",
	"imap.real.test", "pop3.real.test", "smtp.real.test",
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, dns: newDNS(t), handlers: map[string]http.HandlerFunc{}, ports: map[string]string{}}
	e.res = e.dns.resolver()
	c := testcert.SelfSigned(t, testcert.Options{Hosts: testHosts})
	e.cert, e.pool = c.TLS, c.Pool
	e.https = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, err := net.SplitHostPort(r.Host)
		if err != nil {
			host = r.Host
		}
		e.mu.Lock()
		h := e.handlers[host+r.URL.Path]
		e.mu.Unlock()
		if h == nil {
			http.NotFound(w, r)
			return
		}
		h(w, r)
	}))
	e.https.TLS = &tls.Config{Certificates: []tls.Certificate{e.cert}}
	e.https.StartTLS()
	t.Cleanup(e.https.Close)
	return e
}

func (e *env) handle(host, path string, h http.HandlerFunc) {
	e.mu.Lock()
	e.handlers[host+path] = h
	e.mu.Unlock()
}

func (e *env) serveXML(host, path, body string) {
	e.handle(host, path, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprint(w, body)
	})
}

// resolveLocal resolves host through the fixture DNS; only names with an A
// record of 127.0.0.1 are reachable.
func (e *env) resolveLocal(ctx context.Context, host string) error {
	addrs, err := e.res.LookupHost(ctx, host)
	if err != nil {
		return err
	}
	for _, a := range addrs {
		if a == "127.0.0.1" {
			return nil
		}
	}
	return fmt.Errorf("%s does not resolve to 127.0.0.1", host)
}

// httpClient reaches the fixture HTTPS server for any name that resolves in
// the fixture DNS.
func (e *env) httpClient() *http.Client {
	tr := &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: e.pool},
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			host, port, err := net.SplitHostPort(addr)
			if err != nil {
				return nil, err
			}
			if port != "443" {
				return nil, fmt.Errorf("fixture only serves port 443, not %s", port)
			}
			if err := e.resolveLocal(ctx, host); err != nil {
				return nil, err
			}
			var d net.Dialer
			return d.DialContext(ctx, "tcp", e.https.Listener.Addr().String())
		},
	}
	e.t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// dial maps "host:port" to a local listener after resolving host in the
// fixture DNS; unmapped ports are refused like a closed port.
func (e *env) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	e.dials = append(e.dials, addr)
	e.mu.Unlock()
	if err := e.resolveLocal(ctx, host); err != nil {
		return nil, err
	}
	e.mu.Lock()
	target, ok := e.ports[addr]
	e.mu.Unlock()
	if !ok {
		return nil, &net.OpError{Op: "dial", Net: network, Err: syscall.ECONNREFUSED}
	}
	var d net.Dialer
	return d.DialContext(ctx, network, target)
}

func (e *env) mapPort(host string, port int, target string) {
	e.mu.Lock()
	e.ports[net.JoinHostPort(host, strconv.Itoa(port))] = target
	e.mu.Unlock()
}

// discoverer returns a Discoverer wired to the fixtures only.
func (e *env) discoverer() *Discoverer {
	return &Discoverer{Resolver: e.res, HTTP: e.httpClient(), Dial: e.dial, Timeout: 10 * time.Second, ProbeTimeout: 5 * time.Second}
}

// lineServer starts a TCP (or TLS) server whose connections are handled by
// h, and returns its address.
func (e *env) lineServer(useTLS bool, h func(c net.Conn)) string {
	e.t.Helper()
	var ln net.Listener
	var err error
	if useTLS {
		ln, err = tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{e.cert}})
	} else {
		ln, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		e.t.Fatal(err)
	}
	var wg sync.WaitGroup
	e.t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(10 * time.Second))
				h(c)
			}()
		}
	}()
	return ln.Addr().String()
}

// scripted returns a handler that writes greeting, then answers each line
// it reads with the reply for the first matching prefix.
func scripted(greeting string, replies map[string]string) func(net.Conn) {
	return func(c net.Conn) {
		if _, err := c.Write([]byte(greeting)); err != nil {
			return
		}
		buf := make([]byte, 0, 512)
		tmp := make([]byte, 256)
		for {
			n, err := c.Read(tmp)
			if err != nil {
				return
			}
			buf = append(buf, tmp[:n]...)
			for {
				i := strings.IndexByte(string(buf), '\n')
				if i < 0 {
					break
				}
				line := strings.TrimRight(string(buf[:i]), "\r")
				buf = buf[i+1:]
				for prefix, reply := range replies {
					if strings.HasPrefix(strings.ToUpper(line), prefix) {
						if _, err := c.Write([]byte(reply)); err != nil {
							return
						}
					}
				}
			}
		}
	}
}

// checkConfigs asserts that cfgs offer the incoming servers want, in order,
// each found by source and paired with the outgoing server out.
func checkConfigs(t *testing.T, cfgs []Config, source string, out Server, want ...Server) {
	t.Helper()
	if len(cfgs) != len(want) {
		t.Fatalf("got %d configs, want %d: %v", len(cfgs), len(want), cfgs)
	}
	for i, w := range want {
		if cfgs[i].Incoming != w {
			t.Errorf("config %d incoming = %v, want %v", i, cfgs[i].Incoming, w)
		}
		if cfgs[i].Source != source {
			t.Errorf("config %d source = %q, want %q", i, cfgs[i].Source, source)
		}
		if cfgs[i].Outgoing != out {
			t.Errorf("config %d outgoing = %v, want %v", i, cfgs[i].Outgoing, out)
		}
	}
}
