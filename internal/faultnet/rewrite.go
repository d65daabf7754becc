package faultnet

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"os"
	"path/filepath"
)

// StripWord returns a Rewriter that removes a capability word (STARTTLS,
// STLS) wherever it appears as a whole word in a line: an IMAP CAPABILITY
// list, a POP3 CAPA line, an SMTP EHLO line. An SMTP EHLO line that
// consisted of the word alone ("250-STARTTLS") is dropped. A client that
// sees no such word never starts TLS, so the rewriter stays on for the whole
// (plaintext) connection.
func StripWord(word string) Rewriter {
	w := []byte(word)
	return func(line []byte) ([]byte, bool) {
		body := bytes.TrimRight(line, "\r\n")
		eol := line[len(body):]
		fields := bytes.Fields(body)
		// SMTP EHLO line "250-STARTTLS" or "250 STARTTLS".
		if len(body) > 4 && (body[3] == '-' || body[3] == ' ') && bytes.EqualFold(bytes.TrimSpace(body[4:]), w) {
			if body[3] == ' ' {
				// The last EHLO line: keep the terminator with a harmless word.
				return append(append([]byte(nil), body[:4]...), append([]byte("HELP"), eol...)...), true
			}
			return nil, true
		}
		var out [][]byte
		found := false
		for _, f := range fields {
			trimmed := bytes.Trim(f, "[]")
			if bytes.EqualFold(trimmed, w) {
				found = true
				if f[len(f)-1] == ']' && len(out) > 0 {
					out[len(out)-1] = append(out[len(out)-1], ']')
				}
				continue
			}
			out = append(out, f)
		}
		if found {
			if len(out) == 0 {
				return nil, true // a POP3 CAPA line "STLS"
			}
			return append(bytes.Join(out, []byte(" ")), eol...), true
		}
		return line, true
	}
}

// InjectAfter returns a Rewriter that appends extra to the first line for
// which match is true, in the same write (same TCP segment), and then stops
// rewriting.
func InjectAfter(match func(line []byte) bool, extra []byte) Rewriter {
	return func(line []byte) ([]byte, bool) {
		if match(line) {
			return append(append([]byte(nil), line...), extra...), false
		}
		return line, true
	}
}

// StackTLS builds the two TLS configurations a TLS-terminating proxy needs
// in front of a test mail stack whose CA file lies next to its server
// certificate (server.pem) and key (server.key), as internal/mailtest
// writes them: the proxy shows the clients the stack's own certificate and
// verifies the stack with the test CA.
func StackTLS(caFile string) (clientSide, upstream *tls.Config, err error) {
	dir := filepath.Dir(caFile)
	cert, err := tls.LoadX509KeyPair(filepath.Join(dir, "server.pem"), filepath.Join(dir, "server.key"))
	if err != nil {
		return nil, nil, err
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, nil, errors.New("faultnet: no certificate in " + caFile)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
		&tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}, nil
}
