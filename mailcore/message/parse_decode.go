package message

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"net/url"
	"strings"
	"unicode/utf8"

	gmcharset "github.com/emersion/go-message/charset"
	xcharset "golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// charsetAliases widens charsets that are routinely mislabelled: mail marked
// GB2312 or GBK very often holds GBK/GB18030-only characters, and GB18030 is a
// superset of both.
var charsetAliases = map[string]encoding.Encoding{
	"gb2312":      simplifiedchinese.GB18030,
	"gbk":         simplifiedchinese.GB18030,
	"x-gbk":       simplifiedchinese.GB18030,
	"cp936":       simplifiedchinese.GB18030,
	"euc-cn":      simplifiedchinese.GB18030,
	"windows-936": simplifiedchinese.GB18030,
	"iso-8859-1":  charmap.Windows1252,
	"us-ascii":    charmap.Windows1252, // 8-bit bytes in "ASCII" mail are nearly always Latin
}

// decodeCharset converts b from the named charset to UTF-8. ok is false when
// the charset is unknown; the result is then a best-effort guess.
func decodeCharset(name string, b []byte) (s string, ok bool) {
	name = strings.ToLower(strings.Trim(strings.TrimSpace(name), `"'`))
	switch name {
	case "", "utf-8", "utf8":
		return toValidUTF8(b, ""), true
	}
	if enc, found := charsetAliases[name]; found {
		if name == "us-ascii" && utf8.Valid(b) {
			return string(b), true
		}
		out, err := enc.NewDecoder().Bytes(b)
		if err == nil {
			return toValidUTF8(out, ""), true
		}
	}
	r, err := gmcharset.Reader(name, bytes.NewReader(b))
	if err == nil && r != nil {
		out, rerr := io.ReadAll(io.LimitReader(r, int64(len(b))*4+16))
		if rerr == nil || len(out) > 0 {
			return toValidUTF8(out, ""), true
		}
	}
	return toValidUTF8(b, ""), false
}

// toValidUTF8 returns b as a string when it is valid UTF-8; otherwise it is
// decoded with the fallback charset (or Windows-1252), so no byte is lost.
func toValidUTF8(b []byte, fallback string) string {
	if utf8.Valid(b) {
		return string(b)
	}
	if fallback != "" && !strings.EqualFold(fallback, "utf-8") {
		if s, ok := decodeCharset(fallback, b); ok && utf8.ValidString(s) {
			return s
		}
	}
	out, err := charmap.Windows1252.NewDecoder().Bytes(b)
	if err != nil {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return string(out)
}

// WordDecoder decodes RFC 2047 encoded words with every known charset and
// falls back to a best-effort reading for unknown ones. Its charset reader
// converts a word in one step and hands back a strings.Reader (which
// mime's io.Copy drains without a 32 KB buffer of its own): the IMAP
// header sync decodes tens of thousands of words with it.
var WordDecoder = wordDecoder

var wordDecoder = &mime.WordDecoder{
	CharsetReader: func(cs string, input io.Reader) (io.Reader, error) {
		b, err := io.ReadAll(io.LimitReader(input, 1<<20))
		if err != nil {
			return nil, err
		}
		s, _ := decodeCharset(cs, b)
		return strings.NewReader(s), nil
	},
}

// decodeHeaderText decodes an unstructured header value. Raw 8-bit bytes are
// read in the hint charset (the body's) before encoded words are decoded.
func decodeHeaderText(v, hint string) string {
	if !utf8.ValidString(v) {
		v = toValidUTF8([]byte(v), hint)
	}
	if !strings.Contains(v, "=?") {
		return v
	}
	out, err := wordDecoder.DecodeHeader(v)
	if err != nil {
		return decodeWordsLenient(v)
	}
	return out
}

// decodeWordsLenient decodes each encoded word on its own so that one damaged
// word does not leave the whole value undecoded.
func decodeWordsLenient(v string) string {
	var b strings.Builder
	for {
		i := strings.Index(v, "=?")
		if i < 0 {
			b.WriteString(v)
			break
		}
		// An encoded word is =?charset?enc?text?=
		j := i + 2
		q := 0
		end := -1
		for j < len(v) {
			if v[j] == '?' {
				q++
				if q == 3 && j+1 < len(v) && v[j+1] == '=' {
					end = j + 2
					break
				}
			}
			if v[j] == ' ' || v[j] == '\t' {
				break
			}
			j++
		}
		if end < 0 {
			b.WriteString(v[:i+2])
			v = v[i+2:]
			continue
		}
		b.WriteString(v[:i])
		word := v[i:end]
		if d, err := wordDecoder.Decode(word); err == nil {
			b.WriteString(d)
		} else {
			b.WriteString(word)
		}
		v = v[end:]
		// Whitespace between adjacent encoded words is dropped (RFC 2047 6.2).
		if t := strings.TrimLeft(v, " \t"); strings.HasPrefix(t, "=?") {
			v = t
		}
	}
	return b.String()
}

// parseMediaParams parses a Content-Type or Content-Disposition value into a
// lower-case value and parameters, decoding RFC 2231 (any charset,
// continuations) and RFC 2047 words inside quoted values.
//
// This is hand-written instead of mime.ParseMediaType because the standard
// parser rejects the whole header for common defects (stray semicolons,
// unquoted specials, duplicate parameters) and silently drops RFC 2231 values
// in charsets other than UTF-8 and ASCII, which loses GBK or Shift_JIS file
// names.
func parseMediaParams(v string) (string, map[string]string) {
	params := map[string]string{}
	v = strings.TrimSpace(v)
	if v == "" {
		return "", params
	}
	semi := strings.IndexByte(v, ';')
	value := v
	rest := ""
	if semi >= 0 {
		value, rest = v[:semi], v[semi+1:]
	}
	value = strings.ToLower(strings.TrimSpace(value))
	if i := strings.IndexAny(value, " \t\""); i >= 0 {
		value = value[:i]
	}

	type piece struct {
		val     string
		encoded bool
	}
	continued := map[string]map[int]piece{}
	plain := map[string]string{}
	for len(rest) > 0 {
		rest = strings.TrimLeft(rest, " \t;")
		if rest == "" {
			break
		}
		eq := strings.IndexAny(rest, "=;")
		if eq < 0 || rest[eq] == ';' {
			// A token without a value: skip it.
			if eq < 0 {
				break
			}
			rest = rest[eq+1:]
			continue
		}
		key := strings.ToLower(strings.TrimSpace(rest[:eq]))
		rest = strings.TrimLeft(rest[eq+1:], " \t")
		var val string
		if strings.HasPrefix(rest, `"`) {
			var b strings.Builder
			i := 1
			for ; i < len(rest); i++ {
				c := rest[i]
				if c == '\\' && i+1 < len(rest) {
					i++
					b.WriteByte(rest[i])
					continue
				}
				if c == '"' {
					break
				}
				b.WriteByte(c)
			}
			val = b.String()
			if i < len(rest) {
				rest = rest[i+1:]
			} else {
				rest = ""
			}
			if j := strings.IndexByte(rest, ';'); j >= 0 {
				rest = rest[j+1:]
			} else {
				rest = ""
			}
		} else {
			j := strings.IndexByte(rest, ';')
			if j < 0 {
				val, rest = strings.TrimSpace(rest), ""
			} else {
				val, rest = strings.TrimSpace(rest[:j]), rest[j+1:]
			}
		}
		if key == "" {
			continue
		}
		// RFC 2231: name*N*, name*N, name*
		base := key
		encoded := false
		if strings.HasSuffix(base, "*") {
			encoded = true
			base = strings.TrimSuffix(base, "*")
		}
		if star := strings.LastIndexByte(base, '*'); star > 0 {
			if n, ok := atoiSmall(base[star+1:]); ok {
				name := base[:star]
				if continued[name] == nil {
					continued[name] = map[int]piece{}
				}
				continued[name][n] = piece{val, encoded}
				continue
			}
		}
		if encoded {
			if continued[base] == nil {
				continued[base] = map[int]piece{}
			}
			continued[base][0] = piece{val, true}
			continue
		}
		if _, dup := plain[key]; !dup {
			plain[key] = val
		}
	}
	for k, v := range plain {
		params[k] = decodeHeaderText(v, "")
	}
	for name, pieces := range continued {
		var raw []byte
		charset := ""
		for i := 0; i < len(pieces) && i < 1000; i++ {
			p, ok := pieces[i]
			if !ok {
				break
			}
			s := p.val
			if p.encoded {
				if i == 0 {
					if parts := strings.SplitN(s, "'", 3); len(parts) == 3 {
						charset, s = parts[0], parts[2]
					}
				}
				if u, err := url.PathUnescape(s); err == nil {
					s = u
				} else {
					s = percentDecodeLenient(s)
				}
			}
			raw = append(raw, s...)
		}
		dec, _ := decodeCharset(charset, raw)
		params[name] = decodeHeaderText(dec, "")
	}
	return value, params
}

func atoiSmall(s string) (int, bool) {
	if s == "" || len(s) > 4 {
		return 0, false
	}
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func percentDecodeLenient(s string) string {
	var b []byte
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		b = append(b, s[i])
	}
	return string(b)
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// decodeTransfer undoes the Content-Transfer-Encoding, never producing more
// than limit bytes. damaged reports input that had to be skipped.
func decodeTransfer(cte string, body []byte, limit int) (out []byte, damaged bool) {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "", "7bit", "8bit", "binary":
		if len(body) > limit {
			return body[:limit], true
		}
		return body, false
	case "base64":
		return decodeBase64Lenient(body, limit)
	case "quoted-printable":
		return decodeQPLenient(body, limit)
	default:
		// Unknown encodings are shown as they are.
		if len(body) > limit {
			body = body[:limit]
		}
		return body, true
	}
}

// decodeBase64Lenient decodes base64 while skipping characters outside the
// alphabet and tolerating missing padding. encoding/base64 stops at the first
// bad byte, which would lose the rest of an otherwise readable part.
func decodeBase64Lenient(in []byte, limit int) ([]byte, bool) {
	if out, ok := decodeBase64Strict(in, limit); ok {
		return out, false
	}
	out := make([]byte, 0, min(len(in)/4*3+3, limit))
	var acc uint32
	n := 0
	damaged := false
	for _, c := range in {
		var v byte
		switch {
		case c >= 'A' && c <= 'Z':
			v = c - 'A'
		case c >= 'a' && c <= 'z':
			v = c - 'a' + 26
		case c >= '0' && c <= '9':
			v = c - '0' + 52
		case c == '+' || c == '-':
			v = 62
		case c == '/' || c == '_':
			v = 63
		case c == '=':
			// Padding ends a quantum; senders that concatenate encoded
			// chunks leave padding mid-stream, so flush and realign.
			switch n {
			case 2:
				out = append(out, byte(acc>>4))
			case 3:
				out = append(out, byte(acc>>10), byte(acc>>2))
			}
			acc, n = 0, 0
			continue
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			continue
		default:
			damaged = true
			continue
		}
		acc = acc<<6 | uint32(v)
		n++
		if n == 4 {
			if len(out)+3 > limit {
				return out, true
			}
			out = append(out, byte(acc>>16), byte(acc>>8), byte(acc))
			acc, n = 0, 0
		}
	}
	switch n {
	case 1:
		damaged = true
	case 2:
		out = append(out, byte(acc>>4))
	case 3:
		out = append(out, byte(acc>>10), byte(acc>>2))
	}
	if len(out) > limit {
		out = out[:limit]
		damaged = true
	}
	return out, damaged
}

// decodeBase64Strict is the fast path for well-formed input: line breaks
// removed, then the standard decoder. ok is false if anything is amiss.
func decodeBase64Strict(in []byte, limit int) ([]byte, bool) {
	clean := make([]byte, 0, len(in))
	for len(in) > 0 {
		i := bytes.IndexByte(in, '\n')
		line := in
		if i >= 0 {
			line, in = in[:i], in[i+1:]
		} else {
			in = nil
		}
		clean = append(clean, bytes.TrimRight(line, " \t\r")...)
	}
	if len(clean)%4 != 0 || base64.StdEncoding.DecodedLen(len(clean)) > limit+2 {
		return nil, false
	}
	out := make([]byte, base64.StdEncoding.DecodedLen(len(clean)))
	n, err := base64.StdEncoding.Decode(out, clean)
	if err != nil || n > limit {
		return nil, false
	}
	return out[:n], true
}

// base64Size is the decoded size of base64 input as decodeBase64Lenient
// would produce it, without decoding.
func base64Size(in []byte) int64 {
	var size int64
	n := 0
	partial := func() {
		switch n {
		case 2:
			size++
		case 3:
			size += 2
		}
		n = 0
	}
	for _, c := range in {
		switch {
		case (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			c == '+' || c == '/' || c == '-' || c == '_':
			n++
			if n == 4 {
				size += 3
				n = 0
			}
		case c == '=':
			partial()
		}
	}
	partial()
	return size
}

// decodeQPLenient decodes quoted-printable, keeping malformed escapes as
// literal text. mime/quotedprintable returns an error at the first malformed
// escape and the remainder of the part would be lost.
func decodeQPLenient(in []byte, limit int) ([]byte, bool) {
	out := make([]byte, 0, min(len(in), limit))
	damaged := false
	for i := 0; i < len(in); i++ {
		if len(out) >= limit {
			return out, true
		}
		c := in[i]
		if c != '=' {
			if c == ' ' || c == '\t' {
				// Trailing whitespace on a line is transport padding.
				j := i
				for j < len(in) && (in[j] == ' ' || in[j] == '\t') {
					j++
				}
				if j == len(in) || in[j] == '\n' || (in[j] == '\r' && j+1 < len(in) && in[j+1] == '\n') {
					i = j - 1
					continue
				}
			}
			out = append(out, c)
			continue
		}
		// Soft line break: "=" then optional whitespace then (CR)LF.
		j := i + 1
		for j < len(in) && (in[j] == ' ' || in[j] == '\t') {
			j++
		}
		if j < len(in) && in[j] == '\n' {
			i = j
			continue
		}
		if j+1 < len(in) && in[j] == '\r' && in[j+1] == '\n' {
			i = j + 1
			continue
		}
		if j == len(in) {
			break
		}
		if i+2 < len(in) && isHex(in[i+1]) && isHex(in[i+2]) {
			out = append(out, unhex(in[i+1])<<4|unhex(in[i+2]))
			i += 2
			continue
		}
		damaged = true
		out = append(out, '=')
	}
	return out, damaged
}

// decodeTextPart decodes a text part's bytes to UTF-8.
func decodeTextPart(n *node, b []byte, st *treeState) string {
	cs := n.params["charset"]
	if cs == "" && n.mediaType == "text/html" {
		// Mail clients often convert the body to UTF-8 but keep the page's
		// <meta charset>; trust the meta only when the bytes are not UTF-8.
		if enc, name, _ := xcharset.DetermineEncoding(b, "text/html"); !utf8.Valid(b) && name != "utf-8" && name != "windows-1252" {
			if out, err := enc.NewDecoder().Bytes(b); err == nil {
				return toValidUTF8(out, "")
			}
		}
	}
	s, ok := decodeCharset(cs, b)
	if !ok {
		st.warn("unknown charset %q; text shown as best guess", truncate(cs, 40))
	}
	return s
}
