package secret

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
)

func TestRedactor(t *testing.T) {
	const pw = `s3cr"et pass`
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	plain := b64("\x00alice\x00" + pw)
	cases := []struct {
		name    string
		in      string
		want    string
		secrets []string
	}{
		{"imap login atom user quoted pw",
			"a1 LOGIN alice \"s3cr\\\"et pass\"\r\na1 OK Logged in\r\n",
			"a1 LOGIN alice [redacted]\r\na1 OK Logged in\r\n", nil},
		{"imap login quoted user, lower case",
			"x7 login \"alice smith\" hunter2\r\n",
			"x7 login \"alice smith\" [redacted]\r\n", nil},
		{"imap login with literals",
			"a2 LOGIN {5}\r\n+ Ready\r\nalice {12}\r\n+ Ready\r\ns3cr\"et pass\r\na2 OK Logged in\r\n* 1 EXISTS\r\n",
			"a2 LOGIN [redacted]\r\n[redacted]\r\n[redacted]\r\n[redacted]\r\n[redacted]\r\na2 OK Logged in\r\n* 1 EXISTS\r\n", nil},
		{"imap login password literal",
			"a3 LOGIN alice {12+}\r\ns3cr\"et pass\r\na3 OK done\r\n",
			"a3 LOGIN alice [redacted]\r\n[redacted]\r\na3 OK done\r\n", nil},
		{"imap authenticate plain with continuation",
			"a4 AUTHENTICATE PLAIN\r\n+ \r\n" + plain + "\r\na4 OK authenticated\r\na5 SELECT INBOX\r\n",
			"a4 AUTHENTICATE PLAIN\r\n+ \r\n[redacted]\r\na4 OK authenticated\r\na5 SELECT INBOX\r\n", nil},
		{"imap sasl-ir",
			"a4 AUTHENTICATE PLAIN " + plain + "\r\na4 OK\r\n",
			"a4 AUTHENTICATE PLAIN [redacted]\r\na4 OK\r\n", nil},
		{"smtp auth plain initial response",
			"250-AUTH PLAIN LOGIN\r\n250 AUTH PLAIN LOGIN\r\nAUTH PLAIN " + plain + "\r\n235 2.7.0 Authentication successful\r\nMAIL FROM:<alice@example.org>\r\n",
			"250-AUTH PLAIN LOGIN\r\n250 AUTH PLAIN LOGIN\r\nAUTH PLAIN [redacted]\r\n235 2.7.0 Authentication successful\r\nMAIL FROM:<alice@example.org>\r\n", nil},
		{"smtp auth login",
			"AUTH LOGIN\r\n334 VXNlcm5hbWU6\r\n" + b64("alice") + "\r\n334 UGFzc3dvcmQ6\r\n" + b64(pw) + "\r\n535 5.7.8 failed\r\nQUIT\r\n",
			"AUTH LOGIN\r\n334 VXNlcm5hbWU6\r\n[redacted]\r\n334 UGFzc3dvcmQ6\r\n[redacted]\r\n535 5.7.8 failed\r\nQUIT\r\n", nil},
		{"pop3 user pass",
			"USER alice\r\n+OK\r\nPASS " + pw + "\r\n+OK Logged in.\r\nSTAT\r\n",
			"USER alice\r\n+OK\r\nPASS [redacted]\r\n+OK Logged in.\r\nSTAT\r\n", nil},
		{"pop3 apop",
			"APOP alice c4c9334bac560ecc979e58001b3e22fb\r\n",
			"APOP [redacted]\r\n", nil},
		{"pop3 auth plain continuation",
			"AUTH PLAIN\r\n+ \r\n" + plain + "\r\n+OK Logged in.\r\n",
			"AUTH PLAIN\r\n+ \r\n[redacted]\r\n+OK Logged in.\r\n", nil},
		{"registered secret anywhere",
			"* SEARCH hunter2\nsomething hunter2 else hunter2\n",
			"* SEARCH [redacted]\nsomething [redacted] else [redacted]\n", []string{"hunter2"}},
		{"registered secret in quoted form",
			"a1 FOO \"s3cr\\\"et pass\"\n",
			"a1 FOO \"[redacted]\"\n", []string{pw}},
		{"ordinary traffic untouched",
			"* CAPABILITY IMAP4rev1 AUTH=PLAIN LOGINDISABLED\r\na1 FETCH 1 (BODY[])\r\n",
			"* CAPABILITY IMAP4rev1 AUTH=PLAIN LOGINDISABLED\r\na1 FETCH 1 (BODY[])\r\n", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out bytes.Buffer
			r := NewRedactor(&out)
			for _, s := range c.secrets {
				r.AddSecret(s)
			}
			// Feed the log in awkward pieces, as a network writer would.
			in := []byte(c.in)
			for len(in) > 0 {
				n := min(3, len(in))
				if k, err := r.Write(in[:n]); err != nil || k != n {
					t.Fatalf("Write = %d, %v", k, err)
				}
				in = in[n:]
			}
			if err := r.Flush(); err != nil {
				t.Fatal(err)
			}
			if out.String() != c.want {
				t.Errorf("got\n%q\nwant\n%q", out.String(), c.want)
			}
			for _, s := range append([]string{pw, plain}, c.secrets...) {
				if strings.Contains(out.String(), s) {
					t.Errorf("output contains secret %q", s)
				}
			}
		})
	}
}

func TestRedactorHoldsPartialLine(t *testing.T) {
	var out bytes.Buffer
	r := NewRedactor(&out)
	_, _ = r.Write([]byte("PASS hunt"))
	if out.Len() != 0 {
		t.Fatalf("partial line written before its end: %q", out.String())
	}
	_, _ = r.Write([]byte("er2"))
	if err := r.Flush(); err != nil {
		t.Fatal(err)
	}
	if out.String() != "PASS [redacted]" {
		t.Fatalf("got %q", out.String())
	}
}
