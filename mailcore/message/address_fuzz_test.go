package message

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzAddress checks address validation and address-list parsing on any
// input: no panic, nothing that could break out of a header or an SMTP
// command, and validation is stable (a validated address validates to
// itself). Seeds live in testdata/fuzz/FuzzAddress.
func FuzzAddress(f *testing.F) {
	for _, s := range []string{
		"a@example.org", "张三@例子.中国", `"quoted name"@example.org`, "a@[127.0.0.1]",
		"Ann <ann@example.org>, b@example.org", "=?utf-8?b?5byg5LiJ?= <z@example.org>",
		"a@b@c", "@example.org", "a@", ".a@example.org", "a..b@example.org",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		env, err := ValidateAddress(s)
		if err == nil {
			if env == "" || strings.ContainsAny(env, "\r\n\x00 ") && !strings.HasPrefix(env, `"`) {
				t.Fatalf("validated %q to unsafe %q", s, env)
			}
			if strings.ContainsAny(env, "\r\n\x00") || !strings.Contains(env, "@") || !utf8.ValidString(env) {
				t.Fatalf("validated %q to unsafe %q", s, env)
			}
			again, err := ValidateAddress(env)
			if err != nil || again != env {
				t.Fatalf("validation not stable: %q -> %q -> %q (%v)", s, env, again, err)
			}
		}
		list, err := parseAddressList(s)
		if err != nil {
			return
		}
		for _, a := range list {
			if strings.ContainsAny(a.Name, "\r\n\x00") && !strings.ContainsAny(s, "\r\n\x00=") {
				t.Fatalf("line break appeared in a parsed name: %q from %q", a.Name, s)
			}
		}
	})
}
