// Package autoconfig discovers the IMAP, POP3 and SMTP settings for an e-mail
// address. Several sources are tried in parallel and ranked:
//
//  1. "provider":   the provider database embedded in the binary;
//  2. "autoconfig": the domain's Mozilla-style autoconfig XML over HTTPS;
//  3. "srv":        DNS SRV records (RFC 6186, RFC 8314);
//  4. "mx":         the domain's MX host looked up in sources 1 and 2;
//  5. "guess":      probing imap./mail./pop3./pop./smtp. hosts on standard ports.
//
// A configuration that would send a password in clear text is never offered.
package autoconfig

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sort"
	"strings"
	"time"

	"golang.org/x/net/idna"
)

// Source names, best first.
const (
	SourceProvider   = "provider"
	SourceAutoconfig = "autoconfig"
	SourceSRV        = "srv"
	SourceMX         = "mx"
	SourceGuess      = "guess"
)

// Sources lists every source in rank order.
var Sources = []string{SourceProvider, SourceAutoconfig, SourceSRV, SourceMX, SourceGuess}

// Protocols and security modes used in Server.
const (
	ProtoIMAP = "imap"
	ProtoPOP3 = "pop3"
	ProtoSMTP = "smtp"

	SecurityTLS      = "tls"      // implicit TLS from the first byte
	SecuritySTARTTLS = "starttls" // plain connect, then a mandatory upgrade
)

// Server is one server of a configuration.
type Server struct {
	Protocol string // "imap", "pop3" or "smtp"
	Host     string
	Port     int
	Security string // "tls" or "starttls"; never plain
	Username string
}

func (s Server) String() string {
	return fmt.Sprintf("%s %s:%d %s user=%q", s.Protocol, s.Host, s.Port, s.Security, s.Username)
}

// Config is one candidate configuration for an account.
type Config struct {
	Incoming     Server // imap or pop3
	Outgoing     Server // smtp
	Source       string // one of the Source* constants
	ProviderName string
	NotesEN      string
	NotesZH      string
	// Quirks are provider peculiarities the protocol code must honour
	// (see Provider.Quirks); empty for most configurations.
	Quirks []string
}

// State is where one source stands during Discover.
type State int

const (
	Started  State = iota // the source began looking
	Found                 // it found at least one configuration
	Failed                // it found nothing or failed; Err says why
	TimedOut              // it did not answer within Discoverer.Timeout
	Skipped               // a better source already answered, so it was stopped
)

var stateNames = [...]string{"started", "found", "failed", "timed out", "skipped"}

func (s State) String() string {
	if int(s) >= 0 && int(s) < len(stateNames) {
		return stateNames[s]
	}
	return fmt.Sprintf("state(%d)", int(s))
}

// SourceProgress reports one source's state.
type SourceProgress struct {
	Source string
	State  State
	Found  int   // number of configurations, for Found
	Err    error // the reason, for Failed and TimedOut
}

// Resolver is the DNS part of discovery; *net.Resolver satisfies it.
type Resolver interface {
	LookupSRV(ctx context.Context, service, proto, name string) (string, []*net.SRV, error)
	LookupMX(ctx context.Context, name string) ([]*net.MX, error)
}

// Defaults for the zero Discoverer.
const (
	DefaultTimeout      = 15 * time.Second
	DefaultProbeTimeout = 5 * time.Second
	// MaxBodySize bounds an autoconfig document.
	MaxBodySize = 512 << 10
)

// Discoverer finds settings. The zero value uses the system resolver, a
// default HTTPS client and real TCP connections.
type Discoverer struct {
	// Resolver answers SRV and MX queries; nil means net.DefaultResolver.
	Resolver Resolver
	// HTTP fetches autoconfig documents; nil means a client with
	// http.DefaultTransport. Only https:// URLs are ever requested, and
	// redirects to anything else are refused.
	HTTP *http.Client
	// Dial opens the TCP connections of the guessing probes; nil means a
	// net.Dialer.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// Timeout bounds each source; 0 means DefaultTimeout.
	Timeout time.Duration
	// ProbeTimeout bounds each guessing probe; 0 means DefaultProbeTimeout.
	ProbeTimeout time.Duration
	// WaitAll keeps every source running until it finishes. When false
	// (the default), sources ranked below one that has already found a
	// configuration are stopped as soon as every source ranked above that
	// one has finished, and are reported as Skipped.
	WaitAll bool
	// Disabled names sources not to try (for example SourceGuess).
	Disabled []string
}

// AddressError says the address typed by the user cannot be used.
type AddressError struct {
	Address string
	Reason  string
}

func (e *AddressError) Error() string {
	return fmt.Sprintf("autoconfig: invalid address %q: %s", e.Address, e.Reason)
}

// NotFoundError is returned when no source found a configuration. Progress
// holds each source's final state and reason.
type NotFoundError struct {
	Address  string
	Progress []SourceProgress
}

func (e *NotFoundError) Error() string {
	var parts []string
	for _, p := range e.Progress {
		s := p.Source + ": " + p.State.String()
		if p.Err != nil {
			s += " (" + p.Err.Error() + ")"
		}
		parts = append(parts, s)
	}
	return fmt.Sprintf("autoconfig: no settings found for %s: %s", e.Address, strings.Join(parts, "; "))
}

// address is a parsed e-mail address.
type address struct {
	full, local, domain string
}

func parseAddress(s string) (address, error) {
	s = strings.TrimSpace(s)
	bad := func(r string) (address, error) { return address{}, &AddressError{Address: s, Reason: r} }
	if len(s) > 320 {
		return bad("too long")
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 {
		return bad("expected name@domain")
	}
	local, dom := s[:at], strings.TrimSuffix(s[at+1:], ".")
	if strings.ContainsAny(local, " \t\r\n<>\"(),:;\\[]") {
		return bad("the part before @ contains characters not allowed here")
	}
	ascii, err := idna.Lookup.ToASCII(dom)
	if err != nil || !validHostname(ascii) || !strings.Contains(ascii, ".") {
		return bad("the domain is not valid")
	}
	ascii = strings.ToLower(ascii)
	return address{full: local + "@" + ascii, local: local, domain: ascii}, nil
}

func validHostname(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

func (s Server) validate() error {
	switch s.Protocol {
	case ProtoIMAP, ProtoPOP3, ProtoSMTP:
	default:
		return fmt.Errorf("unknown protocol %q", s.Protocol)
	}
	if ip := net.ParseIP(s.Host); ip == nil && !validHostname(s.Host) {
		return fmt.Errorf("invalid host name %q", s.Host)
	}
	if s.Port < 1 || s.Port > 65535 {
		return fmt.Errorf("invalid port %d", s.Port)
	}
	if s.Security != SecurityTLS && s.Security != SecuritySTARTTLS {
		return fmt.Errorf("insecure or unknown security %q", s.Security)
	}
	return nil
}

func (d *Discoverer) timeout() time.Duration {
	if d.Timeout > 0 {
		return d.Timeout
	}
	return DefaultTimeout
}

func (d *Discoverer) probeTimeout() time.Duration {
	if d.ProbeTimeout > 0 {
		return d.ProbeTimeout
	}
	return DefaultProbeTimeout
}

func (d *Discoverer) resolver() Resolver {
	if d.Resolver != nil {
		return d.Resolver
	}
	return net.DefaultResolver
}

func (d *Discoverer) enabled(src string) bool {
	for _, s := range d.Disabled {
		if s == src {
			return false
		}
	}
	return true
}

func (d *Discoverer) run(ctx context.Context, src string, a address) ([]Config, error) {
	switch src {
	case SourceProvider:
		return d.fromProvider(a)
	case SourceAutoconfig:
		return d.fromAutoconfig(ctx, a, a.domain, SourceAutoconfig)
	case SourceSRV:
		return d.fromSRV(ctx, a)
	case SourceMX:
		return d.fromMX(ctx, a)
	case SourceGuess:
		return d.fromGuess(ctx, a)
	}
	return nil, fmt.Errorf("unknown source %q", src)
}

// ErrNoProvider: the domain is not in the embedded provider database.
var ErrNoProvider = errors.New("domain not in the provider database")

func (d *Discoverer) fromProvider(a address) ([]Config, error) {
	if err := loadDB(); err != nil {
		return nil, err
	}
	p, ok := LookupProvider(a.domain)
	if !ok {
		return nil, ErrNoProvider
	}
	return p.configs(a, SourceProvider), nil
}

type result struct {
	rank    int
	configs []Config
	err     error
}

// Discover looks for settings for email using every source in parallel and
// returns the candidates best first. progress, if not nil, is called from
// Discover's own goroutine, one call at a time, each time a source starts
// or finishes. The error is an *AddressError, an *NotFoundError, or the
// context's error when ctx ends first.
func (d *Discoverer) Discover(ctx context.Context, email string, progress func(SourceProgress)) ([]Config, error) {
	a, err := parseAddress(email)
	if err != nil {
		return nil, err
	}
	if progress == nil {
		progress = func(SourceProgress) {}
	}
	ctx, cancelAll := context.WithCancel(ctx)
	defer cancelAll()

	n := len(Sources)
	cancels := make([]context.CancelFunc, n)
	done := make([]bool, n)
	results := make([][]Config, n)
	final := make([]SourceProgress, 0, n)
	// ch is buffered for every source, so a source that finishes after
	// Discover has stopped listening never blocks.
	ch := make(chan result, n)
	running := 0
	deadline := time.Now().Add(d.timeout())
	for i, src := range Sources {
		if !d.enabled(src) {
			done[i] = true
			continue
		}
		sctx, cancel := context.WithDeadline(ctx, deadline)
		cancels[i] = cancel
		running++
		progress(SourceProgress{Source: src, State: Started})
		go func(i int, src string) {
			cfgs, err := d.run(sctx, src, a)
			ch <- result{rank: i, configs: cfgs, err: err}
		}(i, src)
	}
	defer func() {
		for _, c := range cancels {
			if c != nil {
				c()
			}
		}
	}()
	// finish records the final state of one source.
	finish := func(rank int, p SourceProgress) {
		done[rank] = true
		cancels[rank]()
		running--
		final = append(final, p)
		progress(p)
	}
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	for running > 0 {
		select {
		case <-ctx.Done():
			// Sources stop on their own: their contexts derive from ctx.
			return nil, ctx.Err()
		case <-timer.C:
			// Report every source still running as timed out at once,
			// even one whose network call is slow to notice its deadline.
			for i, src := range Sources {
				if !done[i] {
					finish(i, SourceProgress{Source: src, State: TimedOut,
						Err: fmt.Errorf("no answer within %s", d.timeout())})
				}
			}
		case r := <-ch:
			if done[r.rank] {
				continue // already reported as skipped or timed out
			}
			src := Sources[r.rank]
			switch {
			case len(r.configs) > 0:
				results[r.rank] = r.configs
				finish(r.rank, SourceProgress{Source: src, State: Found, Found: len(r.configs)})
			case errors.Is(r.err, context.DeadlineExceeded) && ctx.Err() == nil:
				finish(r.rank, SourceProgress{Source: src, State: TimedOut,
					Err: fmt.Errorf("no answer within %s", d.timeout())})
			default:
				e := r.err
				if e == nil {
					e = errors.New("nothing found")
				}
				finish(r.rank, SourceProgress{Source: src, State: Failed, Err: e})
			}
			if !d.WaitAll {
				for _, j := range skippable(results, done) {
					finish(j, SourceProgress{Source: Sources[j], State: Skipped})
				}
			}
		}
	}

	var out []Config
	for _, cfgs := range results {
		sorted := append([]Config(nil), cfgs...)
		sort.SliceStable(sorted, func(i, j int) bool { return lessIncoming(sorted[i].Incoming, sorted[j].Incoming) })
		out = appendUnique(out, sorted)
	}
	if len(out) > 0 {
		return out, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	sort.SliceStable(final, func(i, j int) bool { return rankOf(final[i].Source) < rankOf(final[j].Source) })
	return nil, &NotFoundError{Address: a.full, Progress: final}
}

// skippable returns the sources that can no longer contribute the best
// answer: those still running below the best source with a result, once
// every source ranked above that one has finished.
func skippable(results [][]Config, done []bool) []int {
	for i := range results {
		if !done[i] {
			return nil // a better source is still running
		}
		if len(results[i]) > 0 {
			var out []int
			for j := i + 1; j < len(results); j++ {
				if !done[j] {
					out = append(out, j)
				}
			}
			return out
		}
	}
	return nil
}

func rankOf(src string) int {
	for i, s := range Sources {
		if s == src {
			return i
		}
	}
	return len(Sources)
}

func protoRank(p string) int {
	switch p {
	case ProtoIMAP:
		return 0
	case ProtoPOP3:
		return 1
	}
	return 2
}

func secRank(s string) int {
	if s == SecurityTLS {
		return 0
	}
	return 1
}

// lessIncoming orders IMAP before POP3, then implicit TLS before STARTTLS.
func lessIncoming(a, b Server) bool {
	if pa, pb := protoRank(a.Protocol), protoRank(b.Protocol); pa != pb {
		return pa < pb
	}
	return secRank(a.Security) < secRank(b.Security)
}

// sortServers orders outgoing (or incoming) servers best first, keeping the
// given order among equals.
func sortServers(list []Server) []Server {
	out := append([]Server(nil), list...)
	sort.SliceStable(out, func(i, j int) bool { return lessIncoming(out[i], out[j]) })
	return out
}

func appendUnique(out, add []Config) []Config {
	for _, c := range add {
		dup := false
		for _, o := range out {
			if o.Incoming == c.Incoming && o.Outgoing == c.Outgoing {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, c)
		}
	}
	return out
}
