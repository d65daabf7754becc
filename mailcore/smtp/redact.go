package smtp

import (
	"bytes"
	"encoding/base64"
	"io"
	"regexp"
	"strings"
	"sync"
)

// RedactingWriter passes an SMTP protocol log through with credentials
// removed: the argument of AUTH commands, every client line of a SASL
// exchange (until the server's final reply) and any of the given secrets
// (also in base64) wherever they appear.
type RedactingWriter struct {
	mu      sync.Mutex
	w       io.Writer
	buf     []byte
	inAuth  bool
	secrets [][]byte
}

var serverReply = regexp.MustCompile(`^[0-9]{3}[ -]`)

// NewRedactingWriter returns a writer that redacts w's protocol log.
func NewRedactingWriter(w io.Writer, secrets ...string) *RedactingWriter {
	r := &RedactingWriter{w: w}
	for _, s := range secrets {
		if len(s) < 3 {
			continue
		}
		r.secrets = append(r.secrets, []byte(s), []byte(base64.StdEncoding.EncodeToString([]byte(s))))
	}
	return r
}

// Write buffers partial lines and writes whole redacted lines.
func (r *RedactingWriter) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.buf = append(r.buf, p...)
	for {
		i := bytes.IndexByte(r.buf, '\n')
		if i < 0 {
			break
		}
		line := r.redact(string(r.buf[:i+1]))
		r.buf = r.buf[i+1:]
		if _, err := io.WriteString(r.w, line); err != nil {
			return len(p), err
		}
	}
	if len(r.buf) > 4096 { // never keep an endless partial line
		line := r.redact(string(r.buf))
		r.buf = r.buf[:0]
		io.WriteString(r.w, line)
	}
	return len(p), nil
}

func (r *RedactingWriter) redact(line string) string {
	trim := strings.TrimRight(line, "\r\n")
	eol := line[len(trim):]
	switch {
	case serverReply.MatchString(trim):
		if r.inAuth && !strings.HasPrefix(trim, "334") {
			r.inAuth = false
		}
	case len(trim) >= 5 && strings.EqualFold(trim[:5], "AUTH "):
		f := strings.Fields(trim)
		trim = "AUTH " + f[1]
		if len(f) > 2 {
			trim += " [redacted]"
		}
		r.inAuth = true
	case r.inAuth:
		trim = "[redacted]"
	}
	out := []byte(trim)
	for _, s := range r.secrets {
		out = bytes.ReplaceAll(out, s, []byte("[redacted]"))
	}
	return string(out) + eol
}
