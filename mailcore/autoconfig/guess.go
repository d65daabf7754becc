package autoconfig

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ErrNothingAnswered: no guessed host answered as a mail server with TLS.
var ErrNothingAnswered = errors.New("no guessed server answered with TLS or STARTTLS")

type probe struct {
	server Server
	err    error
}

// guessCandidates lists the servers probed for a domain, best first within
// each protocol.
func guessCandidates(a address) []Server {
	var out []Server
	add := func(proto string, prefixes []string, tlsPort, starttlsPort int) {
		for _, sec := range []string{SecurityTLS, SecuritySTARTTLS} {
			port := tlsPort
			if sec == SecuritySTARTTLS {
				port = starttlsPort
			}
			for _, p := range prefixes {
				out = append(out, Server{Protocol: proto, Host: p + "." + a.domain, Port: port, Security: sec, Username: a.full})
			}
		}
	}
	add(ProtoIMAP, []string{"imap", "mail"}, 993, 143)
	add(ProtoPOP3, []string{"pop3", "pop", "mail"}, 995, 110)
	add(ProtoSMTP, []string{"smtp", "mail"}, 465, 587)
	return out
}

func (d *Discoverer) fromGuess(ctx context.Context, a address) ([]Config, error) {
	cands := guessCandidates(a)
	probes := make([]probe, len(cands))
	var wg sync.WaitGroup
	for i, s := range cands {
		wg.Add(1)
		go func(i int, s Server) {
			defer wg.Done()
			pctx, cancel := context.WithTimeout(ctx, d.probeTimeout())
			defer cancel()
			probes[i] = probe{server: s, err: d.probe(pctx, s)}
		}(i, s)
	}
	wg.Wait()
	var ins, outs []Server
	var lastErr error
	for _, p := range probes {
		if p.err != nil {
			lastErr = p.err
			continue
		}
		if p.server.Protocol == ProtoSMTP {
			outs = append(outs, p.server)
		} else {
			ins = append(ins, p.server)
		}
	}
	if err := ctx.Err(); err != nil && (len(ins) == 0 || len(outs) == 0) {
		return nil, err
	}
	if len(ins) == 0 {
		return nil, fmt.Errorf("%w (incoming; last error: %v)", ErrNothingAnswered, lastErr)
	}
	if len(outs) == 0 {
		return nil, fmt.Errorf("%w (outgoing SMTP; last error: %v)", ErrNothingAnswered, lastErr)
	}
	cfgs := make([]Config, 0, len(ins))
	for _, in := range ins {
		cfgs = append(cfgs, Config{Incoming: in, Outgoing: outs[0], Source: SourceGuess,
			NotesEN: noteGuessEN, NotesZH: noteGuessZH})
	}
	return cfgs, nil
}

const (
	noteGuessEN = "These settings were guessed from servers that answered; check them with your provider. " + noteGuessedUserEN
	noteGuessZH = "这些设置是根据有应答的服务器推测的，请向邮件服务商确认。" + noteGuessedUserZH
)

// ProbeError says why a probed server was not accepted.
type ProbeError struct {
	Server Server
	Reason string
	Err    error
}

func (e *ProbeError) Error() string {
	msg := fmt.Sprintf("probe %s %s:%d (%s): %s", e.Server.Protocol, e.Server.Host, e.Server.Port, e.Server.Security, e.Reason)
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *ProbeError) Unwrap() error { return e.Err }

func (d *Discoverer) dial(ctx context.Context, addr string) (net.Conn, error) {
	if d.Dial != nil {
		return d.Dial(ctx, "tcp", addr)
	}
	var nd net.Dialer
	return nd.DialContext(ctx, "tcp", addr)
}

// probe connects to s, reads its greeting and, on a STARTTLS port, checks
// that the upgrade is offered. No credentials are ever sent.
func (d *Discoverer) probe(ctx context.Context, s Server) error {
	fail := func(reason string, err error) error { return &ProbeError{Server: s, Reason: reason, Err: err} }
	conn, err := d.dial(ctx, net.JoinHostPort(s.Host, strconv.Itoa(s.Port)))
	if err != nil {
		return fail("cannot connect", err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	} else {
		_ = conn.SetDeadline(time.Now().Add(d.probeTimeout()))
	}
	// Close the connection when ctx ends so a blocked read returns.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()

	if s.Security == SecurityTLS {
		// The probe only learns whether a TLS mail server listens here;
		// it sends no credentials. The account's own connection verifies
		// the certificate (mailcore/netsec) and lets the user decide
		// about an untrusted one, so it is not verified twice here.
		tc := tls.Client(conn, &tls.Config{ServerName: s.Host, InsecureSkipVerify: true, MinVersion: tls.VersionTLS12})
		if err := tc.HandshakeContext(ctx); err != nil {
			return fail("TLS handshake failed", err)
		}
		conn = tc
	}
	r := bufio.NewReaderSize(conn, 4096)
	w := conn
	switch s.Protocol {
	case ProtoIMAP:
		return probeIMAP(r, w, s.Security == SecuritySTARTTLS, fail)
	case ProtoPOP3:
		return probePOP3(r, w, s.Security == SecuritySTARTTLS, fail)
	case ProtoSMTP:
		return probeSMTP(r, w, s.Security == SecuritySTARTTLS, fail)
	}
	return fail("unknown protocol", nil)
}

const maxProbeLines = 200

// readLine reads one CRLF- or LF-terminated line of at most 4 KiB.
func readLine(r *bufio.Reader) (string, error) {
	line, err := r.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		return "", errors.New("line too long")
	}
	if err != nil {
		return "", err
	}
	return strings.TrimRight(string(line), "\r\n"), nil
}

func hasToken(line, tok string) bool {
	for _, f := range strings.Fields(strings.ToUpper(line)) {
		if strings.Trim(f, "[]") == tok {
			return true
		}
	}
	return false
}

func probeIMAP(r *bufio.Reader, w net.Conn, starttls bool, fail func(string, error) error) error {
	g, err := readLine(r)
	if err != nil {
		return fail("no greeting", err)
	}
	ug := strings.ToUpper(g)
	if !strings.HasPrefix(ug, "* OK") && !strings.HasPrefix(ug, "* PREAUTH") {
		return fail("not an IMAP greeting", nil)
	}
	if !starttls {
		return nil
	}
	if strings.Contains(ug, "[CAPABILITY") && hasToken(ug, "STARTTLS") {
		_, _ = w.Write([]byte("h1 LOGOUT\r\n"))
		return nil
	}
	if _, err := w.Write([]byte("h1 CAPABILITY\r\n")); err != nil {
		return fail("cannot ask capabilities", err)
	}
	offered := false
	for i := 0; i < maxProbeLines; i++ {
		l, err := readLine(r)
		if err != nil {
			return fail("no capability answer", err)
		}
		ul := strings.ToUpper(l)
		if strings.HasPrefix(ul, "* CAPABILITY") && hasToken(ul, "STARTTLS") {
			offered = true
		}
		if strings.HasPrefix(ul, "H1 ") {
			_, _ = w.Write([]byte("h2 LOGOUT\r\n"))
			if !offered {
				return fail("STARTTLS not offered", nil)
			}
			return nil
		}
	}
	return fail("capability answer too long", nil)
}

func probePOP3(r *bufio.Reader, w net.Conn, starttls bool, fail func(string, error) error) error {
	g, err := readLine(r)
	if err != nil {
		return fail("no greeting", err)
	}
	if !strings.HasPrefix(g, "+OK") {
		return fail("not a POP3 greeting", nil)
	}
	if !starttls {
		return nil
	}
	if _, err := w.Write([]byte("CAPA\r\n")); err != nil {
		return fail("cannot ask capabilities", err)
	}
	l, err := readLine(r)
	if err != nil || !strings.HasPrefix(l, "+OK") {
		return fail("CAPA refused", err)
	}
	offered := false
	for i := 0; i < maxProbeLines; i++ {
		l, err := readLine(r)
		if err != nil {
			return fail("no capability answer", err)
		}
		if l == "." {
			_, _ = w.Write([]byte("QUIT\r\n"))
			if !offered {
				return fail("STLS not offered", nil)
			}
			return nil
		}
		if hasToken(l, "STLS") {
			offered = true
		}
	}
	return fail("capability answer too long", nil)
}

// readSMTPReply reads a possibly multi-line reply and returns its code and
// text lines.
func readSMTPReply(r *bufio.Reader) (string, []string, error) {
	var lines []string
	for i := 0; i < maxProbeLines; i++ {
		l, err := readLine(r)
		if err != nil {
			return "", nil, err
		}
		if len(l) < 3 {
			return "", nil, errors.New("malformed reply")
		}
		lines = append(lines, l)
		if len(l) == 3 || l[3] == ' ' {
			return l[:3], lines, nil
		}
		if l[3] != '-' {
			return "", nil, errors.New("malformed reply")
		}
	}
	return "", nil, errors.New("reply too long")
}

func probeSMTP(r *bufio.Reader, w net.Conn, starttls bool, fail func(string, error) error) error {
	code, _, err := readSMTPReply(r)
	if err != nil {
		return fail("no greeting", err)
	}
	if code != "220" {
		return fail("not an SMTP greeting", nil)
	}
	if !starttls {
		_, _ = w.Write([]byte("QUIT\r\n"))
		return nil
	}
	if _, err := w.Write([]byte("EHLO localhost\r\n")); err != nil {
		return fail("cannot send EHLO", err)
	}
	code, lines, err := readSMTPReply(r)
	if err != nil || code != "250" {
		return fail("EHLO refused", err)
	}
	_, _ = w.Write([]byte("QUIT\r\n"))
	for _, l := range lines[1:] {
		if len(l) > 4 && hasToken(l[4:], "STARTTLS") {
			return nil
		}
	}
	return fail("STARTTLS not offered", nil)
}
