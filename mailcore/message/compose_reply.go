package message

import (
	"strings"
	"time"
	"unicode"
)

// Original is what the reply and forward helpers need of the message being
// answered. Callers fill it from whatever they hold (a parsed Message, a
// cached summary), so this package does not depend on the store.
type Original struct {
	From, ReplyTo, To, Cc []Address
	Subject               string
	Date                  time.Time
	MessageID             string
	InReplyTo             string
	References            []string
	Text                  string            // plain text body, already decoded
	Raw                   []byte            // full source, for forwarding as an attachment
	Attachments           []DraftAttachment // carried along by an inline forward
}

var (
	replyPrefixes   = []string{"re", "aw", "sv", "回复", "答复"}
	forwardPrefixes = []string{"fwd", "fw", "转发"}
)

// stripPrefix removes one leading prefix from the list (case-insensitive,
// with an optional counter such as "Re[2]" or "Re^2", then an ASCII or a
// full-width colon). It reports whether one was removed.
func stripPrefix(s string, prefixes []string) (string, bool) {
	t := strings.TrimLeftFunc(s, unicode.IsSpace)
	for _, p := range prefixes {
		if len(t) < len(p) || !strings.EqualFold(t[:len(p)], p) {
			continue
		}
		r := t[len(p):]
		if strings.HasPrefix(r, "[") {
			if i := strings.IndexByte(r, ']'); i > 0 && i < 6 {
				r = r[i+1:]
			}
		} else if strings.HasPrefix(r, "^") {
			i := 1
			for i < len(r) && r[i] >= '0' && r[i] <= '9' {
				i++
			}
			r = r[i:]
		}
		r = strings.TrimLeft(r, " ")
		switch {
		case strings.HasPrefix(r, ":"):
			return strings.TrimLeftFunc(r[1:], unicode.IsSpace), true
		case strings.HasPrefix(r, "："):
			return strings.TrimLeftFunc(r[len("："):], unicode.IsSpace), true
		}
	}
	return s, false
}

// ReplySubject returns "Re: " and the subject without its reply prefixes
// ("Re: Re: x", "RE: x", "回复：x" all give "Re: x").
func ReplySubject(s string) string {
	s = strings.TrimSpace(s)
	for {
		t, ok := stripPrefix(s, replyPrefixes)
		if !ok {
			break
		}
		s = t
	}
	return "Re: " + s
}

// ForwardSubject returns "Fwd: " and the subject without its forward
// prefixes ("Fwd:", "Fw:", "转发：").
func ForwardSubject(s string) string {
	s = strings.TrimSpace(s)
	for {
		t, ok := stripPrefix(s, forwardPrefixes)
		if !ok {
			break
		}
		s = t
	}
	return "Fwd: " + s
}

func sameAddr(a, b string) bool {
	return strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b))
}

func isSelf(a Address, self []Address) bool {
	for _, s := range self {
		if sameAddr(a.Email, s.Email) {
			return true
		}
	}
	return false
}

// appendUnique adds addresses not already present, nor the user's own.
func appendUnique(dst []Address, self []Address, add ...Address) []Address {
	for _, a := range add {
		if strings.TrimSpace(a.Email) == "" || isSelf(a, self) {
			continue
		}
		dup := false
		for _, d := range dst {
			if sameAddr(d.Email, a.Email) {
				dup = true
				break
			}
		}
		if !dup {
			dst = append(dst, a)
		}
	}
	return dst
}

// Attribution is the line put above quoted text.
func Attribution(o Original) string {
	who := "someone"
	if len(o.From) > 0 {
		who = o.From[0].String()
	}
	if o.Date.IsZero() {
		return who + " wrote:"
	}
	return "On " + o.Date.Format("Mon, 2 Jan 2006 at 15:04") + ", " + who + " wrote:"
}

// QuoteText prefixes every line with "> " (">" on lines already quoted, so
// that the levels read ">>").
func QuoteText(text string) string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.TrimRight(text, "\n")
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		switch {
		case strings.HasPrefix(l, ">"):
			lines[i] = ">" + l
		case l == "":
			lines[i] = ">"
		default:
			lines[i] = "> " + l
		}
	}
	return strings.Join(lines, "\n")
}

func threadRefs(o Original) []string {
	var refs []string
	for _, r := range o.References {
		if b := bareID(r); b != "" {
			refs = append(refs, b)
		}
	}
	if len(refs) == 0 && o.InReplyTo != "" {
		refs = append(refs, bareID(o.InReplyTo))
	}
	if id := bareID(o.MessageID); id != "" {
		refs = append(refs, id)
	}
	return refs
}

// ReplyDraft prepares a reply. self holds the user's own addresses (every
// identity of the account): the reply is sent from the one the original was
// addressed to (else the first), and a reply-all never goes back to the
// user. Reply-To is honoured. A reply to one's own message goes to its
// original recipients.
func ReplyDraft(o Original, self []Address, all bool) *Draft {
	d := &Draft{Subject: ReplySubject(o.Subject)}
	if len(self) > 0 {
		d.From = self[0]
	}
	for _, a := range append(append([]Address{}, o.To...), o.Cc...) {
		if s := matchSelf(a, self); s != nil {
			d.From = *s
			break
		}
	}
	fromSelf := len(o.From) > 0 && isSelf(o.From[0], self)
	switch {
	case len(o.ReplyTo) > 0:
		d.To = appendUnique(nil, nil, o.ReplyTo...)
	case fromSelf:
		d.To = appendUnique(nil, self, o.To...)
	default:
		d.To = appendUnique(nil, nil, o.From...)
	}
	if all {
		cc := appendUnique(nil, self, o.To...)
		cc = appendUnique(cc, self, o.Cc...)
		if !fromSelf {
			cc = appendUnique(cc, self, o.From...)
		}
		for _, a := range cc {
			if !containsAddr(d.To, a) {
				d.Cc = append(d.Cc, a)
			}
		}
		if len(d.To) == 0 && len(d.Cc) > 0 {
			d.To, d.Cc = d.Cc[:1], d.Cc[1:]
		}
	}
	if id := bareID(o.MessageID); id != "" {
		d.InReplyTo = id
	}
	d.References = threadRefs(o)
	d.Text = "\n\n" + Attribution(o) + "\n" + QuoteText(o.Text) + "\n"
	return d
}

func matchSelf(a Address, self []Address) *Address {
	for i := range self {
		if sameAddr(a.Email, self[i].Email) {
			return &self[i]
		}
	}
	return nil
}

func containsAddr(l []Address, a Address) bool {
	for _, x := range l {
		if sameAddr(x.Email, a.Email) {
			return true
		}
	}
	return false
}

func joinAddrs(l []Address) string {
	s := make([]string, len(l))
	for i, a := range l {
		s[i] = a.String()
	}
	return strings.Join(s, ", ")
}

// ForwardDraft prepares a forward from the given identity: inline (the
// original's headers and text in the body, its attachments carried along)
// or as one message/rfc822 attachment holding the original source.
func ForwardDraft(o Original, from Address, asAttachment bool) *Draft {
	d := &Draft{From: from, Subject: ForwardSubject(o.Subject), References: threadRefs(o)}
	if asAttachment {
		name := strings.TrimSpace(oneLine(o.Subject))
		if name == "" {
			name = "message"
		}
		d.Attachments = []DraftAttachment{{
			Data: o.Raw, Name: SafeFileName(name + ".eml"), ContentType: "message/rfc822",
		}}
		return d
	}
	var b strings.Builder
	b.WriteString("\n\n---------- Forwarded message ----------\n")
	b.WriteString("From: " + joinAddrs(o.From) + "\n")
	if !o.Date.IsZero() {
		b.WriteString("Date: " + o.Date.Format("Mon, 2 Jan 2006 15:04:05 -0700") + "\n")
	}
	b.WriteString("Subject: " + oneLine(o.Subject) + "\n")
	if len(o.To) > 0 {
		b.WriteString("To: " + joinAddrs(o.To) + "\n")
	}
	if len(o.Cc) > 0 {
		b.WriteString("Cc: " + joinAddrs(o.Cc) + "\n")
	}
	b.WriteString("\n")
	b.WriteString(strings.ReplaceAll(o.Text, "\r\n", "\n"))
	d.Text = b.String()
	d.Attachments = append([]DraftAttachment(nil), o.Attachments...)
	return d
}
