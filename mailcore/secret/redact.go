package secret

import (
	"bytes"
	"io"
	"strings"
	"sync"
)

// Redacted replaces a credential in debug logs.
const Redacted = "[redacted]"

// maxLine bounds how much of an unterminated line is held back before it is
// processed anyway.
const maxLine = 64 << 10

// Redactor wraps the writer that receives protocol debug logs (IMAP, POP3,
// SMTP, both directions interleaved, one protocol line per text line) and
// removes credentials before they reach it:
//
//   - the arguments of LOGIN (IMAP; the user name is kept when it is an atom
//     or quoted string), PASS and APOP (POP3), and the initial response of
//     AUTH / AUTHENTICATE (SMTP, POP3, IMAP SASL-IR);
//   - the base64 SASL responses that follow AUTH / AUTHENTICATE until the
//     server's final answer;
//   - the literal lines that follow an IMAP LOGIN sent with literals, until
//     the tagged answer;
//   - every occurrence of a secret registered with AddSecret, in any line.
//
// Output is written line by line; an unterminated line is held until its
// newline arrives or Flush is called. Redactor is safe for concurrent use.
type Redactor struct {
	mu      sync.Mutex
	w       io.Writer
	pending []byte
	secrets []string

	state    int
	tag      string // IMAP tag of a LOGIN sent with literals
	stateLen int    // lines seen in the current state
}

const (
	stNormal = iota
	stSASL
	stLoginLiteral
)

// NewRedactor returns a Redactor writing to w.
func NewRedactor(w io.Writer) *Redactor { return &Redactor{w: w} }

// AddSecret registers a secret to be removed from every line. Empty strings
// are ignored.
func (r *Redactor) AddSecret(s string) {
	if s == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.secrets = append(r.secrets, s)
	// The form it takes inside an IMAP quoted string.
	if q := strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s); q != s {
		r.secrets = append(r.secrets, q)
	}
}

// Write consumes p and writes every complete line, redacted. It reports
// len(p) consumed unless the underlying writer fails.
func (r *Redactor) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pending = append(r.pending, p...)
	for {
		i := bytes.IndexByte(r.pending, '\n')
		if i < 0 {
			if len(r.pending) > maxLine {
				if err := r.emit(r.pending); err != nil {
					return 0, err
				}
				r.pending = r.pending[:0]
			}
			return len(p), nil
		}
		line := r.pending[:i+1]
		if err := r.emit(line); err != nil {
			return 0, err
		}
		r.pending = r.pending[i+1:]
	}
}

// Flush writes a held-back unterminated line, redacted.
func (r *Redactor) Flush() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.pending) == 0 {
		return nil
	}
	err := r.emit(r.pending)
	r.pending = r.pending[:0]
	return err
}

func (r *Redactor) emit(raw []byte) error {
	body := string(raw)
	eol := ""
	switch {
	case strings.HasSuffix(body, "\r\n"):
		body, eol = body[:len(body)-2], "\r\n"
	case strings.HasSuffix(body, "\n"):
		body, eol = body[:len(body)-1], "\n"
	}
	out := r.redactLine(body)
	for _, s := range r.secrets {
		out = strings.ReplaceAll(out, s, Redacted)
	}
	_, err := io.WriteString(r.w, out+eol)
	return err
}

// redactLine applies the protocol rules to one line without its line end.
func (r *Redactor) redactLine(line string) string {
	switch r.state {
	case stSASL:
		r.stateLen++
		t := strings.TrimSpace(line)
		switch {
		case t == "+" || strings.HasPrefix(t, "+ ") || strings.HasPrefix(t, "334 ") || t == "334":
			// Server challenge: not secret. ("+" alone is never a client
			// response: base64 comes in groups of four.)
			return line
		case isBase64Line(t):
			// A client response (or an empty one, "=").
			return Redacted
		default:
			r.state = stNormal
		}
	case stLoginLiteral:
		r.stateLen++
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == r.tag && isStatus(f[1]) || r.stateLen > 16 {
			r.state = stNormal
			return line
		}
		return Redacted
	}

	f := strings.Fields(line)
	if len(f) == 0 {
		return line
	}
	// The command is the first word (SMTP, POP3) or the second after an
	// IMAP tag.
	for ci := 0; ci < 2 && ci < len(f); ci++ {
		if ci == 1 && !isIMAPTag(f[0]) {
			break
		}
		cmd := strings.ToUpper(f[ci])
		switch cmd {
		case "AUTH", "AUTHENTICATE":
			r.state, r.stateLen = stSASL, 0
			// Keep the mechanism name, drop any initial response.
			return keepWords(line, ci+2)
		case "PASS", "APOP":
			if ci == 0 {
				return keepWords(line, 1)
			}
		case "LOGIN":
			if ci == 1 {
				return r.redactIMAPLogin(line, f[0])
			}
		}
	}
	return line
}

// redactIMAPLogin keeps "tag LOGIN user" and drops the password.
func (r *Redactor) redactIMAPLogin(line, tag string) string {
	prefix := keepWordsRaw(line, 2) // "tag LOGIN"
	rest := strings.TrimLeft(line[len(prefix):], " ")
	user, after, ok := imapString(rest)
	if !ok {
		// A literal or something unexpected: drop everything after the
		// command and everything until the tagged answer.
		r.state, r.stateLen, r.tag = stLoginLiteral, 0, tag
		return prefix + " " + Redacted
	}
	after = strings.TrimSpace(after)
	if strings.HasSuffix(after, "}") {
		// Password sent as a literal on the following line(s).
		r.state, r.stateLen, r.tag = stLoginLiteral, 0, tag
	}
	if after == "" {
		return prefix + " " + user
	}
	return prefix + " " + user + " " + Redacted
}

// imapString splits an atom or quoted string off the front of s.
func imapString(s string) (tok, rest string, ok bool) {
	if s == "" || s[0] == '{' {
		return "", s, false
	}
	if s[0] == '"' {
		for i := 1; i < len(s); i++ {
			switch s[i] {
			case '\\':
				i++
			case '"':
				return s[:i+1], s[i+1:], true
			}
		}
		return "", s, false
	}
	if i := strings.IndexByte(s, ' '); i >= 0 {
		return s[:i], s[i:], true
	}
	return s, "", true
}

// keepWordsRaw returns the first n space-separated words of line with the
// separators as they were.
func keepWordsRaw(line string, n int) string {
	i, words := 0, 0
	for i < len(line) && words < n {
		for i < len(line) && line[i] == ' ' {
			i++
		}
		for i < len(line) && line[i] != ' ' {
			i++
		}
		words++
	}
	return line[:i]
}

// keepWords keeps the first n words of line and replaces any remainder by
// Redacted.
func keepWords(line string, n int) string {
	head := keepWordsRaw(line, n)
	if strings.TrimSpace(line[len(head):]) == "" {
		return head
	}
	return head + " " + Redacted
}

// isIMAPTag tells a client command tag from the start of a server line
// ("*", "+", "+OK", "-ERR", SMTP reply codes).
func isIMAPTag(s string) bool {
	if s == "" || s[0] == '*' || s[0] == '+' || s[0] == '-' {
		return false
	}
	allDigits := true
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			allDigits = false
		}
	}
	return !allDigits
}

func isStatus(s string) bool {
	switch strings.ToUpper(s) {
	case "OK", "NO", "BAD", "BYE":
		return true
	}
	return false
}

func isBase64Line(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '='
		if !ok {
			return false
		}
	}
	return true
}
