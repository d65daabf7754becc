package autoconfig

import (
	"context"
	"errors"
	"net"
	"strconv"
	"testing"

	"hongyan/internal/mailtest"
)

const (
	imapGreetingCaps = "* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] ready\r\n"
	imapGreetingBare = "* OK ready\r\n"
	imapCapsSTARTTLS = "* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED\r\nh1 OK done\r\n"
	imapCapsPlain    = "* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\nh1 OK done\r\n"
	smtpGreeting     = "220 smtp.guess.test ESMTP\r\n"
	smtpEHLOTLS      = "250-smtp.guess.test\r\n250-PIPELINING\r\n250 STARTTLS\r\n"
	smtpEHLOPlain    = "250-smtp.guess.test\r\n250-PIPELINING\r\n250 AUTH PLAIN LOGIN\r\n"
	pop3CapaPlain    = "+OK\r\nUSER\r\nUIDL\r\n.\r\n"
	pop3CapaSTLS     = "+OK\r\nUSER\r\nSTLS\r\n.\r\n"
)

func TestGuessPrefersImplicitTLSAndRejectsPlaintext(t *testing.T) {
	e := newEnv(t)
	e.dns.add(t,
		"imap.guess.test. 60 IN A 127.0.0.1",
		"mail.guess.test. 60 IN A 127.0.0.1",
		"pop3.guess.test. 60 IN A 127.0.0.1",
		"smtp.guess.test. 60 IN A 127.0.0.1",
	)
	// IMAP: implicit TLS on imap., STARTTLS on mail.
	e.mapPort("imap.guess.test", 993, e.lineServer(true, scripted(imapGreetingBare, nil)))
	e.mapPort("mail.guess.test", 143, e.lineServer(false, scripted(imapGreetingBare, map[string]string{"H1 CAPABILITY": imapCapsSTARTTLS})))
	// POP3 on 110 without STLS: must not be offered.
	e.mapPort("pop3.guess.test", 110, e.lineServer(false, scripted("+OK POP3 ready\r\n", map[string]string{"CAPA": pop3CapaPlain})))
	// POP3 on mail.:110 with STLS: offered as STARTTLS.
	e.mapPort("mail.guess.test", 110, e.lineServer(false, scripted("+OK POP3 ready\r\n", map[string]string{"CAPA": pop3CapaSTLS})))
	// SMTP: STARTTLS on smtp.:587 and implicit TLS on mail.:465.
	e.mapPort("smtp.guess.test", 587, e.lineServer(false, scripted(smtpGreeting, map[string]string{"EHLO": smtpEHLOTLS})))
	e.mapPort("mail.guess.test", 465, e.lineServer(true, scripted(smtpGreeting, nil)))
	// Something that is not a mail server on imap.:143.
	e.mapPort("imap.guess.test", 143, e.lineServer(false, scripted("HTTP/1.1 400 Bad Request\r\n", nil)))

	d := e.discoverer()
	var log progressLog
	cfgs, err := d.Discover(context.Background(), "zhou@guess.test", log.add)
	if err != nil {
		t.Fatal(err)
	}
	checkConfigs(t, cfgs, SourceGuess,
		Server{ProtoSMTP, "mail.guess.test", 465, SecurityTLS, "zhou@guess.test"},
		Server{ProtoIMAP, "imap.guess.test", 993, SecurityTLS, "zhou@guess.test"},
		Server{ProtoIMAP, "mail.guess.test", 143, SecuritySTARTTLS, "zhou@guess.test"},
		Server{ProtoPOP3, "mail.guess.test", 110, SecuritySTARTTLS, "zhou@guess.test"})
	for i, c := range cfgs {
		if c.NotesEN == "" || c.NotesZH == "" {
			t.Errorf("config %d has no notes", i)
		}
	}
	if p, _ := log.last(SourceGuess); p.State != Found || p.Found != 3 {
		t.Errorf("guess progress = %+v", p)
	}
}

func TestGuessPlaintextOnlyServersFail(t *testing.T) {
	e := newEnv(t)
	e.dns.add(t, "imap.guess.test. 60 IN A 127.0.0.1", "smtp.guess.test. 60 IN A 127.0.0.1")
	e.mapPort("imap.guess.test", 143, e.lineServer(false, scripted(imapGreetingBare, map[string]string{"H1 CAPABILITY": imapCapsPlain})))
	e.mapPort("smtp.guess.test", 587, e.lineServer(false, scripted(smtpGreeting, map[string]string{"EHLO": smtpEHLOPlain})))
	d := e.discoverer()
	var log progressLog
	cfgs, err := d.Discover(context.Background(), "a@guess.test", log.add)
	var nf *NotFoundError
	if !errors.As(err, &nf) {
		t.Fatalf("plaintext-only servers accepted: %v, %v", cfgs, err)
	}
	p, _ := log.last(SourceGuess)
	if p.State != Failed || !errors.Is(p.Err, ErrNothingAnswered) {
		t.Errorf("guess progress = %+v", p)
	}
}

func TestProbeReasons(t *testing.T) {
	e := newEnv(t)
	e.dns.add(t, "imap.guess.test. 60 IN A 127.0.0.1", "pop3.guess.test. 60 IN A 127.0.0.1", "smtp.guess.test. 60 IN A 127.0.0.1")
	d := e.discoverer()
	cases := []struct {
		name   string
		srv    Server
		target string
		reason string
	}{
		{"imap greeting carries STARTTLS", Server{ProtoIMAP, "imap.guess.test", 143, SecuritySTARTTLS, ""},
			e.lineServer(false, scripted(imapGreetingCaps, nil)), ""},
		{"imap without STARTTLS", Server{ProtoIMAP, "imap.guess.test", 143, SecuritySTARTTLS, ""},
			e.lineServer(false, scripted(imapGreetingBare, map[string]string{"H1 CAPABILITY": imapCapsPlain})), "STARTTLS not offered"},
		{"pop3 without STLS", Server{ProtoPOP3, "pop3.guess.test", 110, SecuritySTARTTLS, ""},
			e.lineServer(false, scripted("+OK\r\n", map[string]string{"CAPA": pop3CapaPlain})), "STLS not offered"},
		{"smtp wrong greeting", Server{ProtoSMTP, "smtp.guess.test", 587, SecuritySTARTTLS, ""},
			e.lineServer(false, scripted("554 go away\r\n", nil)), "not an SMTP greeting"},
		{"plaintext on a TLS port", Server{ProtoIMAP, "imap.guess.test", 993, SecurityTLS, ""},
			e.lineServer(false, scripted(imapGreetingBare, nil)), "TLS handshake failed"},
		{"pop3 over TLS", Server{ProtoPOP3, "pop3.guess.test", 995, SecurityTLS, ""},
			e.lineServer(true, scripted("+OK hi\r\n", nil)), ""},
	}
	for _, c := range cases {
		e.mapPort(c.srv.Host, c.srv.Port, c.target)
		err := d.probe(context.Background(), c.srv)
		if c.reason == "" {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		var pe *ProbeError
		if !errors.As(err, &pe) || pe.Reason != c.reason {
			t.Errorf("%s: error = %v, want reason %q", c.name, err, c.reason)
		}
	}
	// A port nobody listens on.
	err := d.probe(context.Background(), Server{ProtoSMTP, "smtp.guess.test", 465, SecurityTLS, ""})
	var pe *ProbeError
	if !errors.As(err, &pe) || pe.Reason != "cannot connect" {
		t.Errorf("closed port: %v", err)
	}
}

// TestGuessAgainstDovecotAndPostfix probes the real servers of the test
// stack: Dovecot's IMAP/POP3 and Postfix's submission ports.
func TestGuessAgainstDovecotAndPostfix(t *testing.T) {
	st, err := mailtest.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	e := newEnv(t)
	e.dns.add(t, "imap.real.test. 60 IN A 127.0.0.1", "pop3.real.test. 60 IN A 127.0.0.1", "smtp.real.test. 60 IN A 127.0.0.1")
	addr := func(p int) string { return net.JoinHostPort(st.Host, strconv.Itoa(p)) }
	e.mapPort("imap.real.test", 993, addr(st.IMAPSPort))
	e.mapPort("imap.real.test", 143, addr(st.IMAPPort))
	e.mapPort("pop3.real.test", 995, addr(st.POP3SPort))
	e.mapPort("pop3.real.test", 110, addr(st.POP3Port))
	e.mapPort("smtp.real.test", 465, addr(st.SubmissionsPort))
	e.mapPort("smtp.real.test", 587, addr(st.SubmissionPort))
	d := e.discoverer()
	cfgs, err := d.Discover(context.Background(), "user@real.test", nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []Server{
		{ProtoIMAP, "imap.real.test", 993, SecurityTLS, "user@real.test"},
		{ProtoIMAP, "imap.real.test", 143, SecuritySTARTTLS, "user@real.test"},
		{ProtoPOP3, "pop3.real.test", 995, SecurityTLS, "user@real.test"},
		{ProtoPOP3, "pop3.real.test", 110, SecuritySTARTTLS, "user@real.test"},
	}
	checkConfigs(t, cfgs, SourceGuess, Server{ProtoSMTP, "smtp.real.test", 465, SecurityTLS, "user@real.test"}, want...)
	// STARTTLS must really be offered on the plain ports.
	for _, s := range []Server{want[1], want[3], {ProtoSMTP, "smtp.real.test", 587, SecuritySTARTTLS, ""}} {
		if err := d.probe(context.Background(), s); err != nil {
			t.Errorf("%v: %v", s, err)
		}
	}
}
