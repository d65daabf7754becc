package pop3

import (
	"io"
	"strings"
	"sync"
)

// debugLog writes the protocol dialogue for troubleshooting. Credentials
// never reach it: the client marks PASS, AUTH and SASL response lines as
// secret, and RedactLine strips PASS/AUTH arguments again as a second guard.
type debugLog struct {
	mu sync.Mutex
	w  io.Writer
}

func newDebugLog(w io.Writer) *debugLog { return &debugLog{w: w} }

func (d *debugLog) write(s string) {
	if d == nil || d.w == nil {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	_, _ = io.WriteString(d.w, s+"\n")
}

func (d *debugLog) client(line string, secret bool) {
	if d == nil || d.w == nil {
		return
	}
	if secret {
		line = RedactLine(line)
		if !strings.HasSuffix(line, redacted) {
			line = redacted
		}
	}
	d.write("C: " + RedactLine(line))
}

func (d *debugLog) server(line string) { d.write("S: " + line) }

func (d *debugLog) note(line string) { d.write("-- " + line) }

const redacted = "<redacted>"

// RedactLine returns a client command line safe to log: the arguments of
// PASS, AUTH and APOP are replaced by "<redacted>".
func RedactLine(line string) string {
	verb, _, _ := strings.Cut(strings.TrimSpace(line), " ")
	switch strings.ToUpper(verb) {
	case "PASS", "APOP":
		return strings.ToUpper(verb) + " " + redacted
	case "AUTH":
		// Keep the mechanism name, drop any initial response.
		f := strings.Fields(line)
		if len(f) >= 2 {
			return "AUTH " + f[1] + " " + redacted
		}
		return "AUTH " + redacted
	}
	return line
}
