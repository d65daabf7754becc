package pop3

import (
	"bytes"
	"strings"
	"time"
	"unicode/utf8"

	"hongyan/mailcore/message"
	"hongyan/mailcore/store"
)

// UnparseableSubject is the subject given to a retrieved message that is
// not an RFC 5322 message at all. It is stored raw all the same and shown as
// raw text.
const UnparseableSubject = "(unparseable message)"

// summarize builds the list entry of a retrieved message. The message is
// stored whatever it contains; retrieved is its INTERNALDATE.
func summarize(raw []byte, retrieved time.Time) store.Summary {
	s := store.Summary{InternalDate: retrieved, Size: int64(len(raw))}
	if !looksLikeMessage(raw) {
		s.Subject = UnparseableSubject
		s.Preview = rawPreview(raw)
		return s
	}
	h := message.ParseHeaderSummary(raw)
	s.Subject = h.Subject
	s.Date = h.Date
	if len(h.From) > 0 {
		s.From = store.Address{Name: h.From[0].Name, Addr: h.From[0].Email}
	}
	s.To = addrs(h.To)
	s.Cc = addrs(h.Cc)
	s.MessageID = h.MessageID
	s.InReplyTo = h.InReplyTo
	s.References = h.References
	s.HasAttachments = h.HasAttachments
	s.Preview = h.Preview
	return s
}

func addrs(in []message.Address) []store.Address {
	if len(in) == 0 {
		return nil
	}
	out := make([]store.Address, len(in))
	for i, a := range in {
		out[i] = store.Address{Name: a.Name, Addr: a.Email}
	}
	return out
}

// looksLikeMessage reports whether raw starts with a header field
// ("Name: value", RFC 5322 field-name characters) — the least a message
// must have for its header to mean anything.
func looksLikeMessage(raw []byte) bool {
	line := raw
	if i := bytes.IndexByte(raw, '\n'); i >= 0 {
		line = raw[:i]
	}
	colon := bytes.IndexByte(line, ':')
	if colon <= 0 {
		return false
	}
	name := bytes.TrimRight(line[:colon], " \t")
	if len(name) == 0 {
		return false
	}
	for _, c := range name {
		if c < 33 || c > 126 {
			return false
		}
	}
	return true
}

// rawPreview is the start of an unparseable message as text.
func rawPreview(raw []byte) string {
	if len(raw) > 4*message.PreviewLength {
		raw = raw[:4*message.PreviewLength]
	}
	s := strings.ToValidUTF8(string(raw), "\uFFFD")
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > message.PreviewLength {
		r := []rune(s)
		s = string(r[:message.PreviewLength])
	}
	return s
}
