// Package demo runs Hongyan's demo account: an IMAP server and an SMTP
// submission server inside the process, on 127.0.0.1 with random ports and
// implicit TLS, holding a few hundred sample messages generated from code.
// Mail submitted to a demo address lands in the demo INBOX, so replying,
// forwarding and writing new mail all work without any network.
//
// The servers are for the --demo mode and for fast tests. They are not a
// substitute for the real Dovecot and Postfix used by the protocol tests.
package demo

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/emersion/go-smtp"

	"hongyan/mailcore/account"
	"hongyan/mailcore/netsec"
)

// Fixed identity of the demo account.
const (
	Host        = "127.0.0.1"
	Domain      = "hongyan.demo"
	Address     = "demo@" + Domain
	DisplayName = "演示 Demo"
	AccountID   = "demo"
)

// MaxMessageBytes is the largest message the demo SMTP server accepts.
const MaxMessageBytes = 25 << 20

// Server is a running pair of demo servers. Close it when done.
type Server struct {
	password string
	cert     *x509.Certificate
	pool     *x509.CertPool

	user    *imapmemserver.User
	folders *registry

	imapLn  net.Listener
	smtpLn  net.Listener
	imapSrv *imapserver.Server
	smtpSrv *smtp.Server

	stopCtx   func() bool
	closeOnce sync.Once
	wg        sync.WaitGroup

	mu        sync.Mutex
	delivered int
}

// Start generates a certificate and the sample mail, and starts both
// servers. They stop when ctx is cancelled or Close is called.
func Start(ctx context.Context) (*Server, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	now := time.Now()
	tlsCert, leaf, err := selfSigned(now)
	if err != nil {
		return nil, err
	}
	var pw [12]byte
	if _, err := rand.Read(pw[:]); err != nil {
		return nil, fmt.Errorf("demo: generating the password: %w", err)
	}
	s := &Server{
		password: hex.EncodeToString(pw[:]),
		cert:     leaf,
		pool:     x509.NewCertPool(),
		folders:  newRegistry(),
	}
	s.pool.AddCert(leaf)
	s.user = imapmemserver.NewUser(Address, s.password)
	if err := s.populate(now); err != nil {
		return nil, err
	}

	tlsCfg := &tls.Config{Certificates: []tls.Certificate{tlsCert}, MinVersion: tls.VersionTLS12}
	s.imapLn, err = tls.Listen("tcp", net.JoinHostPort(Host, "0"), tlsCfg)
	if err != nil {
		return nil, fmt.Errorf("demo: listening for IMAP: %w", err)
	}
	s.smtpLn, err = tls.Listen("tcp", net.JoinHostPort(Host, "0"), tlsCfg)
	if err != nil {
		s.imapLn.Close()
		return nil, fmt.Errorf("demo: listening for SMTP: %w", err)
	}
	quiet := log.New(io.Discard, "", 0)
	s.imapSrv = imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return &imapSession{srv: s}, nil, nil
		},
		Caps: imap.CapSet{
			imap.CapIMAP4rev1:        {},
			imap.CapNamespace:        {},
			imap.CapUIDPlus:          {},
			imap.CapListExtended:     {},
			imap.CapListStatus:       {},
			imap.CapMove:             {},
			imap.CapSpecialUse:       {},
			imap.CapCreateSpecialUse: {},
			imap.CapLiteralPlus:      {},
			imap.CapStatusSize:       {},
		},
		Logger: quiet,
	})
	s.smtpSrv = smtp.NewServer(&smtpBackend{srv: s})
	s.smtpSrv.Domain = Domain
	s.smtpSrv.MaxMessageBytes = MaxMessageBytes
	s.smtpSrv.MaxRecipients = 100
	s.smtpSrv.ReadTimeout = 5 * time.Minute
	s.smtpSrv.WriteTimeout = time.Minute
	s.smtpSrv.ErrorLog = quiet

	s.wg.Add(2)
	go func() { defer s.wg.Done(); _ = s.imapSrv.Serve(s.imapLn) }()
	go func() { defer s.wg.Done(); _ = s.smtpSrv.Serve(s.smtpLn) }()
	s.stopCtx = context.AfterFunc(ctx, s.Close)
	return s, nil
}

// populate creates the folders and appends the sample messages.
func (s *Server) populate(now time.Time) error {
	for _, f := range Folders {
		var opts *imap.CreateOptions
		if f.SpecialUse != "" {
			opts = &imap.CreateOptions{SpecialUse: []imap.MailboxAttr{f.SpecialUse}}
		}
		if err := s.create(f.Name, opts); err != nil {
			return fmt.Errorf("demo: creating %s: %w", f.Name, err)
		}
		if err := s.subscribe(f.Name); err != nil {
			return fmt.Errorf("demo: subscribing %s: %w", f.Name, err)
		}
	}
	for _, m := range Messages(now) {
		_, err := s.user.Append(m.Folder, bytesLiteral(m.Raw), &imap.AppendOptions{Flags: m.Flags, Time: m.Date})
		if err != nil {
			return fmt.Errorf("demo: storing a sample message in %s: %w", m.Folder, err)
		}
	}
	return nil
}

// Close stops both servers and waits for them. It is safe to call twice.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		if s.stopCtx != nil {
			s.stopCtx()
		}
		_ = s.imapSrv.Close()
		_ = s.smtpSrv.Close()
		// A server closed before its Serve goroutine ran leaves the
		// listener open; close them here too.
		_ = s.imapLn.Close()
		_ = s.smtpLn.Close()
		s.wg.Wait()
	})
}

// IMAPPort and SMTPPort are the listening ports (implicit TLS both).
func (s *Server) IMAPPort() int { return s.imapLn.Addr().(*net.TCPAddr).Port }

// SMTPPort is the submission port (implicit TLS, AUTH PLAIN).
func (s *Server) SMTPPort() int { return s.smtpLn.Addr().(*net.TCPAddr).Port }

// Password is the demo account's password for both servers. It is fresh
// for every Start; keep it in a session-only secret store.
func (s *Server) Password() string { return s.password }

// Fingerprint is the SHA-256 fingerprint of the server certificate.
func (s *Server) Fingerprint() string { return netsec.Fingerprint(s.cert.Raw) }

// CertPool holds the server certificate as its own root.
func (s *Server) CertPool() *x509.CertPool { return s.pool }

// TLS returns verification options that trust the demo certificate.
func (s *Server) TLS() netsec.Options {
	fp := s.Fingerprint()
	return netsec.Options{
		RootCAs: s.pool,
		Trusted: func(host, got string) bool { return host == Host && got == fp },
	}
}

// Account returns the demo account, valid and normalised, which trusts
// the demo certificate through its pinned fingerprint.
func (s *Server) Account() account.Account {
	a := account.New()
	a.ID = AccountID
	a.DisplayName = DisplayName
	a.Email = Address
	a.Incoming = account.IncomingServer{Protocol: account.ProtocolIMAP, Host: Host, Port: s.IMAPPort(),
		Security: account.SecurityTLS, Username: Address, Auth: account.AuthPlain}
	a.Outgoing = account.OutgoingServer{Host: Host, Port: s.SMTPPort(),
		Security: account.SecurityTLS, Username: Address, Auth: account.AuthPlain}
	a.Identities = []account.Identity{{Name: DisplayName, Address: Address,
		Signature: "鸿雁演示账户 · Hongyan demo account"}}
	a.Options.CheckIntervalMinutes = 1
	a.TrustedCerts = []account.TrustedCert{{Host: Host, SHA256: s.Fingerprint()}}
	a.Normalize()
	return a
}

// Delivered counts messages the SMTP server has put into the INBOX.
func (s *Server) Delivered() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.delivered
}

// deliver appends a submitted message to the demo INBOX.
func (s *Server) deliver(raw []byte, at time.Time) error {
	if _, err := s.user.Append("INBOX", bytesLiteral(raw), &imap.AppendOptions{Time: at}); err != nil {
		return err
	}
	s.mu.Lock()
	s.delivered++
	s.mu.Unlock()
	return nil
}

// TempProfile makes a fresh profile directory for a demo session. cleanup
// removes it with everything in it.
func TempProfile() (dir string, cleanup func(), err error) {
	dir, err = os.MkdirTemp("", "hongyan-demo-")
	if err != nil {
		return "", nil, fmt.Errorf("demo: creating a temporary profile: %w", err)
	}
	return dir, func() { _ = os.RemoveAll(dir) }, nil
}

// IsDemoAddress reports whether addr belongs to the demo domain.
func IsDemoAddress(addr string) bool {
	addr = strings.ToLower(strings.Trim(strings.TrimSpace(addr), "<>"))
	at := strings.LastIndexByte(addr, '@')
	return at > 0 && addr[at+1:] == Domain
}

type literal struct {
	*strings.Reader
}

func (l literal) Size() int64 { return l.Reader.Size() }

func bytesLiteral(b []byte) imap.LiteralReader { return literal{strings.NewReader(string(b))} }
