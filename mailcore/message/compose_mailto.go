package message

import (
	"errors"
	"net/url"
	"strings"
	"unicode/utf8"
)

// MaxMailtoLength bounds the mailto URLs ParseMailto accepts.
const MaxMailtoLength = 64 << 10

// ErrNotMailto is returned by ParseMailto for a URL of another scheme.
var ErrNotMailto = errors.New("message: not a mailto: URL")

// ParseMailto turns an RFC 6068 mailto: URL into a draft. Recipients come
// from the path and the to, cc and bcc fields; subject, body and
// in-reply-to are honoured; every other header field is ignored as unsafe.
// Percent-encoding is decoded as UTF-8 ("+" stays a plus sign). Line breaks
// in the subject become spaces; in the body they are kept.
func ParseMailto(u string) (*Draft, error) {
	if len(u) > MaxMailtoLength {
		return nil, &FieldError{Field: "mailto", Reason: "URL is too long"}
	}
	u = strings.TrimSpace(u)
	if len(u) < 7 || !strings.EqualFold(u[:7], "mailto:") {
		return nil, ErrNotMailto
	}
	rest := u[7:]
	if i := strings.IndexByte(rest, '#'); i >= 0 {
		rest = rest[:i]
	}
	path, query, _ := strings.Cut(rest, "?")
	d := &Draft{}
	addTo := func(field, enc string, dst *[]Address) error {
		v, err := mailtoDecode(field, enc)
		if err != nil {
			return err
		}
		as, err := mailtoAddresses(field, v)
		if err != nil {
			return err
		}
		*dst = append(*dst, as...)
		return nil
	}
	if err := addTo("to", path, &d.To); err != nil {
		return nil, err
	}
	var body []string
	for _, kv := range strings.Split(query, "&") {
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		key, err := mailtoDecode("field name", k)
		if err != nil {
			return nil, err
		}
		switch strings.ToLower(key) {
		case "to":
			err = addTo("to", v, &d.To)
		case "cc":
			err = addTo("cc", v, &d.Cc)
		case "bcc":
			err = addTo("bcc", v, &d.Bcc)
		case "subject":
			var s string
			s, err = mailtoDecode("subject", v)
			if err == nil {
				d.Subject = oneLine(s)
			}
		case "body":
			var s string
			s, err = mailtoDecode("body", v)
			if err == nil {
				s = strings.ReplaceAll(s, "\r\n", "\n")
				body = append(body, strings.ReplaceAll(s, "\x00", ""))
			}
		case "in-reply-to":
			var s string
			s, err = mailtoDecode("in-reply-to", v)
			if err == nil {
				s = strings.TrimSpace(oneLine(s))
				if id, e := checkID("In-Reply-To", s); e == nil {
					d.InReplyTo = id
					d.References = []string{id}
				}
			}
		}
		if err != nil {
			return nil, err
		}
	}
	d.Text = strings.Join(body, "\n")
	return d, nil
}

func mailtoDecode(field, s string) (string, error) {
	v, err := url.PathUnescape(s)
	if err != nil {
		return "", &FieldError{Field: "mailto " + field, Value: s, Reason: "bad percent-encoding"}
	}
	if !utf8.ValidString(v) {
		return "", &FieldError{Field: "mailto " + field, Value: s, Reason: "is not UTF-8"}
	}
	return v, nil
}

// oneLine replaces line breaks and NULs by spaces.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' || r == 0 {
			return ' '
		}
		return r
	}, s)
}

// mailtoAddresses splits a comma-separated list. Plain addr-specs are the
// rule (RFC 6068); "Name <addr>" is accepted too.
func mailtoAddresses(field, s string) ([]Address, error) {
	var out []Address
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if strings.ContainsAny(part, "\r\n\x00") {
			return nil, &FieldError{Field: "mailto " + field, Value: part, Reason: "must not contain a line break or NUL"}
		}
		var a Address
		if strings.ContainsAny(part, "<\"") {
			as, err := parseAddressList(part)
			if err != nil || len(as) != 1 {
				return nil, &FieldError{Field: "mailto " + field, Value: part, Reason: "is not an address"}
			}
			a = as[0]
		} else {
			a = Address{Email: part}
		}
		if _, err := ValidateAddress(a.Email); err != nil {
			return nil, err
		}
		if checkField("name", a.Name) != nil {
			return nil, &FieldError{Field: "mailto " + field, Value: part, Reason: "has an unusable name"}
		}
		out = append(out, a)
	}
	return out, nil
}
