package store

import (
	"encoding/json"
	"testing"
)

// FuzzAddrJSON checks the hand-written encoder against encoding/json on
// one- and two-address lists, and that the result decodes back.
func FuzzAddrJSON(f *testing.F) {
	for _, s := range [][4]string{
		{"Zhang San", "zs@example.cn", "", "team@example.org"},
		{"张三", "zhang@例子.cn", "李四 (Li)", "li@x"},
		{`Quote "me"`, `back\slash@x`, "<tag>", "a&b@x"},
		{"ctl\x01", "bad\xffutf8@x", "line\u2028sep", "para\u2029sep"},
		{"", "", "", ""},
	} {
		f.Add(s[0], s[1], s[2], s[3])
	}
	f.Fuzz(func(t *testing.T, n1, a1, n2, a2 string) {
		for _, list := range [][]Address{{{n1, a1}}, {{n1, a1}, {n2, a2}}} {
			want, err := json.Marshal(list)
			if err != nil {
				t.Fatal(err)
			}
			got := addrJSON(list)
			if got != string(want) {
				t.Fatalf("addrJSON(%q) = %s, encoding/json gives %s", list, got, want)
			}
			var back []Address
			if err := json.Unmarshal([]byte(got), &back); err != nil {
				t.Fatalf("addrJSON(%q) = %s does not decode: %v", list, got, err)
			}
		}
	})
}
