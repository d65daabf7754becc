package mailtest

import (
	"bytes"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/textproto"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

func TestMain(m *testing.M) { Main(m) }

func testMessage(from, to User, subject, msgID string) []byte {
	return []byte("From: " + from.Address + "\r\n" +
		"To: " + to.Address + "\r\n" +
		"Subject: " + subject + "\r\n" +
		"Message-ID: " + msgID + "\r\n" +
		"Date: " + time.Now().Format(time.RFC1123Z) + "\r\n" +
		"\r\n" +
		"Hello from the stack test.\r\n")
}

func uniqueID(t *testing.T) string {
	return fmt.Sprintf("<%s.%d@test.hongyan.test>", strings.ReplaceAll(t.Name(), "/", "."), time.Now().UnixNano())
}

// submit sends msg via the submission port with STARTTLS, or via the
// submissions port with implicit TLS.
func submit(t *testing.T, s *Stack, implicitTLS bool, from User, to []string, msg []byte) {
	t.Helper()
	var c *smtp.Client
	var err error
	if implicitTLS {
		c, err = smtp.DialTLS(s.Addr(s.SubmissionsPort), s.TLSConfig())
	} else {
		c, err = smtp.DialStartTLS(s.Addr(s.SubmissionPort), s.TLSConfig())
	}
	if err != nil {
		t.Fatalf("dial submission: %v\n%s", err, s.ServerLog())
	}
	defer c.Close()
	if err := c.Auth(sasl.NewPlainClient("", from.Name, from.Password)); err != nil {
		t.Fatalf("AUTH PLAIN: %v\n%s", err, s.ServerLog())
	}
	if err := c.SendMail(from.Address, to, bytes.NewReader(msg)); err != nil {
		t.Fatalf("send: %v\n%s", err, s.ServerLog())
	}
	if err := c.Quit(); err != nil {
		t.Fatalf("QUIT: %v", err)
	}
}

func dialIMAP(t *testing.T, s *Stack, implicitTLS bool, u User) *imapclient.Client {
	t.Helper()
	opts := &imapclient.Options{TLSConfig: s.TLSConfig()}
	var c *imapclient.Client
	var err error
	if implicitTLS {
		c, err = imapclient.DialTLS(s.Addr(s.IMAPSPort), opts)
	} else {
		c, err = imapclient.DialStartTLS(s.Addr(s.IMAPPort), opts)
	}
	if err != nil {
		t.Fatalf("dial IMAP (implicit TLS %v): %v", implicitTLS, err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Login(u.Name, u.Password).Wait(); err != nil {
		t.Fatalf("IMAP LOGIN: %v\n%s", err, s.ServerLog())
	}
	return c
}

// waitIMAP polls INBOX until a message with the given Message-ID arrives and
// returns its sequence number.
func waitIMAP(t *testing.T, s *Stack, c *imapclient.Client, msgID string) uint32 {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
			t.Fatalf("SELECT INBOX: %v", err)
		}
		data, err := c.Search(&imap.SearchCriteria{
			Header: []imap.SearchCriteriaHeaderField{{Key: "Message-ID", Value: msgID}},
		}, nil).Wait()
		if err != nil {
			t.Fatalf("SEARCH: %v", err)
		}
		if nums := data.AllSeqNums(); len(nums) == 1 {
			return nums[0]
		} else if len(nums) > 1 {
			t.Fatalf("message %s delivered %d times", msgID, len(nums))
		}
		if time.Now().After(deadline) {
			t.Fatalf("message %s not delivered within 30s\n%s", msgID, s.ServerLog())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func fetchEnvelope(t *testing.T, c *imapclient.Client, seq uint32) *imap.Envelope {
	t.Helper()
	msgs, err := c.Fetch(imap.SeqSetNum(seq), &imap.FetchOptions{Envelope: true}).Collect()
	if err != nil || len(msgs) != 1 || msgs[0].Envelope == nil {
		t.Fatalf("FETCH ENVELOPE: %v (%d messages)", err, len(msgs))
	}
	return msgs[0].Envelope
}

// pop3 is a minimal POP3 client for the test: enough to log in and read
// messages (no POP3 client library is in the module graph).
type pop3 struct {
	conn net.Conn
	tp   *textproto.Conn
}

func (p *pop3) cmd(format string, args ...any) (string, error) {
	if err := p.tp.PrintfLine(format, args...); err != nil {
		return "", err
	}
	return p.reply()
}

func (p *pop3) reply() (string, error) {
	line, err := p.tp.ReadLine()
	if err != nil {
		return "", err
	}
	if !strings.HasPrefix(line, "+OK") {
		return line, fmt.Errorf("POP3 error: %s", line)
	}
	return line, nil
}

func dialPOP3(t *testing.T, s *Stack, implicitTLS bool) *pop3 {
	t.Helper()
	var conn net.Conn
	var err error
	if implicitTLS {
		conn, err = tls.Dial("tcp", s.Addr(s.POP3SPort), s.TLSConfig())
	} else {
		conn, err = net.Dial("tcp", s.Addr(s.POP3Port))
	}
	if err != nil {
		t.Fatalf("dial POP3: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	p := &pop3{conn: conn, tp: textproto.NewConn(conn)}
	if _, err := p.reply(); err != nil {
		t.Fatalf("POP3 greeting: %v", err)
	}
	if !implicitTLS {
		if _, err := p.cmd("STLS"); err != nil {
			t.Fatalf("STLS: %v", err)
		}
		tc := tls.Client(conn, s.TLSConfig())
		if err := tc.Handshake(); err != nil {
			t.Fatalf("POP3 TLS handshake: %v", err)
		}
		tc.SetDeadline(time.Now().Add(30 * time.Second))
		p = &pop3{conn: tc, tp: textproto.NewConn(tc)}
	}
	return p
}

func (p *pop3) login(t *testing.T, u User) {
	t.Helper()
	if _, err := p.cmd("USER %s", u.Name); err != nil {
		t.Fatalf("USER: %v", err)
	}
	if _, err := p.cmd("PASS %s", u.Password); err != nil {
		t.Fatalf("PASS: %v", err)
	}
}

// retrAll returns every message in the maildrop.
func (p *pop3) retrAll(t *testing.T) [][]byte {
	t.Helper()
	line, err := p.cmd("STAT")
	if err != nil {
		t.Fatalf("STAT: %v", err)
	}
	f := strings.Fields(line)
	if len(f) < 3 {
		t.Fatalf("bad STAT reply %q", line)
	}
	n, err := strconv.Atoi(f[1])
	if err != nil {
		t.Fatalf("bad STAT reply %q", line)
	}
	var out [][]byte
	for i := 1; i <= n; i++ {
		if _, err := p.cmd("RETR %d", i); err != nil {
			t.Fatalf("RETR %d: %v", i, err)
		}
		body, err := p.tp.ReadDotBytes()
		if err != nil {
			t.Fatalf("RETR %d body: %v", i, err)
		}
		out = append(out, body)
	}
	return out
}

func TestSubmissionDeliversToIMAPAndPOP3(t *testing.T) {
	s := Shared(t)
	alice, bob := s.AddUser(t), s.AddUser(t)
	id := uniqueID(t)
	submit(t, s, false, alice, []string{bob.Address}, testMessage(alice, bob, "Over STARTTLS", id))

	for _, implicit := range []bool{false, true} {
		c := dialIMAP(t, s, implicit, bob)
		seq := waitIMAP(t, s, c, id)
		env := fetchEnvelope(t, c, seq)
		if env.Subject != "Over STARTTLS" || env.MessageID != strings.Trim(id, "<>") {
			t.Errorf("IMAP (implicit TLS %v): subject %q, Message-ID %q", implicit, env.Subject, env.MessageID)
		}
		if len(env.From) != 1 || env.From[0].Addr() != alice.Address {
			t.Errorf("IMAP (implicit TLS %v): From %v, want %s", implicit, env.From, alice.Address)
		}
		if err := c.Logout().Wait(); err != nil {
			t.Errorf("LOGOUT: %v", err)
		}
	}

	for _, implicit := range []bool{false, true} {
		p := dialPOP3(t, s, implicit)
		p.login(t, bob)
		msgs := p.retrAll(t)
		if len(msgs) != 1 {
			t.Fatalf("POP3 (implicit TLS %v): %d messages, want 1", implicit, len(msgs))
		}
		m, err := mail.ReadMessage(bytes.NewReader(msgs[0]))
		if err != nil {
			t.Fatalf("POP3: parse message: %v", err)
		}
		if got := m.Header.Get("Message-ID"); got != id {
			t.Errorf("POP3 (implicit TLS %v): Message-ID %q, want %q", implicit, got, id)
		}
		if _, err := p.cmd("QUIT"); err != nil {
			t.Errorf("QUIT: %v", err)
		}
	}
}

func TestSubmissionsImplicitTLS(t *testing.T) {
	s := Shared(t)
	alice, bob, carol := s.AddUser(t), s.AddUser(t), s.AddUser(t)
	id := uniqueID(t)
	// Login by full address works as well as by name.
	alice.Name = alice.Address
	submit(t, s, true, alice, []string{bob.Address, carol.Address}, testMessage(alice, bob, "Over implicit TLS", id))
	for _, u := range []User{bob, carol} {
		c := dialIMAP(t, s, true, u)
		seq := waitIMAP(t, s, c, id)
		if env := fetchEnvelope(t, c, seq); env.Subject != "Over implicit TLS" {
			t.Errorf("%s: subject %q", u.Name, env.Subject)
		}
	}
}

// smtpExchange speaks raw SMTP over conn: it sends each command and returns
// the final reply line of each.
func smtpExchange(t *testing.T, conn net.Conn, cmds ...string) []string {
	t.Helper()
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	tp := textproto.NewConn(conn)
	readReply := func() string {
		var last string
		for {
			l, err := tp.ReadLine()
			if err != nil {
				t.Fatalf("SMTP read: %v", err)
			}
			last = l
			if len(l) < 4 || l[3] != '-' {
				return last
			}
		}
	}
	readReply() // greeting
	var out []string
	for _, c := range cmds {
		if err := tp.PrintfLine("%s", c); err != nil {
			t.Fatalf("SMTP write: %v", err)
		}
		out = append(out, readReply())
	}
	return out
}

func TestSubmissionRefusesAuthBeforeSTARTTLS(t *testing.T) {
	s := Shared(t)
	u := s.AddUser(t)

	// go-smtp checks the EHLO reply and would not even try, so speak raw SMTP.
	conn, err := net.Dial("tcp", s.Addr(s.SubmissionPort))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	tp := textproto.NewConn(conn)
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	if _, _, err := tp.ReadResponse(220); err != nil {
		t.Fatalf("greeting: %v", err)
	}
	tp.PrintfLine("EHLO client.example")
	_, ehlo, err := tp.ReadResponse(250)
	if err != nil {
		t.Fatalf("EHLO: %v", err)
	}
	if strings.Contains(ehlo, "AUTH") {
		t.Errorf("AUTH advertised before STARTTLS:\n%s", ehlo)
	}
	if !strings.Contains(ehlo, "STARTTLS") {
		t.Errorf("STARTTLS not advertised:\n%s", ehlo)
	}
	if !strings.Contains(ehlo, "SIZE "+strconv.FormatInt(s.MaxMessageSize, 10)) {
		t.Errorf("SIZE %d not advertised:\n%s", s.MaxMessageSize, ehlo)
	}
	cred := base64.StdEncoding.EncodeToString([]byte("\x00" + u.Name + "\x00" + u.Password))
	tp.PrintfLine("AUTH PLAIN %s", cred)
	code, msg, err := tp.ReadResponse(235)
	if err == nil || code/100 != 5 {
		t.Fatalf("AUTH before STARTTLS: got %d %q, want a 5xx refusal", code, msg)
	}
	// Mail without authentication is refused too.
	tp.PrintfLine("MAIL FROM:<%s>", u.Address)
	if code, msg, err := tp.ReadResponse(250); err == nil {
		t.Fatalf("MAIL FROM before STARTTLS accepted: %d %s", code, msg)
	}
}

func TestIMAPAndPOP3RefusePlaintextLogin(t *testing.T) {
	s := Shared(t)
	u := s.AddUser(t)

	c, err := imapclient.DialInsecure(s.Addr(s.IMAPPort), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if !c.Caps().Has(imap.CapLoginDisabled) {
		t.Errorf("LOGINDISABLED not advertised before STARTTLS: %v", c.Caps())
	}
	if err := c.Login(u.Name, u.Password).Wait(); err == nil {
		t.Fatal("IMAP LOGIN accepted without TLS")
	}

	conn, err := net.Dial("tcp", s.Addr(s.POP3Port))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	p := &pop3{conn: conn, tp: textproto.NewConn(conn)}
	if _, err := p.reply(); err != nil {
		t.Fatal(err)
	}
	if _, err := p.cmd("USER %s", u.Name); err == nil {
		if _, err := p.cmd("PASS %s", u.Password); err == nil {
			t.Fatal("POP3 login accepted without TLS")
		}
	}
}

func TestRelayRefused(t *testing.T) {
	s := Shared(t)
	u := s.AddUser(t)
	c, err := smtp.DialStartTLS(s.Addr(s.SubmissionPort), s.TLSConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Auth(sasl.NewPlainClient("", u.Name, u.Password)); err != nil {
		t.Fatal(err)
	}
	if err := c.Mail(u.Address, nil); err != nil {
		t.Fatal(err)
	}
	err = c.Rcpt("someone@example.com", nil)
	if err == nil {
		t.Fatal("relay to example.com accepted")
	}
	if se, ok := err.(*smtp.SMTPError); !ok || se.Code/100 != 5 {
		t.Fatalf("relay refusal: %v, want a 5xx SMTP error", err)
	}
}

func TestWrongPasswordRefused(t *testing.T) {
	s := Shared(t)
	u := s.AddUser(t)
	c, err := imapclient.DialTLS(s.Addr(s.IMAPSPort), &imapclient.Options{TLSConfig: s.TLSConfig()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(u.Name, u.Password+"x").Wait(); err == nil {
		t.Fatal("LOGIN with a wrong password accepted")
	}
}

func TestIMAPCapabilitiesAndSpecialUse(t *testing.T) {
	s := Shared(t)
	u := s.AddUser(t)
	c := dialIMAP(t, s, true, u)
	caps, err := c.Capability().Wait()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []imap.Cap{imap.CapIdle, imap.CapID, imap.CapCondStore, imap.CapSpecialUse, imap.CapQuota, imap.CapMove, imap.CapUIDPlus} {
		if !caps.Has(want) {
			t.Errorf("capability %s missing", want)
		}
	}
	list, err := c.List("", "*", nil).Collect()
	if err != nil {
		t.Fatal(err)
	}
	uses := map[imap.MailboxAttr]string{}
	for _, m := range list {
		for _, a := range m.Attrs {
			uses[a] = m.Mailbox
		}
	}
	for attr, name := range map[imap.MailboxAttr]string{
		imap.MailboxAttrDrafts: "Drafts", imap.MailboxAttrSent: "Sent", imap.MailboxAttrTrash: "Trash",
		imap.MailboxAttrJunk: "Junk", imap.MailboxAttrArchive: "Archive",
	} {
		if uses[attr] != name {
			t.Errorf("special-use %s on %q, want %q", attr, uses[attr], name)
		}
	}
	quota, err := c.GetQuotaRoot("INBOX").Wait()
	if err != nil {
		t.Fatalf("GETQUOTAROOT: %v", err)
	}
	var limit int64
	for _, q := range quota {
		if r, ok := q.Resources[imap.QuotaResourceStorage]; ok {
			limit = r.Limit
		}
	}
	if limit != s.QuotaBytes/1024 {
		t.Errorf("STORAGE quota limit %d KiB, want %d", limit, s.QuotaBytes/1024)
	}
}

func TestSeed(t *testing.T) {
	s := Shared(t)
	u := s.AddUser(t)
	msgs := GenerateMessages(1000, 42)
	if err := s.Seed(u, "INBOX", msgs); err != nil {
		t.Fatalf("Seed: %v\n%s", err, s.ServerLog())
	}
	if err := s.Seed(u, "Archive/2019", msgs[:250]); err != nil {
		t.Fatalf("Seed new mailbox: %v", err)
	}
	// Seeding again appends.
	if err := s.Seed(u, "Archive/2019", msgs[250:300]); err != nil {
		t.Fatalf("Seed again: %v", err)
	}
	if err := s.Seed(u, "归档/旧邮件", msgs[:7]); err != nil {
		t.Fatalf("Seed into a Chinese-named mailbox: %v", err)
	}
	c := dialIMAP(t, s, false, u)
	for mbox, want := range map[string]uint32{"INBOX": 1000, "Archive/2019": 300, "归档/旧邮件": 7} {
		st, err := c.Status(mbox, &imap.StatusOptions{NumMessages: true, UIDNext: true}).Wait()
		if err != nil {
			t.Fatalf("STATUS %s: %v", mbox, err)
		}
		if st.NumMessages == nil || *st.NumMessages != want {
			t.Errorf("STATUS %s MESSAGES = %v, want %d", mbox, st.NumMessages, want)
		}
		if uint32(st.UIDNext) != want+1 {
			t.Errorf("STATUS %s UIDNEXT = %d, want %d", mbox, st.UIDNext, want+1)
		}
	}
	// UIDs follow slice order, and INTERNALDATE comes from the Date header.
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	fetched, err := c.Fetch(imap.UIDSetNum(1, 500, 1000), &imap.FetchOptions{Envelope: true, InternalDate: true, UID: true}).Collect()
	if err != nil || len(fetched) != 3 {
		t.Fatalf("FETCH: %v (%d)", err, len(fetched))
	}
	for _, f := range fetched {
		orig, err := mail.ReadMessage(bytes.NewReader(msgs[f.UID-1]))
		if err != nil {
			t.Fatal(err)
		}
		if want := strings.Trim(orig.Header.Get("Message-ID"), "<>"); f.Envelope.MessageID != want {
			t.Errorf("UID %d: Message-ID %q, want %q", f.UID, f.Envelope.MessageID, want)
		}
		d, _ := orig.Header.Date()
		if !f.InternalDate.Equal(d) {
			t.Errorf("UID %d: INTERNALDATE %v, want %v", f.UID, f.InternalDate, d)
		}
	}
}

func TestGenerateMessages(t *testing.T) {
	const n = 2000
	a, b := GenerateMessages(n, 7), GenerateMessages(n, 7)
	if len(a) != n {
		t.Fatalf("%d messages, want %d", len(a), n)
	}
	ids := map[string]bool{}
	var attach, gbk, replies int
	var prev time.Time
	for i, raw := range a {
		if !bytes.Equal(raw, b[i]) {
			t.Fatalf("message %d differs between runs with the same seed", i)
		}
		m, err := mail.ReadMessage(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("message %d does not parse: %v", i, err)
		}
		id := m.Header.Get("Message-ID")
		if id == "" || ids[id] {
			t.Fatalf("message %d: missing or duplicate Message-ID %q", i, id)
		}
		ids[id] = true
		if irt := m.Header.Get("In-Reply-To"); irt != "" {
			if !ids[irt] {
				t.Errorf("message %d replies to unknown %s", i, irt)
			}
			if !strings.Contains(m.Header.Get("References"), irt) {
				t.Errorf("message %d: References lacks In-Reply-To", i)
			}
			replies++
		}
		if strings.HasPrefix(m.Header.Get("Content-Type"), "multipart/mixed") {
			attach++
		}
		if strings.Contains(m.Header.Get("Subject"), "=?GBK?B?") {
			gbk++
		}
		d, err := m.Header.Date()
		if err != nil {
			t.Fatalf("message %d: Date: %v", i, err)
		}
		if d.Before(prev) {
			t.Errorf("message %d dated before message %d", i, i-1)
		}
		prev = d
		if bytes.Contains(bytes.ReplaceAll(raw, []byte("\r\n"), nil), []byte("\n")) {
			t.Fatalf("message %d has a bare LF", i)
		}
	}
	first, _ := mail.ReadMessage(bytes.NewReader(a[0]))
	d0, _ := first.Header.Date()
	if prev.Sub(d0) < 3*365*24*time.Hour {
		t.Errorf("dates span only %v", prev.Sub(d0))
	}
	if attach < n*8/100 || attach > n*16/100 {
		t.Errorf("%d of %d messages with attachments, want about 12%%", attach, n)
	}
	if gbk == 0 || replies == 0 {
		t.Errorf("GBK subjects: %d, replies: %d; want some of each", gbk, replies)
	}
	if c := GenerateMessages(10, 8); bytes.Equal(c[0], a[0]) {
		t.Error("different seeds gave the same first message")
	}
}

func BenchmarkSeed100k(b *testing.B) {
	s := Shared(b)
	msgs := GenerateMessages(100000, 1)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		u := s.AddUser(b)
		if err := s.Seed(u, "INBOX", msgs); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGenerateMessages1k(b *testing.B) {
	for i := 0; i < b.N; i++ {
		GenerateMessages(1000, int64(i))
	}
}

func TestAllowAlternateConfigDir(t *testing.T) {
	dir := t.TempDir()
	mainCf := dir + "/main.cf"

	// Missing file: created with the directory listed.
	if err := allowAlternateConfigDir(mainCf, "/x/a"); err != nil {
		t.Fatal(err)
	}
	// Idempotent.
	if err := allowAlternateConfigDir(mainCf, "/x/a"); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(mainCf)
	if n := strings.Count(string(data), "alternate_config_directories"); n != 1 {
		t.Fatalf("%d alternate_config_directories lines:\n%s", n, data)
	}
	if !strings.Contains(string(data), "alternate_config_directories = /x/a\n") {
		t.Fatalf("directory not listed:\n%s", data)
	}

	// Existing setting with a continuation line: the directory is appended
	// and other settings are kept.
	orig := "myhostname = host.example\nalternate_config_directories = /etc/postfix-a,\n    /etc/postfix-b\nrelayhost =\n"
	if err := os.WriteFile(mainCf, []byte(orig), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := allowAlternateConfigDir(mainCf, "/x/a"); err != nil {
		t.Fatal(err)
	}
	if err := allowAlternateConfigDir(mainCf, "/x/a"); err != nil {
		t.Fatal(err)
	}
	data, _ = os.ReadFile(mainCf)
	want := "myhostname = host.example\nalternate_config_directories = /etc/postfix-a,\n    /etc/postfix-b, /x/a\nrelayhost =\n"
	if string(data) != want {
		t.Fatalf("main.cf =\n%s\nwant\n%s", data, want)
	}
	// A listed directory is recognised.
	if err := allowAlternateConfigDir(mainCf, "/etc/postfix-b"); err != nil {
		t.Fatal(err)
	}
	if after, _ := os.ReadFile(mainCf); string(after) != want {
		t.Fatalf("listed directory added again:\n%s", after)
	}
}

func TestStartErrorCarriesLog(t *testing.T) {
	e := &StartError{Step: "wait for dovecot", Err: fmt.Errorf("boom"), Log: "master: Fatal: bad config"}
	msg := e.Error()
	for _, want := range []string{"wait for dovecot", "boom", "master: Fatal: bad config"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if !errors.Is(e, e.Err) {
		t.Error("StartError does not unwrap")
	}
}
