package message

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// Seeds live in testdata/fuzz/FuzzParse and testdata/fuzz/FuzzHTMLToBlocks.

func FuzzParse(f *testing.F) {
	f.Add([]byte("Subject: hi\r\n\r\nbody"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := Parse(raw)
		if m == nil {
			t.Fatal("nil message")
		}
		if err != nil && err != ErrEmpty {
			t.Fatalf("unexpected error %v", err)
		}
		if !utf8.ValidString(m.Subject) || !utf8.ValidString(m.Text) || !utf8.ValidString(m.HTML) {
			t.Fatalf("invalid UTF-8 in display model")
		}
		if strings.Contains(strings.ToLower(m.HTML), "<script") {
			t.Fatalf("script survived sanitising: %q", m.HTML)
		}
		for i, a := range m.Attachments {
			data, err := m.AttachmentData(i)
			if err != nil {
				t.Fatalf("attachment %d: %v", i, err)
			}
			if int64(len(data)) != a.Size {
				t.Fatalf("attachment %d: %d bytes, Size %d", i, len(data), a.Size)
			}
			if n := SafeFileName(a.Name); n == "" || strings.ContainsAny(n, `/\`) {
				t.Fatalf("unsafe file name %q", n)
			}
		}
		m.Blocks()
		ParseHeaderSummary(raw)
	})
}

func FuzzHTMLToBlocks(f *testing.F) {
	f.Add("<p>Hello <b>world</b></p>")
	f.Fuzz(func(t *testing.T, src string) {
		clean, _ := SanitizeHTML(src, false)
		for _, b := range HTMLToBlocks(clean) {
			if b.Image != nil && b.Image.Blocked && b.Image.Src != "" {
				t.Fatalf("blocked image keeps its source")
			}
			if b.Image != nil && isRemoteURL(b.Image.Src) {
				t.Fatalf("remote image source with remote content blocked: %q", b.Image.Src)
			}
		}
		BlocksToText(HTMLToBlocks(src))
	})
}
