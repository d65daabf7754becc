package message

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSafeFileName(t *testing.T) {
	cases := map[string]string{
		"report.pdf":               "report.pdf",
		"../../etc/passwd":         "passwd",
		`..\..\windows\system.ini`: "system.ini",
		"/abs/path/x.txt":          "x.txt",
		"..":                       "attachment",
		"":                         "attachment",
		"   ":                      "attachment",
		"...":                      "attachment",
		"CON":                      "_CON",
		"con.txt":                  "_con.txt",
		"Nul.tar.gz":               "_Nul.tar.gz",
		"COM1.log":                 "_COM1.log",
		"lpt9":                     "_lpt9",
		"COM10.txt":                "COM10.txt",
		"console.txt":              "console.txt",
		"a\x00b\x07c.txt":          "abc.txt",
		"name. . .":                "name",
		"trailing space.txt   ":    "trailing space.txt",
		"what?<>:\"|*.txt":         "what_______.txt",
		"invoice\u202Efdp.exe":     "invoicefdp.exe",
		"a..b.txt":                 "a.b.txt",
		".hidden":                  "hidden",
		"报告 2025.pdf":              "报告 2025.pdf",
		"tab\there.txt":            "tab here.txt",
		"\xff\xfe bad utf8.txt":    "_ bad utf8.txt",
	}
	for in, want := range cases {
		if got := SafeFileName(in); got != want {
			t.Errorf("SafeFileName(%q) = %q, want %q", in, got, want)
		}
	}
	long := strings.Repeat("长", 300) + ".pdf"
	got := SafeFileName(long)
	if len(got) > MaxFileNameBytes || !strings.HasSuffix(got, ".pdf") || !utf8.ValidString(got) {
		t.Errorf("long name -> %d bytes %q", len(got), got)
	}
}

func TestUniquePath(t *testing.T) {
	dir := t.TempDir()
	p1 := UniquePath(dir, "a.txt")
	if p1 != filepath.Join(dir, "a.txt") {
		t.Fatalf("first path %q", p1)
	}
	for i, want := range []string{"a.txt", "a (1).txt", "a (2).txt"} {
		p := UniquePath(dir, "a.txt")
		if filepath.Base(p) != want {
			t.Fatalf("step %d: %q, want %q", i, filepath.Base(p), want)
		}
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "noext"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if got := filepath.Base(UniquePath(dir, "noext")); got != "noext (1)" {
		t.Errorf("noext -> %q", got)
	}
	// Unsafe names are made safe and stay inside dir.
	p := UniquePath(dir, "../../escape.txt")
	if filepath.Dir(p) != dir {
		t.Errorf("escaped dir: %q", p)
	}
	// Existing entries of any kind, even a dangling symlink, are never reused.
	if err := os.Symlink(filepath.Join(dir, "missing"), filepath.Join(dir, "link.txt")); err != nil {
		t.Fatal(err)
	}
	if got := filepath.Base(UniquePath(dir, "link.txt")); got != "link (1).txt" {
		t.Errorf("symlink -> %q", got)
	}
}
