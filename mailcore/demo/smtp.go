package demo

import (
	"bytes"
	"crypto/subtle"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// smtpBackend accepts submissions authenticated as the demo account. Mail
// to a demo address is delivered to the demo INBOX; mail to anyone else is
// accepted and dropped, since the demo never talks to the outside world.
type smtpBackend struct{ srv *Server }

func (b *smtpBackend) NewSession(*smtp.Conn) (smtp.Session, error) {
	return &smtpSession{srv: b.srv}, nil
}

type smtpSession struct {
	srv    *Server
	authed bool
	from   string
	local  bool
	rcpts  int
}

var _ smtp.AuthSession = (*smtpSession)(nil)

func (s *smtpSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *smtpSession) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if identity != "" && identity != username {
			return smtp.ErrAuthFailed
		}
		okUser := subtle.ConstantTimeCompare([]byte(username), []byte(Address)) == 1
		okPass := subtle.ConstantTimeCompare([]byte(password), []byte(s.srv.password)) == 1
		if !okUser || !okPass {
			return smtp.ErrAuthFailed
		}
		s.authed = true
		return nil
	}), nil
}

func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	if !s.authed {
		return smtp.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if !s.authed {
		return smtp.ErrAuthRequired
	}
	if IsDemoAddress(to) && !isKnownDemoAddress(to) {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1},
			Message: fmt.Sprintf("no such demo mailbox: %s", to)}
	}
	if IsDemoAddress(to) {
		s.local = true
	}
	s.rcpts++
	return nil
}

func (s *smtpSession) Data(r io.Reader) error {
	if !s.authed {
		return smtp.ErrAuthRequired
	}
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if !s.local {
		return nil
	}
	now := time.Now()
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "Return-Path: <%s>\r\n", s.from)
	fmt.Fprintf(&buf, "Received: from demo client by %s with ESMTPSA; %s\r\n", Domain, now.Format(time.RFC1123Z))
	buf.Write(raw)
	if err := s.srv.deliver(buf.Bytes(), now); err != nil {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "cannot store the message right now"}
	}
	return nil
}

func (s *smtpSession) Reset() {
	s.from, s.local, s.rcpts = "", false, 0
}

func (s *smtpSession) Logout() error { return nil }

// isKnownDemoAddress accepts the demo account's own address; other
// addresses in the demo domain bounce like unknown mailboxes do.
func isKnownDemoAddress(addr string) bool {
	return strings.EqualFold(strings.Trim(strings.TrimSpace(addr), "<>"), Address)
}
