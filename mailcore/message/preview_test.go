package message

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// previewByBlocks is the preview defined through SplitQuotes: the level-0
// blocks of the first previewScan bytes, whitespace folded, cut at
// PreviewLength characters. preview must give the same result without
// building the blocks.
func previewByBlocks(text string) string {
	if len(text) > previewScan {
		cut := previewScan
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut]
	}
	var out []rune
	space := false
	for _, blk := range SplitQuotes(text) {
		if blk.Level > 0 {
			continue
		}
		for _, r := range blk.Text {
			if len(out) >= PreviewLength {
				break
			}
			switch {
			case r == ' ' || r == '\n' || r == '\t' || r == '\r' || r == '\u00a0':
				space = true
				continue
			case r < 0x20:
				continue
			}
			if space && len(out) > 0 {
				out = append(out, ' ')
			}
			space = false
			out = append(out, r)
		}
		space = true
	}
	return strings.TrimSpace(string(out))
}

var previewCases = []string{
	"",
	"hello",
	"  Hi Bob,\r\n\r\nthanks for the notes.\r\n\r\n> earlier text\r\n>> older\r\n\r\nBest,\r\nAlice\r\n",
	"> all quoted\n> lines\n",
	">\n> \n>>>\nreply after quote",
	"line\rwith lone CR\r\n\tindented\u00a0nbsp",
	" > not a quote (leading space)\n>quote\nafter",
	"\x00\x01control\x7fchars\n",
	"bad utf-8 \xff\xfe here\n> \xc3",
	strings.Repeat("word ", 100),
	strings.Repeat("> quoted line that goes on\n", 800) + "tail after a long quote",
	strings.Repeat("汉字", 9000),
}

func TestPreviewMatchesQuoteBlocks(t *testing.T) {
	cases := append([]string(nil), previewCases...)
	files, err := filepath.Glob("testdata/corpus/*.eml")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".eml")
		m, _ := Parse(readCorpus(t, name))
		cases = append(cases, m.Text)
	}
	for i, c := range cases {
		if got, want := preview(c), previewByBlocks(c); got != want {
			t.Errorf("case %d: preview = %q, want %q", i, got, want)
		}
	}
}

func FuzzPreview(f *testing.F) {
	for _, c := range previewCases {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, text string) {
		if got, want := preview(text), previewByBlocks(text); got != want {
			t.Fatalf("preview = %q, want %q", got, want)
		}
	})
}

// The summary's HasAttachments agrees with the full parse's attachment
// list on every corpus message (the summary skips names and sizes).
func TestSummaryAttachmentsAgree(t *testing.T) {
	files, err := filepath.Glob("testdata/corpus/*.eml")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		raw := readCorpus(t, strings.TrimSuffix(filepath.Base(f), ".eml"))
		m, _ := Parse(raw)
		want := false
		for _, a := range m.Attachments {
			if !a.Inline || a.ContentID == "" {
				want = true
			}
		}
		if got := ParseHeaderSummary(raw).HasAttachments; got != want {
			t.Errorf("%s: summary HasAttachments = %v, full parse says %v", filepath.Base(f), got, want)
		}
	}
}

func TestCRLFToLF(t *testing.T) {
	for _, s := range []string{"", "a", "\r", "\n", "\r\n", "\r\r\n", "a\r\nb\rc\n\r", "x\r\n\r\n", strings.Repeat("line\r\n", 50)} {
		if got, want := crlfToLF(s), strings.ReplaceAll(s, "\r\n", "\n"); got != want {
			t.Errorf("crlfToLF(%q) = %q, want %q", s, got, want)
		}
		if got, want := crlfToLFBytes([]byte(s), len(s)), strings.ReplaceAll(s, "\r\n", "\n"); got != want {
			t.Errorf("crlfToLFBytes(%q) = %q, want %q", s, got, want)
		}
	}
}

func FuzzCRLFToLF(f *testing.F) {
	f.Add("a\r\nb\rc\n\r")
	f.Fuzz(func(t *testing.T, s string) {
		want := strings.ReplaceAll(s, "\r\n", "\n")
		if got := crlfToLF(s); got != want {
			t.Fatalf("crlfToLF(%q) = %q, want %q", s, got, want)
		}
		if got := crlfToLFBytes([]byte(s), len(s)); got != want {
			t.Fatalf("crlfToLFBytes(%q) = %q, want %q", s, got, want)
		}
	})
}

// The one-copy path for UTF-8 text gives what decoding the charset and
// then dropping CRs gives.
func TestUTF8TextFastPath(t *testing.T) {
	for _, cs := range []string{"", "utf-8", "UTF8", ` "us-ascii" `} {
		if !utf8Charset(cs) {
			t.Errorf("utf8Charset(%q) = false", cs)
		}
		for _, b := range []string{"plain\r\ntext\r\n", "中文\r\n\rlone CR", ""} {
			want, _ := decodeCharset(cs, []byte(b))
			if got := crlfToLFBytes([]byte(b), len(b)); got != crlfToLF(want) {
				t.Errorf("charset %q: %q, want %q", cs, got, crlfToLF(want))
			}
		}
	}
	for _, cs := range []string{"gbk", "iso-8859-1", "utf-16"} {
		if utf8Charset(cs) {
			t.Errorf("utf8Charset(%q) = true", cs)
		}
	}
}

// A limited conversion is a prefix of the whole one, at least limit bytes
// long unless it is the whole one.
func TestCRLFToLFBytesLimit(t *testing.T) {
	for _, s := range []string{"", "abc", "a\r\nb\r\nc\r\n", "\r\r\r\n\n", strings.Repeat("\r\n", 40), strings.Repeat("line\r\n", 40)} {
		full := strings.ReplaceAll(s, "\r\n", "\n")
		for limit := 0; limit <= len(s)+2; limit++ {
			got := crlfToLFBytes([]byte(s), limit)
			if !strings.HasPrefix(full, got) || (len(got) < limit && got != full) {
				t.Fatalf("crlfToLFBytes(%q, %d) = %q; whole conversion %q", s, limit, got, full)
			}
		}
	}
}

// previewOfFullText is the summary's preview computed from the fully
// converted text parts, as a full parse collects them.
func previewOfFullText(raw []byte) string {
	c := collect(raw, false)
	text := strings.Join(c.texts, "\n")
	if text == "" && len(c.htmls) > 0 {
		text = BlocksToText(HTMLToBlocks(strings.Join(c.htmls, "\n")))
	}
	return preview(text)
}

// The summary converts only the start of long plain-text parts; its
// preview is the one of the whole text.
func TestSummaryPreviewOfLongText(t *testing.T) {
	long := func(body string) []byte {
		return []byte("From: a@example.org\r\nSubject: long\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body)
	}
	raws := [][]byte{
		long(strings.Repeat("> quoted\r\n", 3000) + "own words at the end"),
		long(strings.Repeat("\r\n", 9000) + "after blank lines"),
		long(strings.Repeat("\r\n", 8190) + "汉字汉字" + strings.Repeat("x", 20000)),
		long(strings.Repeat("汉", 6000) + "\r\n" + strings.Repeat("y", 40000)),
		long(strings.Repeat("> q\r\n", 4000) + strings.Repeat(" \r\n", 3000) + "late text"),
		[]byte("Subject: two parts\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\n" +
			"Content-Type: text/plain\r\n\r\n" + strings.Repeat("> x\r\n", 5000) +
			"\r\n--B\r\nContent-Type: text/plain\r\n\r\nsecond part\r\n--B--\r\n"),
	}
	files, err := filepath.Glob("testdata/corpus/*.eml")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		raws = append(raws, readCorpus(t, strings.TrimSuffix(filepath.Base(f), ".eml")))
	}
	for i, raw := range raws {
		if got, want := ParseHeaderSummary(raw).Preview, previewOfFullText(raw); got != want {
			t.Errorf("message %d: summary preview %q, want %q", i, got, want)
		}
	}
}

func FuzzSummaryPreview(f *testing.F) {
	f.Add([]byte("Subject: x\r\n\r\n> q\r\nbody"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		// Make the text long enough for the summary to stop early.
		raw = append(raw, bytes.Repeat([]byte("\r\n> pad\r\n"), 3000)...)
		if got, want := ParseHeaderSummary(raw).Preview, previewOfFullText(raw); got != want {
			t.Fatalf("summary preview %q, want %q", got, want)
		}
	})
}
