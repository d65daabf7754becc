package message

import (
	"errors"
	"strings"
	"testing"
)

func TestParseMailto(t *testing.T) {
	d, err := ParseMailto("MAILTO:a@example.org,%E5%BC%A0%E4%B8%89@example.org?cc=c@example.org&bcc=b@example.org" +
		"&subject=%E4%BD%A0%E5%A5%BD%20a+b%0D%0ABcc:%20evil@example.org&body=line1%0D%0Aline2" +
		"&in-reply-to=%3C123@example.org%3E&X-Evil=1&from=spoof@example.org&to=d@b%C3%BCcher.example")
	if err != nil {
		t.Fatal(err)
	}
	var to []string
	for _, a := range d.To {
		to = append(to, a.Email)
	}
	if strings.Join(to, ",") != "a@example.org,张三@example.org,d@bücher.example" {
		t.Fatalf("to %v", to)
	}
	if len(d.Cc) != 1 || d.Cc[0].Email != "c@example.org" || len(d.Bcc) != 1 || d.Bcc[0].Email != "b@example.org" {
		t.Fatalf("cc/bcc %+v %+v", d.Cc, d.Bcc)
	}
	if d.Subject != "你好 a+b  Bcc: evil@example.org" {
		t.Fatalf("subject %q", d.Subject)
	}
	if d.Text != "line1\nline2" || d.InReplyTo != "123@example.org" {
		t.Fatalf("body %q irt %q", d.Text, d.InReplyTo)
	}
	if d.From.Email != "" {
		t.Fatal("From taken from the URL")
	}
	d.From = Address{Email: "me@example.org"}
	raw, err := d.Build()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "X-Evil") || strings.Contains(string(raw), "\r\nBcc:") {
		t.Fatalf("unsafe header carried over:\n%s", raw)
	}

	for _, bad := range []string{"http://x", "mailto:not-an-address", "mailto:a@example.org?cc=%ZZ", "mailto:%FF@example.org", "mailto:a@example.org%0D%0ABcc:x@example.org"} {
		if _, err := ParseMailto(bad); err == nil {
			t.Errorf("ParseMailto(%q) accepted", bad)
		}
	}
	if _, err := ParseMailto("https://example.org"); !errors.Is(err, ErrNotMailto) {
		t.Errorf("want ErrNotMailto, got %v", err)
	}
	d, err = ParseMailto("mailto:?to=Ann%20%3Cann@example.org%3E&subject=x")
	if err != nil || len(d.To) != 1 || d.To[0].Name != "Ann" || d.To[0].Email != "ann@example.org" {
		t.Fatalf("named address: %+v %v", d, err)
	}
}

func FuzzParseMailto(f *testing.F) {
	for _, s := range []string{
		"mailto:a@example.org",
		"mailto:a@example.org,b@example.org?subject=hi&body=x%0D%0Ay",
		"mailto:?to=%E5%BC%A0@%E4%BE%8B%E5%AD%90.%E4%B8%AD%E5%9B%BD&cc=c@d.example",
		"mailto:a@example.org?subject=a%0D%0ABcc:%20x@example.org",
		"mailto:a@example.org?in-reply-to=%3Cx@y%3E&foo=bar#frag",
		"mailto:%22quoted%20name%22@example.org",
		"mailto:Ann%20%3Cann@example.org%3E",
		"mailto:a@[127.0.0.1]?body=%00",
		"mailto:a@example.org?subject=%F0%9F%98%80&body=%",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, u string) {
		d, err := ParseMailto(u)
		if err != nil {
			if d != nil {
				t.Fatal("draft with error")
			}
			return
		}
		if strings.ContainsAny(d.Subject, "\r\n\x00") || strings.ContainsAny(d.InReplyTo, "\r\n\x00") {
			t.Fatalf("line break kept in a header: %q", d.Subject)
		}
		for _, l := range [][]Address{d.To, d.Cc, d.Bcc} {
			for _, a := range l {
				if _, err := ValidateAddress(a.Email); err != nil {
					t.Fatalf("invalid address let through: %q: %v", a.Email, err)
				}
				if strings.ContainsAny(a.Name, "\r\n\x00") {
					t.Fatalf("bad name %q", a.Name)
				}
			}
		}
		if len(d.To)+len(d.Cc)+len(d.Bcc) == 0 {
			return
		}
		d.From = Address{Email: "me@example.org"}
		raw, err := d.Build()
		if err != nil {
			t.Fatalf("accepted mailto does not build: %v", err)
		}
		hdr, _, _ := strings.Cut(string(raw), "\r\n\r\n")
		for _, line := range strings.Split(hdr, "\r\n") {
			if strings.HasPrefix(strings.ToLower(line), "bcc:") {
				t.Fatalf("Bcc header written")
			}
		}
	})
}
