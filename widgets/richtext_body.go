package widgets

import (
	"bytes"
	"golang.org/x/image/draw"
	"image"
	_ "image/gif" // decoders for inline images
	_ "image/jpeg"
	_ "image/png"
	"net/url"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Limits for drawing inline images.
const (
	maxInlineImageWidth  = 640
	maxInlineImageHeight = 800
	maxInlineImages      = 50
)

// bodyChunk is one vertical piece of the rendered body: a run of blocks at
// one quotation depth in a RichText, or one inline image.
type bodyChunk struct {
	obj   fyne.CanvasObject
	quote bool
}

// buildBody turns blocks into chunks. onLink is called with the real target
// when a link is tapped; the widget itself never opens a browser.
func buildBody(blocks []BodyBlock, onLink func(string)) []bodyChunk {
	b := &bodyBuilder{onLink: onLink}
	for i := range blocks {
		b.add(&blocks[i])
	}
	b.flush()
	return b.chunks
}

type bodyBuilder struct {
	onLink func(string)
	chunks []bodyChunk
	segs   []widget.RichTextSegment
	depth  int // quotation depth of segs
	prev   BodyBlockKind
	images int
}

func (b *bodyBuilder) flush() {
	if len(b.segs) == 0 {
		return
	}
	rt := widget.NewRichText(b.segs...)
	rt.Wrapping = fyne.TextWrapWord
	b.segs = nil
	if b.depth == 0 {
		b.chunks = append(b.chunks, bodyChunk{obj: rt})
		return
	}
	b.chunks = append(b.chunks, bodyChunk{obj: quoteBox(b.depth, rt), quote: true})
}

// quoteBox indents content with one vertical bar per quotation level.
func quoteBox(depth int, content fyne.CanvasObject) fyne.CanvasObject {
	depth = min(depth, 8)
	bars := make([]fyne.CanvasObject, 0, depth)
	for range depth {
		r := canvas.NewRectangle(theme.Color(theme.ColorNameSeparator))
		r.SetMinSize(fyne.NewSize(3, 1))
		bars = append(bars, r)
	}
	return container.NewBorder(nil, nil, container.NewHBox(bars...), nil, content)
}

func (b *bodyBuilder) add(blk *BodyBlock) {
	depth := max(blk.QuoteDepth, 0)
	if depth != b.depth {
		b.flush()
		b.depth = depth
	}
	if blk.Kind == BodyImage && blk.Image != nil && (len(blk.Image.Data) > 0 || blk.Image.Pixels != nil) && b.images < maxInlineImages {
		if img := inlineImage(blk.Image); img != nil {
			b.flush()
			b.images++
			b.chunks = append(b.chunks, bodyChunk{obj: img, quote: depth > 0})
			b.prev = BodyImage
			return
		}
	}
	// A blank line between paragraphs, none inside lists and tables.
	if len(b.segs) > 0 && !(blk.Kind == b.prev && (blk.Kind == BodyListItem || blk.Kind == BodyTableRow)) {
		b.segs = append(b.segs, &widget.TextSegment{Style: widget.RichTextStyleParagraph})
	}
	b.prev = blk.Kind
	switch blk.Kind {
	case BodyRule:
		b.segs = append(b.segs, &widget.SeparatorSegment{})
		return
	case BodyImage:
		b.segs = append(b.segs, &widget.TextSegment{Style: placeholderStyle(), Text: imagePlaceholder(blk.Image)}, endParagraph())
		return
	case BodyHeading:
		style := widget.RichTextStyleStrong
		if blk.Level <= 2 {
			style.SizeName = theme.SizeNameSubHeadingText
		}
		b.segs = append(b.segs, b.inline(blk.Spans, style)...)
	case BodyListItem:
		indent := strings.Repeat("    ", min(max(blk.Depth-1, 0), 10))
		marker := "• "
		if blk.Ordered {
			marker = strconv.Itoa(blk.Number) + ". "
		}
		b.segs = append(b.segs, &widget.TextSegment{Style: widget.RichTextStyleInline, Text: indent + marker})
		b.segs = append(b.segs, b.inline(blk.Spans, widget.RichTextStyleInline)...)
	case BodyPreformatted:
		b.segs = append(b.segs, b.inline(blk.Spans, widget.RichTextStyleCodeInline)...)
	default:
		if blk.Kind == BodyParagraph && blk.Depth > 0 {
			b.segs = append(b.segs, &widget.TextSegment{Style: widget.RichTextStyleInline, Text: strings.Repeat("    ", min(blk.Depth, 10))})
		}
		b.segs = append(b.segs, b.inline(blk.Spans, widget.RichTextStyleInline)...)
	}
	b.segs = append(b.segs, endParagraph())
}

func endParagraph() widget.RichTextSegment {
	return &widget.TextSegment{Style: widget.RichTextStyleParagraph}
}

func placeholderStyle() widget.RichTextStyle {
	s := widget.RichTextStyleEmphasis
	s.ColorName = theme.ColorNamePlaceHolder
	return s
}

func imagePlaceholder(img *BodyImageRef) string {
	if img == nil || strings.TrimSpace(img.Alt) == "" {
		return lang.X("reader.image_noalt", "[image]")
	}
	return lang.X("reader.image", "[image: {{.Alt}}]", map[string]any{"Alt": oneLine(img.Alt)})
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// inline renders spans; consecutive spans with the same link target form
// one link, followed by its real target when the text does not say it.
func (b *bodyBuilder) inline(spans []BodySpan, base widget.RichTextStyle) []widget.RichTextSegment {
	out := make([]widget.RichTextSegment, 0, len(spans)+1)
	for i := 0; i < len(spans); i++ {
		sp := spans[i]
		if sp.Text == "" {
			continue
		}
		if sp.Href == "" {
			out = append(out, &widget.TextSegment{Style: spanStyle(base, sp), Text: sp.Text})
			continue
		}
		j := i
		var text strings.Builder
		for ; j < len(spans) && spans[j].Href == sp.Href; j++ {
			text.WriteString(spans[j].Text)
		}
		out = append(out, b.link(spans[i:j], base)...)
		if !linkTextMatches(text.String(), sp.Href) {
			out = append(out, &widget.TextSegment{Style: targetStyle(), Text: " <" + sp.Href + ">"})
		}
		i = j - 1
	}
	return out
}

func (b *bodyBuilder) link(spans []BodySpan, base widget.RichTextStyle) []widget.RichTextSegment {
	href := spans[0].Href
	u, err := url.Parse(href)
	tappable := err == nil && (u.Scheme == "http" || u.Scheme == "https" || u.Scheme == "mailto")
	out := make([]widget.RichTextSegment, 0, len(spans))
	for _, sp := range spans {
		if !tappable {
			out = append(out, &widget.TextSegment{Style: spanStyle(base, sp), Text: sp.Text})
			continue
		}
		onLink := b.onLink
		out = append(out, &widget.HyperlinkSegment{
			Text: strings.ReplaceAll(sp.Text, "\n", " "),
			URL:  u,
			// Always set: a nil OnTapped would make Fyne open the URL directly.
			OnTapped: func() {
				if onLink != nil {
					onLink(href)
				}
			},
		})
	}
	return out
}

func spanStyle(base widget.RichTextStyle, sp BodySpan) widget.RichTextStyle {
	s := base
	s.Inline = true
	if sp.Bold {
		s.TextStyle.Bold = true
	}
	if sp.Italic {
		s.TextStyle.Italic = true
	}
	if sp.Code {
		s.TextStyle.Monospace = true
	}
	return s
}

func targetStyle() widget.RichTextStyle {
	s := widget.RichTextStyleInline
	s.ColorName = theme.ColorNamePlaceHolder
	return s
}

// linkTextMatches reports whether a link's text already states its target,
// so that showing the target again would only repeat it.
func linkTextMatches(text, href string) bool {
	norm := func(s string) string {
		s = strings.ToLower(strings.TrimSpace(s))
		for _, p := range []string{"https://", "http://", "mailto:"} {
			s = strings.TrimPrefix(s, p)
		}
		s = strings.TrimPrefix(s, "www.")
		return strings.TrimRight(s, "/")
	}
	t := norm(text)
	return t != "" && t == norm(href)
}

// inlineImage draws decoded image bytes, scaled down to fit, or returns nil
// when the bytes are not an image the view can decode.
func inlineImage(ref *BodyImageRef) fyne.CanvasObject {
	if ref.Pixels != nil {
		b := ref.Pixels.Bounds()
		img := canvas.NewImageFromImage(ref.Pixels)
		img.FillMode = canvas.ImageFillContain
		img.SetMinSize(fyne.NewSize(float32(max(b.Dx(), 1)), float32(max(b.Dy(), 1))))
		return container.NewHBox(img, layout.NewSpacer())
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(ref.Data))
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
		return nil
	}
	w, h := fitInline(float32(cfg.Width), float32(cfg.Height))
	name := ref.Name
	if name == "" {
		name = "image"
	}
	img := canvas.NewImageFromResource(fyne.NewStaticResource(name, ref.Data))
	img.FillMode = canvas.ImageFillContain
	img.ScaleMode = canvas.ImageScaleSmooth
	img.SetMinSize(fyne.NewSize(max(w, 1), max(h, 1)))
	// Keep the image at its own size on the left rather than stretched.
	return container.NewHBox(img, layout.NewSpacer())
}

// fitInline scales a picture's size down to the view's limits, keeping
// its proportions.
func fitInline(w, h float32) (float32, float32) {
	if w > maxInlineImageWidth {
		h = h * maxInlineImageWidth / w
		w = maxInlineImageWidth
	}
	if h > maxInlineImageHeight {
		w = w * maxInlineImageHeight / h
		h = maxInlineImageHeight
	}
	return w, h
}

// maxPicturePixels bounds the pictures ScaledPicture decodes: a larger
// one would take hundreds of megabytes once decoded.
const maxPicturePixels = 40_000_000

// ScaledPicture decodes a PNG, GIF or JPEG picture and scales it down to
// the size the view shows inline images at. It returns nil for data that
// is not such a picture or is too large. Decoding a photo takes tens of
// milliseconds or more: call it off the UI goroutine (the view then only
// draws the small result).
func ScaledPicture(data []byte) image.Image {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > maxPicturePixels {
		return nil
	}
	src, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil
	}
	fw, fh := fitInline(float32(cfg.Width), float32(cfg.Height))
	w, h := max(int(fw+0.5), 1), max(int(fh+0.5), 1)
	if w == src.Bounds().Dx() && h == src.Bounds().Dy() {
		return src
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.ApproxBiLinear.Scale(dst, dst.Bounds(), src, src.Bounds(), draw.Src, nil)
	return dst
}
