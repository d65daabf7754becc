package message

import (
	"bytes"
	"encoding/base64"
	"html"
	"regexp"
	"strings"
	"sync"

	"github.com/microcosm-cc/bluemonday"
	xhtml "golang.org/x/net/html"
)

// blockedAttr marks an <img> whose remote source was removed.
const blockedAttr = "data-remote-blocked"

var policy = sync.OnceValue(func() *bluemonday.Policy {
	// UGC policy: formatting, links, lists, tables, images. It has no
	// scripts, styles, forms, iframes, objects or event handlers.
	p := bluemonday.UGCPolicy()
	p.AllowURLSchemes("http", "https", "mailto", "cid")
	p.AllowDataURIImages()
	p.AllowRelativeURLs(false)
	p.RequireNoReferrerOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	p.AllowAttrs(blockedAttr).OnElements("img")
	return p
})

// SanitizeHTML removes everything unsafe from an HTML body: scripts, styles
// (with their url() and @import), forms, frames, event handlers and relative
// or unknown URLs. Unless allowRemote is true, remote (http/https) images are
// replaced by an <img> without a source that keeps its alt text. blocked
// counts the remote references that will not be loaded.
func SanitizeHTML(src string, allowRemote bool) (out string, blocked int) {
	remote := countRemoteRefs(src)
	clean := policy().Sanitize(src)
	clean, kept := rewriteRemoteImages(clean, allowRemote)
	blocked = remote - kept
	if blocked < 0 {
		blocked = 0
	}
	return clean, blocked
}

var cssURL = regexp.MustCompile(`(?i)url\(\s*['"]?\s*(https?:)?//|@import`)

func isRemoteURL(u string) bool {
	u = strings.ToLower(strings.TrimSpace(u))
	return strings.HasPrefix(u, "http:") || strings.HasPrefix(u, "https:") || strings.HasPrefix(u, "//")
}

// countRemoteRefs counts references the sanitised output could have loaded:
// image-like sources, style sheets, CSS url() and @import.
func countRemoteRefs(src string) int {
	z := xhtml.NewTokenizer(strings.NewReader(src))
	n := 0
	inStyle := false
	for {
		tt := z.Next()
		switch tt {
		case xhtml.ErrorToken:
			return n
		case xhtml.TextToken:
			if inStyle {
				n += len(cssURL.FindAllIndex(z.Text(), -1))
			}
		case xhtml.EndTagToken:
			name, _ := z.TagName()
			if string(name) == "style" {
				inStyle = false
			}
		case xhtml.StartTagToken, xhtml.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			tag := string(name)
			if tag == "style" && tt == xhtml.StartTagToken {
				inStyle = true
			}
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				key := string(k)
				val := string(v)
				switch key {
				case "src", "background", "poster", "data", "lowsrc", "dynsrc":
					if isRemoteURL(val) {
						n++
					}
				case "srcset":
					if strings.Contains(strings.ToLower(val), "http") || strings.Contains(val, "//") {
						n++
					}
				case "href":
					if tag == "link" && isRemoteURL(val) {
						n++
					}
				case "style":
					n += len(cssURL.FindAllStringIndex(val, -1))
				}
			}
		}
	}
}

// rewriteRemoteImages drops remote image sources from sanitised HTML unless
// allowed, and returns how many remote images remain.
func rewriteRemoteImages(clean string, allowRemote bool) (string, int) {
	if !strings.Contains(clean, "<img") {
		return clean, 0
	}
	z := xhtml.NewTokenizer(strings.NewReader(clean))
	var b strings.Builder
	b.Grow(len(clean))
	kept := 0
	for {
		tt := z.Next()
		if tt == xhtml.ErrorToken {
			return b.String(), kept
		}
		raw := z.Raw()
		if tt != xhtml.StartTagToken && tt != xhtml.SelfClosingTagToken {
			b.Write(raw)
			continue
		}
		tok := z.Token()
		if tok.Data != "img" {
			b.Write(raw)
			continue
		}
		remote := false
		attrs := tok.Attr[:0]
		for _, a := range tok.Attr {
			if a.Key == blockedAttr {
				continue // never trust the sender's copy of the marker
			}
			if a.Key == "src" && isRemoteURL(a.Val) {
				remote = true
				if !allowRemote {
					continue
				}
				kept++
			}
			attrs = append(attrs, a)
		}
		if remote && !allowRemote {
			attrs = append(attrs, xhtml.Attribute{Key: blockedAttr, Val: "1"})
		}
		tok.Attr = attrs
		b.WriteString(tok.String())
	}
}

// SanitizedHTMLDocument returns a standalone HTML document of the message's
// body for opening in a web browser. It is sanitised again from the raw
// source with the given remote-content choice; cid: images are embedded as
// data: URIs, and a Content-Security-Policy forbids scripts and any remote
// load that was not allowed.
func SanitizedHTMLDocument(m *Message, allowRemote bool) []byte {
	if m == nil {
		return nil
	}
	body := ""
	if len(m.Raw) > 0 {
		c := collect(m.Raw, true)
		if len(c.htmls) > 0 {
			body, _ = SanitizeHTML(strings.Join(c.htmls, "\n<hr>\n"), allowRemote)
		}
	} else if m.HTML != "" {
		body, _ = SanitizeHTML(m.HTML, allowRemote)
	}
	if body == "" {
		body = "<pre style=\"white-space:pre-wrap\">" + html.EscapeString(m.Text) + "</pre>"
	} else {
		body = embedCIDImages(body, m)
	}
	img := "data:"
	if allowRemote {
		img += " http: https:"
	}
	var b bytes.Buffer
	b.WriteString("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n")
	b.WriteString("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src " + img + "; style-src 'unsafe-inline'\">\n")
	b.WriteString("<meta name=\"referrer\" content=\"no-referrer\">\n")
	b.WriteString("<title>" + html.EscapeString(m.Subject) + "</title></head>\n<body>\n")
	b.WriteString(body)
	b.WriteString("\n</body></html>\n")
	return b.Bytes()
}

// maxEmbedBytes caps the cid: images inlined into a browser document.
const maxEmbedBytes = 20 << 20

func embedCIDImages(body string, m *Message) string {
	if !strings.Contains(body, "cid:") {
		return body
	}
	z := xhtml.NewTokenizer(strings.NewReader(body))
	var b strings.Builder
	total := 0
	for {
		tt := z.Next()
		if tt == xhtml.ErrorToken {
			return b.String()
		}
		raw := z.Raw()
		if tt != xhtml.StartTagToken && tt != xhtml.SelfClosingTagToken {
			b.Write(raw)
			continue
		}
		tok := z.Token()
		if tok.Data != "img" {
			b.Write(raw)
			continue
		}
		for i, a := range tok.Attr {
			if a.Key != "src" || !strings.HasPrefix(strings.ToLower(a.Val), "cid:") {
				continue
			}
			idx := m.AttachmentByContentID(a.Val)
			if idx < 0 {
				continue
			}
			data, err := m.AttachmentData(idx)
			ct := m.Attachments[idx].ContentType
			if err != nil || total+len(data) > maxEmbedBytes || !strings.HasPrefix(ct, "image/") || ct == "image/svg+xml" {
				continue
			}
			total += len(data)
			tok.Attr[i].Val = "data:" + ct + ";base64," + base64.StdEncoding.EncodeToString(data)
		}
		b.WriteString(tok.String())
	}
}
