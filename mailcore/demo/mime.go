package demo

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// The sample messages are written by this small MIME writer rather than
// go-message's: the demo needs exact control over charsets (GBK subjects,
// names and bodies, which go-message does not encode) and transfer
// encodings, so that the reader sees the variety real mail has.

// charset of a text part or header.
type charset int

const (
	utf8Charset charset = iota
	gbkCharset
)

// person is a sender or recipient.
type person struct {
	Name, Addr string
}

func (p person) mail() *mail.Address { return &mail.Address{Name: p.Name, Address: p.Addr} }

// header renders an address in the given charset.
func (p person) header(cs charset) string {
	if cs == gbkCharset && !isASCII(p.Name) {
		return encodeWordGBK(p.Name) + " <" + p.Addr + ">"
	}
	return p.mail().String()
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// encodeHeader encodes a header text when it is not plain ASCII.
func encodeHeader(s string, cs charset) string {
	if isASCII(s) {
		return s
	}
	if cs == gbkCharset {
		return encodeWordGBK(s)
	}
	return mime.BEncoding.Encode("UTF-8", s)
}

// encodeWordGBK writes RFC 2047 B-encoded words in GBK, splitting only
// between characters (mime.BEncoding splits non-UTF-8 text anywhere).
func encodeWordGBK(s string) string {
	enc := simplifiedchinese.GBK.NewEncoder()
	var words []string
	var chunk []byte
	flush := func() {
		if len(chunk) > 0 {
			words = append(words, "=?GBK?B?"+base64.StdEncoding.EncodeToString(chunk)+"?=")
			chunk = chunk[:0]
		}
	}
	for _, r := range s {
		b, err := enc.Bytes([]byte(string(r)))
		if err != nil {
			b = []byte("?")
		}
		if len(chunk)+len(b) > 45 {
			flush()
		}
		chunk = append(chunk, b...)
	}
	flush()
	return strings.Join(words, "\r\n ")
}

func toGBK(s string) []byte {
	b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
	if err != nil {
		// Every sample text is GBK-representable; fall back to UTF-8 bytes
		// rather than lose the message.
		return []byte(s)
	}
	return b
}

// part is one MIME leaf or a multipart container.
type part struct {
	header []string // full header lines without CRLF
	body   []byte   // already transfer-encoded
	kids   []*part
	sub    string // multipart subtype when kids != nil
}

func textPart(subtype, text string, cs charset) *part {
	text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\n", "\r\n")
	if cs == gbkCharset {
		return &part{header: []string{
			"Content-Type: text/" + subtype + "; charset=GBK",
			"Content-Transfer-Encoding: base64",
		}, body: b64(toGBK(text))}
	}
	if isASCII(text) {
		return &part{header: []string{
			"Content-Type: text/" + subtype + "; charset=UTF-8",
			"Content-Transfer-Encoding: 7bit",
		}, body: []byte(text)}
	}
	var buf bytes.Buffer
	w := quotedprintable.NewWriter(&buf)
	_, _ = w.Write([]byte(text))
	_ = w.Close()
	return &part{header: []string{
		"Content-Type: text/" + subtype + "; charset=UTF-8",
		"Content-Transfer-Encoding: quoted-printable",
	}, body: buf.Bytes()}
}

func attachmentPart(ctype, filename string, data []byte) *part {
	return &part{header: []string{
		"Content-Type: " + mime.FormatMediaType(ctype, map[string]string{"name": filename}),
		"Content-Disposition: " + mime.FormatMediaType("attachment", map[string]string{"filename": filename}),
		"Content-Transfer-Encoding: base64",
	}, body: b64(data)}
}

func inlineImagePart(ctype, cid, filename string, data []byte) *part {
	return &part{header: []string{
		"Content-Type: " + ctype,
		"Content-ID: <" + cid + ">",
		"Content-Disposition: " + mime.FormatMediaType("inline", map[string]string{"filename": filename}),
		"Content-Transfer-Encoding: base64",
	}, body: b64(data)}
}

func multipart(sub string, kids ...*part) *part { return &part{sub: sub, kids: kids} }

func b64(data []byte) []byte {
	s := base64.StdEncoding.EncodeToString(data)
	var buf bytes.Buffer
	for len(s) > 76 {
		buf.WriteString(s[:76])
		buf.WriteString("\r\n")
		s = s[76:]
	}
	buf.WriteString(s)
	return buf.Bytes()
}

// write renders the part; boundaries are numbered so output is stable.
func (p *part) write(buf *bytes.Buffer, seq *int) {
	if p.kids == nil {
		for _, h := range p.header {
			buf.WriteString(h + "\r\n")
		}
		buf.WriteString("\r\n")
		buf.Write(p.body)
		buf.WriteString("\r\n")
		return
	}
	*seq++
	boundary := fmt.Sprintf("=_hongyan_demo_%d_%d", *seq, len(p.kids))
	fmt.Fprintf(buf, "Content-Type: multipart/%s; boundary=\"%s\"\r\n\r\n", p.sub, boundary)
	buf.WriteString("This is a multi-part message in MIME format.\r\n")
	for _, k := range p.kids {
		buf.WriteString("\r\n--" + boundary + "\r\n")
		k.write(buf, seq)
	}
	buf.WriteString("\r\n--" + boundary + "--\r\n")
}

// envelope is the top-level header of a sample message.
type envelope struct {
	From      person
	To, Cc    []person
	Subject   string
	Date      time.Time
	MessageID string
	InReplyTo string
	Refs      []string
	Charset   charset // for headers
	Extra     []string
}

func render(env envelope, body *part) []byte {
	var buf bytes.Buffer
	buf.WriteString("From: " + env.From.header(env.Charset) + "\r\n")
	if len(env.To) > 0 {
		buf.WriteString("To: " + joinPeople(env.To, env.Charset) + "\r\n")
	}
	if len(env.Cc) > 0 {
		buf.WriteString("Cc: " + joinPeople(env.Cc, env.Charset) + "\r\n")
	}
	buf.WriteString("Subject: " + encodeHeader(env.Subject, env.Charset) + "\r\n")
	buf.WriteString("Date: " + env.Date.Format(time.RFC1123Z) + "\r\n")
	buf.WriteString("Message-ID: <" + env.MessageID + ">\r\n")
	if env.InReplyTo != "" {
		buf.WriteString("In-Reply-To: <" + env.InReplyTo + ">\r\n")
	}
	if len(env.Refs) > 0 {
		buf.WriteString("References: <" + strings.Join(env.Refs, ">\r\n <") + ">\r\n")
	}
	for _, h := range env.Extra {
		buf.WriteString(h + "\r\n")
	}
	buf.WriteString("MIME-Version: 1.0\r\n")
	seq := 0
	body.write(&buf, &seq)
	return buf.Bytes()
}

func joinPeople(ps []person, cs charset) string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.header(cs)
	}
	return strings.Join(out, ",\r\n ")
}
