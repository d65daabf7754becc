package demo

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/mail"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	_ "github.com/emersion/go-message/charset"
	gomail "github.com/emersion/go-message/mail"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"hongyan/mailcore/netsec"
)

var fixedNow = time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC)

func countBy(samples []Sample) map[string]int {
	m := map[string]int{}
	for _, s := range samples {
		m[s.Folder]++
	}
	return m
}

func TestMessagesDeterministicAndVaried(t *testing.T) {
	a, b := Messages(fixedNow), Messages(fixedNow)
	if len(a) != len(b) {
		t.Fatalf("two runs gave %d and %d messages", len(a), len(b))
	}
	for i := range a {
		if !bytes.Equal(a[i].Raw, b[i].Raw) || a[i].Folder != b[i].Folder || !a[i].Date.Equal(b[i].Date) {
			t.Fatalf("message %d differs between runs", i)
		}
	}
	if len(a) < 200 || len(a) > 600 {
		t.Fatalf("%d sample messages, want a few hundred", len(a))
	}
	counts := countBy(a)
	for _, f := range Folders {
		if counts[f.Name] == 0 {
			t.Errorf("folder %s has no sample mail", f.Name)
		}
	}
	t.Logf("folders: %v", counts)

	var threaded, attachments, gbk, utf8zh, html, unread, flagged, answered, pngs, pdfs int
	ids := map[string]bool{}
	remote := regexp.MustCompile(`(?i)(?:src|href)="(https?://[^"/]+)`)
	for i, s := range a {
		if s.Date.After(fixedNow) {
			t.Errorf("message %d is dated in the future: %v", i, s.Date)
		}
		m, err := mail.ReadMessage(bytes.NewReader(s.Raw))
		if err != nil {
			t.Fatalf("message %d does not parse: %v", i, err)
		}
		id := m.Header.Get("Message-Id")
		if id == "" || ids[id] {
			t.Fatalf("message %d has a missing or repeated Message-ID %q", i, id)
		}
		ids[id] = true
		if m.Header.Get("In-Reply-To") != "" && m.Header.Get("References") != "" {
			threaded++
		}
		if strings.Contains(m.Header.Get("Subject"), "=?GBK?") {
			gbk++
		}
		seen := false
		for _, f := range s.Flags {
			switch f {
			case imap.FlagSeen:
				seen = true
			case imap.FlagFlagged:
				flagged++
			case imap.FlagAnswered:
				answered++
			}
		}
		if !seen {
			unread++
		}
		// Walk the MIME tree with go-message, decoding charsets.
		r, err := gomail.CreateReader(bytes.NewReader(s.Raw))
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		subject, err := r.Header.Subject()
		if err != nil || subject == "" {
			t.Fatalf("message %d: subject %q, %v", i, subject, err)
		}
		if hasHan(subject) && !strings.Contains(m.Header.Get("Subject"), "GBK") {
			utf8zh++
		}
		for {
			p, err := r.NextPart()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("message %d: reading parts: %v", i, err)
			}
			body, err := io.ReadAll(p.Body)
			if err != nil {
				t.Fatalf("message %d: reading a part: %v", i, err)
			}
			switch h := p.Header.(type) {
			case *gomail.AttachmentHeader:
				attachments++
				name, _ := h.Filename()
				switch {
				case strings.HasSuffix(name, ".png"):
					pngs++
					if !bytes.HasPrefix(body, []byte("\x89PNG\r\n")) {
						t.Errorf("message %d: %s is not a PNG", i, name)
					}
				case strings.HasSuffix(name, ".pdf"):
					pdfs++
					if !bytes.HasPrefix(body, []byte("%PDF-1.4")) || !bytes.Contains(body, []byte("%%EOF")) {
						t.Errorf("message %d: %s is not a PDF", i, name)
					}
				}
			case *gomail.InlineHeader:
				ct, _, _ := h.ContentType()
				if ct == "text/html" {
					html++
					for _, u := range remote.FindAllStringSubmatch(string(body), -1) {
						if !strings.HasSuffix(strings.ToLower(u[1]), ".invalid") {
							t.Errorf("message %d links to a host that could resolve: %s", i, u[1])
						}
					}
				}
				if ct == "text/plain" && strings.Contains(m.Header.Get("Content-Type")+p.Header.Get("Content-Type"), "GBK") {
					if !hasHan(string(body)) || !utf8.Valid(body) {
						t.Errorf("message %d: GBK body did not decode to Chinese: %q", i, body)
					}
				}
			}
		}
	}
	for name, n := range map[string]int{"threaded replies": threaded, "attachments": attachments, "GBK subjects": gbk,
		"UTF-8 Chinese subjects": utf8zh, "HTML parts": html, "unread": unread, "flagged": flagged,
		"answered": answered, "PNG files": pngs, "PDF files": pdfs} {
		if n < 3 {
			t.Errorf("only %d %s in the sample mail", n, name)
		}
	}
}

func TestPDFCrossReference(t *testing.T) {
	pdf := samplePDF("Title (draft)", []string{"line one", `back\slash`})
	m := regexp.MustCompile(`startxref\n(\d+)\n`).FindSubmatch(pdf)
	if m == nil {
		t.Fatal("no startxref")
	}
	off, _ := strconv.Atoi(string(m[1]))
	if !bytes.HasPrefix(pdf[off:], []byte("xref\n")) {
		t.Fatalf("startxref %d does not point at the xref table", off)
	}
	entries := regexp.MustCompile(`(\d{10}) 00000 n `).FindAllSubmatch(pdf, -1)
	if len(entries) != 5 {
		t.Fatalf("%d xref entries, want 5", len(entries))
	}
	for i, e := range entries {
		o, _ := strconv.Atoi(string(e[1]))
		if want := fmt.Sprintf("%d 0 obj", i+1); !bytes.HasPrefix(pdf[o:], []byte(want)) {
			t.Errorf("xref entry %d points at %q", i+1, pdf[o:o+10])
		}
	}
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

func startServer(t *testing.T) *Server {
	t.Helper()
	s, err := Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func imapLogin(t *testing.T, s *Server, opts *imapclient.Options) *imapclient.Client {
	t.Helper()
	if opts == nil {
		opts = &imapclient.Options{}
	}
	opts.TLSConfig = netsec.TLSConfig(Host, netsec.Options{RootCAs: s.CertPool()})
	c, err := imapclient.DialTLS(net.JoinHostPort(Host, strconv.Itoa(s.IMAPPort())), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Login(Address, s.Password()).Wait(); err != nil {
		t.Fatalf("login: %v", err)
	}
	return c
}

func TestIMAPFoldersAndCounts(t *testing.T) {
	s := startServer(t)
	c := imapLogin(t, s, nil)
	if !c.Caps().Has(imap.CapSpecialUse) {
		t.Error("SPECIAL-USE is not advertised")
	}
	list, err := c.List("", "*", &imap.ListOptions{ReturnSpecialUse: true, ReturnSubscribed: true,
		ReturnStatus: &imap.StatusOptions{NumMessages: true, NumUnseen: true}}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	// The server generated its mail from its own start time; counts per
	// folder do not depend on the time.
	want := countBy(Messages(time.Now()))
	got := map[string]*imap.ListData{}
	for _, l := range list {
		got[l.Mailbox] = l
	}
	for _, f := range Folders {
		l := got[f.Name]
		if l == nil {
			t.Errorf("folder %s not listed", f.Name)
			continue
		}
		hasAttr := func(a imap.MailboxAttr) bool {
			for _, x := range l.Attrs {
				if strings.EqualFold(string(x), string(a)) {
					return true
				}
			}
			return false
		}
		if f.SpecialUse != "" && !hasAttr(f.SpecialUse) {
			t.Errorf("%s lacks %s: %v", f.Name, f.SpecialUse, l.Attrs)
		}
		if !hasAttr(imap.MailboxAttrSubscribed) {
			t.Errorf("%s is not subscribed: %v", f.Name, l.Attrs)
		}
		if l.Status == nil || l.Status.NumMessages == nil || int(*l.Status.NumMessages) != want[f.Name] {
			t.Errorf("%s: LIST-STATUS %+v, want %d messages", f.Name, l.Status, want[f.Name])
		}
	}
	sel, err := c.Select("INBOX", nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if int(sel.NumMessages) != want["INBOX"] {
		t.Errorf("SELECT INBOX: %d messages, want %d", sel.NumMessages, want["INBOX"])
	}

	// Folder changes keep the LIST answer in step.
	if err := c.Create("Projects", &imap.CreateOptions{SpecialUse: []imap.MailboxAttr{imap.MailboxAttrFlagged}}).Wait(); err != nil {
		t.Fatal(err)
	}
	if err := c.Rename("Projects", "Projekte", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	sl, err := c.List("", "Proj*", &imap.ListOptions{ReturnSpecialUse: true}).Collect()
	if err != nil || len(sl) != 1 || sl[0].Mailbox != "Projekte" || len(sl[0].Attrs) == 0 || sl[0].Attrs[len(sl[0].Attrs)-1] != imap.MailboxAttrFlagged {
		t.Errorf("after create and rename: %+v, %v", sl, err)
	}
	if err := c.Delete("Projekte").Wait(); err != nil {
		t.Fatal(err)
	}
	if sl, err := c.List("", "Proj*", nil).Collect(); err != nil || len(sl) != 0 {
		t.Errorf("after delete: %+v, %v", sl, err)
	}
	root, err := c.List("", "", nil).Collect()
	if err != nil || len(root) != 1 || root[0].Delim != '/' {
		t.Errorf(`LIST "" "": %+v, %v`, root, err)
	}
}

func TestIMAPWrongPassword(t *testing.T) {
	s := startServer(t)
	c, err := imapclient.DialTLS(net.JoinHostPort(Host, strconv.Itoa(s.IMAPPort())),
		&imapclient.Options{TLSConfig: netsec.TLSConfig(Host, netsec.Options{RootCAs: s.CertPool()})})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	err = c.Login(Address, s.Password()+"x").Wait()
	var ie *imap.Error
	if !errors.As(err, &ie) || ie.Code != imap.ResponseCodeAuthenticationFailed {
		t.Fatalf("wrong password: %v, want AUTHENTICATIONFAILED", err)
	}
}

func TestAccountTrustsOnlyThisCertificate(t *testing.T) {
	s := startServer(t)
	a := s.Account()
	if err := a.Validate(); err != nil {
		t.Fatal(err)
	}
	if a.Incoming.Port != s.IMAPPort() || a.Outgoing.Port != s.SMTPPort() || a.Incoming.Security != "tls" || a.Outgoing.Security != "tls" {
		t.Fatalf("account servers: %+v %+v", a.Incoming, a.Outgoing)
	}
	// The pinned fingerprint alone (no RootCAs) is enough to connect.
	opts := netsec.Options{Trusted: a.IsTrusted}
	conn, err := netsec.DialTLS(context.Background(), Host, s.IMAPPort(), opts)
	if err != nil {
		t.Fatalf("dial with the pinned fingerprint: %v", err)
	}
	conn.Close()
	// Another demo server has another certificate, which the first
	// account does not trust.
	other := startServer(t)
	if other.Fingerprint() == s.Fingerprint() {
		t.Fatal("two demo servers share a certificate")
	}
	if _, err := netsec.DialTLS(context.Background(), Host, other.IMAPPort(), opts); err == nil {
		t.Fatal("the account trusted another server's certificate")
	}
	// TLS() trusts it too.
	conn, err = netsec.DialTLS(context.Background(), Host, s.SMTPPort(), s.TLS())
	if err != nil {
		t.Fatalf("dial SMTP with TLS(): %v", err)
	}
	conn.Close()
}

func smtpClient(t *testing.T, s *Server) *smtp.Client {
	t.Helper()
	c, err := smtp.DialTLS(net.JoinHostPort(Host, strconv.Itoa(s.SMTPPort())), netsec.TLSConfig(Host, s.TLS()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestSendArrivesInInbox(t *testing.T) {
	s := startServer(t)
	c := imapLogin(t, s, nil)
	before, err := c.Status("INBOX", &imap.StatusOptions{NumMessages: true}).Wait()
	if err != nil {
		t.Fatal(err)
	}
	// Watch the INBOX with IDLE on a second connection.
	arrived := make(chan uint32, 4)
	w := imapLogin(t, s, &imapclient.Options{UnilateralDataHandler: &imapclient.UnilateralDataHandler{
		Mailbox: func(d *imapclient.UnilateralDataMailbox) {
			if d.NumMessages != nil {
				arrived <- *d.NumMessages
			}
		},
	}})
	if _, err := w.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	idle, err := w.Idle()
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()

	sc := smtpClient(t, s)
	if err := sc.Mail(Address, nil); err == nil {
		t.Fatal("MAIL FROM accepted before AUTH")
	}
	if err := sc.Auth(sasl.NewPlainClient("", Address, "wrong")); err == nil {
		t.Fatal("AUTH accepted a wrong password")
	}
	if err := sc.Auth(sasl.NewPlainClient("", Address, s.Password())); err != nil {
		t.Fatal(err)
	}
	subject := "Re: 周末爬山活动 " + strconv.FormatInt(time.Now().UnixNano(), 36)
	msg := "From: " + Address + "\r\nTo: " + Address + "\r\nSubject: " + encodeHeader(subject, utf8Charset) +
		"\r\nMessage-ID: <sent-test@hongyan.demo>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nhello\r\n"
	if err := sc.SendMail(Address, []string{Address, "friend@example.com"}, strings.NewReader(msg)); err != nil {
		t.Fatal(err)
	}
	// Mail to an unknown demo mailbox bounces at RCPT.
	err = sc.SendMail(Address, []string{"nobody@" + Domain}, strings.NewReader(msg))
	var se *smtp.SMTPError
	if !errors.As(err, &se) || se.Code != 550 {
		t.Fatalf("unknown demo recipient: %v, want 550", err)
	}
	// Mail only to outside addresses is accepted and not delivered here.
	if err := sc.SendMail(Address, []string{"friend@example.com"}, strings.NewReader(msg)); err != nil {
		t.Fatal(err)
	}

	select {
	case n := <-arrived:
		if n != *before.NumMessages+1 {
			t.Errorf("IDLE saw %d messages, want %d", n, *before.NumMessages+1)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("IDLE did not report the new message")
	}
	if s.Delivered() != 1 {
		t.Errorf("delivered %d messages, want 1", s.Delivered())
	}
	after, err := c.Status("INBOX", &imap.StatusOptions{NumMessages: true}).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if *after.NumMessages != *before.NumMessages+1 {
		t.Fatalf("INBOX has %d messages after sending, want %d", *after.NumMessages, *before.NumMessages+1)
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	msgs, err := c.Fetch(imap.SeqSetNum(*after.NumMessages), &imap.FetchOptions{Envelope: true, Flags: true}).Collect()
	if err != nil || len(msgs) != 1 {
		t.Fatalf("fetch: %v %v", msgs, err)
	}
	if got := msgs[0].Envelope.Subject; got != subject {
		t.Errorf("delivered subject %q, want %q", got, subject)
	}
	if len(msgs[0].Flags) != 0 {
		t.Errorf("new mail has flags %v, want unread", msgs[0].Flags)
	}
}

func TestCloseOnContextCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	s, err := Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	port := s.IMAPPort()
	cancel()
	deadline := time.Now().Add(5 * time.Second)
	for {
		conn, err := tls.DialWithDialer(&net.Dialer{Timeout: time.Second}, "tcp", net.JoinHostPort(Host, strconv.Itoa(port)), &tls.Config{InsecureSkipVerify: true})
		if err != nil {
			break
		}
		conn.Close()
		if time.Now().After(deadline) {
			t.Fatal("the IMAP server still accepts connections after cancel")
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.Close() // a second close is harmless
	if _, err := Start(ctx); err == nil {
		t.Fatal("Start with a cancelled context succeeded")
	}
}

func TestTempProfile(t *testing.T) {
	dir, cleanup, err := TempProfile()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir+"/settings.json", []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	cleanup()
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("profile %s still there after cleanup: %v", dir, err)
	}
}

func TestIsDemoAddress(t *testing.T) {
	for addr, want := range map[string]bool{
		"demo@hongyan.demo": true, "<Demo@Hongyan.Demo>": true, "x@example.com": false,
		"hongyan.demo": false, "a@b.hongyan.demo": false, "": false,
	} {
		if got := IsDemoAddress(addr); got != want {
			t.Errorf("IsDemoAddress(%q) = %v", addr, got)
		}
	}
}

func BenchmarkStart(b *testing.B) {
	for i := 0; i < b.N; i++ {
		s, err := Start(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		s.Close()
	}
}

// Mail delivered the moment IDLE has begun is announced during that IDLE:
// imapserver answers "+ idling" before the session listens for updates, and
// an update queued in between used to wait for the client's next command.
func TestIdleAnnouncesMailDeliveredAsItStarts(t *testing.T) {
	s := startServer(t)
	arrived := make(chan uint32, 4)
	w := imapLogin(t, s, &imapclient.Options{UnilateralDataHandler: &imapclient.UnilateralDataHandler{
		Mailbox: func(d *imapclient.UnilateralDataMailbox) {
			if d.NumMessages != nil {
				arrived <- *d.NumMessages
			}
		},
	}})
	sel, err := w.Select("INBOX", nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	n := sel.NumMessages
	for round := 0; round < 20; round++ {
		idle, err := w.Idle()
		if err != nil {
			t.Fatal(err)
		}
		if err := s.deliver([]byte("Subject: round "+strconv.Itoa(round)+"\r\n\r\nhi\r\n"), time.Now()); err != nil {
			t.Fatal(err)
		}
		n++
		select {
		case got := <-arrived:
			if got != n {
				t.Fatalf("round %d: IDLE saw %d messages, want %d", round, got, n)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("round %d: IDLE did not report the message delivered as it started", round)
		}
		if err := idle.Close(); err != nil {
			t.Fatal(err)
		}
		if err := idle.Wait(); err != nil {
			t.Fatal(err)
		}
	}
}
