package autoconfig

import (
	"errors"
	"strings"
	"testing"
)

func TestParseAutoconfigXML(t *testing.T) {
	cfgs, err := ParseAutoconfigXML([]byte(exampleXML), "Li.Lei@Example.TEST")
	if err != nil {
		t.Fatal(err)
	}
	if len(cfgs) != 3 {
		t.Fatalf("got %d configs: %v", len(cfgs), cfgs)
	}
	if c := cfgs[0]; c.Incoming.Username != "Li.Lei" || c.Incoming.Host != "imap.example.test" || c.Outgoing.Username != "Li.Lei@example.test" {
		t.Errorf("placeholders not substituted: %v", c)
	}
	for _, c := range cfgs {
		if c.Incoming.Port == 110 {
			t.Errorf("plain POP3 server offered: %v", c.Incoming)
		}
	}
}

func TestParseAutoconfigXMLErrors(t *testing.T) {
	var xe *XMLError
	cases := []struct {
		name string
		doc  string
		want func(error) bool
	}{
		{"broken", `<clientConfig><emailProvider>`, func(e error) bool { return errors.As(e, &xe) }},
		{"not xml", `{"json": true}`, func(e error) bool { return errors.As(e, &xe) }},
		{"wrong root", `<html><body>hello</body></html>`, func(e error) bool { return errors.As(e, &xe) }},
		{"no provider", `<clientConfig version="1.1"></clientConfig>`, func(e error) bool { return errors.As(e, &xe) }},
		{"plain only", plainOnlyXML, func(e error) bool { return errors.Is(e, ErrPlainOnly) }},
		{"no outgoing", `<clientConfig><emailProvider><incomingServer type="imap"><hostname>a.test</hostname><port>993</port><socketType>SSL</socketType></incomingServer></emailProvider></clientConfig>`,
			func(e error) bool { return errors.Is(e, ErrNoServers) }},
		{"bad port", strings.Replace(simpleXML("x.test"), "<port>993</port>", "<port>99999</port>", 1), func(e error) bool { return errors.Is(e, ErrNoServers) }},
		{"unknown placeholder", strings.Replace(simpleXML("x.test"), "imap.x.test", "%REALNAME%.x.test", 1), func(e error) bool { return errors.Is(e, ErrNoServers) }},
		{"exchange only", `<clientConfig><emailProvider><incomingServer type="exchange"><hostname>a.test</hostname><port>443</port><socketType>SSL</socketType></incomingServer><outgoingServer type="smtp"><hostname>s.test</hostname><port>465</port><socketType>SSL</socketType></outgoingServer></emailProvider></clientConfig>`,
			func(e error) bool { return errors.Is(e, ErrNoServers) }},
		{"ntlm only", strings.Replace(simpleXML("x.test"), "<username>%EMAILADDRESS%</username></incomingServer>", "<username>%EMAILADDRESS%</username><authentication>NTLM</authentication></incomingServer>", 1),
			func(e error) bool { return errors.Is(e, ErrNoServers) }},
		{"too large", "<clientConfig>" + strings.Repeat(" ", MaxBodySize) + "</clientConfig>", func(e error) bool { return errors.Is(e, ErrBodyTooLarge) }},
		{"unknown charset", `<?xml version="1.0" encoding="KOI8-R"?><clientConfig/>`, func(e error) bool { return errors.As(e, &xe) }},
	}
	for _, c := range cases {
		cfgs, err := ParseAutoconfigXML([]byte(c.doc), "a@x.test")
		if err == nil || !c.want(err) {
			t.Errorf("%s: got %v, %v", c.name, cfgs, err)
		}
	}
	if _, err := ParseAutoconfigXML([]byte(exampleXML), "not-an-address"); err == nil {
		t.Error("invalid address accepted")
	}
}

func TestParseAutoconfigXMLLatin1(t *testing.T) {
	doc := "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>" + strings.Replace(simpleXML("x.test"), "<displayName>x.test", "<displayName>M\xfcller Mail", 1)
	cfgs, err := ParseAutoconfigXML([]byte(doc), "a@x.test")
	if err != nil {
		t.Fatal(err)
	}
	if cfgs[0].ProviderName != "Müller Mail" {
		t.Errorf("display name = %q", cfgs[0].ProviderName)
	}
}

// FuzzParseAutoconfigXML checks that no document makes the parser panic or
// return a configuration that is insecure or malformed.
func FuzzParseAutoconfigXML(f *testing.F) {
	f.Add([]byte(exampleXML), "li.lei@example.test")
	f.Add([]byte(plainOnlyXML), "a@plain.test")
	f.Add([]byte(simpleXML("hoster.test")), "用户@例子.测试")
	f.Add([]byte(`<clientConfig><emailProvider><incomingServer type="imap">`), "a@b.test")
	f.Fuzz(func(t *testing.T, data []byte, email string) {
		cfgs, err := ParseAutoconfigXML(data, email)
		if err != nil {
			if len(cfgs) != 0 {
				t.Fatalf("configs returned with an error: %v", cfgs)
			}
			return
		}
		if len(cfgs) == 0 {
			t.Fatal("no error and no configs")
		}
		for _, c := range cfgs {
			if c.Incoming.Protocol != ProtoIMAP && c.Incoming.Protocol != ProtoPOP3 {
				t.Fatalf("incoming protocol %q", c.Incoming.Protocol)
			}
			if c.Outgoing.Protocol != ProtoSMTP {
				t.Fatalf("outgoing protocol %q", c.Outgoing.Protocol)
			}
			for _, s := range []Server{c.Incoming, c.Outgoing} {
				if err := s.validate(); err != nil {
					t.Fatalf("invalid server %v: %v", s, err)
				}
				if leftoverPlaceholder.MatchString(s.Host) || leftoverPlaceholder.MatchString(s.Username) {
					t.Fatalf("placeholder left in %v", s)
				}
			}
			if c.Source != SourceAutoconfig {
				t.Fatalf("source %q", c.Source)
			}
		}
	})
}
