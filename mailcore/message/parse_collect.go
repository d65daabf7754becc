package message

import (
	"bytes"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	gmmail "github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"

	gm "github.com/emersion/go-message"
)

type collected struct {
	root        *node
	warnings    []string
	texts       []string
	htmls       []string
	attachments []Attachment
	hint        string // charset used for raw 8-bit header bytes
}

func collect(raw []byte, summaryOnly bool) *collected {
	st := &treeState{}
	root := buildTree(raw, st)
	c := &collected{root: root}
	c.hint = firstCharset(root)
	c.walk(root, st, summaryOnly)
	c.warnings = st.warnings
	return c
}

func firstCharset(n *node) string {
	if cs := n.params["charset"]; cs != "" {
		return cs
	}
	for _, ch := range n.children {
		if cs := firstCharset(ch); cs != "" {
			return cs
		}
	}
	return ""
}

func isAttachmentDisposition(n *node) bool {
	d, _ := parseMediaParams(n.header.Get("Content-Disposition"))
	return d == "attachment"
}

func isBodyText(n *node) bool {
	if n.multipart || isAttachmentDisposition(n) {
		return false
	}
	return n.mediaType == "text/plain" || n.mediaType == "text/html"
}

// containsType reports whether n is, or contains, a body part of type t.
func containsType(n *node, t string) bool {
	if !n.multipart {
		return isBodyText(n) && n.mediaType == t
	}
	for _, c := range n.children {
		if containsType(c, t) {
			return true
		}
	}
	return false
}

func (c *collected) walk(n *node, st *treeState, summaryOnly bool) {
	if n.multipart {
		if n.mediaType == "multipart/alternative" {
			plain, html := -1, -1
			for i, ch := range n.children {
				if containsType(ch, "text/html") {
					html = i
				} else if containsType(ch, "text/plain") {
					plain = i
				}
			}
			for i, ch := range n.children {
				if i == plain || i == html {
					c.walk(ch, st, summaryOnly)
				} else {
					c.walkAttachmentsOnly(ch, st, summaryOnly)
				}
			}
			return
		}
		for _, ch := range n.children {
			c.walk(ch, st, summaryOnly)
		}
		return
	}
	if isBodyText(n) {
		c.addText(n, st, summaryOnly)
		return
	}
	c.addAttachment(n, st, summaryOnly)
}

func (c *collected) walkAttachmentsOnly(n *node, st *treeState, summaryOnly bool) {
	if n.multipart {
		for _, ch := range n.children {
			c.walkAttachmentsOnly(ch, st, summaryOnly)
		}
		return
	}
	if !isBodyText(n) {
		c.addAttachment(n, st, summaryOnly)
	}
}

func (c *collected) addText(n *node, st *treeState, summaryOnly bool) {
	b, damaged := decodeTransfer(n.header.Get("Content-Transfer-Encoding"), n.body, MaxTextBytes)
	if damaged {
		st.warn("part %s: damaged or oversized encoding; shown as far as readable", n.path)
	}
	flowed := strings.EqualFold(n.params["format"], "flowed")
	var s string
	if utf8Charset(n.params["charset"]) && utf8.Valid(b) {
		// What decodeTextPart returns for these is string(b): convert
		// and drop the CRs in one copy instead of two.
		limit := len(b)
		if summaryOnly && n.mediaType == "text/plain" && !flowed {
			// A summary only reads the start of the text (preview looks
			// at previewScan bytes): the rest is not converted. Dropping
			// CRs keeps the text a prefix of the whole one, so the
			// preview is the same.
			limit = summaryText
		}
		s = crlfToLFBytes(b, limit)
	} else {
		s = crlfToLF(decodeTextPart(n, b, st))
	}
	if n.mediaType == "text/html" {
		c.htmls = append(c.htmls, s)
		return
	}
	if flowed {
		s = DecodeFlowed(s, strings.EqualFold(n.params["delsp"], "yes"))
	}
	c.texts = append(c.texts, s)
}

// crlfToLF is strings.ReplaceAll(s, "\r\n", "\n") in one pass that jumps
// from CR to CR with IndexByte; ReplaceAll counts the matches first and then
// searches again for each of them, and on a message's text (one match a
// line) that was the largest cost of a header summary.
func crlfToLF(s string) string {
	i := strings.IndexByte(s, '\r')
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i >= 0 {
		if i+1 < len(s) && s[i+1] == '\n' {
			b.WriteString(s[:i])
			s = s[i+1:] // keep the LF
		} else {
			b.WriteString(s[:i+1]) // a lone CR stays
			s = s[i+1:]
		}
		i = strings.IndexByte(s, '\r')
	}
	b.WriteString(s)
	return b.String()
}

// utf8Charset reports whether decodeCharset takes bytes of this charset
// as they are when they are valid UTF-8.
func utf8Charset(name string) bool {
	switch strings.ToLower(strings.Trim(strings.TrimSpace(name), `"'`)) {
	case "", "utf-8", "utf8", "us-ascii":
		return true
	}
	return false
}

// summaryText is how much text a summary converts of a plain-text part:
// what preview reads plus room for the rune it may cut at.
const summaryText = previewScan + 2*utf8.UTFMax

// crlfToLFBytes is crlfToLF(string(b)) without the intermediate string. It
// stops once it has produced at least limit bytes, so the result is then a
// prefix of the whole conversion (perhaps ending inside a rune).
func crlfToLFBytes(b []byte, limit int) string {
	var out strings.Builder
	out.Grow(min(len(b), limit+utf8.UTFMax))
	for out.Len() < limit {
		i := bytes.IndexByte(b, '\r')
		if i < 0 {
			break
		}
		if i+1 < len(b) && b[i+1] == '\n' {
			out.Write(b[:i])
		} else {
			out.Write(b[:i+1]) // a lone CR stays
		}
		b = b[i+1:]
	}
	if n := limit - out.Len(); n > 0 {
		out.Write(b[:min(n, len(b))])
	}
	return out.String()
}

func (c *collected) addAttachment(n *node, st *treeState, summaryOnly bool) {
	disp, dparams := parseMediaParams(n.header.Get("Content-Disposition"))
	if summaryOnly {
		// A summary only asks whether there are attachments, which needs
		// Inline and ContentID; the name and the decoded size (a pass over
		// the whole encoded part) are left out.
		cid := n.header.Get("Content-Id")
		c.attachments = append(c.attachments, Attachment{
			ContentType: n.mediaType,
			ContentID:   normalizeCID(cid),
			Inline:      disp == "inline" || (disp == "" && cid != ""),
			PartPath:    n.path,
		})
		return
	}
	name := dparams["filename"]
	if name == "" {
		name = n.params["name"]
	}
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, strings.TrimSpace(name))
	a := Attachment{
		Name:        name,
		ContentType: n.mediaType,
		ContentID:   normalizeCID(n.header.Get("Content-Id")),
		Inline:      disp == "inline" || (disp == "" && n.header.Get("Content-Id") != ""),
		PartPath:    n.path,
	}
	cte := strings.ToLower(strings.TrimSpace(n.header.Get("Content-Transfer-Encoding")))
	switch cte {
	case "base64":
		a.Size = base64Size(n.body)
	case "quoted-printable":
		b, _ := decodeQPLenient(n.body, MaxPartBytes)
		a.Size = int64(len(b))
	default:
		a.Size = int64(len(n.body))
	}
	if a.Size > MaxPartBytes {
		st.warn("part %s is larger than %d bytes; it is cut short", n.path, MaxPartBytes)
		a.Size = MaxPartBytes
	}
	if a.Name == "" {
		a.Name = defaultAttachmentName(n, st)
	}
	c.attachments = append(c.attachments, a)
}

var extByType = map[string]string{
	"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "image/webp": ".webp",
	"image/svg+xml": ".svg", "image/bmp": ".bmp", "application/pdf": ".pdf",
	"application/zip": ".zip", "text/plain": ".txt", "text/html": ".html",
	"text/calendar": ".ics", "text/csv": ".csv", "message/rfc822": ".eml",
	"application/json": ".json", "audio/mpeg": ".mp3", "video/mp4": ".mp4",
	"application/pgp-signature": ".asc", "application/pkcs7-signature": ".p7s",
}

func defaultAttachmentName(n *node, st *treeState) string {
	if n.mediaType == "message/rfc822" {
		// Name an attached message after its subject.
		b, _ := decodeTransfer(n.header.Get("Content-Transfer-Encoding"), n.body, 256<<10)
		inner, _ := splitHeader(b, &treeState{})
		if s := strings.TrimSpace(decodeHeaderText(inner.Get("Subject"), "")); s != "" {
			return truncateRunes(s, 100) + ".eml"
		}
		return "message.eml"
	}
	ext := extByType[n.mediaType]
	if ext == "" {
		ext = ".bin"
	}
	return "attachment" + ext
}

func truncateRunes(s string, n int) string {
	i := 0
	for pos := range s {
		if i == n {
			return s[:pos]
		}
		i++
	}
	return s
}

func fillHeaders(m *Message, h textproto.Header, hint string) {
	get := func(k string) string { return h.Get(k) }
	m.Subject = strings.TrimSpace(decodeHeaderText(get("Subject"), hint))
	m.From = decodeAddressList(get("From"), hint)
	m.To = decodeAddressList(get("To"), hint)
	m.Cc = decodeAddressList(get("Cc"), hint)
	m.ReplyTo = decodeAddressList(get("Reply-To"), hint)
	if d := strings.TrimSpace(get("Date")); d != "" {
		if t, err := parseDate(d); err == nil {
			m.Date = t
		} else {
			m.Warnings = append(m.Warnings, "unreadable Date header")
		}
	}
	mh := gmmail.Header{Header: gm.Header{Header: h}}
	if id, err := mh.MessageID(); err == nil && id != "" {
		m.MessageID = id
	} else {
		m.MessageID = firstOf(msgIDsLenient(get("Message-Id")))
	}
	if ids, err := mh.MsgIDList("In-Reply-To"); err == nil && len(ids) > 0 {
		m.InReplyTo = ids[0]
	} else {
		m.InReplyTo = firstOf(msgIDsLenient(get("In-Reply-To")))
	}
	if ids, err := mh.MsgIDList("References"); err == nil {
		m.References = ids
	} else {
		m.References = msgIDsLenient(get("References"))
	}
}

func firstOf(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// msgIDsLenient pulls <...> tokens out of a damaged identifier list; a bare
// token is accepted when there are no brackets at all.
func msgIDsLenient(v string) []string {
	var out []string
	for {
		i := strings.IndexByte(v, '<')
		if i < 0 {
			break
		}
		j := strings.IndexByte(v[i:], '>')
		if j < 0 {
			break
		}
		if id := strings.TrimSpace(v[i+1 : i+j]); id != "" {
			out = append(out, id)
		}
		v = v[i+j+1:]
		if len(out) >= 500 {
			break
		}
	}
	if len(out) == 0 {
		if f := strings.Fields(v); len(f) > 0 && len(f) <= 500 {
			out = f
		}
	}
	return out
}

var dateLayouts = []string{
	"Mon, 2 Jan 2006 15:04:05 -0700",
	"2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04 -0700",
	"Mon, 2 Jan 2006 15:04:05 MST",
	"Mon, 2 Jan 06 15:04:05 -0700",
	"Mon Jan 2 15:04:05 2006",
	"Mon Jan 2 15:04:05 MST 2006",
	"2006-01-02 15:04:05 -0700",
	time.RFC3339,
}

func parseDate(v string) (time.Time, error) {
	if t, err := mail.ParseDate(v); err == nil {
		return t, nil
	}
	// Drop a trailing comment such as "(CST)" and retry common variants.
	if i := strings.IndexByte(v, '('); i > 0 {
		v = strings.TrimSpace(v[:i])
	}
	v = strings.Join(strings.Fields(v), " ")
	var lastErr error
	for _, l := range dateLayouts {
		t, err := time.Parse(l, v)
		if err == nil {
			return t, nil
		}
		lastErr = err
	}
	return time.Time{}, lastErr
}

// decodeAddressList parses an address header with net/mail and falls back to
// a lenient split for the many malformed lists seen in real mail.
func decodeAddressList(v, hint string) []Address {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil
	}
	raw8 := v
	if !isASCII(v) {
		raw8 = toValidUTF8([]byte(v), hint)
	}
	p := mail.AddressParser{WordDecoder: wordDecoder}
	if list, err := p.ParseList(raw8); err == nil {
		out := make([]Address, 0, len(list))
		for _, a := range list {
			out = append(out, Address{Name: a.Name, Email: a.Address})
		}
		return out
	}
	return decodeAddressListLenient(raw8)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func decodeAddressListLenient(v string) []Address {
	var out []Address
	var cur strings.Builder
	inQuote, inAngle := false, false
	flush := func() {
		s := strings.TrimSpace(cur.String())
		cur.Reset()
		if s == "" {
			return
		}
		var a Address
		if i := strings.LastIndexByte(s, '<'); i >= 0 {
			j := strings.IndexByte(s[i:], '>')
			if j < 0 {
				j = len(s) - i
			}
			a.Email = strings.TrimSpace(s[i+1 : i+j])
			a.Name = strings.TrimSpace(s[:i])
		} else if strings.Contains(s, "@") {
			a.Email = s
		} else {
			a.Name = s
		}
		a.Name = strings.Trim(a.Name, `"' `)
		a.Name = strings.ReplaceAll(a.Name, `\"`, `"`)
		a.Name = decodeHeaderText(a.Name, "")
		out = append(out, a)
	}
	for _, r := range v {
		switch {
		case r == '"' && !inAngle:
			inQuote = !inQuote
		case r == '<' && !inQuote:
			inAngle = true
		case r == '>' && !inQuote:
			inAngle = false
		case (r == ',' || r == ';') && !inQuote && !inAngle:
			flush()
			if len(out) >= 1000 {
				return out
			}
			continue
		}
		cur.WriteRune(r)
	}
	flush()
	return out
}
