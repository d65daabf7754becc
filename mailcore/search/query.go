// Package search finds messages in the local cache with a Gmail-like query
// language over the full-text index the store keeps (see store/search.go),
// and merges local results with a server's search.
package search

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Field is the part of a message a Term must match.
type Field int

const (
	AnyField Field = iota // subject, names, addresses, body, attachment names
	FieldFrom
	FieldTo // To and Cc
	FieldSubject
)

func (f Field) String() string {
	switch f {
	case FieldFrom:
		return "from"
	case FieldTo:
		return "to"
	case FieldSubject:
		return "subject"
	}
	return "text"
}

// Term is one word or quoted phrase of a query.
type Term struct {
	Field  Field
	Text   string
	Phrase bool // written in quotes: exact words, in this order, no prefix match
	Not    bool // written with a leading '-': the term must not match
}

// Tri is a yes / no / don't care filter.
type Tri int

const (
	Any Tri = iota
	Yes
	No
)

// Query is a parsed search.
type Query struct {
	Terms         []Term
	HasAttachment bool
	Unread        Tri       // is:unread → Yes, is:read → No
	Flagged       Tri       // is:flagged → Yes
	After         time.Time // on or after this day (local midnight); zero: no bound
	Before        time.Time // before this day (local midnight); zero: no bound
	Folders       []string  // in: folder names or roles; any of them
	Accounts      []string  // account: names; any of them
	Anywhere      bool      // in:anywhere: Trash and Junk too (see SkipsTrashAndJunk)
}

// SkipsTrashAndJunk reports whether the query leaves the Trash and Junk
// folders out: when it names no folder (and not in:anywhere), as webmail
// search does; deleted mail and spam are rarely what a search is for.
func (q Query) SkipsTrashAndJunk() bool { return len(q.Folders) == 0 && !q.Anywhere }

// Empty reports whether the query has no condition at all.
func (q Query) Empty() bool {
	return len(q.Terms) == 0 && !q.HasAttachment && q.Unread == Any && q.Flagged == Any &&
		q.After.IsZero() && q.Before.IsZero() && len(q.Folders) == 0 && len(q.Accounts) == 0
}

// ParseError describes a query the parser cannot accept.
type ParseError struct {
	Pos   int    // byte offset of the offending token in the query
	Token string // the token as written
	Msg   string
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("search: %s (at %q, position %d)", e.Msg, e.Token, e.Pos)
}

// MaxQueryLen bounds the input the parser looks at; the rest is ignored.
const MaxQueryLen = 4096

// MaxTerms bounds the number of text terms kept from one query.
const MaxTerms = 32

// Parse parses a query in the local time zone. Syntax:
//
//	word  "quoted phrase"  -word (must not match)
//	from:x  to:x  subject:x   (x a word or "a phrase")
//	has:attachment  is:unread  is:read  is:flagged  is:unflagged
//	before:YYYY-MM-DD  after:YYYY-MM-DD
//	in:folder (a folder name, or a role: inbox sent drafts trash junk archive;
//	          without in:, Trash and Junk are left out; in:anywhere keeps them)
//	account:name
//
// Unknown prefixes such as "http:" are kept as words. Errors name the token.
func Parse(q string) (Query, error) { return ParseIn(q, time.Local) }

// ParseIn is Parse with dates taken in loc.
func ParseIn(q string, loc *time.Location) (Query, error) {
	var out Query
	if loc == nil {
		loc = time.Local
	}
	if len(q) > MaxQueryLen {
		q = q[:MaxQueryLen]
	}
	q = strings.ToValidUTF8(q, " ")
	for _, tok := range tokenize(q) {
		if err := out.add(tok, loc); err != nil {
			return Query{}, err
		}
	}
	return out, nil
}

type token struct {
	pos    int
	not    bool
	key    string // lower-cased operator name, "" for a plain term
	value  string
	quoted bool
	raw    string
}

// tokenize splits on white space outside quotes; an operator value may be
// quoted (from:"Alice Smith"). An unterminated quote runs to the end.
func tokenize(q string) []token {
	var toks []token
	i := 0
	for i < len(q) {
		r, n := utf8.DecodeRuneInString(q[i:])
		if unicode.IsSpace(r) {
			i += n
			continue
		}
		start := i
		t := token{pos: start}
		if q[i] == '-' && i+1 < len(q) && !isSpaceByte(q[i+1]) {
			t.not = true
			i++
		}
		// operator name: letters followed by ':'
		j := i
		for j < len(q) && (q[j] >= 'a' && q[j] <= 'z' || q[j] >= 'A' && q[j] <= 'Z') {
			j++
		}
		if j > i && j < len(q) && q[j] == ':' {
			t.key = strings.ToLower(q[i:j])
			i = j + 1
		}
		if i < len(q) && (q[i] == '"' || strings.HasPrefix(q[i:], "“")) {
			_, qn := utf8.DecodeRuneInString(q[i:])
			i += qn
			end := strings.IndexAny(q[i:], "\"”")
			if end < 0 {
				t.value = q[i:]
				i = len(q)
			} else {
				t.value = q[i : i+end]
				_, cn := utf8.DecodeRuneInString(q[i+end:])
				i += end + cn
			}
			t.quoted = true
		} else {
			j := i
			for j < len(q) {
				r, n := utf8.DecodeRuneInString(q[j:])
				if unicode.IsSpace(r) {
					break
				}
				j += n
			}
			t.value = q[i:j]
			i = j
		}
		t.raw = q[start:i]
		toks = append(toks, t)
	}
	return toks
}

func isSpaceByte(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' }

var roleAliases = map[string]string{
	"inbox": "inbox", "sent": "sent", "drafts": "drafts", "draft": "drafts", "trash": "trash",
	"junk": "junk", "spam": "junk", "archive": "archive",
}

func (out *Query) add(t token, loc *time.Location) error {
	bad := func(msg string) error { return &ParseError{Pos: t.pos, Token: t.raw, Msg: msg} }
	value := strings.TrimSpace(t.value)
	addTerm := func(f Field, text string, phrase bool) {
		text = strings.TrimSpace(text)
		if text == "" || len(out.Terms) >= MaxTerms {
			return
		}
		out.Terms = append(out.Terms, Term{Field: f, Text: text, Phrase: phrase, Not: t.not})
	}
	switch t.key {
	case "":
		addTerm(AnyField, t.value, t.quoted)
		return nil
	case "from", "to", "subject", "cc":
		f := map[string]Field{"from": FieldFrom, "to": FieldTo, "cc": FieldTo, "subject": FieldSubject}[t.key]
		if value == "" {
			return bad("missing value after " + t.key + ":")
		}
		addTerm(f, value, t.quoted)
		return nil
	}
	if t.not {
		return bad("'-' can only negate words, phrases, from:, to: and subject:")
	}
	lv := strings.ToLower(value)
	switch t.key {
	case "has":
		switch lv {
		case "attachment", "attachments", "attach":
			out.HasAttachment = true
		case "":
			return bad("missing value after has: (try has:attachment)")
		default:
			return bad("unknown has: value (try has:attachment)")
		}
	case "is":
		switch lv {
		case "unread":
			out.Unread = Yes
		case "read":
			out.Unread = No
		case "flagged", "starred":
			out.Flagged = Yes
		case "unflagged":
			out.Flagged = No
		case "":
			return bad("missing value after is: (unread, read, flagged)")
		default:
			return bad("unknown is: value (unread, read, flagged, unflagged)")
		}
	case "before", "after":
		if value == "" {
			return bad("missing date after " + t.key + ": (YYYY-MM-DD)")
		}
		d, err := parseDay(value, loc)
		if err != nil {
			return bad("bad date, want YYYY-MM-DD")
		}
		if t.key == "before" {
			out.Before = d
		} else {
			out.After = d
		}
	case "in":
		if value == "" {
			return bad("missing folder after in:")
		}
		if strings.EqualFold(value, "anywhere") {
			out.Anywhere = true
			break
		}
		out.Folders = append(out.Folders, value)
	case "account":
		if value == "" {
			return bad("missing account after account:")
		}
		out.Accounts = append(out.Accounts, value)
	default:
		// Not an operator ("http://…", "10:30"): an ordinary word.
		addTerm(AnyField, t.raw[boolIdx(t.not):], t.quoted)
	}
	return nil
}

func boolIdx(b bool) int {
	if b {
		return 1
	}
	return 0
}

// parseDay accepts YYYY-MM-DD (also with '/' or '.') and returns local
// midnight of that day.
func parseDay(v string, loc *time.Location) (time.Time, error) {
	v = strings.NewReplacer("/", "-", ".", "-").Replace(v)
	d, err := time.ParseInLocation("2006-1-2", v, loc)
	if err != nil {
		return time.Time{}, err
	}
	if d.Year() < 1970 || d.Year() > 9999 {
		return time.Time{}, fmt.Errorf("year out of range")
	}
	return d, nil
}
