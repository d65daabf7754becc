// Package message turns raw RFC 5322 / MIME messages into a display model:
// decoded headers, the best plain text, sanitised HTML, a neutral rich-text
// block model and the list of attachments. It never imports a GUI toolkit.
//
// Parsing is best-effort: broken MIME yields whatever could be recovered plus
// a list of warnings, and the raw source is always kept.
package message

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits applied while parsing. They bound work and memory for hostile input.
const (
	// MaxDepth is the deepest multipart nesting that is descended into.
	MaxDepth = 32
	// MaxParts is the largest number of MIME parts examined in one message.
	MaxParts = 2000
	// MaxPartBytes caps the decoded size of any single part.
	MaxPartBytes = 64 << 20
	// MaxTextBytes caps the decoded size of one text or HTML body part.
	MaxTextBytes = 8 << 20
	// MaxHeaderFields caps the number of header fields read per part.
	MaxHeaderFields = 1000
)

// ErrEmpty is returned by Parse for an empty input.
var ErrEmpty = errors.New("message: empty input")

// ErrNoSuchAttachment is returned by AttachmentData for an index out of range
// or a part that can no longer be found.
var ErrNoSuchAttachment = errors.New("message: no such attachment")

// Address is one mailbox: a display name (decoded) and an address.
type Address struct {
	Name  string
	Email string
}

// String formats the address for display: "Name <email>" or just the email.
func (a Address) String() string {
	if a.Name == "" {
		return a.Email
	}
	if a.Email == "" {
		return a.Name
	}
	return a.Name + " <" + a.Email + ">"
}

// Attachment describes one non-body part of a message. Name is the decoded
// name as sent; pass it through SafeFileName before using it on disk.
type Attachment struct {
	Name        string
	ContentType string
	Size        int64 // decoded size in bytes
	ContentID   string
	Inline      bool
	PartPath    string // IMAP-style section number, e.g. "2.1"
}

// Message is the display model of one parsed message.
type Message struct {
	From, To, Cc, ReplyTo []Address
	Subject               string
	Date                  time.Time
	MessageID, InReplyTo  string
	References            []string

	Text string // best plain text; format=flowed already reflowed
	HTML string // sanitised HTML (remote content blocked), "" if none

	Attachments   []Attachment
	Warnings      []string
	RemoteBlocked int // remote references removed from HTML
	Raw           []byte
}

// Parse decodes raw into a display model with remote content blocked. It only
// returns an error for empty input; damaged messages produce a partial result
// with Warnings.
func Parse(raw []byte) (*Message, error) {
	return ParseWithOptions(raw, Options{})
}

// Options control ParseWithOptions.
type Options struct {
	// AllowRemote keeps remote images in the sanitised HTML.
	AllowRemote bool
}

// ParseWithOptions is Parse with options.
func ParseWithOptions(raw []byte, opts Options) (m *Message, err error) {
	m = &Message{Raw: raw}
	if len(bytes.TrimSpace(raw)) == 0 {
		return m, ErrEmpty
	}
	defer func() {
		if r := recover(); r != nil {
			m.Warnings = append(m.Warnings, fmt.Sprintf("internal error while parsing: %v", r))
			if m.Text == "" && m.HTML == "" {
				m.Text = bestEffortText(raw)
			}
			err = nil
		}
	}()
	c := collect(raw, false)
	m.Warnings = c.warnings
	fillHeaders(m, c.root.header, c.hint)
	m.Attachments = c.attachments
	if len(c.htmls) > 0 {
		h := strings.Join(c.htmls, "\n<hr>\n")
		m.HTML, m.RemoteBlocked = SanitizeHTML(h, opts.AllowRemote)
	}
	if len(c.texts) > 0 {
		m.Text = strings.Join(c.texts, "\n\n")
	} else if m.HTML != "" {
		m.Text = BlocksToText(HTMLToBlocks(m.HTML))
	}
	return m, nil
}

// AttachmentData returns the decoded content of attachment i. For an attached
// message (message/rfc822) it returns the embedded message source.
func (m *Message) AttachmentData(i int) ([]byte, error) {
	if m == nil || i < 0 || i >= len(m.Attachments) {
		return nil, ErrNoSuchAttachment
	}
	path := m.Attachments[i].PartPath
	var out []byte
	found := false
	func() {
		defer func() {
			if r := recover(); r != nil {
				found = false
			}
		}()
		root := buildTree(m.Raw, &treeState{})
		n := root.find(path)
		if n == nil {
			return
		}
		out, _ = decodeTransfer(n.header.Get("Content-Transfer-Encoding"), n.body, MaxPartBytes)
		found = true
	}()
	if !found {
		return nil, fmt.Errorf("%w: part %s", ErrNoSuchAttachment, path)
	}
	return out, nil
}

// AttachmentByContentID returns the index of the attachment with the given
// Content-ID (with or without angle brackets or a "cid:" prefix), or -1.
func (m *Message) AttachmentByContentID(cid string) int {
	cid = normalizeCID(cid)
	if cid == "" {
		return -1
	}
	for i, a := range m.Attachments {
		if strings.EqualFold(a.ContentID, cid) {
			return i
		}
	}
	return -1
}

func normalizeCID(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 4 && strings.EqualFold(s[:4], "cid:") {
		s = s[4:]
	}
	s = strings.TrimPrefix(s, "<")
	s = strings.TrimSuffix(s, ">")
	return strings.TrimSpace(s)
}

// Summary is the part of a message the local store keeps for lists and
// threading.
type Summary struct {
	Subject        string
	From, To, Cc   []Address
	Date           time.Time
	MessageID      string
	InReplyTo      string
	References     []string
	HasAttachments bool
	Preview        string // first ~200 characters of the text, whitespace folded
}

// PreviewLength is the number of characters kept in Summary.Preview.
const PreviewLength = 200

// ParseHeaderSummary extracts a Summary. It does not sanitise HTML; a preview
// of an HTML-only message is taken from its text content.
func ParseHeaderSummary(raw []byte) (s Summary) {
	defer func() {
		if r := recover(); r != nil {
			s.Preview = preview(bestEffortText(raw))
		}
	}()
	c := collect(raw, true)
	var m Message
	fillHeaders(&m, c.root.header, c.hint)
	s = Summary{
		Subject: m.Subject, From: m.From, To: m.To, Cc: m.Cc, Date: m.Date,
		MessageID: m.MessageID, InReplyTo: m.InReplyTo, References: m.References,
	}
	for _, a := range c.attachments {
		if !a.Inline || a.ContentID == "" {
			s.HasAttachments = true
			break
		}
	}
	text := strings.Join(c.texts, "\n")
	if text == "" && len(c.htmls) > 0 {
		text = BlocksToText(HTMLToBlocks(strings.Join(c.htmls, "\n")))
	}
	s.Preview = preview(text)
	return s
}

// previewScan bounds how much text preview looks at: quoted blocks are
// skipped, so it reads well past PreviewLength, but splitting a long body
// into quote blocks only to keep its first line would cost more than the
// rest of a header summary.
const previewScan = 16 << 10

func preview(text string) string {
	if len(text) > previewScan {
		cut := previewScan
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut]
	}
	// The author's own lines (those SplitQuotes puts at level 0, i.e. not
	// starting with '>') with all whitespace folded to single spaces.
	// Walking the lines here stops at PreviewLength characters instead of
	// splitting the whole text into quote blocks first.
	var b strings.Builder
	n := 0
	space := false
	for len(text) > 0 {
		var line string
		line, text, _ = strings.Cut(text, "\n")
		if strings.HasPrefix(line, ">") {
			space = true
			continue
		}
		for _, r := range line {
			if n >= PreviewLength {
				return strings.TrimSpace(b.String())
			}
			if r == ' ' || r == '\n' || r == '\t' || r == '\r' || r == '\u00a0' {
				space = true
				continue
			}
			if r < 0x20 {
				continue
			}
			if space && b.Len() > 0 {
				b.WriteByte(' ')
				n++
			}
			space = false
			b.WriteRune(r)
			n++
		}
		space = true
	}
	return strings.TrimSpace(b.String())
}

// bestEffortText shows the raw source as text when nothing else worked.
func bestEffortText(raw []byte) string {
	if len(raw) > MaxTextBytes {
		raw = raw[:MaxTextBytes]
	}
	return toValidUTF8(raw, "")
}
