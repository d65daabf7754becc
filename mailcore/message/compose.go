package message

import (
	"bytes"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"mime"
	"net/mail"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	gomessage "github.com/emersion/go-message"
	gomail "github.com/emersion/go-message/mail"
	"golang.org/x/net/idna"
)

// DraftAttachment is one file attached to a Draft. Either Path (read when
// the message is built) or Data is set.
type DraftAttachment struct {
	Path        string `json:",omitempty"`
	Data        []byte `json:",omitempty"`
	Name        string // file name shown to the recipient; defaults to the base of Path
	ContentType string // defaults to a guess from the name, else application/octet-stream
	Inline      bool   // an image referenced from the HTML by cid:ContentID
	ContentID   string // without angle brackets
}

// Draft is a message being composed.
type Draft struct {
	From        Address
	ReplyTo     []Address
	To, Cc, Bcc []Address
	Subject     string
	Text        string // plain text body, sent as format=flowed
	HTML        string // optional HTML alternative
	Attachments []DraftAttachment
	InReplyTo   string   // message id, with or without angle brackets
	References  []string // message ids, with or without angle brackets
	MessageID   string   // generated (<random@sender-domain>) when empty
	Date        time.Time
}

// FieldError reports a header field or address that cannot be sent: a line
// break or NUL (header injection), a malformed address, a missing sender.
type FieldError struct {
	Field  string // "Subject", "To", "attachment name", ...
	Value  string
	Reason string
}

func (e *FieldError) Error() string {
	if e.Value != "" {
		return fmt.Sprintf("message: %s %q: %s", e.Field, e.Value, e.Reason)
	}
	return fmt.Sprintf("message: %s: %s", e.Field, e.Reason)
}

// ErrNoRecipients is returned by Build and Recipients for a draft without
// any To, Cc or Bcc address.
var ErrNoRecipients = errors.New("message: the message has no recipients")

// checkField refuses values that would break out of a header field.
func checkField(field, v string) error {
	if strings.ContainsAny(v, "\r\n\x00") {
		return &FieldError{Field: field, Value: v, Reason: "must not contain a line break or NUL"}
	}
	if !utf8.ValidString(v) {
		return &FieldError{Field: field, Value: v, Reason: "is not valid UTF-8"}
	}
	return nil
}

// ValidateAddress checks a bare address (local@domain) and returns the form
// to use in the SMTP envelope: the domain converted to ASCII (IDNA
// punycode) and lower-cased; the local part is kept as written.
func ValidateAddress(addr string) (string, error) {
	if err := checkField("address", addr); err != nil {
		return "", err
	}
	bad := func(reason string) (string, error) {
		return "", &FieldError{Field: "address", Value: addr, Reason: reason}
	}
	if addr == "" {
		return bad("is empty")
	}
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return bad("has no @")
	}
	local, domain := addr[:at], addr[at+1:]
	if local == "" {
		return bad("has nothing before the @")
	}
	if len(local) > 64 {
		return bad("has a local part longer than 64 bytes")
	}
	if domain == "" {
		return bad("has no domain after the @")
	}
	quoted := len(local) >= 2 && local[0] == '"' && local[len(local)-1] == '"'
	if !quoted {
		if strings.HasPrefix(local, ".") || strings.HasSuffix(local, ".") || strings.Contains(local, "..") {
			return bad("has a misplaced dot before the @")
		}
		for _, r := range local {
			if r < 0x80 && !isAtext(r) && r != '.' {
				return bad(fmt.Sprintf("contains %q before the @", r))
			}
		}
	}
	var ascii string
	if strings.HasPrefix(domain, "[") && strings.HasSuffix(domain, "]") {
		// An address literal (RFC 5321 4.1.3): an IPv4 address or
		// "IPv6:" and an IPv6 address; anything else (spaces, brackets)
		// would break the SMTP command.
		lit := domain[1 : len(domain)-1]
		ip, v6 := lit, strings.HasPrefix(strings.ToUpper(lit), "IPV6:")
		if v6 {
			ip = lit[5:]
		}
		if a, err := netip.ParseAddr(ip); err != nil || a.Is4() == v6 || a.Zone() != "" {
			return bad("has an invalid address literal after the @")
		}
		ascii = domain
	} else {
		var err error
		ascii, err = idna.Lookup.ToASCII(domain)
		if err != nil {
			return bad("has an invalid domain: " + err.Error())
		}
		if !strings.Contains(ascii, ".") && ascii != "localhost" {
			return bad("has a domain without a dot")
		}
		ascii = strings.ToLower(ascii)
	}
	if len(ascii) > 255 {
		return bad("has a domain longer than 255 bytes")
	}
	return local + "@" + ascii, nil
}

func isAtext(r rune) bool {
	switch {
	case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		return true
	}
	return strings.ContainsRune("!#$%&'*+-/=?^_`{|}~", r)
}

// Usable reports whether Build takes a in a header: its name and its
// address (spaces around it aside) are valid.
func (a Address) Usable() bool {
	if checkField("name", a.Name) != nil {
		return false
	}
	_, err := ValidateAddress(strings.Trim(a.Email, " \t"))
	return err == nil
}

// normAddrs validates a list and returns it ready for a header.
func normAddrs(field string, list []Address) ([]*gomail.Address, error) {
	out := make([]*gomail.Address, 0, len(list))
	for _, a := range list {
		if err := checkField(field+" name", a.Name); err != nil {
			return nil, err
		}
		env, err := ValidateAddress(strings.Trim(a.Email, " \t"))
		if err != nil {
			var fe *FieldError
			if errors.As(err, &fe) {
				fe.Field = field + " address"
			}
			return nil, err
		}
		out = append(out, &gomail.Address{Name: a.Name, Address: env})
	}
	return out, nil
}

// EnvelopeFrom is the SMTP MAIL FROM address of the draft.
func (d *Draft) EnvelopeFrom() (string, error) {
	if strings.Trim(d.From.Email, " \t") == "" {
		return "", &FieldError{Field: "From", Reason: "no sender address"}
	}
	env, err := ValidateAddress(strings.Trim(d.From.Email, " \t"))
	if err != nil {
		var fe *FieldError
		if errors.As(err, &fe) {
			fe.Field = "From address"
		}
	}
	return env, err
}

// Recipients returns the envelope recipients: To, Cc and Bcc, with their
// domains in ASCII, each once.
func (d *Draft) Recipients() ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, l := range []struct {
		name string
		list []Address
	}{{"To", d.To}, {"Cc", d.Cc}, {"Bcc", d.Bcc}} {
		as, err := normAddrs(l.name, l.list)
		if err != nil {
			return nil, err
		}
		for _, a := range as {
			k := strings.ToLower(a.Address)
			if !seen[k] {
				seen[k] = true
				out = append(out, a.Address)
			}
		}
	}
	if len(out) == 0 {
		return nil, ErrNoRecipients
	}
	return out, nil
}

// bareID strips angle brackets and spaces from a message id.
func bareID(id string) string {
	id = strings.TrimSpace(id)
	id = strings.TrimPrefix(id, "<")
	return strings.TrimSuffix(id, ">")
}

func checkID(field, id string) (string, error) {
	if err := checkField(field, id); err != nil {
		return "", err
	}
	b := bareID(id)
	if b == "" || strings.ContainsAny(b, " \t<>") {
		return "", &FieldError{Field: field, Value: id, Reason: "is not a valid message id"}
	}
	return b, nil
}

// NewMessageID returns a random message id (without brackets) for the
// sender's domain.
func NewMessageID(from string) string {
	domain := "hongyan.localhost"
	if at := strings.LastIndexByte(from, '@'); at >= 0 && at+1 < len(from) {
		if a, err := idna.Lookup.ToASCII(from[at+1:]); err == nil && a != "" {
			domain = strings.ToLower(a)
		}
	}
	var b [20]byte
	_, _ = rand.Read(b[:])
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:])) + "@" + domain
}

// Build returns the RFC 5322 message with CRLF line endings. It fills in
// MessageID and Date when they are empty. Bcc never appears in the result.
func (d *Draft) Build() ([]byte, error) {
	h, err := d.header()
	if err != nil {
		return nil, err
	}
	root, err := d.bodyTree()
	if err != nil {
		return nil, err
	}
	for _, f := range []string{"Content-Type", "Content-Transfer-Encoding", "Content-Disposition"} {
		if v := root.header.Get(f); v != "" {
			h.Set(f, v)
		}
	}
	var buf bytes.Buffer
	if err := writeEntity(&buf, h.Header, root); err != nil {
		return nil, fmt.Errorf("message: build: %w", err)
	}
	return buf.Bytes(), nil
}

func (d *Draft) header() (gomail.Header, error) {
	var h gomail.Header
	env, err := d.EnvelopeFrom()
	if err != nil {
		return h, err
	}
	if err := checkField("From name", d.From.Name); err != nil {
		return h, err
	}
	if err := checkField("Subject", d.Subject); err != nil {
		return h, err
	}
	if _, err := d.Recipients(); err != nil {
		return h, err
	}
	if d.MessageID == "" {
		d.MessageID = NewMessageID(env)
	}
	mid, err := checkID("Message-ID", d.MessageID)
	if err != nil {
		return h, err
	}
	d.MessageID = mid
	if d.Date.IsZero() {
		d.Date = time.Now()
	}
	h.SetDate(d.Date)
	h.SetAddressList("From", []*gomail.Address{{Name: d.From.Name, Address: env}})
	for _, l := range []struct {
		name string
		list []Address
	}{{"Reply-To", d.ReplyTo}, {"To", d.To}, {"Cc", d.Cc}} {
		as, err := normAddrs(l.name, l.list)
		if err != nil {
			return h, err
		}
		h.SetAddressList(l.name, as)
	}
	h.SetSubject(d.Subject)
	h.SetMessageID(mid)
	if d.InReplyTo != "" {
		id, err := checkID("In-Reply-To", d.InReplyTo)
		if err != nil {
			return h, err
		}
		h.SetMsgIDList("In-Reply-To", []string{id})
	}
	if len(d.References) > 0 {
		ids := make([]string, 0, len(d.References))
		for _, r := range d.References {
			id, err := checkID("References", r)
			if err != nil {
				return h, err
			}
			ids = append(ids, id)
		}
		h.SetMsgIDList("References", ids)
	}
	h.Set("MIME-Version", "1.0")
	return h, nil
}

// entity is one MIME part to write: a leaf with a body or a multipart
// container with children.
type entity struct {
	header   gomessage.Header
	body     []byte
	children []*entity
}

func multipart(kind string, children ...*entity) *entity {
	e := &entity{children: children}
	e.header.SetContentType("multipart/"+kind, nil)
	return e
}

func (d *Draft) bodyTree() (*entity, error) {
	text := &entity{body: []byte(crlf(EncodeFlowed(d.Text)))}
	text.header.Set("Content-Type", "text/plain; charset=utf-8; format=flowed; delsp=no")
	text.header.Set("Content-Transfer-Encoding", transferEncoding(text.body))

	body := text
	var inline, attached []*entity
	for i := range d.Attachments {
		a := &d.Attachments[i]
		e, err := a.entity()
		if err != nil {
			return nil, err
		}
		if a.Inline && a.ContentID != "" && d.HTML != "" {
			inline = append(inline, e)
		} else {
			attached = append(attached, e)
		}
	}
	if d.HTML != "" {
		html := &entity{body: []byte(crlf(d.HTML))}
		html.header.Set("Content-Type", "text/html; charset=utf-8")
		html.header.Set("Content-Transfer-Encoding", transferEncoding(html.body))
		var htmlPart = html
		if len(inline) > 0 {
			htmlPart = multipart("related", append([]*entity{html}, inline...)...)
			htmlPart.header.SetContentType("multipart/related", map[string]string{"type": "text/html"})
		}
		body = multipart("alternative", text, htmlPart)
	}
	if len(attached) > 0 {
		body = multipart("mixed", append([]*entity{body}, attached...)...)
	}
	return body, nil
}

// transferEncoding picks quoted-printable for text with non-ASCII bytes or
// long lines, 7bit otherwise (keeps simple messages readable on the wire).
func transferEncoding(b []byte) string {
	for _, line := range bytes.Split(b, []byte("\r\n")) {
		if len(line) > 76 {
			return "quoted-printable"
		}
		for _, c := range line {
			if c >= 0x80 || (c < 0x20 && c != '\t') {
				return "quoted-printable"
			}
		}
	}
	return "7bit"
}

func (a *DraftAttachment) entity() (*entity, error) {
	name := a.Name
	if name == "" && a.Path != "" {
		name = filepath.Base(a.Path)
	}
	if err := checkField("attachment name", name); err != nil {
		return nil, err
	}
	if err := checkField("attachment content type", a.ContentType); err != nil {
		return nil, err
	}
	data := a.Data
	if data == nil && a.Path != "" {
		var err error
		data, err = os.ReadFile(a.Path)
		if err != nil {
			return nil, &FieldError{Field: "attachment", Value: a.Path, Reason: "cannot be read: " + err.Error()}
		}
	}
	ctype := a.ContentType
	if ctype == "" {
		ctype = mime.TypeByExtension(strings.ToLower(filepath.Ext(name)))
	}
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	mt, params, err := mime.ParseMediaType(ctype)
	if err != nil {
		return nil, &FieldError{Field: "attachment content type", Value: ctype, Reason: "is not a media type"}
	}
	e := &entity{body: data}
	// go-message's SetFilename puts RFC 2047 encoded words inside the
	// parameter, which RFC 2047 itself forbids; mime.FormatMediaType writes
	// RFC 2231 (filename*=utf-8''...) for non-ASCII names, so the fields
	// are formatted here with the standard library instead.
	if name != "" {
		params["name"] = name
	}
	e.header.Set("Content-Type", mime.FormatMediaType(mt, params))
	disp := "attachment"
	if a.Inline {
		disp = "inline"
	}
	dparams := map[string]string{}
	if name != "" {
		dparams["filename"] = name
	}
	e.header.Set("Content-Disposition", mime.FormatMediaType(disp, dparams))
	if a.ContentID != "" {
		id, err := checkID("attachment Content-ID", a.ContentID)
		if err != nil {
			return nil, err
		}
		e.header.Set("Content-ID", "<"+id+">")
	}
	if strings.EqualFold(mt, "message/rfc822") {
		// RFC 2046 5.2.1: no base64 for message/rfc822.
		enc := "7bit"
		for _, c := range data {
			if c >= 0x80 {
				enc = "8bit"
				break
			}
		}
		e.header.Set("Content-Transfer-Encoding", enc)
		e.body = []byte(crlf(string(data)))
	} else {
		e.header.Set("Content-Transfer-Encoding", "base64")
	}
	return e, nil
}

// writeEntity writes header h followed by e's body or parts.
func writeEntity(w *bytes.Buffer, h gomessage.Header, e *entity) error {
	mw, err := gomessage.CreateWriter(w, h)
	if err != nil {
		return err
	}
	if err := writeBody(mw, e); err != nil {
		return err
	}
	return mw.Close()
}

func writeBody(mw *gomessage.Writer, e *entity) error {
	if e.children == nil {
		_, err := mw.Write(e.body)
		return err
	}
	for _, c := range e.children {
		pw, err := mw.CreatePart(c.header)
		if err != nil {
			return err
		}
		if err := writeBody(pw, c); err != nil {
			return err
		}
		if err := pw.Close(); err != nil {
			return err
		}
	}
	return nil
}

// crlf normalises line endings to CRLF.
func crlf(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.ReplaceAll(s, "\n", "\r\n")
}

// FlowedWidth is the preferred length of lines of format=flowed text.
const FlowedWidth = 72

// EncodeFlowed turns plain text into RFC 3676 format=flowed (DelSp=no):
// long paragraphs are wrapped at spaces with the space left at the end of
// the line (a soft break), trailing spaces the user typed are removed so they
// cannot be mistaken for soft breaks, lines starting with a space or
// "From " are space-stuffed, and lines starting with ">" are kept as quotes
// (wrapped with the same quote prefix). The signature separator "-- " keeps
// its space. Lines end in "\n".
func EncodeFlowed(text string) string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")
	var b strings.Builder
	lines := strings.Split(text, "\n")
	for i, line := range lines {
		if i == len(lines)-1 && line == "" {
			break
		}
		if line == "-- " {
			b.WriteString("-- \n")
			continue
		}
		depth := 0
		for depth < len(line) && line[depth] == '>' {
			depth++
		}
		prefix := line[:depth]
		content := line[depth:]
		if depth > 0 {
			content = strings.TrimPrefix(content, " ")
		}
		content = strings.TrimRight(content, " ")
		stuff := func(s string) string {
			if depth > 0 {
				if s == "" {
					return prefix
				}
				return prefix + " " + s
			}
			if strings.HasPrefix(s, " ") || strings.HasPrefix(s, "From ") || strings.HasPrefix(s, ">") {
				return " " + s
			}
			return s
		}
		width := FlowedWidth - len(prefix)
		if width < 20 {
			width = 20
		}
		for _, seg := range wrapFlowed(content, width) {
			b.WriteString(stuff(seg))
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// wrapFlowed splits s into segments of at most width bytes where possible,
// breaking after a space so that every segment but the last ends in a space.
// A word longer than width stays whole.
func wrapFlowed(s string, width int) []string {
	if len(s) <= width {
		return []string{s}
	}
	var out []string
	for len(s) > width {
		cut := strings.LastIndexByte(s[:width+1], ' ')
		if cut <= 0 {
			// no space early enough: break after the first space instead
			cut = strings.IndexByte(s, ' ')
			if cut < 0 {
				break
			}
		}
		// keep runs of spaces together on the line being ended
		end := cut + 1
		for end < len(s) && s[end] == ' ' {
			end++
		}
		if end >= len(s) {
			break
		}
		out = append(out, s[:end])
		s = s[end:]
	}
	return append(out, s)
}

// parseAddressList parses "Name <a@b>, c@d" leniently; used by mailto and
// the reply helpers' callers.
func parseAddressList(s string) ([]Address, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	list, err := (&mail.AddressParser{WordDecoder: &mime.WordDecoder{CharsetReader: gomessage.CharsetReader}}).ParseList(s)
	if err != nil {
		return nil, err
	}
	out := make([]Address, 0, len(list))
	for _, a := range list {
		out = append(out, Address{Name: a.Name, Email: a.Address})
	}
	return out, nil
}
