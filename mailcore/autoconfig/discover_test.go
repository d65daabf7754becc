package autoconfig

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"
)

// progressLog records progress reports.
type progressLog struct {
	mu   sync.Mutex
	list []SourceProgress
}

func (p *progressLog) add(sp SourceProgress) {
	p.mu.Lock()
	p.list = append(p.list, sp)
	p.mu.Unlock()
}

// last returns the last report of a source.
func (p *progressLog) last(src string) (SourceProgress, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := len(p.list) - 1; i >= 0; i-- {
		if p.list[i].Source == src {
			return p.list[i], true
		}
	}
	return SourceProgress{}, false
}

func (p *progressLog) started(src string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, sp := range p.list {
		if sp.Source == src && sp.State == Started {
			return true
		}
	}
	return false
}

const exampleXML = `<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="example.test">
    <domain>example.test</domain>
    <displayName>Example Mail</displayName>
    <incomingServer type="pop3">
      <hostname>pop.%EMAILDOMAIN%</hostname>
      <port>110</port>
      <socketType>plain</socketType>
      <username>%EMAILLOCALPART%</username>
      <authentication>password-cleartext</authentication>
    </incomingServer>
    <incomingServer type="pop3">
      <hostname>pop.%EMAILDOMAIN%</hostname>
      <port>995</port>
      <socketType>SSL</socketType>
      <username>%EMAILLOCALPART%</username>
      <authentication>password-cleartext</authentication>
    </incomingServer>
    <incomingServer type="imap">
      <hostname>imap.%EMAILDOMAIN%</hostname>
      <port>143</port>
      <socketType>STARTTLS</socketType>
      <username>%EMAILLOCALPART%</username>
      <authentication>password-cleartext</authentication>
    </incomingServer>
    <incomingServer type="imap">
      <hostname>imap.%EMAILDOMAIN%</hostname>
      <port>993</port>
      <socketType>SSL</socketType>
      <username>%EMAILLOCALPART%</username>
      <authentication>password-cleartext</authentication>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>smtp.example.test</hostname>
      <port>587</port>
      <socketType>STARTTLS</socketType>
      <username>%EMAILADDRESS%</username>
      <authentication>password-cleartext</authentication>
    </outgoingServer>
  </emailProvider>
</clientConfig>`

const plainOnlyXML = `<clientConfig version="1.1"><emailProvider id="plain.test">
  <incomingServer type="imap"><hostname>imap.plain.test</hostname><port>143</port><socketType>plain</socketType><username>%EMAILADDRESS%</username></incomingServer>
  <outgoingServer type="smtp"><hostname>smtp.plain.test</hostname><port>25</port><socketType>plain</socketType><username>%EMAILADDRESS%</username></outgoingServer>
</emailProvider></clientConfig>`

func simpleXML(host string) string {
	return `<clientConfig version="1.1"><emailProvider id="` + host + `"><displayName>` + host + `</displayName>
  <incomingServer type="imap"><hostname>imap.` + host + `</hostname><port>993</port><socketType>SSL</socketType><username>%EMAILADDRESS%</username></incomingServer>
  <outgoingServer type="smtp"><hostname>smtp.` + host + `</hostname><port>465</port><socketType>SSL</socketType><username>%EMAILADDRESS%</username></outgoingServer>
</emailProvider></clientConfig>`
}

func TestProviderDatabaseCoversRequiredProviders(t *testing.T) {
	want := map[string]string{
		"gmail.com": "imap.gmail.com", "outlook.com": "outlook.office365.com", "hotmail.com": "outlook.office365.com",
		"live.com": "outlook.office365.com", "yahoo.com": "imap.mail.yahoo.com", "icloud.com": "imap.mail.me.com",
		"me.com": "imap.mail.me.com", "mac.com": "imap.mail.me.com", "aol.com": "imap.aol.com", "gmx.net": "imap.gmx.net",
		"web.de": "imap.web.de", "mail.ru": "imap.mail.ru", "yandex.ru": "imap.yandex.com", "zoho.com": "imap.zoho.com",
		"fastmail.com": "imap.fastmail.com", "proton.me": "127.0.0.1", "qq.com": "imap.qq.com", "foxmail.com": "imap.qq.com",
		"exmail.qq.com": "imap.exmail.qq.com", "163.com": "imap.163.com", "126.com": "imap.126.com", "yeah.net": "imap.yeah.net",
		"sina.com": "imap.sina.com", "sohu.com": "imap.sohu.com", "aliyun.com": "imap.aliyun.com",
		"qiye.aliyun.com": "imap.qiye.aliyun.com", "139.com": "imap.139.com", "naver.com": "imap.naver.com",
		"daum.net": "imap.daum.net", "hanmail.net": "imap.daum.net",
	}
	for dom, host := range want {
		p, ok := LookupProvider(strings.ToUpper(dom))
		if !ok {
			t.Errorf("%s: not in the provider database", dom)
			continue
		}
		if p.Incoming[0].Host != host || p.Incoming[0].Protocol != ProtoIMAP {
			t.Errorf("%s: first incoming server %+v, want IMAP on %s", dom, p.Incoming[0], host)
		}
	}
	all, err := Providers()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range all {
		hasHan := false
		for _, r := range p.NotesZH {
			if unicode.Is(unicode.Han, r) {
				hasHan = true
				break
			}
		}
		if !hasHan {
			t.Errorf("%s: Chinese notes contain no Chinese text: %q", p.ID, p.NotesZH)
		}
	}
	// Proton Bridge listens locally with STARTTLS on 1143 and 1025.
	p, _ := LookupProvider("pm.me")
	if in, out := p.Incoming[0], p.Outgoing[0]; in.Port != 1143 || out.Port != 1025 || in.Security != SecuritySTARTTLS || out.Security != SecuritySTARTTLS {
		t.Errorf("Proton Bridge: %+v / %+v", in, out)
	}
	// NetEase wants the IMAP ID command.
	if p, _ := LookupProvider("163.com"); len(p.Quirks) != 1 || p.Quirks[0] != "imap-id" {
		t.Errorf("163.com quirks = %v", p.Quirks)
	}
}

func TestLookupProviderByMX(t *testing.T) {
	cases := map[string]string{
		"aspmx.l.google.com.":                     "google-workspace",
		"ALT1.ASPMX.L.GOOGLE.COM":                 "google-workspace",
		"example-com.mail.protection.outlook.com": "microsoft365",
		"hotmail-com.olc.protection.outlook.com":  "outlook",
		"mxbiz1.qq.com":                           "exmail",
		"mx3.qq.com":                              "qq",
		"mxw.mxhichina.com":                       "alibaba-enterprise",
		"mail.protonmail.ch":                      "proton-bridge",
		"in1-smtp.messagingengine.com":            "fastmail",
	}
	for host, id := range cases {
		p, ok := LookupProviderByMX(host)
		if !ok || p.ID != id {
			t.Errorf("MX %s: got %v, want %s", host, p, id)
		}
	}
	for _, host := range []string{"mx.example.test", "notgoogle.com", "qq.com.evil.test"} {
		if p, ok := LookupProviderByMX(host); ok {
			t.Errorf("MX %s matched %s", host, p.ID)
		}
	}
}

func TestDiscoverChineseProviderQQ(t *testing.T) {
	e := newEnv(t)
	d := e.discoverer()
	var log progressLog
	cfgs, err := d.Discover(context.Background(), " Xiaoming@QQ.com ", log.add)
	if err != nil {
		t.Fatal(err)
	}
	c := cfgs[0]
	if c.Source != SourceProvider || c.ProviderName != "QQ Mail" {
		t.Fatalf("best config from %s/%s", c.Source, c.ProviderName)
	}
	want := Server{Protocol: ProtoIMAP, Host: "imap.qq.com", Port: 993, Security: SecurityTLS, Username: "Xiaoming@qq.com"}
	if c.Incoming != want {
		t.Errorf("incoming = %v, want %v", c.Incoming, want)
	}
	if c.Outgoing.Host != "smtp.qq.com" || c.Outgoing.Port != 465 || c.Outgoing.Security != SecurityTLS {
		t.Errorf("outgoing = %v", c.Outgoing)
	}
	if !strings.Contains(c.NotesZH, "授权码") || !strings.Contains(c.NotesEN, "authorization code") {
		t.Errorf("notes do not mention the authorization code: %q / %q", c.NotesEN, c.NotesZH)
	}
	if len(cfgs) < 2 || cfgs[1].Incoming.Protocol != ProtoPOP3 {
		t.Errorf("expected a POP3 alternative second, got %v", cfgs)
	}
	if p, _ := log.last(SourceProvider); p.State != Found || p.Found != len(cfgs) {
		t.Errorf("provider progress = %+v", p)
	}
	for _, src := range Sources {
		if !log.started(src) {
			t.Errorf("source %s never reported Started", src)
		}
	}
	// The provider database answered first, so the rest were stopped.
	if p, _ := log.last(SourceGuess); p.State != Skipped && p.State != Failed {
		t.Errorf("guess progress = %+v", p)
	}
}

func TestAutoconfigPlaceholdersAndPlainDropped(t *testing.T) {
	e := newEnv(t)
	e.dns.add(t, "autoconfig.example.test. 60 IN A 127.0.0.1")
	var gotQuery string
	e.handle("autoconfig.example.test", "/mail/config-v1.1.xml", func(w http.ResponseWriter, r *http.Request) {
		gotQuery = r.URL.Query().Get("emailaddress")
		w.Write([]byte(exampleXML))
	})
	d := e.discoverer()
	d.Disabled = []string{SourceGuess}
	var log progressLog
	cfgs, err := d.Discover(context.Background(), "li.lei@example.test", log.add)
	if err != nil {
		t.Fatal(err)
	}
	if gotQuery != "li.lei@example.test" {
		t.Errorf("emailaddress query = %q", gotQuery)
	}
	checkConfigs(t, cfgs, SourceAutoconfig,
		Server{ProtoSMTP, "smtp.example.test", 587, SecuritySTARTTLS, "li.lei@example.test"},
		Server{ProtoIMAP, "imap.example.test", 993, SecurityTLS, "li.lei"},
		Server{ProtoIMAP, "imap.example.test", 143, SecuritySTARTTLS, "li.lei"},
		Server{ProtoPOP3, "pop.example.test", 995, SecurityTLS, "li.lei"})
	for i, c := range cfgs {
		if c.ProviderName != "Example Mail" {
			t.Errorf("config %d provider name %q", i, c.ProviderName)
		}
	}
	if p, _ := log.last(SourceAutoconfig); p.State != Found {
		t.Errorf("autoconfig progress = %+v", p)
	}
	if p, _ := log.last(SourceProvider); p.State != Failed || !errors.Is(p.Err, ErrNoProvider) {
		t.Errorf("provider progress = %+v", p)
	}
}

func TestAutoconfigWellKnownFallback(t *testing.T) {
	e := newEnv(t)
	// No autoconfig.wellknown.test name at all: only the domain itself.
	e.dns.add(t, "wellknown.test. 60 IN A 127.0.0.1")
	e.serveXML("wellknown.test", "/.well-known/autoconfig/mail/config-v1.1.xml", simpleXML("wellknown.test"))
	d := e.discoverer()
	d.Disabled = []string{SourceGuess, SourceMX, SourceSRV}
	cfgs, err := d.Discover(context.Background(), "a@wellknown.test", nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfgs[0].Incoming.Host != "imap.wellknown.test" || cfgs[0].Source != SourceAutoconfig {
		t.Errorf("got %v", cfgs[0])
	}
}

func TestAutoconfigBrokenXML(t *testing.T) {
	e := newEnv(t)
	e.dns.add(t, "autoconfig.broken.test. 60 IN A 127.0.0.1")
	e.serveXML("autoconfig.broken.test", "/mail/config-v1.1.xml", `<clientConfig version="1.1"><emailProvider><incomingServer type="imap">`)
	d := e.discoverer()
	d.Disabled = []string{SourceGuess}
	var log progressLog
	_, err := d.Discover(context.Background(), "a@broken.test", log.add)
	var nf *NotFoundError
	if !errors.As(err, &nf) {
		t.Fatalf("error = %v, want *NotFoundError", err)
	}
	p, _ := log.last(SourceAutoconfig)
	var xe *XMLError
	if p.State != Failed || !errors.As(p.Err, &xe) {
		t.Fatalf("autoconfig progress = %+v, want Failed with *XMLError", p)
	}
	if !strings.Contains(err.Error(), "broken XML") {
		t.Errorf("error does not say the XML is broken: %v", err)
	}
	if nf.Progress[1].Source != SourceAutoconfig || !errors.As(nf.Progress[1].Err, &xe) {
		t.Errorf("NotFoundError progress = %+v", nf.Progress)
	}
}

func TestAutoconfigPlainOnlyRejected(t *testing.T) {
	e := newEnv(t)
	e.dns.add(t, "autoconfig.plain.test. 60 IN A 127.0.0.1")
	e.serveXML("autoconfig.plain.test", "/mail/config-v1.1.xml", plainOnlyXML)
	d := e.discoverer()
	d.Disabled = []string{SourceGuess}
	var log progressLog
	cfgs, err := d.Discover(context.Background(), "a@plain.test", log.add)
	if err == nil {
		t.Fatalf("plain-only configuration accepted: %v", cfgs)
	}
	if p, _ := log.last(SourceAutoconfig); p.State != Failed || !errors.Is(p.Err, ErrPlainOnly) {
		t.Errorf("autoconfig progress = %+v, want ErrPlainOnly", p)
	}
}

func TestAutoconfigBodyTooLarge(t *testing.T) {
	e := newEnv(t)
	e.dns.add(t, "autoconfig.big.test. 60 IN A 127.0.0.1")
	e.handle("autoconfig.big.test", "/mail/config-v1.1.xml", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("<clientConfig>"))
		chunk := []byte(strings.Repeat("<!-- padding -->", 1024))
		for n := 0; n < MaxBodySize*2; n += len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	d := e.discoverer()
	_, err := d.fromAutoconfig(context.Background(), mustAddr(t, "a@big.test"), "big.test", SourceAutoconfig)
	if !errors.Is(err, ErrBodyTooLarge) {
		t.Errorf("error = %v, want ErrBodyTooLarge", err)
	}
}

func TestAutoconfigRefusesRedirectToHTTP(t *testing.T) {
	e := newEnv(t)
	e.dns.add(t, "autoconfig.redirect.test. 60 IN A 127.0.0.1")
	e.handle("autoconfig.redirect.test", "/mail/config-v1.1.xml", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://autoconfig.redirect.test/config.xml", http.StatusFound)
	})
	d := e.discoverer()
	_, err := d.fromAutoconfig(context.Background(), mustAddr(t, "a@redirect.test"), "redirect.test", SourceAutoconfig)
	if err == nil || !strings.Contains(err.Error(), "non-HTTPS") {
		t.Errorf("error = %v, want a refused redirect", err)
	}
}

func mustAddr(t *testing.T, s string) address {
	t.Helper()
	a, err := parseAddress(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestSRVPriorityWeightAndDot(t *testing.T) {
	e := newEnv(t)
	e.dns.add(t,
		"_imaps._tcp.srv.test. 60 IN SRV 10 5 993 late.srv.test.",
		"_imaps._tcp.srv.test. 60 IN SRV 5 1 993 light.srv.test.",
		"_imaps._tcp.srv.test. 60 IN SRV 5 50 9993 heavy.srv.test.",
		"_imap._tcp.srv.test. 60 IN SRV 0 0 143 imap.srv.test.",
		"_pop3s._tcp.srv.test. 60 IN SRV 0 0 0 .",
		"_submissions._tcp.srv.test. 60 IN SRV 0 0 0 .",
		"_submission._tcp.srv.test. 60 IN SRV 20 0 2587 backup.srv.test.",
		"_submission._tcp.srv.test. 60 IN SRV 10 0 587 smtp.srv.test.",
	)
	d := e.discoverer()
	d.Disabled = []string{SourceGuess, SourceMX}
	cfgs, err := d.Discover(context.Background(), "wang@srv.test", nil)
	if err != nil {
		t.Fatal(err)
	}
	checkConfigs(t, cfgs, SourceSRV,
		Server{ProtoSMTP, "smtp.srv.test", 587, SecuritySTARTTLS, "wang@srv.test"},
		Server{ProtoIMAP, "heavy.srv.test", 9993, SecurityTLS, "wang@srv.test"},
		Server{ProtoIMAP, "light.srv.test", 993, SecurityTLS, "wang@srv.test"},
		Server{ProtoIMAP, "late.srv.test", 993, SecurityTLS, "wang@srv.test"},
		Server{ProtoIMAP, "imap.srv.test", 143, SecuritySTARTTLS, "wang@srv.test"})
}

func TestSRVWithoutSubmissionFails(t *testing.T) {
	e := newEnv(t)
	e.dns.add(t, "_imaps._tcp.nosub.test. 60 IN SRV 0 0 993 imap.nosub.test.")
	d := e.discoverer()
	_, err := d.fromSRV(context.Background(), mustAddr(t, "a@nosub.test"))
	if !errors.Is(err, ErrNoSRV) {
		t.Errorf("error = %v, want ErrNoSRV", err)
	}
}

func TestMXKnownProviders(t *testing.T) {
	e := newEnv(t)
	e.dns.add(t,
		"corp.test. 60 IN MX 10 alt1.aspmx.l.google.com.",
		"corp.test. 60 IN MX 1 aspmx.l.google.com.",
		"firm.test. 60 IN MX 5 mxbiz2.qq.com.",
		"firm.test. 60 IN MX 10 mxbiz1.qq.com.",
		"office.test. 60 IN MX 0 office-test.mail.protection.outlook.com.",
	)
	d := e.discoverer()
	d.Disabled = []string{SourceGuess}
	cases := map[string]struct{ name, host string }{
		"boss@corp.test":  {"Google Workspace", "imap.gmail.com"},
		"zhang@firm.test": {"Tencent Exmail (企业微信邮箱)", "imap.exmail.qq.com"},
		"ann@office.test": {"Microsoft 365", "outlook.office365.com"},
	}
	for addr, w := range cases {
		cfgs, err := d.Discover(context.Background(), addr, nil)
		if err != nil {
			t.Errorf("%s: %v", addr, err)
			continue
		}
		c := cfgs[0]
		if c.Source != SourceMX || c.ProviderName != w.name || c.Incoming.Host != w.host || c.Incoming.Username != addr {
			t.Errorf("%s: got %s/%s %v", addr, c.Source, c.ProviderName, c.Incoming)
		}
		if c.NotesEN == "" || c.NotesZH == "" {
			t.Errorf("%s: notes missing", addr)
		}
	}
}

func TestMXHostingDomainAutoconfig(t *testing.T) {
	e := newEnv(t)
	e.dns.add(t,
		"customer.test. 60 IN MX 10 mx1.hoster.test.",
		"autoconfig.hoster.test. 60 IN A 127.0.0.1",
	)
	e.serveXML("autoconfig.hoster.test", "/mail/config-v1.1.xml", simpleXML("hoster.test"))
	d := e.discoverer()
	d.Disabled = []string{SourceGuess}
	var log progressLog
	cfgs, err := d.Discover(context.Background(), "li@customer.test", log.add)
	if err != nil {
		t.Fatal(err)
	}
	if c := cfgs[0]; c.Source != SourceMX || c.Incoming.Host != "imap.hoster.test" || c.Incoming.Username != "li@customer.test" {
		t.Errorf("got %v", c)
	}
	if p, _ := log.last(SourceAutoconfig); p.State != Failed {
		t.Errorf("autoconfig of the customer domain: %+v", p)
	}
}

func TestRankingAcrossSources(t *testing.T) {
	e := newEnv(t)
	e.dns.add(t,
		"autoconfig.both.test. 60 IN A 127.0.0.1",
		"_imaps._tcp.both.test. 60 IN SRV 0 0 993 srvimap.both.test.",
		"_submissions._tcp.both.test. 60 IN SRV 0 0 465 srvsmtp.both.test.",
	)
	e.serveXML("autoconfig.both.test", "/mail/config-v1.1.xml", simpleXML("both.test"))
	d := e.discoverer()
	d.Disabled = []string{SourceGuess}
	d.WaitAll = true
	cfgs, err := d.Discover(context.Background(), "a@both.test", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfgs) != 2 || cfgs[0].Source != SourceAutoconfig || cfgs[1].Source != SourceSRV {
		t.Fatalf("got %v", cfgs)
	}
	if cfgs[1].Incoming.Host != "srvimap.both.test" || cfgs[1].Outgoing.Host != "srvsmtp.both.test" {
		t.Errorf("SRV candidate = %v", cfgs[1])
	}
}

func TestSlowSourceTimesOutOthersWin(t *testing.T) {
	e := newEnv(t)
	e.dns.add(t,
		"autoconfig.slow.test. 60 IN A 127.0.0.1",
		"_imaps._tcp.slow.test. 60 IN SRV 0 0 993 imap.slow.test.",
		"_submission._tcp.slow.test. 60 IN SRV 0 0 587 smtp.slow.test.",
	)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	e.handle("autoconfig.slow.test", "/mail/config-v1.1.xml", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	d := e.discoverer()
	d.Disabled = []string{SourceGuess, SourceMX}
	d.Timeout = 300 * time.Millisecond
	var log progressLog
	cfgs, err := d.Discover(context.Background(), "a@slow.test", log.add)
	if err != nil {
		t.Fatal(err)
	}
	if cfgs[0].Source != SourceSRV || cfgs[0].Incoming.Host != "imap.slow.test" {
		t.Errorf("got %v", cfgs[0])
	}
	if p, _ := log.last(SourceAutoconfig); p.State != TimedOut || p.Err == nil {
		t.Errorf("autoconfig progress = %+v, want TimedOut", p)
	}
	if p, _ := log.last(SourceSRV); p.State != Found {
		t.Errorf("srv progress = %+v", p)
	}
}

func TestSlowDNSTimesOut(t *testing.T) {
	e := newEnv(t)
	e.dns.setSlow("slowdns.test")
	d := e.discoverer()
	d.Disabled = []string{SourceGuess, SourceAutoconfig, SourceMX}
	d.Timeout = 300 * time.Millisecond
	var log progressLog
	_, err := d.Discover(context.Background(), "a@slowdns.test", log.add)
	var nf *NotFoundError
	if !errors.As(err, &nf) {
		t.Fatalf("error = %v", err)
	}
	if p, _ := log.last(SourceSRV); p.State != TimedOut {
		t.Errorf("srv progress = %+v, want TimedOut", p)
	}
}

func TestDiscoverCancelled(t *testing.T) {
	e := newEnv(t)
	e.dns.setSlow("cancel.test")
	d := e.discoverer()
	ctx, cancel := context.WithCancel(context.Background())
	var log progressLog
	progress := func(p SourceProgress) {
		log.add(p)
		if p.Source == SourceProvider && p.State == Failed {
			cancel()
		}
	}
	_, err := d.Discover(ctx, "a@cancel.test", progress)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error = %v, want context.Canceled", err)
	}
}

func TestInvalidAddress(t *testing.T) {
	d := &Discoverer{}
	for _, s := range []string{"", "nobody", "@example.test", "a@", "a@nodot", "a b@example.test", "a@exa mple.test", "a@-bad-.test"} {
		_, err := d.Discover(context.Background(), s, nil)
		var ae *AddressError
		if !errors.As(err, &ae) {
			t.Errorf("%q: error = %v, want *AddressError", s, err)
		}
	}
	a := mustAddr(t, "用户@例子.测试")
	if a.domain != "xn--fsqu00a.xn--0zwm56d" || a.local != "用户" {
		t.Errorf("IDN address parsed as %+v", a)
	}
}
