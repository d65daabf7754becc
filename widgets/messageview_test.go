package widgets

import (
	"bytes"
	"image"
	"image/png"
	"runtime"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

func TestFormatSize(t *testing.T) {
	for n, want := range map[int64]string{
		-1: "0 B", 0: "0 B", 512: "512 B", 1023: "1023 B", 1024: "1 KB", 1536: "2 KB",
		5 << 20: "5.0 MB", 1536 << 10: "1.5 MB", 3 << 30: "3.0 GB",
	} {
		if got := FormatSize(n); got != want {
			t.Errorf("FormatSize(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestLinkTextMatches(t *testing.T) {
	for _, c := range []struct {
		text, href string
		want       bool
	}{
		{"example.org", "https://example.org/", true},
		{"https://www.example.org", "https://example.org", true},
		{"me@example.org", "mailto:me@example.org", true},
		{"https://bank.example.com/", "https://evil.example.net/", false},
		{"click here", "https://example.org/", false},
		{"", "https://example.org/", false},
	} {
		if got := linkTextMatches(c.text, c.href); got != c.want {
			t.Errorf("linkTextMatches(%q, %q) = %v", c.text, c.href, got)
		}
	}
}

func TestAttachmentIcon(t *testing.T) {
	for ct, want := range map[string]fyne.Resource{
		"image/png": theme.FileImageIcon(), "AUDIO/mpeg": theme.FileAudioIcon(), "video/mp4": theme.FileVideoIcon(),
		"text/plain": theme.FileTextIcon(), "application/pdf": theme.FileApplicationIcon(),
		"message/rfc822": theme.MailComposeIcon(), "": theme.FileIcon(),
	} {
		if got := AttachmentIcon(ct); got.Name() != want.Name() {
			t.Errorf("AttachmentIcon(%q) = %s, want %s", ct, got.Name(), want.Name())
		}
	}
}

func segments(chunks []bodyChunk) []widget.RichTextSegment {
	var out []widget.RichTextSegment
	for _, c := range chunks {
		if rt, ok := c.obj.(*widget.RichText); ok {
			out = append(out, rt.Segments...)
		}
	}
	return out
}

func TestBuildBodyBlockKinds(t *testing.T) {
	blocks := []BodyBlock{
		{Kind: BodyHeading, Level: 1, Spans: []BodySpan{{Text: "Title", Bold: true}}},
		{Kind: BodyListItem, Ordered: true, Depth: 1, Number: 1, Spans: []BodySpan{{Text: "first"}}},
		{Kind: BodyListItem, Ordered: true, Depth: 1, Number: 2, Spans: []BodySpan{{Text: "second"}}},
		{Kind: BodyListItem, Depth: 2, Spans: []BodySpan{{Text: "nested"}}},
		{Kind: BodyPreformatted, Spans: []BodySpan{{Text: "a  b\n  c", Code: true}}},
		{Kind: BodyRule},
		{Kind: BodyTableRow, Spans: []BodySpan{{Text: "Name", Bold: true}, {Text: " | "}, {Text: "Qty"}}},
		{Kind: BodyImage, Image: &BodyImageRef{Alt: "Hero", Kind: BodyImageRemote, Blocked: true}},
		{Kind: BodyImage, Image: &BodyImageRef{Kind: BodyImageCID, Data: []byte("not an image")}},
		{Kind: BodyParagraph, Spans: []BodySpan{{Text: "x "}, {Text: "y", Italic: true}, {Text: "z", Code: true}}},
	}
	chunks := buildBody(blocks, nil)
	if len(chunks) != 1 {
		t.Fatalf("%d chunks, want one rich text", len(chunks))
	}
	var text strings.Builder
	var sawRule, sawMono, sawItalic, sawHeading bool
	for _, s := range segments(chunks) {
		switch x := s.(type) {
		case *widget.SeparatorSegment:
			sawRule = true
		case *widget.TextSegment:
			text.WriteString(x.Text)
			if !x.Inline() {
				text.WriteString("\n")
			}
			if x.Text == "a  b\n  c" && x.Style.TextStyle.Monospace {
				sawMono = true
			}
			if x.Text == "y" && x.Style.TextStyle.Italic {
				sawItalic = true
			}
			if x.Text == "Title" && x.Style.TextStyle.Bold && x.Style.SizeName == theme.SizeNameSubHeadingText {
				sawHeading = true
			}
		}
	}
	got := text.String()
	for _, want := range []string{"1. first\n2. second\n    • nested\n", "Name | Qty", "[image: Hero]", "[image]"} {
		if !strings.Contains(got, want) {
			t.Errorf("body text %q lacks %q", got, want)
		}
	}
	if !sawRule || !sawMono || !sawItalic || !sawHeading {
		t.Errorf("rule %v, monospace %v, italic %v, heading %v", sawRule, sawMono, sawItalic, sawHeading)
	}
}

func TestQuotesAreIndentedChunks(t *testing.T) {
	chunks := buildBody([]BodyBlock{
		{Kind: BodyParagraph, Spans: []BodySpan{{Text: "reply"}}},
		{Kind: BodyQuote, QuoteDepth: 1, Spans: []BodySpan{{Text: "one"}}},
		{Kind: BodyQuote, QuoteDepth: 2, Spans: []BodySpan{{Text: "two"}}},
		{Kind: BodyParagraph, Spans: []BodySpan{{Text: "after"}}},
	}, nil)
	if len(chunks) != 4 {
		t.Fatalf("%d chunks, want 4", len(chunks))
	}
	for i, wantQuote := range []bool{false, true, true, false} {
		if chunks[i].quote != wantQuote {
			t.Errorf("chunk %d quote = %v", i, chunks[i].quote)
		}
	}
}

func TestMessageViewOnlyQuotesStartsExpanded(t *testing.T) {
	test.NewTempApp(t)
	v := NewMessageView()
	v.SetMessage(&MessageViewModel{Subject: "Fwd", Blocks: []BodyBlock{
		{Kind: BodyQuote, QuoteDepth: 1, Spans: []BodySpan{{Text: "all quoted"}}},
	}})
	w := test.NewWindow(v)
	defer w.Close()
	if !v.QuotedShown() || !strings.Contains(v.VisibleText(), "all quoted") {
		t.Errorf("a message of quotations only hid its text: %q", v.VisibleText())
	}
	test.Tap(v.QuoteToggle())
	if v.QuotedShown() || strings.Contains(v.VisibleText(), "all quoted") {
		t.Errorf("toggle did not hide the quotation")
	}
}

func TestMessageViewHeadersAndClear(t *testing.T) {
	test.NewTempApp(t)
	v := NewMessageView()
	date := time.Date(2025, 1, 14, 2, 30, 0, 0, time.UTC)
	v.SetMessage(&MessageViewModel{From: "Alice <a@example.org>", To: "Bob <b@example.org>", Cc: "Carol <c@example.org>",
		Date: date, Blocks: []BodyBlock{{Kind: BodyParagraph, Spans: []BodySpan{{Text: "hello"}}}},
		Warnings: []string{"damaged"}})
	w := test.NewWindow(v)
	defer w.Close()
	text := v.VisibleText()
	for _, want := range []string{"(no subject)", "Alice <a@example.org>", "Bob <b@example.org>", "Carol <c@example.org>",
		MessageDate(date), "hello", "damaged"} {
		if !strings.Contains(text, want) {
			t.Errorf("%q missing from %q", want, text)
		}
	}
	if v.HasQuoted() || v.QuoteToggle() != nil || v.SaveAllButton() != nil || v.ShowRemoteButton() != nil {
		t.Errorf("controls shown that the message does not need")
	}
	v.SetMessage(nil)
	if v.Model() != nil || strings.TrimSpace(v.VisibleText()) != "" {
		t.Errorf("SetMessage(nil) left %q", v.VisibleText())
	}
}

func TestMessageViewPaging(t *testing.T) {
	test.NewTempApp(t)
	var blocks []BodyBlock
	para := strings.Repeat("word ", 100)
	for i := 0; i < 60; i++ {
		blocks = append(blocks, BodyBlock{Kind: BodyParagraph, Spans: []BodySpan{{Text: para}}})
	}
	blocks = append(blocks, BodyBlock{Kind: BodyParagraph, Spans: []BodySpan{{Text: "THE END"}}})
	v := NewMessageView()
	v.SetMessage(&MessageViewModel{Subject: "Long", Blocks: blocks})
	w := test.NewWindow(v)
	w.Resize(fyne.NewSize(600, 400))
	defer w.Close()
	if !v.Pending() || strings.Contains(v.VisibleText(), "THE END") {
		t.Fatal("a long body was laid out at once")
	}
	if !strings.Contains(v.VisibleText(), "Show the rest of the message") {
		t.Errorf("no way to show the rest")
	}
	for i := 0; v.Pending() && i < 100; i++ {
		test.Tap(v.moreBtn)
	}
	if v.Pending() || !strings.Contains(v.VisibleText(), "THE END") {
		t.Errorf("tapping Show the rest did not reach the end")
	}
	if strings.Contains(v.VisibleText(), "Show the rest of the message") {
		t.Errorf("Show the rest still offered at the end")
	}
}

func TestInlineImageDrawnAndScaled(t *testing.T) {
	// A 1000×10 GIF, scaled to the maximum width.
	gif := []byte("GIF89a\xe8\x03\x0a\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff,\x00\x00\x00\x00\xe8\x03\x0a\x00\x00\x02\x02D\x01\x00;")
	obj := inlineImage(&BodyImageRef{Name: "wide.gif", Data: gif})
	if obj == nil {
		t.Fatal("GIF not drawn")
	}
	var img *canvas.Image
	for _, o := range obj.(*fyne.Container).Objects {
		if i, ok := o.(*canvas.Image); ok {
			img = i
		}
	}
	if img == nil {
		t.Fatal("no canvas.Image")
	}
	if s := img.MinSize(); s.Width != maxInlineImageWidth || s.Height != 6.4 {
		t.Errorf("MinSize = %v", s)
	}
	if inlineImage(&BodyImageRef{Data: []byte("<svg/>")}) != nil {
		t.Errorf("undecodable bytes drawn")
	}
	// The same picture decoded and scaled ahead (ScaledPicture) is drawn
	// at its scaled size.
	var wide bytes.Buffer
	if err := png.Encode(&wide, image.NewGray(image.Rect(0, 0, 1000, 10))); err != nil {
		t.Fatal(err)
	}
	pic := ScaledPicture(wide.Bytes())
	if pic == nil || pic.Bounds().Dx() != maxInlineImageWidth || pic.Bounds().Dy() != 6 {
		t.Fatalf("scaled picture: %v", pic)
	}
	obj = inlineImage(&BodyImageRef{Name: "wide.gif", Pixels: pic})
	if s := obj.(*fyne.Container).Objects[0].MinSize(); s.Width != maxInlineImageWidth || s.Height != 6 {
		t.Errorf("scaled picture drawn at %v", s)
	}
	if ScaledPicture([]byte("<svg/>")) != nil {
		t.Error("undecodable bytes scaled")
	}
	// A picture that claims 50,000 × 50,000 pixels is not decoded.
	huge := []byte("GIF89a\x50\xc3\x50\xc3\x80\x00\x00\x00\x00\x00\xff\xff\xff,\x00\x00\x00\x00\x50\xc3\x50\xc3\x00\x02\x02D\x01\x00;")
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if ScaledPicture(huge) != nil {
		t.Error("a picture of 2.5 billion pixels was decoded")
	}
	runtime.ReadMemStats(&after)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<20 {
		t.Errorf("refusing the huge picture allocated %d MB", grew>>20)
	}
}

func TestInvitationCardShown(t *testing.T) {
	test.NewTempApp(t)
	v := NewMessageView()
	w := test.NewWindow(v)
	defer w.Close()
	w.Resize(fyne.NewSize(700, 600))
	v.SetMessage(&MessageViewModel{Subject: "Invitation", Blocks: []BodyBlock{{Kind: BodyParagraph, Spans: []BodySpan{{Text: "body"}}}},
		Invitation: &InvitationView{Heading: "Invitation", Summary: "Catch-up", When: "Tuesday 2026-12-08 10:00–11:00", Where: "Room 3"}})
	text := v.VisibleText()
	for _, want := range []string{"Catch-up", "Tuesday 2026-12-08 10:00–11:00", "Room 3", "body"} {
		if !strings.Contains(text, want) {
			t.Errorf("%q not shown in %q", want, text)
		}
	}
	// Above the body: the summary's label lies higher than the body's text.
	y := func(match func(fyne.CanvasObject) bool) float32 {
		for _, o := range test.LaidOutObjects(v) {
			if match(o) {
				return fyne.CurrentApp().Driver().AbsolutePositionForObject(o).Y
			}
		}
		t.Fatal("not laid out")
		return 0
	}
	summaryY := y(func(o fyne.CanvasObject) bool { l, ok := o.(*widget.Label); return ok && l.Text == "Catch-up" })
	bodyY := y(func(o fyne.CanvasObject) bool {
		r, ok := o.(*widget.RichText)
		return ok && strings.Contains(r.String(), "body")
	})
	if summaryY >= bodyY {
		t.Errorf("the invitation (y %v) is not above the body (y %v)", summaryY, bodyY)
	}
}
