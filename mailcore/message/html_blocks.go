package message

import (
	"strconv"
	"strings"

	xhtml "golang.org/x/net/html"
)

// BlockKind says how a Block is laid out.
type BlockKind uint8

// Block kinds.
const (
	BlockParagraph BlockKind = iota
	BlockHeading
	BlockListItem
	BlockQuote // a paragraph inside a quotation; see Block.QuoteDepth
	BlockPreformatted
	BlockRule
	BlockImage
	BlockTableRow // one table row; cells are separated by a " | " span
)

// ImageKind says where an image comes from.
type ImageKind uint8

// Image kinds.
const (
	ImageRemote   ImageKind = iota // http/https; Src is empty when blocked
	ImageCID                       // an attachment referenced by Content-ID
	ImageEmbedded                  // a data: URI
)

// ImageRef is an image placeholder.
type ImageRef struct {
	Alt        string
	Src        string // URL, "cid:..." or data: URI; empty when blocked
	Kind       ImageKind
	Blocked    bool // remote image not loaded
	Attachment int  // index into Message.Attachments for cid images, else -1
}

// Span is a run of inline text with one style.
type Span struct {
	Text   string
	Bold   bool
	Italic bool
	Code   bool
	Href   string // link target, "" when not a link
}

// Block is one unit of the neutral rich-text model.
type Block struct {
	Kind       BlockKind
	Level      int  // heading level 1-6
	Ordered    bool // list items
	Depth      int  // list nesting, 1 for a top-level item
	Number     int  // position in an ordered list, from 1
	QuoteDepth int  // number of enclosing quotations
	Spans      []Span
	Image      *ImageRef // for BlockImage
}

// Text returns the concatenated text of the block's spans.
func (b Block) Text() string {
	var sb strings.Builder
	for _, s := range b.Spans {
		sb.WriteString(s.Text)
	}
	return sb.String()
}

// Limits for the block converter.
const (
	maxBlocks      = 50000
	maxSpans       = 5000
	maxNestedLists = 64
	// maxQuoteDepth caps the quotation depth a block records. Each level
	// is a "> " on every line of the text form, so quotations nested
	// thousands deep (a few kilobytes of HTML) made text quadratic in the
	// input: 100 KB of nested blockquotes became hundreds of megabytes
	// and seconds of work when the message was parsed. Mail quoted deeper
	// than this is drawn at this depth.
	maxQuoteDepth = 32
)

type listCtx struct {
	ordered bool
	n       int
}

type converter struct {
	blocks []Block
	spans  []Span

	bold, italic, code int
	hrefs              []string
	skip               int
	pre                int
	heading            int
	quote              int
	lists              []listCtx
	pendingItem        bool
	inRow              bool
	cells              int
	space              bool // last emitted character was white space
}

func (c *converter) style() Span {
	s := Span{Bold: c.bold > 0 || c.heading > 0, Italic: c.italic > 0, Code: c.code > 0 || c.pre > 0}
	if len(c.hrefs) > 0 {
		s.Href = c.hrefs[len(c.hrefs)-1]
	}
	return s
}

func (c *converter) addText(t string) {
	if t == "" || len(c.spans) >= maxSpans {
		return
	}
	if c.pre == 0 {
		var b strings.Builder
		for _, r := range t {
			if r == ' ' || r == '\n' || r == '\t' || r == '\r' || r == '\f' {
				if !c.space {
					b.WriteByte(' ')
					c.space = true
				}
				continue
			}
			c.space = false
			b.WriteRune(r)
		}
		t = b.String()
		if t == "" {
			return
		}
		if len(c.spans) == 0 && !c.inRow {
			t = strings.TrimLeft(t, " ")
			if t == "" {
				return
			}
		}
	}
	s := c.style()
	if n := len(c.spans); n > 0 {
		last := &c.spans[n-1]
		if last.Bold == s.Bold && last.Italic == s.Italic && last.Code == s.Code && last.Href == s.Href {
			last.Text += t
			return
		}
	}
	s.Text = t
	c.spans = append(c.spans, s)
}

func (c *converter) emit(b Block) {
	if len(c.blocks) >= maxBlocks {
		return
	}
	b.QuoteDepth = min(c.quote, maxQuoteDepth)
	c.blocks = append(c.blocks, b)
}

// flush closes the paragraph being built.
func (c *converter) flush() {
	if c.inRow {
		return
	}
	spans := c.spans
	c.spans = nil
	c.space = true
	if c.pre == 0 {
		for len(spans) > 0 {
			last := &spans[len(spans)-1]
			last.Text = strings.TrimRight(last.Text, " ")
			if last.Text != "" {
				break
			}
			spans = spans[:len(spans)-1]
		}
	}
	if len(spans) == 0 {
		return
	}
	b := Block{Kind: BlockParagraph, Spans: spans}
	switch {
	case c.pre > 0:
		b.Kind = BlockPreformatted
	case c.heading > 0:
		b.Kind, b.Level = BlockHeading, c.heading
	case c.pendingItem && len(c.lists) > 0:
		l := c.lists[len(c.lists)-1]
		b.Kind, b.Ordered, b.Depth = BlockListItem, l.ordered, len(c.lists)
		if l.ordered {
			b.Number = l.n
		}
		c.pendingItem = false
	case c.quote > 0:
		b.Kind = BlockQuote
	}
	if b.Kind == BlockParagraph && len(c.lists) > 0 {
		b.Depth = len(c.lists)
	}
	c.emit(b)
}

var blockTags = map[string]bool{
	"p": true, "div": true, "section": true, "article": true, "aside": true,
	"header": true, "footer": true, "main": true, "nav": true, "address": true,
	"figure": true, "figcaption": true, "details": true, "summary": true,
	"center": true, "dl": true, "dt": true, "dd": true, "table": true,
	"tbody": true, "thead": true, "tfoot": true, "caption": true, "body": true, "html": true,
}

var skipTags = map[string]bool{
	"script": true, "style": true, "title": true, "template": true, "noscript": true,
	"iframe": true, "object": true, "embed": true, "svg": true, "math": true,
	"select": true, "textarea": true, "head": true, "noembed": true, "noframes": true,
}

// HTMLToBlocks converts (sanitised) HTML into the neutral block model. Image
// attachment indexes are left at -1; Message.Blocks resolves them.
func HTMLToBlocks(src string) []Block {
	c := &converter{space: true}
	z := xhtml.NewTokenizer(strings.NewReader(src))
	for {
		tt := z.Next()
		switch tt {
		case xhtml.ErrorToken:
			c.inRow = false
			c.flush()
			return c.blocks
		case xhtml.TextToken:
			if c.skip == 0 {
				c.addText(xhtml.UnescapeString(string(z.Raw())))
			}
		case xhtml.StartTagToken, xhtml.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			tag := string(name)
			attrs := map[string]string{}
			for hasAttr && len(attrs) < 32 {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				if _, dup := attrs[string(k)]; !dup {
					attrs[string(k)] = string(v)
				}
			}
			if skipTags[tag] {
				if tt == xhtml.StartTagToken && tag != "head" {
					c.skip++
				}
				continue
			}
			if c.skip > 0 {
				continue
			}
			c.start(tag, attrs, tt == xhtml.SelfClosingTagToken)
		case xhtml.EndTagToken:
			name, _ := z.TagName()
			tag := string(name)
			if skipTags[tag] {
				if tag != "head" && c.skip > 0 {
					c.skip--
				}
				continue
			}
			if c.skip > 0 {
				continue
			}
			c.end(tag)
		}
		if len(c.blocks) >= maxBlocks {
			return c.blocks
		}
	}
}

func (c *converter) start(tag string, attrs map[string]string, selfClosing bool) {
	switch tag {
	case "b", "strong":
		c.bold++
	case "i", "em", "cite", "var", "dfn":
		c.italic++
	case "code", "kbd", "samp", "tt":
		c.code++
	case "a":
		if !selfClosing {
			c.hrefs = append(c.hrefs, attrs["href"])
		}
	case "br":
		if c.inRow {
			c.addText(" ")
			return
		}
		c.addTextRaw("\n")
	case "hr":
		c.flush()
		c.emit(Block{Kind: BlockRule})
	case "h1", "h2", "h3", "h4", "h5", "h6":
		c.flush()
		c.heading = int(tag[1] - '0')
	case "pre", "listing", "xmp":
		c.flush()
		c.pre++
	case "blockquote":
		c.flush()
		c.quote++
	case "ul", "ol", "menu":
		c.flush()
		if len(c.lists) < maxNestedLists {
			c.lists = append(c.lists, listCtx{ordered: tag == "ol"})
		}
	case "li":
		c.flush()
		if len(c.lists) == 0 {
			c.lists = append(c.lists, listCtx{})
		}
		c.lists[len(c.lists)-1].n++
		c.pendingItem = true
	case "tr":
		c.flush()
		c.inRow = true
		c.cells = 0
		c.spans = nil
	case "td", "th":
		if !c.inRow {
			c.flush()
			c.inRow = true
			c.cells = 0
		}
		if c.cells > 0 {
			c.spans = append(c.spans, Span{Text: " | "})
			c.space = true
		}
		c.cells++
		if tag == "th" {
			c.bold++
		}
	case "img":
		c.image(attrs)
	default:
		if blockTags[tag] {
			if c.inRow {
				c.addText(" ")
			} else {
				c.flush()
			}
		}
	}
}

func (c *converter) addTextRaw(t string) {
	s := c.style()
	s.Text = t
	c.spans = append(c.spans, s)
	c.space = true
}

func (c *converter) end(tag string) {
	switch tag {
	case "b", "strong":
		c.bold = max(0, c.bold-1)
	case "i", "em", "cite", "var", "dfn":
		c.italic = max(0, c.italic-1)
	case "code", "kbd", "samp", "tt":
		c.code = max(0, c.code-1)
	case "a":
		if len(c.hrefs) > 0 {
			c.hrefs = c.hrefs[:len(c.hrefs)-1]
		}
	case "h1", "h2", "h3", "h4", "h5", "h6":
		c.flush()
		c.heading = 0
	case "pre", "listing", "xmp":
		c.flush()
		c.pre = max(0, c.pre-1)
	case "blockquote":
		c.flush()
		c.quote = max(0, c.quote-1)
	case "ul", "ol", "menu":
		c.flush()
		if len(c.lists) > 0 {
			c.lists = c.lists[:len(c.lists)-1]
		}
	case "li":
		c.flush()
		c.pendingItem = false
	case "th":
		c.bold = max(0, c.bold-1)
	case "tr":
		c.endRow()
	case "table", "tbody", "thead", "tfoot":
		if c.inRow {
			c.endRow()
		}
		c.flush()
	default:
		if blockTags[tag] {
			if c.inRow {
				c.addText(" ")
			} else {
				c.flush()
			}
		}
	}
}

func (c *converter) endRow() {
	if !c.inRow {
		return
	}
	c.inRow = false
	spans := c.spans
	c.spans = nil
	c.space = true
	text := ""
	for _, s := range spans {
		text += s.Text
	}
	if strings.Trim(text, " |") == "" {
		return
	}
	for i := range spans {
		spans[i].Text = strings.Join(strings.Fields(spans[i].Text), " ")
		if spans[i].Text == "|" {
			spans[i].Text = " | "
		}
	}
	c.emit(Block{Kind: BlockTableRow, Spans: spans})
}

func (c *converter) image(attrs map[string]string) {
	alt := strings.TrimSpace(attrs["alt"])
	src := strings.TrimSpace(attrs["src"])
	ref := &ImageRef{Alt: alt, Src: src, Attachment: -1}
	lower := strings.ToLower(src)
	switch {
	case attrs[blockedAttr] != "":
		ref.Kind, ref.Blocked, ref.Src = ImageRemote, true, ""
	case strings.HasPrefix(lower, "cid:"):
		ref.Kind = ImageCID
	case strings.HasPrefix(lower, "data:"):
		ref.Kind = ImageEmbedded
	case isRemoteURL(lower):
		ref.Kind = ImageRemote
	default:
		// No usable source: keep only the alt text.
		if alt != "" {
			c.addText(alt)
		}
		return
	}
	if c.inRow {
		if alt != "" {
			c.addText("[" + alt + "]")
		}
		return
	}
	// One-pixel images are trackers, not content: drop them from the layout.
	if attrs["width"] == "1" || attrs["height"] == "1" || attrs["width"] == "0" || attrs["height"] == "0" {
		return
	}
	c.flush()
	c.emit(Block{Kind: BlockImage, Image: ref})
}

// BlocksToText renders blocks as plain text, for previews and for replying to
// HTML-only mail.
func BlocksToText(blocks []Block) string {
	var b strings.Builder
	for i, blk := range blocks {
		if i > 0 {
			b.WriteString("\n")
			if blk.Kind != BlockListItem && blk.Kind != BlockTableRow {
				b.WriteString("\n")
			}
		}
		prefix := strings.Repeat("> ", blk.QuoteDepth)
		text := blk.Text()
		switch blk.Kind {
		case BlockRule:
			text = "----"
		case BlockImage:
			if blk.Image != nil && blk.Image.Alt != "" {
				text = "[" + blk.Image.Alt + "]"
			} else {
				text = "[image]"
			}
		case BlockListItem:
			indent := strings.Repeat("  ", max(0, blk.Depth-1))
			if blk.Ordered {
				text = indent + strconv.Itoa(blk.Number) + ". " + text
			} else {
				text = indent + "• " + text
			}
		}
		if prefix != "" {
			text = prefix + strings.ReplaceAll(text, "\n", "\n"+prefix)
		}
		b.WriteString(text)
	}
	return b.String()
}

// Blocks returns the message body as blocks: the sanitised HTML when there
// is one, else the plain text split into paragraphs and quotations. cid:
// images are resolved to attachment indexes.
func (m *Message) Blocks() []Block {
	if m == nil {
		return nil
	}
	if m.HTML != "" {
		blocks := HTMLToBlocks(m.HTML)
		for i := range blocks {
			if img := blocks[i].Image; img != nil && img.Kind == ImageCID {
				img.Attachment = m.AttachmentByContentID(img.Src)
			}
		}
		return blocks
	}
	return TextToBlocks(m.Text)
}

// TextToBlocks turns plain text into paragraph and quotation blocks.
func TextToBlocks(text string) []Block {
	var out []Block
	for _, tb := range SplitQuotes(text) {
		for _, para := range strings.Split(tb.Text, "\n\n") {
			para = strings.Trim(para, "\n")
			if strings.TrimSpace(para) == "" {
				continue
			}
			b := Block{Kind: BlockParagraph, QuoteDepth: min(tb.Level, maxQuoteDepth), Spans: []Span{{Text: para}}}
			if tb.Level > 0 {
				b.Kind = BlockQuote
			}
			out = append(out, b)
			if len(out) >= maxBlocks {
				return out
			}
		}
	}
	return out
}
