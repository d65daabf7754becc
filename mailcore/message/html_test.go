package message

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

func TestSanitizeRemovesActiveContent(t *testing.T) {
	in := `<p onclick="x()" style="color:red">Hi</p><script>alert(1)</script><style>p{}</style>` +
		`<iframe src="https://e.example/"></iframe><form><input name="p"><button>go</button></form>` +
		`<a href="javascript:alert(1)">js</a><a href="https://ok.example/">ok</a><object data="x"></object>` +
		`<img src="/relative.png" alt="rel"><img src="data:image/png;base64,iVBORw0KGgo=" alt="inline">`
	out, _ := SanitizeHTML(in, true)
	for _, bad := range []string{"onclick", "<script", "alert", "<style", "<iframe", "<form", "<input", "<button", "javascript:", "<object", "/relative.png", "style="} {
		if strings.Contains(out, bad) {
			t.Errorf("sanitised output contains %q: %s", bad, out)
		}
	}
	for _, good := range []string{"<p>Hi</p>", `href="https://ok.example/"`, "data:image/png;base64"} {
		if !strings.Contains(out, good) {
			t.Errorf("sanitised output lacks %q: %s", good, out)
		}
	}
}

func TestRemoteImagesBlockedOrAllowed(t *testing.T) {
	in := `<p>x</p><img src="https://img.example/a.png" alt="A"><img src="cid:c1" alt="C">`
	blocked, n := SanitizeHTML(in, false)
	if n != 1 || strings.Contains(blocked, "img.example") || !strings.Contains(blocked, "cid:c1") {
		t.Errorf("blocked=%d out=%s", n, blocked)
	}
	allowed, n2 := SanitizeHTML(in, true)
	if n2 != 0 || !strings.Contains(allowed, "https://img.example/a.png") {
		t.Errorf("allowed=%d out=%s", n2, allowed)
	}
	bb := HTMLToBlocks(blocked)
	var img *ImageRef
	for _, b := range bb {
		if b.Kind == BlockImage && b.Image.Alt == "A" {
			img = b.Image
		}
	}
	if img == nil || !img.Blocked || img.Src != "" || img.Kind != ImageRemote {
		t.Errorf("blocked image block = %+v", img)
	}
	// A sender cannot forge the blocked marker to hide an image.
	forged, _ := SanitizeHTML(`<img src="cid:x" data-remote-blocked="1" alt="f">`, false)
	for _, b := range HTMLToBlocks(forged) {
		if b.Kind == BlockImage && b.Image.Blocked {
			t.Errorf("forged marker honoured: %s", forged)
		}
	}
}

func TestHTMLToBlocks(t *testing.T) {
	in := `<h2>Head <i>line</i></h2><p>Some <b>bold</b>, <em>em</em>, <code>x()</code> and <a href="https://l.example/">link</a>.</p>` +
		`<ul><li>one<ul><li>inner</li></ul></li><li>two</li></ul><ol><li>first</li><li>second</li></ol>` +
		`<blockquote><p>quoted</p><blockquote>deeper</blockquote></blockquote><pre>a  b
c</pre><hr><table><tr><th>K</th><th>V</th></tr><tr><td>k1</td><td><b>v1</b></td></tr></table>` +
		`<p>line<br>break</p><img src="https://t.example/p.gif" width="1" height="1">`
	bs := HTMLToBlocks(in)
	type want struct {
		kind  BlockKind
		text  string
		check func(Block) bool
	}
	wants := []want{
		{BlockHeading, "Head line", func(b Block) bool { return b.Level == 2 && b.Spans[0].Bold }},
		{BlockParagraph, "Some bold, em, x() and link.", func(b Block) bool {
			var bold, it, code, link bool
			for _, s := range b.Spans {
				bold = bold || (s.Bold && s.Text == "bold")
				it = it || (s.Italic && s.Text == "em")
				code = code || (s.Code && s.Text == "x()")
				link = link || (s.Href == "https://l.example/" && s.Text == "link")
			}
			return bold && it && code && link
		}},
		{BlockListItem, "one", func(b Block) bool { return !b.Ordered && b.Depth == 1 }},
		{BlockListItem, "inner", func(b Block) bool { return b.Depth == 2 }},
		{BlockListItem, "two", func(b Block) bool { return b.Depth == 1 }},
		{BlockListItem, "first", func(b Block) bool { return b.Ordered && b.Number == 1 }},
		{BlockListItem, "second", func(b Block) bool { return b.Ordered && b.Number == 2 }},
		{BlockQuote, "quoted", func(b Block) bool { return b.QuoteDepth == 1 }},
		{BlockQuote, "deeper", func(b Block) bool { return b.QuoteDepth == 2 }},
		{BlockPreformatted, "a  b\nc", nil},
		{BlockRule, "", nil},
		{BlockTableRow, "K | V", nil},
		{BlockTableRow, "k1 | v1", nil},
		{BlockParagraph, "line\nbreak", nil},
	}
	if len(bs) != len(wants) {
		for _, b := range bs {
			t.Logf("%d %q", b.Kind, b.Text())
		}
		t.Fatalf("got %d blocks, want %d", len(bs), len(wants))
	}
	for i, w := range wants {
		if bs[i].Kind != w.kind || bs[i].Text() != w.text {
			t.Errorf("block %d = kind %d %q, want kind %d %q", i, bs[i].Kind, bs[i].Text(), w.kind, w.text)
			continue
		}
		if w.check != nil && !w.check(bs[i]) {
			t.Errorf("block %d fails its check: %+v", i, bs[i])
		}
	}
	txt := BlocksToText(bs)
	if !strings.Contains(txt, "> quoted") || !strings.Contains(txt, "1. first") || !strings.Contains(txt, "• one") {
		t.Errorf("BlocksToText = %q", txt)
	}
}

func TestSanitizedHTMLDocument(t *testing.T) {
	m, _ := Parse(readCorpus(t, "cid-image"))
	doc := string(SanitizedHTMLDocument(m, false))
	if !strings.Contains(doc, "Content-Security-Policy") || !strings.Contains(doc, "data:image/gif;base64,R0lGOD") {
		t.Errorf("document: %s", doc)
	}
	if strings.Contains(doc, "cid:") {
		t.Errorf("cid reference left: %s", doc)
	}
	n, _ := Parse(readCorpus(t, "newsletter-tracking"))
	blockedDoc := string(SanitizedHTMLDocument(n, false))
	if strings.Contains(blockedDoc, "news.example.com/hero.jpg") || strings.Contains(blockedDoc, "tracker.example.com") {
		t.Errorf("remote content in blocked document")
	}
	allowedDoc := string(SanitizedHTMLDocument(n, true))
	if !strings.Contains(allowedDoc, "https://news.example.com/hero.jpg") {
		t.Errorf("remote image missing from allowed document")
	}
	p, _ := Parse(readCorpus(t, "plain-ascii"))
	if pd := string(SanitizedHTMLDocument(p, false)); !strings.Contains(pd, "<pre") || !strings.Contains(pd, "Just a plain message.") {
		t.Errorf("plain document: %s", pd)
	}
}

// TestRemoteContentNeverReferenced builds a message whose HTML points at a
// local server in every way a mail body can load remote content, and checks
// that nothing of it survives into the sanitised HTML or the block model and
// that the server saw no request.
func TestRemoteContentNeverReferenced(t *testing.T) {
	var hits atomic.Int64
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusOK)
	}))
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	defer srv.Close()
	base := srv.URL // http://127.0.0.1:port
	html := fmt.Sprintf(`<html><head>
<link rel="stylesheet" href="%[1]s/link.css">
<style>@import url("%[1]s/import.css"); @import '%[1]s/import2.css';
body { background: url(%[1]s/bg.png) } @font-face { font-family: F; src: url('%[1]s/font.woff2') }</style>
</head><body background="%[1]s/bodybg.png">
<div style="background-image: url(%[1]s/div.png)">
<p>Dear reader</p>
<img src="%[1]s/pixel.gif" width="1" height="1">
<img src="%[1]s/hero.png" alt="Hero" srcset="%[1]s/hero2x.png 2x">
<table background="%[1]s/table.png"><tr><td style="background:url('%[1]s/td.png')">cell</td></tr></table>
<video poster="%[1]s/poster.jpg"></video>
</div></body></html>`, base)
	raw := "From: news@example.org\r\nSubject: Remote test\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + html
	m, err := Parse([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	host := strings.TrimPrefix(base, "http://")
	if strings.Contains(m.HTML, host) {
		t.Errorf("sanitised HTML references the server: %s", m.HTML)
	}
	for _, b := range m.Blocks() {
		if strings.Contains(fmt.Sprintf("%+v", b), host) || (b.Image != nil && strings.Contains(b.Image.Src, host)) {
			t.Errorf("block references the server: %+v", b)
		}
	}
	if doc := SanitizedHTMLDocument(m, false); strings.Contains(string(doc), host) {
		t.Errorf("browser document references the server")
	}
	if m.RemoteBlocked < 12 {
		t.Errorf("RemoteBlocked = %d, want at least 12", m.RemoteBlocked)
	}
	if !strings.Contains(m.Text, "Dear reader") || !strings.Contains(m.Text, "[Hero]") {
		t.Errorf("text lost: %q", m.Text)
	}
	// The server works: a direct request is counted, so zero above is real.
	before := hits.Load()
	if before != 0 {
		t.Errorf("server saw %d requests during parsing", before)
	}
	resp, err := http.Get(base + "/probe")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if hits.Load() != 1 {
		t.Errorf("probe not counted")
	}
}

// Quotations nested thousands deep (a few kilobytes of HTML) are recorded
// at most maxQuoteDepth deep, so that the text form, a "> " a level on
// every line, grows with the input and not with its square.
func TestDeepQuotationsStayBounded(t *testing.T) {
	const n = 5000
	src := strings.Repeat("<blockquote><p>a", n)
	blocks := HTMLToBlocks(src)
	if len(blocks) != n {
		t.Fatalf("%d blocks, want %d", len(blocks), n)
	}
	for i, b := range blocks {
		if want := min(i+1, maxQuoteDepth); b.QuoteDepth != want {
			t.Fatalf("block %d at depth %d, want %d", i, b.QuoteDepth, want)
		}
	}
	text := BlocksToText(blocks)
	// Each block: its prefix, "a", and the blank line between blocks.
	if limit := n * (2*maxQuoteDepth + 3); len(text) > limit {
		t.Fatalf("text of %d bytes for %d bytes of HTML, more than %d", len(text), len(src), limit)
	}
	if !strings.HasPrefix(text, "> a\n\n> > a") {
		t.Fatalf("text starts %.40q", text)
	}
	// Quoted plain text is capped the same way.
	plain := TextToBlocks(strings.Repeat(">", 500) + " deep\n")
	if len(plain) != 1 || plain[0].QuoteDepth != maxQuoteDepth {
		t.Fatalf("plain text quoted 500 deep: %+v", plain)
	}
}
