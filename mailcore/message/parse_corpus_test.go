package message

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type corpusCase struct {
	file     string
	subject  string
	text     string   // substring expected in Text ("" = Text must be empty)
	html     string   // substring expected in HTML
	atts     []string // attachment names in order
	warn     bool     // at least one warning expected
	blocked  int
	noRemote bool
}

var corpusCases = []corpusCase{
	{file: "plain-ascii", subject: "Hello plain", text: "Just a plain message.\nSecond line."},
	{file: "utf8-8bit", subject: "Grüße aus Köln", text: "schöne Grüße – Alice"},
	{file: "gbk-qp", subject: "会议通知", text: "各位同事：明天上午十点开会。"},
	{file: "gb2312-base64", subject: "你好，世界", text: "鸿雁传书，千里寄情。"},
	{file: "gb18030-body", subject: "生僻字𠀀测试", text: "扩展汉字：𠀀𠀁，欧元符号€。"},
	{file: "gb2312-mislabelled-gbk", subject: "王喆的报告", text: "作者：王喆"},
	{file: "big5-base64", subject: "繁體中文郵件", text: "您好，這是一封繁體中文郵件。"},
	{file: "big5-subject-q", subject: "臺灣", text: "臺北見。"},
	{file: "iso-2022-jp", subject: "日本語の件名", text: "こんにちは、世界。"},
	{file: "shift-jis", subject: "お知らせ", text: "カタカナとひらがな。"},
	{file: "euc-jp", subject: "EUC test", text: "東京タワー"},
	{file: "euc-kr", subject: "안녕하세요", text: "한국어 본문"},
	{file: "koi8-r", subject: "Привет", text: "Добрый день"},
	{file: "windows-1251", subject: "Cyrillic", text: "Москва"},
	{file: "iso-8859-1-qp", subject: "Café crème", text: "Un café, s'il vous plaît."},
	{file: "windows-1252", subject: "Quotes", text: "“Smart quotes” — and €5"},
	{file: "unknown-charset-body", subject: "Unknown charset", text: "Readable ASCII text survives.", warn: true},
	{file: "unknown-charset-subject", subject: "Hello there", text: "body"},
	{file: "no-charset-latin1", subject: "No charset", text: "naïve café"},
	{file: "rfc2047-multiword", subject: "鸿雁 传书 done", text: "x"},
	{file: "rfc2047-q-underscore", subject: "hello world!", text: "plain"},
	{file: "rfc2047-broken-word", subject: "Good =?utf-8?B?!!!notbase64?= and fine", text: "body"},
	{file: "raw-8bit-gbk-header", subject: "未编码的标题", text: "正文"},
	{file: "rfc2231-utf8", subject: "2231 utf8", text: "See attachment.", atts: []string{"报告.pdf"}},
	{file: "rfc2231-gbk", subject: "2231 gbk", text: "See attachment.", atts: []string{"年度预算.xls"}},
	{file: "rfc2231-continuation", subject: "2231 cont", text: "See attachment.", atts: []string{"长文件名.txt"}},
	{file: "rfc2047-filename", subject: "2047 name", text: "See attachment.", atts: []string{"合同 草稿.docx"}},
	{file: "name-in-content-type", subject: "ctype name", text: "See attachment.", atts: []string{"photo.png"}},
	{file: "path-traversal-name", subject: "evil name", text: "See attachment.", atts: []string{"../../etc/passwd"}},
	{file: "device-name", subject: "device", text: "See attachment.", atts: []string{"CON.txt"}},
	{file: "attachment-no-name", subject: "no name", text: "See attachment.", atts: []string{"attachment.pdf"}},
	{file: "bidi-filename", subject: "bidi", text: "See attachment.", atts: []string{"invoice\u202Efdp.exe"}},
	{file: "calendar-invite", subject: "Invitation", text: "You are invited.", atts: []string{"invite.ics"}},
	{file: "html-only", subject: "HTML only", text: "Hello bold and a link.", html: `<a href="https://example.org/x"`},
	{file: "alternative", subject: "Alternative", text: "Plain version.", html: "<i>version</i>"},
	{file: "newsletter-tracking", subject: "Weekly news", text: "News text.", html: "the article", blocked: 8, noRemote: true},
	{file: "cid-image", subject: "Inline picture", text: "Logo:", html: `src="cid:logo@example.org"`, atts: []string{"logo.gif"}},
	{file: "nested-multipart", subject: "Nested", text: "Nested plain.", html: "<b>html</b>", atts: []string{"attachment.gif", "archive.zip"}},
	{file: "rfc822-attachment", subject: "Fwd: Forwarded original", text: "See forwarded message.", atts: []string{"Forwarded original.eml"}},
	{file: "digest", subject: "Digest", atts: []string{"First digest item.eml", "Second digest item.eml"}},
	{file: "flowed", subject: "Flowed", text: "This is a long line that was wrapped by the sender's client.\n\n>> Quoted text that is flowed too.\n-- \nSig"},
	{file: "flowed-delsp", subject: "DelSp", text: "日本語の長い文章です。"},
	{file: "quoted-reply", subject: "Re: Plans", text: "> > Earlier question"},
	{file: "html-xss", subject: "XSS", text: "Hi", html: "<p>Hi</p>", blocked: 1},
	{file: "html-meta-charset", subject: "Meta charset", text: "网页编码", html: "网页编码"},
	{file: "html-table", subject: "Table", text: "Name | Qty", html: "<table>"},
	{file: "missing-final-boundary", subject: "Truncated", text: "First part survives.", atts: []string{"cut.pdf"}, warn: true},
	{file: "bad-base64", subject: "Bad base64", text: "Recovered text after junk", warn: true},
	{file: "bad-qp", subject: "Bad QP", text: "Price =ZZ 100 café and soft break", warn: true},
	{file: "no-boundary-param", subject: "No boundary", text: "Text without any boundary.", warn: true},
	{file: "wrong-boundary", subject: "Wrong boundary", text: "Body under a different boundary.", warn: true},
	{file: "malformed-header-line", subject: "Malformed header", text: "still here", warn: true},
	{file: "lf-only-multipart", subject: "LF only", text: "LF plain."},
	{file: "mbox-from-line", subject: "Mbox", text: "body after From line"},
	{file: "empty-body", subject: "Empty body"},
	{file: "headers-only", subject: "Headers only"},
	{file: "bad-date", subject: "Bad date", text: "body", warn: true},
	{file: "broken-addresses", subject: "Broken addresses", text: "body"},
	{file: "longer-boundary-prefix", subject: "Boundary prefix", text: "line\n--abcdef is not a delimiter\nend"},
	{file: "uppercase-cte", subject: "Upper CTE", text: "upper case works"},
	{file: "unknown-cte", subject: "Unknown CTE", text: "shown as is", warn: true},
}

func readCorpus(t testing.TB, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "corpus", name+".eml"))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestCorpusIsCovered(t *testing.T) {
	files, err := filepath.Glob("testdata/corpus/*.eml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 50 {
		t.Fatalf("corpus has %d messages, want at least 50", len(files))
	}
	known := map[string]bool{}
	for _, c := range corpusCases {
		known[c.file] = true
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".eml")
		if !known[name] {
			t.Errorf("corpus file %s has no test case", name)
		}
	}
}

func TestCorpus(t *testing.T) {
	for _, c := range corpusCases {
		t.Run(c.file, func(t *testing.T) {
			raw := readCorpus(t, c.file)
			m, err := Parse(raw)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if m.Subject != c.subject {
				t.Errorf("Subject = %q, want %q", m.Subject, c.subject)
			}
			if c.text == "" {
				if strings.TrimSpace(m.Text) != "" {
					t.Errorf("Text = %q, want empty", m.Text)
				}
			} else if !strings.Contains(m.Text, c.text) {
				t.Errorf("Text = %q, want it to contain %q", m.Text, c.text)
			}
			if c.html != "" && !strings.Contains(m.HTML, c.html) {
				t.Errorf("HTML = %q, want it to contain %q", m.HTML, c.html)
			}
			var names []string
			for _, a := range m.Attachments {
				names = append(names, a.Name)
			}
			if strings.Join(names, "\x00") != strings.Join(c.atts, "\x00") {
				t.Errorf("attachments = %q, want %q", names, c.atts)
			}
			if c.warn && len(m.Warnings) == 0 {
				t.Errorf("expected a warning")
			}
			if !c.warn && len(m.Warnings) != 0 {
				t.Errorf("unexpected warnings %q", m.Warnings)
			}
			if m.RemoteBlocked != c.blocked {
				t.Errorf("RemoteBlocked = %d, want %d", m.RemoteBlocked, c.blocked)
			}
			if c.noRemote && strings.Contains(m.HTML, "tracker.example.com") {
				t.Errorf("remote tracker left in HTML: %s", m.HTML)
			}
			if &m.Raw[0] != &raw[0] {
				t.Errorf("Raw is not the input")
			}
			// Every attachment can be extracted, and its size matches.
			for i, a := range m.Attachments {
				data, err := m.AttachmentData(i)
				if err != nil {
					t.Errorf("AttachmentData(%d): %v", i, err)
					continue
				}
				if int64(len(data)) != a.Size {
					t.Errorf("attachment %d: %d bytes, Size %d", i, len(data), a.Size)
				}
			}
			// The summary agrees with the full parse.
			s := ParseHeaderSummary(raw)
			if s.Subject != m.Subject || s.MessageID != m.MessageID || !s.Date.Equal(m.Date) {
				t.Errorf("summary %+v disagrees with message", s)
			}
		})
	}
}

func TestHeadersDecoded(t *testing.T) {
	m, _ := Parse(readCorpus(t, "quoted-reply"))
	if len(m.From) != 1 || m.From[0].Name != "Alice Example" || m.From[0].Email != "alice@example.org" {
		t.Errorf("From = %+v", m.From)
	}
	if m.InReplyTo != "orig@example.org" {
		t.Errorf("InReplyTo = %q", m.InReplyTo)
	}
	if strings.Join(m.References, " ") != "root@example.org orig@example.org" {
		t.Errorf("References = %q", m.References)
	}
	if m.Date.Year() != 2025 || m.Date.Month() != 1 || m.Date.Day() != 14 {
		t.Errorf("Date = %v", m.Date)
	}
	if m.MessageID != "c10@example.org" {
		t.Errorf("MessageID = %q", m.MessageID)
	}

	b, _ := Parse(readCorpus(t, "broken-addresses"))
	want := []Address{{Email: "a@example.org"}, {Name: "张三", Email: "zhang@example.cn"}, {Email: "c@example.org"}}
	if len(b.To) != len(want) {
		t.Fatalf("To = %+v", b.To)
	}
	for i := range want {
		if b.To[i] != want[i] {
			t.Errorf("To[%d] = %+v, want %+v", i, b.To[i], want[i])
		}
	}
	if len(b.From) != 1 || b.From[0].Email != "broken@example.org" {
		t.Errorf("From = %+v", b.From)
	}
}

func TestAttachmentDetails(t *testing.T) {
	m, _ := Parse(readCorpus(t, "cid-image"))
	if len(m.Attachments) != 1 {
		t.Fatalf("attachments: %+v", m.Attachments)
	}
	a := m.Attachments[0]
	if !a.Inline || a.ContentID != "logo@example.org" || a.ContentType != "image/gif" || a.PartPath != "2" {
		t.Errorf("attachment = %+v", a)
	}
	data, err := m.AttachmentData(0)
	if err != nil || !strings.HasPrefix(string(data), "GIF89a") {
		t.Errorf("data = %q, %v", data, err)
	}
	if m.AttachmentByContentID("<logo@example.org>") != 0 || m.AttachmentByContentID("cid:logo@example.org") != 0 {
		t.Errorf("AttachmentByContentID failed")
	}
	blocks := m.Blocks()
	found := false
	for _, b := range blocks {
		if b.Kind == BlockImage && b.Image.Kind == ImageCID && b.Image.Attachment == 0 && b.Image.Alt == "Logo" {
			found = true
		}
	}
	if !found {
		t.Errorf("no resolved cid image block in %+v", blocks)
	}
	if _, err := m.AttachmentData(5); err == nil {
		t.Errorf("AttachmentData out of range gave no error")
	}

	// An attached message can be parsed in turn.
	fw, _ := Parse(readCorpus(t, "rfc822-attachment"))
	inner, err := fw.AttachmentData(0)
	if err != nil {
		t.Fatal(err)
	}
	im, err := Parse(inner)
	if err != nil || im.Subject != "Forwarded original" || !strings.Contains(im.Text, "Original body.") {
		t.Errorf("inner message: %+v %v", im, err)
	}
	nested, _ := Parse(readCorpus(t, "nested-multipart"))
	if nested.Attachments[0].PartPath != "1.2.2" || nested.Attachments[1].PartPath != "2" {
		t.Errorf("part paths %+v", nested.Attachments)
	}
}

func TestSummary(t *testing.T) {
	s := ParseHeaderSummary(readCorpus(t, "quoted-reply"))
	if s.Preview != "Sounds good. On Monday Bob wrote:" {
		t.Errorf("Preview = %q", s.Preview)
	}
	if s.HasAttachments {
		t.Errorf("HasAttachments for a plain reply")
	}
	if s.InReplyTo != "orig@example.org" || len(s.References) != 2 {
		t.Errorf("threading headers %+v", s)
	}
	a := ParseHeaderSummary(readCorpus(t, "nested-multipart"))
	if !a.HasAttachments {
		t.Errorf("HasAttachments false with a zip attached")
	}
	c := ParseHeaderSummary(readCorpus(t, "cid-image"))
	if c.HasAttachments {
		t.Errorf("an inline cid image alone counts as an attachment")
	}
	h := ParseHeaderSummary(readCorpus(t, "html-only"))
	if !strings.HasPrefix(h.Preview, "Title Hello bold and a link.") {
		t.Errorf("HTML preview = %q", h.Preview)
	}
	long := ParseHeaderSummary([]byte("Subject: x\r\n\r\n" + strings.Repeat("字", 500)))
	if n := len([]rune(long.Preview)); n != PreviewLength {
		t.Errorf("preview has %d runes", n)
	}
}

func TestParseEmpty(t *testing.T) {
	if _, err := Parse(nil); err != ErrEmpty {
		t.Errorf("Parse(nil) error = %v", err)
	}
}
