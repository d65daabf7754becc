package message

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
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

// Wording is the language of the lines a reply or an inline forward adds
// to the body: they go out in the message, so they are in the language of
// the person writing it (the interface's), not always English. A field
// left empty takes English's.
type Wording struct {
	// Wrote is the line above quoted text, for the original's sender and
	// date as DateLayout formats it ("" for a message without a date);
	// Undated is that line for a message without a date. Both are
	// fmt-free templates: "{who}" and "{date}" are replaced.
	Wrote, Undated string
	// Someone stands for a sender the original does not name.
	Someone string
	// DateLayout formats the date of Wrote (a time.Format layout).
	DateLayout string
	// Forwarded opens the original's part of an inline forward; the
	// labels name its header lines, ForwardDateLayout formats its date.
	Forwarded                   string
	From, Date, Subject, To, Cc string
	ForwardDateLayout           string
}

// English is the wording of replies and forwards in English.
var English = Wording{
	Wrote:             "On {date}, {who} wrote:",
	Undated:           "{who} wrote:",
	Someone:           "someone",
	DateLayout:        "Mon, 2 Jan 2006 at 15:04",
	Forwarded:         "---------- Forwarded message ----------",
	From:              "From:",
	Date:              "Date:",
	Subject:           "Subject:",
	To:                "To:",
	Cc:                "Cc:",
	ForwardDateLayout: "Mon, 2 Jan 2006 15:04:05 -0700",
}

// filled is w with English's text where w has none.
func (w Wording) filled() Wording {
	or := func(s *string, def string) {
		if *s == "" {
			*s = def
		}
	}
	e := English
	or(&w.Wrote, e.Wrote)
	or(&w.Undated, e.Undated)
	or(&w.Someone, e.Someone)
	or(&w.DateLayout, e.DateLayout)
	or(&w.Forwarded, e.Forwarded)
	or(&w.From, e.From)
	or(&w.Date, e.Date)
	or(&w.Subject, e.Subject)
	or(&w.To, e.To)
	or(&w.Cc, e.Cc)
	or(&w.ForwardDateLayout, e.ForwardDateLayout)
	return w
}

// Attribution is the line put above quoted text, in English.
func Attribution(o Original) string { return English.Attribution(o) }

// Attribution is the line put above quoted text.
func (w Wording) Attribution(o Original) string {
	w = w.filled()
	who := w.Someone
	if len(o.From) > 0 {
		who = o.From[0].String()
	}
	if o.Date.IsZero() {
		return strings.ReplaceAll(w.Undated, "{who}", who)
	}
	// {who} last: a sender's name may itself hold "{date}".
	line := strings.ReplaceAll(w.Wrote, "{date}", o.Date.Format(w.DateLayout))
	return strings.ReplaceAll(line, "{who}", who)
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
	return English.ReplyDraft(o, self, all)
}

// ReplyDraft is the package's ReplyDraft with the attribution in w.
func (w Wording) ReplyDraft(o Original, self []Address, all bool) *Draft {
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
	d.Text = "\n\n" + w.Attribution(o) + "\n" + QuoteText(o.Text) + "\n"
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
	return English.ForwardDraft(o, from, asAttachment)
}

// ForwardDraft is the package's ForwardDraft with the lines of an inline
// forward in w.
func (w Wording) ForwardDraft(o Original, from Address, asAttachment bool) *Draft {
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
	w = w.filled()
	var b strings.Builder
	line := func(label, value string) {
		// "From: x", but "发件人：x": a full-width colon has its space.
		if r, _ := utf8.DecodeLastRuneInString(label); r < utf8.RuneSelf {
			label += " "
		}
		b.WriteString(label + value + "\n")
	}
	b.WriteString("\n\n" + w.Forwarded + "\n")
	line(w.From, joinAddrs(o.From))
	if !o.Date.IsZero() {
		line(w.Date, o.Date.Format(w.ForwardDateLayout))
	}
	line(w.Subject, oneLine(o.Subject))
	if len(o.To) > 0 {
		line(w.To, joinAddrs(o.To))
	}
	if len(o.Cc) > 0 {
		line(w.Cc, joinAddrs(o.Cc))
	}
	b.WriteString("\n")
	b.WriteString(strings.ReplaceAll(o.Text, "\r\n", "\n"))
	d.Text = b.String()
	d.Attachments = append([]DraftAttachment(nil), o.Attachments...)
	return d
}
