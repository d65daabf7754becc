package readbench

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"hongyan/app"
	"hongyan/mailcore/message"
	"hongyan/widgets"
)

const corpusDir = "../../mailcore/message/testdata/corpus"

// viewCase is what the reading view must show for one corpus message:
// the subject, a body snippet visible at once, text that only appears once
// quoted text is shown, and the attachment chips.
type viewCase struct {
	subject string
	body    string
	quoted  string
	atts    []string
}

var viewCases = map[string]viewCase{
	"alternative":             {subject: "Alternative", body: "HTML version."},
	"attachment-no-name":      {subject: "no name", body: "See attachment.", atts: []string{"attachment.pdf"}},
	"bad-base64":              {subject: "Bad base64", body: "Recovered text after junk"},
	"bad-date":                {subject: "Bad date", body: "body"},
	"bad-qp":                  {subject: "Bad QP", body: "Price =ZZ 100 café and soft break"},
	"bidi-filename":           {subject: "bidi", body: "See attachment.", atts: []string{"invoice\u202Efdp.exe"}},
	"big5-base64":             {subject: "繁體中文郵件", body: "您好，這是一封繁體中文郵件。"},
	"big5-subject-q":          {subject: "臺灣", body: "臺北見。"},
	"broken-addresses":        {subject: "Broken addresses", body: "body"},
	"calendar-invite":         {subject: "Invitation", body: "You are invited.", atts: []string{"invite.ics"}},
	"cid-image":               {subject: "Inline picture", body: "Logo:"},
	"device-name":             {subject: "device", body: "See attachment.", atts: []string{"CON.txt"}},
	"digest":                  {subject: "Digest", atts: []string{"First digest item.eml", "Second digest item.eml"}},
	"empty-body":              {subject: "Empty body"},
	"euc-jp":                  {subject: "EUC test", body: "東京タワー"},
	"euc-kr":                  {subject: "안녕하세요", body: "한국어 본문"},
	"flowed-delsp":            {subject: "DelSp", body: "日本語の長い文章です。"},
	"flowed":                  {subject: "Flowed", body: "This is a long line that was wrapped by the sender's client.", quoted: "Quoted text that is flowed too."},
	"gb18030-body":            {subject: "生僻字𠀀测试", body: "扩展汉字：𠀀𠀁，欧元符号€。"},
	"gb2312-base64":           {subject: "你好，世界", body: "鸿雁传书，千里寄情。"},
	"gb2312-mislabelled-gbk":  {subject: "王喆的报告", body: "作者：王喆"},
	"gbk-qp":                  {subject: "会议通知", body: "各位同事：明天上午十点开会。"},
	"headers-only":            {subject: "Headers only"},
	"html-meta-charset":       {subject: "Meta charset", body: "网页编码"},
	"html-only":               {subject: "HTML only", body: "Hello bold and a link <https://example.org/x>."},
	"html-table":              {subject: "Table", body: "Name | Qty", quoted: "Quoted para"},
	"html-xss":                {subject: "XSS", body: "Hi"},
	"iso-2022-jp":             {subject: "日本語の件名", body: "こんにちは、世界。"},
	"iso-8859-1-qp":           {subject: "Café crème", body: "Un café, s'il vous plaît."},
	"koi8-r":                  {subject: "Привет", body: "Добрый день"},
	"lf-only-multipart":       {subject: "LF only", body: "LF plain."},
	"longer-boundary-prefix":  {subject: "Boundary prefix", body: "--abcdef is not a delimiter"},
	"malformed-header-line":   {subject: "Malformed header", body: "still here"},
	"mbox-from-line":          {subject: "Mbox", body: "body after From line"},
	"missing-final-boundary":  {subject: "Truncated", body: "First part survives.", atts: []string{"cut.pdf"}},
	"name-in-content-type":    {subject: "ctype name", body: "See attachment.", atts: []string{"photo.png"}},
	"nested-multipart":        {subject: "Nested", body: "Nested html", atts: []string{"archive.zip"}},
	"newsletter-tracking":     {subject: "Weekly news", body: "Read the article <https://news.example.com/article>."},
	"no-boundary-param":       {subject: "No boundary", body: "Text without any boundary."},
	"no-charset-latin1":       {subject: "No charset", body: "naïve café"},
	"path-traversal-name":     {subject: "evil name", body: "See attachment.", atts: []string{"../../etc/passwd"}},
	"plain-ascii":             {subject: "Hello plain", body: "Just a plain message.\nSecond line."},
	"quoted-reply":            {subject: "Re: Plans", body: "Sounds good.", quoted: "Earlier question"},
	"raw-8bit-gbk-header":     {subject: "未编码的标题", body: "正文"},
	"rfc2047-broken-word":     {subject: "Good =?utf-8?B?!!!notbase64?= and fine", body: "body"},
	"rfc2047-filename":        {subject: "2047 name", body: "See attachment.", atts: []string{"合同 草稿.docx"}},
	"rfc2047-multiword":       {subject: "鸿雁 传书 done", body: "x"},
	"rfc2047-q-underscore":    {subject: "hello world!", body: "plain"},
	"rfc2231-continuation":    {subject: "2231 cont", body: "See attachment.", atts: []string{"长文件名.txt"}},
	"rfc2231-gbk":             {subject: "2231 gbk", body: "See attachment.", atts: []string{"年度预算.xls"}},
	"rfc2231-utf8":            {subject: "2231 utf8", body: "See attachment.", atts: []string{"报告.pdf"}},
	"rfc822-attachment":       {subject: "Fwd: Forwarded original", body: "See forwarded message.", atts: []string{"Forwarded original.eml"}},
	"shift-jis":               {subject: "お知らせ", body: "カタカナとひらがな。"},
	"unknown-charset-body":    {subject: "Unknown charset", body: "Readable ASCII text survives."},
	"unknown-charset-subject": {subject: "Hello there", body: "body"},
	"unknown-cte":             {subject: "Unknown CTE", body: "shown as is"},
	"uppercase-cte":           {subject: "Upper CTE", body: "upper case works"},
	"utf8-8bit":               {subject: "Grüße aus Köln", body: "schöne Grüße – Alice"},
	"windows-1251":            {subject: "Cyrillic", body: "Москва"},
	"windows-1252":            {subject: "Quotes", body: "“Smart quotes” — and €5"},
	"wrong-boundary":          {subject: "Wrong boundary", body: "Body under a different boundary."},
}

func readCorpus(t testing.TB, name string) *message.Message {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(corpusDir, name+".eml"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := message.Parse(raw)
	if err != nil {
		t.Fatalf("Parse %s: %v", name, err)
	}
	return m
}

// shown builds a view for m in a test window and returns it with the window.
func shown(t testing.TB, m *message.Message) (*widgets.MessageView, fyne.Window) {
	t.Helper()
	vm := app.ReadViewModel(m)
	v := widgets.NewMessageView()
	v.SetMessage(&vm)
	w := test.NewWindow(v)
	w.Resize(fyne.NewSize(900, 700))
	t.Cleanup(w.Close)
	return v, w
}

// rendered walks what the test driver actually laid out (canvas texts,
// through every widget's renderer) and returns the text of the visible
// objects. Wrapped lines become separate pieces, so compare with squash.
func rendered(o fyne.CanvasObject) string {
	var b strings.Builder
	walkRendered(o, func(o fyne.CanvasObject) {
		if t, ok := o.(*canvas.Text); ok {
			b.WriteString(t.Text)
			b.WriteByte('\n')
		}
	})
	return b.String()
}

func walkRendered(o fyne.CanvasObject, f func(fyne.CanvasObject)) {
	if o == nil || !o.Visible() {
		return
	}
	f(o)
	switch x := o.(type) {
	case *fyne.Container:
		for _, c := range x.Objects {
			walkRendered(c, f)
		}
	case fyne.Widget:
		for _, c := range test.WidgetRenderer(x).Objects() {
			walkRendered(c, f)
		}
	}
}

// squash drops white space so that text wrapped over several lines still
// matches.
func squash(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

func containsText(haystack, needle string) bool {
	return strings.Contains(squash(haystack), squash(needle))
}

func TestCorpusTableCoversEveryFile(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(corpusDir, "*.eml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 50 {
		t.Fatalf("corpus has %d messages, want at least 50", len(files))
	}
	for _, f := range files {
		if _, ok := viewCases[strings.TrimSuffix(filepath.Base(f), ".eml")]; !ok {
			t.Errorf("%s has no view case", f)
		}
	}
}

func TestCorpusRendersInView(t *testing.T) {
	test.NewTempApp(t)
	for name, c := range viewCases {
		t.Run(name, func(t *testing.T) {
			m := readCorpus(t, name)
			v, w := shown(t, m)
			text := rendered(w.Canvas().Content())
			if !containsText(text, c.subject) {
				t.Errorf("subject %q not rendered in:\n%s", c.subject, text)
			}
			if c.body != "" && !containsText(text, c.body) {
				t.Errorf("body %q not rendered in:\n%s", c.body, text)
			}
			if m.From != nil && !containsText(text, m.From[0].Email) {
				t.Errorf("sender %q not rendered", m.From[0].Email)
			}
			var names []string
			for _, chip := range v.AttachmentChips() {
				names = append(names, chip.Attachment.Name)
			}
			if strings.Join(names, "\x00") != strings.Join(c.atts, "\x00") {
				t.Errorf("attachment chips %q, want %q", names, c.atts)
			}
			for _, a := range c.atts {
				if !containsText(text, a) && !containsText(text, strings.Map(dropFormat, a)) {
					t.Errorf("attachment name %q not rendered", a)
				}
			}
			if c.quoted == "" {
				return
			}
			if containsText(text, c.quoted) {
				t.Errorf("quoted text %q shown before the toggle", c.quoted)
			}
			if v.QuoteToggle() == nil {
				t.Fatal("no quoted-text toggle")
			}
			test.Tap(v.QuoteToggle())
			if !v.QuotedShown() {
				t.Fatal("toggle did not show quoted text")
			}
			if text := rendered(w.Canvas().Content()); !containsText(text, c.quoted) {
				t.Errorf("quoted text %q not rendered after the toggle:\n%s", c.quoted, text)
			}
			test.Tap(v.QuoteToggle())
			if text := rendered(w.Canvas().Content()); containsText(text, c.quoted) {
				t.Errorf("quoted text %q still shown after hiding it", c.quoted)
			}
		})
	}
}

// dropFormat removes Unicode format characters (the text renderer may
// leave out direction overrides).
func dropFormat(r rune) rune {
	if unicode.Is(unicode.Cf, r) {
		return -1
	}
	return r
}

func TestChineseGBKMessage(t *testing.T) {
	test.NewTempApp(t)
	m := readCorpus(t, "gbk-qp")
	_, w := shown(t, m)
	text := rendered(w.Canvas().Content())
	for _, want := range []string{"会议通知", "各位同事：明天上午十点开会。"} {
		if !containsText(text, want) {
			t.Errorf("%q not rendered in:\n%s", want, text)
		}
	}
}

func TestNewsletterBannerAndNoRemoteURL(t *testing.T) {
	test.NewTempApp(t)
	m := readCorpus(t, "newsletter-tracking")
	if m.RemoteBlocked != 8 {
		t.Fatalf("RemoteBlocked = %d, want 8", m.RemoteBlocked)
	}
	v, w := shown(t, m)
	text := rendered(w.Canvas().Content())
	if !containsText(text, "Remote content blocked: 8 items") {
		t.Errorf("banner with the count not rendered:\n%s", text)
	}
	for _, bad := range []string{"tracker.example.com", "hero.jpg", "open.gif"} {
		if strings.Contains(text, bad) {
			t.Errorf("remote reference %q rendered:\n%s", bad, text)
		}
	}
	if !containsText(text, "[image: Hero picture]") {
		t.Errorf("blocked image placeholder missing:\n%s", text)
	}
	shows, always := 0, 0
	v.OnShowRemote = func() { shows++ }
	v.OnAlwaysRemote = func() { always++ }
	test.Tap(v.ShowRemoteButton())
	if shows != 1 || always != 0 {
		t.Errorf("after Show remote content: shows=%d always=%d", shows, always)
	}
	test.Tap(v.AlwaysRemoteButton())
	if shows != 1 || always != 1 {
		t.Errorf("after Always for this sender: shows=%d always=%d", shows, always)
	}
}

func TestPlainMessageHasNoBanner(t *testing.T) {
	test.NewTempApp(t)
	v, w := shown(t, readCorpus(t, "plain-ascii"))
	if v.ShowRemoteButton() != nil || v.BannerText() != "" {
		t.Errorf("banner shown for a message without remote content")
	}
	if containsText(rendered(w.Canvas().Content()), "Remote content blocked") {
		t.Errorf("banner text rendered")
	}
}

func TestLinksShowTheirRealTarget(t *testing.T) {
	test.NewTempApp(t)
	raw := "From: a@example.org\r\nTo: b@example.org\r\nSubject: Links\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: text/html; charset=utf-8\r\n\r\n" +
		`<p>Pay at <a href="https://evil.example.net/login">https://bank.example.com/</a> today.</p>` +
		`<p>Visit <a href="https://example.org/">example.org</a> or <a href="https://example.org/docs">the <b>docs</b></a>.</p>`
	m, err := message.Parse([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	v, w := shown(t, m)
	var tapped []string
	v.OnLink = func(u string) { tapped = append(tapped, u) }
	text := rendered(w.Canvas().Content())
	if !containsText(text, "https://bank.example.com/ <https://evil.example.net/login>") {
		t.Errorf("deceptive link does not show its real target:\n%s", text)
	}
	if !containsText(text, "the docs <https://example.org/docs>") {
		t.Errorf("link with styled text does not show its target once:\n%s", text)
	}
	if strings.Contains(text, "<https://example.org/>") {
		t.Errorf("target repeated after a link whose text already says it:\n%s", text)
	}
	var links []*widget.Hyperlink
	walkRendered(w.Canvas().Content(), func(o fyne.CanvasObject) {
		if h, ok := o.(*widget.Hyperlink); ok {
			links = append(links, h)
		}
	})
	if len(links) < 3 {
		t.Fatalf("%d hyperlinks rendered, want at least 3", len(links))
	}
	for _, h := range links {
		test.TapAt(h, fyne.NewPos(h.Size().Width/2, h.Size().Height/2))
	}
	if len(tapped) != len(links) || tapped[0] != "https://evil.example.net/login" {
		t.Errorf("OnLink got %q", tapped)
	}
}

func TestInlineCIDImageIsDrawn(t *testing.T) {
	test.NewTempApp(t)
	m := readCorpus(t, "cid-image")
	v, w := shown(t, m)
	var images []*canvas.Image
	walkRendered(w.Canvas().Content(), func(o fyne.CanvasObject) {
		if img, ok := o.(*canvas.Image); ok && img.Resource != nil && img.Resource.Name() == "logo.gif" {
			images = append(images, img)
		}
	})
	if len(images) != 1 {
		t.Fatalf("%d images rendered, want 1", len(images))
	}
	want, err := m.AttachmentData(0)
	if err != nil {
		t.Fatal(err)
	}
	if string(images[0].Resource.Content()) != string(want) {
		t.Errorf("image bytes differ from the attachment")
	}
	if containsText(rendered(w.Canvas().Content()), "[image: Logo]") {
		t.Errorf("placeholder shown although the image is drawn")
	}
	if len(v.AttachmentChips()) != 0 {
		t.Errorf("inline image listed again as an attachment chip")
	}
}

func TestAttachmentAndToolbarCallbacks(t *testing.T) {
	test.NewTempApp(t)
	m := readCorpus(t, "digest")
	v, _ := shown(t, m)
	var saved, opened []int
	var all, source, eml, browser int
	v.OnSaveAttachment = func(i int) { saved = append(saved, i) }
	v.OnOpenAttachment = func(i int) { opened = append(opened, i) }
	v.OnSaveAll = func() { all++ }
	v.OnViewSource = func() { source++ }
	v.OnSaveEML = func() { eml++ }
	v.OnOpenInBrowser = func() { browser++ }
	chips := v.AttachmentChips()
	if len(chips) != 2 {
		t.Fatalf("%d chips", len(chips))
	}
	test.Tap(chips[1].SaveButton())
	test.Tap(chips[0].OpenButton())
	test.Tap(v.SaveAllButton())
	s, e, b := v.ToolbarButtons()
	test.Tap(s)
	test.Tap(e)
	test.Tap(e)
	test.Tap(b)
	if len(saved) != 1 || saved[0] != chips[1].Attachment.Index || len(opened) != 1 || opened[0] != chips[0].Attachment.Index {
		t.Errorf("saved %v opened %v", saved, opened)
	}
	if all != 1 || source != 1 || eml != 2 || browser != 1 {
		t.Errorf("save all %d, source %d, eml %d, browser %d", all, source, eml, browser)
	}
	// The chips' indexes reach the right attachment data.
	for _, c := range chips {
		if m.Attachments[c.Attachment.Index].Name != c.Attachment.Name {
			t.Errorf("chip %q points at %q", c.Attachment.Name, m.Attachments[c.Attachment.Index].Name)
		}
	}
}

func TestDateShownInLocalTime(t *testing.T) {
	test.NewTempApp(t)
	m := readCorpus(t, "quoted-reply")
	_, w := shown(t, m)
	want := widgets.MessageDate(m.Date)
	if !containsText(rendered(w.Canvas().Content()), want) {
		t.Errorf("date %q not rendered", want)
	}
}
