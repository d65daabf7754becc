package imap

import (
	"bytes"
	"errors"
	"mime"
	netmail "net/mail"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	gomail "github.com/emersion/go-message/mail"

	"hongyan/mailcore/store"
)

// This file decodes the responses of the header sync's bulk
// `UID FETCH lo:hi (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE
// BODYSTRUCTURE)` by hand instead of through go-imap's decoder.
//
// Why by hand: on a first sync of a large folder the decoding is the
// client's biggest cost. go-imap builds a generic value for every item (an
// Envelope with address slices, a BodyStructure tree with parameter maps,
// a parsed Date through net/mail) at about 30-45 µs a message, which made
// a 100,000-message sync CPU-bound on two cores. Here one response is
// tokenised into a flat, reused slice of tokens that point into the read
// buffer, and only what a store.Summary keeps is turned into strings. The
// results are the same as summaryOf's over go-imap (a test compares both
// on the same server data); everything else the engine does over IMAP
// stays with go-imap.

// tokKind is the kind of one token of a response.
type tokKind uint8

const (
	tokAtom   tokKind = iota // atom or number
	tokString                // quoted string or literal
	tokNil                   // NIL
	tokList                  // parenthesised list; its items follow it
)

// token is one value of a response. A list's items are the tokens after
// it up to end (the index after the list's last descendant).
type token struct {
	val  []byte
	end  int32
	kind tokKind // after end: 32 bytes a token, not 40
}

// fetchParser tokenises one FETCH response at a time; its buffers are
// reused from response to response.
type fetchParser struct {
	toks      []token
	dec       *mime.WordDecoder
	envelopes int // ENVELOPE items in the current response
}

// maxDepth bounds list nesting (a BODYSTRUCTURE of nested multiparts is
// the deepest thing a server sends; a hostile one could nest forever).
const maxDepth = 64

var errSyntax = errors.New("malformed FETCH response")

// parseFetch reads the attribute list of one untagged FETCH response, b
// being everything after "* n FETCH " (literals inline, as received), into
// a Summary. ok is false unless the response holds a UID and an envelope:
// a server also sends FETCH responses of its own (flags changed by another
// session, with the UID under CONDSTORE), which must not be taken for a
// message's summary.
func (p *fetchParser) parseFetch(b []byte) (s store.Summary, ok bool, err error) {
	p.toks = p.toks[:0]
	p.envelopes = 0
	rest, err := p.value(b, 0)
	if err != nil {
		return s, false, err
	}
	if len(bytes.TrimRight(rest, " \r\n")) != 0 {
		return s, false, errSyntax
	}
	if len(p.toks) == 0 || p.toks[0].kind != tokList {
		return s, false, errSyntax
	}
	top := p.toks[0]
	for i := 1; i < int(top.end); {
		name := p.toks[i]
		if name.kind != tokAtom || i+1 >= int(top.end) {
			return s, false, errSyntax
		}
		v := i + 1
		if err := p.item(&s, name.val, v); err != nil {
			return s, false, err
		}
		i = p.next(v)
	}
	return s, s.UID != 0 && p.envelopes > 0, nil
}

// next is the index after token i and its descendants.
func (p *fetchParser) next(i int) int {
	if p.toks[i].kind == tokList {
		return int(p.toks[i].end)
	}
	return i + 1
}

// child is the index of item n of list token i, or -1.
func (p *fetchParser) child(i, n int) int {
	if i < 0 || i >= len(p.toks) || p.toks[i].kind != tokList {
		return -1
	}
	j := i + 1
	for k := 0; k < n; k++ {
		if j >= int(p.toks[i].end) {
			return -1
		}
		j = p.next(j)
	}
	if j >= int(p.toks[i].end) {
		return -1
	}
	return j
}

func (p *fetchParser) count(i int) int {
	if i < 0 || p.toks[i].kind != tokList {
		return 0
	}
	n := 0
	for j := i + 1; j < int(p.toks[i].end); j = p.next(j) {
		n++
	}
	return n
}

// value tokenises one value at the start of b (after optional spaces) and
// returns what follows it.
func (p *fetchParser) value(b []byte, depth int) ([]byte, error) {
	b = skipSP(b)
	if len(b) == 0 {
		return nil, errSyntax
	}
	switch c := b[0]; {
	case c == '(':
		if depth >= maxDepth {
			return nil, errSyntax
		}
		at := len(p.toks)
		p.toks = append(p.toks, token{kind: tokList})
		b = b[1:]
		for {
			b = skipSP(b)
			if len(b) == 0 {
				return nil, errSyntax
			}
			if b[0] == ')' {
				p.toks[at].end = int32(len(p.toks))
				return b[1:], nil
			}
			var err error
			if b, err = p.value(b, depth+1); err != nil {
				return nil, err
			}
		}
	case c == '"':
		return p.quoted(b[1:])
	case c == '{' || (c == '~' && len(b) > 1 && b[1] == '{'):
		return p.literal(b)
	case c == ')':
		return nil, errSyntax
	default:
		n := atomLen(b)
		if n == 0 {
			return nil, errSyntax
		}
		kind := tokAtom
		if n == 3 && (b[0]|0x20) == 'n' && (b[1]|0x20) == 'i' && (b[2]|0x20) == 'l' {
			kind = tokNil
		}
		p.toks = append(p.toks, token{kind: kind, val: b[:n]})
		return b[n:], nil
	}
}

func skipSP(b []byte) []byte {
	for len(b) > 0 && b[0] == ' ' {
		b = b[1:]
	}
	return b
}

// atomEnds marks the bytes that end an atom outside brackets, and '['.
var atomEnds = func() (t [256]bool) {
	for c := 0; c < 0x20; c++ {
		t[c] = true
	}
	for _, c := range []byte(" ()\"{\x7f[") {
		t[c] = true
	}
	return t
}()

// atomLen is the length of the atom at the start of b. A section in
// brackets (BODY[HEADER.FIELDS (A B)]) belongs to the atom.
func atomLen(b []byte) int {
	// Most atoms (numbers, NIL, item names, flags) have no brackets: a
	// table lookup a byte finds their end.
	i := 0
	for i < len(b) && !atomEnds[b[i]] {
		i++
	}
	if i == len(b) || b[i] != '[' {
		return i
	}
	depth := 0
	for i, c := range b {
		switch {
		case c == '[':
			depth++
		case c == ']':
			if depth > 0 {
				depth--
			}
		case depth > 0 && c != '\r' && c != '\n':
		case c == ' ' || c == '(' || c == ')' || c == '"' || c == '{' || c == '\r' || c == '\n' || c < 0x20 || c == 0x7f:
			return i
		}
	}
	return len(b)
}

// quotedStops marks the bytes that end the plain run of a quoted string.
var quotedStops = func() (t [256]bool) {
	for _, c := range []byte("\"\\\r\n") {
		t[c] = true
	}
	return t
}()

func (p *fetchParser) quoted(b []byte) ([]byte, error) {
	for i := 0; i < len(b); i++ {
		if !quotedStops[b[i]] {
			continue
		}
		switch b[i] {
		case '"':
			p.toks = append(p.toks, token{kind: tokString, val: b[:i]})
			return b[i+1:], nil
		case '\\':
			return p.quotedEscaped(b)
		case '\r', '\n':
			return nil, errSyntax
		}
	}
	return nil, errSyntax
}

// quotedEscaped unescapes a quoted string holding backslashes into a
// fresh slice (rare: only subjects and names with quotes do).
func (p *fetchParser) quotedEscaped(b []byte) ([]byte, error) {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		switch c := b[i]; c {
		case '"':
			p.toks = append(p.toks, token{kind: tokString, val: out})
			return b[i+1:], nil
		case '\\':
			if i+1 >= len(b) {
				return nil, errSyntax
			}
			i++
			out = append(out, b[i])
		case '\r', '\n':
			return nil, errSyntax
		default:
			out = append(out, c)
		}
	}
	return nil, errSyntax
}

func (p *fetchParser) literal(b []byte) ([]byte, error) {
	if b[0] == '~' {
		b = b[1:]
	}
	end := bytes.IndexByte(b, '}')
	if end < 2 || end > 12 {
		return nil, errSyntax
	}
	num := b[1:end]
	if num[len(num)-1] == '+' || num[len(num)-1] == '-' {
		num = num[:len(num)-1]
	}
	n, err := strconv.ParseUint(string(num), 10, 32)
	if err != nil {
		return nil, errSyntax
	}
	b = b[end+1:]
	if len(b) < 2 || b[0] != '\r' || b[1] != '\n' || uint64(len(b)-2) < n {
		return nil, errSyntax
	}
	b = b[2:]
	p.toks = append(p.toks, token{kind: tokString, val: b[:n]})
	return b[n:], nil
}

// str is the text of a string, atom or NIL (empty) token.
func (p *fetchParser) str(i int) []byte {
	if i < 0 || i >= len(p.toks) || p.toks[i].kind == tokList || p.toks[i].kind == tokNil {
		return nil
	}
	return p.toks[i].val
}

func (p *fetchParser) item(s *store.Summary, name []byte, v int) error {
	t := p.toks[v]
	switch {
	case asciiEq(name, "UID"):
		u, err := strconv.ParseUint(string(t.val), 10, 32)
		if err != nil || t.kind != tokAtom {
			return errSyntax
		}
		s.UID = uint32(u)
	case asciiEq(name, "FLAGS"):
		if t.kind != tokList {
			return errSyntax
		}
		s.Flags, s.Keywords = 0, nil
		for j := v + 1; j < int(t.end); j = p.next(j) {
			addFlag(&s.Flags, &s.Keywords, string(p.toks[j].val))
		}
	case asciiEq(name, "INTERNALDATE"):
		if t.kind == tokString {
			s.InternalDate = parseInternalDate(t.val)
		}
	case asciiEq(name, "RFC822.SIZE"):
		n, err := strconv.ParseInt(string(t.val), 10, 64)
		if err != nil || t.kind != tokAtom {
			return errSyntax
		}
		s.Size = n
	case asciiEq(name, "MODSEQ"):
		if t.kind != tokList || t.end != int32(v+2) {
			return errSyntax
		}
		n, err := strconv.ParseUint(string(p.toks[v+1].val), 10, 64)
		if err != nil {
			return errSyntax
		}
		s.ModSeq = n
	case asciiEq(name, "ENVELOPE"):
		if t.kind == tokList {
			p.envelopes++
			p.envelope(s, v)
		}
	case asciiEq(name, "BODYSTRUCTURE"), asciiEq(name, "BODY"):
		if t.kind == tokList {
			s.HasAttachments = p.attachments(v, 0)
		}
	}
	return nil
}

func asciiEq(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}

// envelope reads (date subject from sender reply-to to cc bcc in-reply-to
// message-id) as summaryOf does.
func (p *fetchParser) envelope(s *store.Summary, v int) {
	if p.count(v) < 10 {
		return
	}
	s.Date = parseHeaderDate(p.str(p.child(v, 0)))
	s.Subject = strings.ToValidUTF8(p.text(p.str(p.child(v, 1))), "\uFFFD")
	if a, ok := p.firstAddr(p.child(v, 2)); ok {
		s.From = a
	} else if a, ok := p.firstAddr(p.child(v, 3)); ok {
		s.From = a
	}
	if a, ok := p.firstAddr(p.child(v, 4)); ok {
		s.ReplyTo = replyTo(a.Addr, s.From)
	}
	s.To = p.addrs(p.child(v, 5))
	s.Cc = p.addrs(p.child(v, 6))
	if irt := p.str(p.child(v, 8)); len(irt) > 0 {
		if ids := msgIDList(irt); len(ids) > 0 {
			s.InReplyTo = ids[0]
		}
	}
	s.MessageID = msgID(p.str(p.child(v, 9)))
}

// text decodes RFC 2047 encoded words as go-imap's WordDecoder option does.
func (p *fetchParser) text(b []byte) string {
	if bytes.Contains(b, []byte("=?")) {
		dec := p.dec
		if dec == nil {
			dec = wordDecoder
		}
		if out, err := dec.DecodeHeader(string(b)); err == nil {
			return out
		}
	}
	return string(b)
}

// addr reads one address (name adl mailbox host).
func (p *fetchParser) addr(i int) (name, mailbox, host []byte, ok bool) {
	if p.count(i) != 4 {
		return nil, nil, nil, false
	}
	return p.str(p.child(i, 0)), p.str(p.child(i, 2)), p.str(p.child(i, 3)), true
}

func (p *fetchParser) storeAddr(name, mailbox, host []byte) store.Address {
	a := store.Address{Name: strings.ToValidUTF8(p.text(name), "\uFFFD")}
	if len(mailbox) > 0 && len(host) > 0 {
		at := make([]byte, 0, len(mailbox)+1+len(host))
		at = append(append(append(at, mailbox...), '@'), host...)
		if utf8.Valid(at) {
			a.Addr = string(at)
		} else {
			a.Addr = strings.ToValidUTF8(string(at), "\uFFFD")
		}
	}
	return a
}

// firstAddr is the first element of an address list, group markers
// included (as go-imap's list, indexed [0], gives it).
func (p *fetchParser) firstAddr(i int) (store.Address, bool) {
	if i < 0 || p.toks[i].kind != tokList || p.count(i) == 0 {
		return store.Address{}, false
	}
	name, mb, host, ok := p.addr(i + 1)
	if !ok {
		return store.Address{}, false
	}
	return p.storeAddr(name, mb, host), true
}

// addrs lists the addresses of a list, leaving group markers out.
func (p *fetchParser) addrs(i int) []store.Address {
	if i < 0 || p.toks[i].kind != tokList {
		return nil
	}
	var out []store.Address
	for j := i + 1; j < int(p.toks[i].end); j = p.next(j) {
		name, mb, host, ok := p.addr(j)
		if !ok {
			continue
		}
		if len(host) == 0 {
			continue // a group's start (mailbox, no host) or end (neither)
		}
		out = append(out, p.storeAddr(name, mb, host))
	}
	return out
}

// attachments tells whether the body structure at i carries attachments,
// with the rules of hasAttachments: a part whose disposition is
// "attachment", or a part not marked inline that has a file name or is of
// type application. Like BodyStructure.Walk it looks into multiparts but
// not inside attached messages.
func (p *fetchParser) attachments(i, depth int) bool {
	if depth > maxDepth || p.count(i) == 0 {
		return false
	}
	first := i + 1
	if p.toks[first].kind == tokList {
		// Multipart: the parts, the subtype, then the extension data
		// (parameters, disposition, ...).
		parts := 0
		for j := first; j < int(p.toks[i].end) && p.toks[j].kind == tokList; j = p.next(j) {
			parts++
		}
		if d := p.child(i, parts+2); d >= 0 && p.dispositionIs(d, "attachment") {
			return true
		}
		for j, k := first, 0; k < parts; j, k = p.next(j), k+1 {
			if p.attachments(j, depth+1) {
				return true
			}
		}
		return false
	}
	typ, sub := p.str(first), p.str(p.child(i, 1))
	ext := 7
	switch {
	case bytes.EqualFold(typ, []byte("message")) && (bytes.EqualFold(sub, []byte("rfc822")) || bytes.EqualFold(sub, []byte("global"))):
		if e := p.child(i, 7); e >= 0 && p.toks[e].kind == tokList {
			ext = 10
		}
	case bytes.EqualFold(typ, []byte("text")):
		if e := p.child(i, 7); e >= 0 && p.toks[e].kind == tokAtom {
			ext = 8
		}
	}
	disp := p.child(i, ext+1)
	if disp >= 0 && p.dispositionIs(disp, "attachment") {
		return true
	}
	if disp >= 0 && p.dispositionIs(disp, "inline") {
		return false
	}
	if disp >= 0 && p.toks[disp].kind == tokList && len(p.param(p.child(disp, 1), "filename")) > 0 {
		return true
	}
	if len(p.param(p.child(i, 2), "name")) > 0 {
		return true
	}
	return bytes.EqualFold(typ, []byte("application"))
}

func (p *fetchParser) dispositionIs(d int, value string) bool {
	if d < 0 || p.toks[d].kind != tokList {
		return false
	}
	return bytes.EqualFold(p.str(p.child(d, 0)), []byte(value))
}

// param is the value of key in a parameter list (key value key value ...),
// decoded as go-imap decodes it (an encoded word of nothing but spaces
// would still count as a name there: the check is for emptiness only).
func (p *fetchParser) param(l int, key string) []byte {
	if l < 0 || p.toks[l].kind != tokList {
		return nil
	}
	var found []byte
	for j := l + 1; j < int(p.toks[l].end); {
		k := j
		v := p.next(k)
		if v >= int(p.toks[l].end) {
			return nil // a key without value: go-imap rejects the list
		}
		if bytes.EqualFold(p.str(k), []byte(key)) {
			found = p.str(v) // the last one wins, as in a map
		}
		j = p.next(v)
	}
	if len(found) > 0 && bytes.Contains(found, []byte("=?")) {
		return []byte(p.text(found))
	}
	return found
}

// parseInternalDate reads "02-Jan-2006 15:04:05 -0700" (the day may have
// a leading space); a value it cannot read gives the zero time, as a
// failed time.Parse leaves it in go-imap. The exact form every server
// sends is read by hand (fastInternalDate); anything else goes to
// time.Parse.
func parseInternalDate(b []byte) time.Time {
	if t, ok := fastInternalDate(b); ok {
		return t
	}
	t, err := time.Parse("_2-Jan-2006 15:04:05 -0700", string(b))
	if err != nil {
		return time.Time{}
	}
	return t
}

// fastInternalDate reads exactly "DD-Mon-YYYY HH:MM:SS +hhmm" (DD may be
// a space and a digit). By hand because time.Parse, with its layout
// interpreter, was a tenth of the decoder's time; FuzzInternalDate checks
// that both agree.
func fastInternalDate(b []byte) (time.Time, bool) {
	if len(b) != 26 || b[2] != '-' || b[6] != '-' || b[11] != ' ' || b[14] != ':' || b[17] != ':' || b[20] != ' ' {
		return time.Time{}, false
	}
	digits := func(i, n int) (int, bool) { return decimal(b[i : i+n]) }
	dayAt, dayLen := 0, 2
	if b[0] == ' ' {
		dayAt, dayLen = 1, 1
	}
	day, ok1 := digits(dayAt, dayLen)
	year, ok2 := digits(7, 4)
	hh, ok3 := digits(12, 2)
	mm, ok4 := digits(15, 2)
	ss, ok5 := digits(18, 2)
	zh, ok6 := digits(22, 2)
	zm, ok7 := digits(24, 2)
	sign := b[21]
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7) || (sign != '+' && sign != '-') ||
		hh > 23 || mm > 59 || ss > 59 || zh > 23 || zm > 59 {
		return time.Time{}, false
	}
	mon := monthOf(b[3:6])
	if mon == 0 || day < 1 || day > daysIn(mon, year) {
		return time.Time{}, false
	}
	return time.Date(year, mon, day, hh, mm, ss, 0, fixedZone(sign, zh, zm)), true
}

// decimal reads b, ASCII digits only, as a number.
func decimal(b []byte) (int, bool) {
	v := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

// monthOf is the month b names as dates write it ("Jan"), or 0.
func monthOf(b []byte) time.Month {
	for i, m := range months {
		if string(b) == m {
			return time.Month(i + 1)
		}
	}
	return 0
}

// fixedZone is the zone of a numeric offset: sign '+' or '-', hours and
// minutes.
func fixedZone(sign byte, zh, zm int) *time.Location {
	off := (zh*60 + zm) * 60
	if sign == '-' {
		off = -off
	}
	return time.FixedZone("", off)
}

// parseHeaderDate parses an envelope date as net/mail.ParseDate does,
// with a fast path for the usual "Mon, 2 Jan 2006 15:04:05 -0700" form.
func parseHeaderDate(b []byte) time.Time {
	if t, ok := fastDate(b); ok {
		return t
	}
	t, err := netmail.ParseDate(string(b))
	if err != nil {
		return time.Time{}
	}
	return t
}

var months = [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

var weekdays = [7]string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}

// fastDate reads "[Www, ]D[D] Mon YYYY HH:MM:SS +hhmm" exactly; anything
// else (comments, obsolete zones, seconds missing) goes to net/mail.
func fastDate(b []byte) (time.Time, bool) {
	if len(b) > 5 && b[3] == ',' && b[4] == ' ' {
		ok := false
		for _, w := range weekdays {
			if string(b[:3]) == w {
				ok = true
			}
		}
		if !ok {
			return time.Time{}, false
		}
		b = b[5:]
	}
	num := func(n int) (int, bool) {
		if len(b) < n {
			return 0, false
		}
		v, ok := decimal(b[:n])
		b = b[n:]
		return v, ok
	}
	lit := func(c byte) bool {
		if len(b) == 0 || b[0] != c {
			return false
		}
		b = b[1:]
		return true
	}
	dayLen := 2
	if len(b) > 1 && b[1] == ' ' {
		dayLen = 1
	}
	day, ok := num(dayLen)
	if !ok || !lit(' ') || len(b) < 4 || b[3] != ' ' {
		return time.Time{}, false
	}
	mon := monthOf(b[:3])
	if mon == 0 {
		return time.Time{}, false
	}
	b = b[4:]
	year, ok1 := num(4)
	ok2 := lit(' ')
	hh, ok3 := num(2)
	ok4 := lit(':')
	mm, ok5 := num(2)
	ok6 := lit(':')
	ss, ok7 := num(2)
	ok8 := lit(' ')
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7 && ok8) || len(b) != 5 || (b[0] != '+' && b[0] != '-') {
		return time.Time{}, false
	}
	sign := b[0]
	b = b[1:]
	zh, ok9 := num(2)
	zm, ok10 := num(2)
	if !ok9 || !ok10 || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 59 || zm > 59 || zh > 24 {
		return time.Time{}, false
	}
	// net/mail rejects a day past the month's end (time.Parse checks it).
	if day > daysIn(mon, year) {
		return time.Time{}, false
	}
	return time.Date(year, mon, day, hh, mm, ss, 0, fixedZone(sign, zh, zm)), true
}

func daysIn(m time.Month, year int) int {
	switch m {
	case time.February:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

// msgID and msgIDList read Message-ID and In-Reply-To values as go-imap
// does (through go-message's header parser), with a fast path for the
// plain "<id>" form.
func msgID(b []byte) string {
	if id, ok := plainMsgID(b); ok {
		return id
	}
	var h gomail.Header
	h.Set("Message-Id", string(b))
	id, _ := h.MessageID()
	return id
}

func msgIDList(b []byte) []string {
	if id, ok := plainMsgID(b); ok {
		return []string{id}
	}
	var h gomail.Header
	h.Set("In-Reply-To", string(b))
	ids, _ := h.MsgIDList("In-Reply-To")
	return ids
}

// plainMsgID accepts "<left@right>" with printable ASCII and no spaces,
// brackets, quotes, backslashes or parentheses inside.
func plainMsgID(b []byte) (string, bool) {
	if len(b) < 3 || b[0] != '<' || b[len(b)-1] != '>' {
		return "", false
	}
	in := b[1 : len(b)-1]
	at := -1
	for i, c := range in {
		if c <= ' ' || c >= 0x7f || c == '<' || c == '>' || c == '"' || c == '\\' || c == '(' || c == ')' || c == '[' || c == ']' || c == ',' || c == ';' || c == ':' {
			return "", false
		}
		if c == '@' {
			if at >= 0 {
				return "", false
			}
			at = i
		}
	}
	if at <= 0 || at == len(in)-1 {
		return "", false
	}
	return string(in), true
}
