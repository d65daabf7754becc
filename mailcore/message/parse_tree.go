package message

import (
	"bufio"
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/emersion/go-message/textproto"
)

// node is one MIME entity. body slices into the raw message: nothing is
// copied or decoded until needed.
//
// The multipart splitting here is written by hand rather than using
// textproto.MultipartReader because that reader stops at the first damage
// (missing final boundary, over-long line, stray text between parts) and
// keeps a 4 KiB buffer per nesting level; working on the in-memory slice
// recovers every part that can be delimited and lets AttachmentData go
// straight to a part without decoding the rest.
type node struct {
	header    textproto.Header
	body      []byte
	path      string
	mediaType string // lower case, e.g. "text/plain"
	params    map[string]string
	children  []*node
	multipart bool
}

type treeState struct {
	parts    int
	warnings []string
	warned   map[string]bool
}

func (s *treeState) warn(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if s.warned == nil {
		s.warned = map[string]bool{}
	}
	if s.warned[msg] || len(s.warnings) >= 50 {
		return
	}
	s.warned[msg] = true
	s.warnings = append(s.warnings, msg)
}

func buildTree(raw []byte, st *treeState) *node {
	raw = skipMboxFromLine(raw)
	root := parseEntity(raw, "", 0, "text/plain", st)
	if !root.multipart && root.path == "" {
		root.path = "1"
	}
	return root
}

func skipMboxFromLine(raw []byte) []byte {
	if bytes.HasPrefix(raw, []byte("From ")) {
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			return raw[i+1:]
		}
	}
	return raw
}

func childPath(parent string, i int) string {
	if parent == "" {
		return strconv.Itoa(i)
	}
	return parent + "." + strconv.Itoa(i)
}

func parseEntity(raw []byte, path string, depth int, defaultType string, st *treeState) *node {
	st.parts++
	hdr, body := splitHeader(raw, st)
	n := &node{header: hdr, body: body, path: path}
	ct := hdr.Get("Content-Type")
	mt, params := parseMediaParams(ct)
	if mt == "" || !strings.Contains(mt, "/") {
		if ct != "" {
			st.warn("unrecognised Content-Type %q treated as %s", truncate(ct, 60), defaultType)
		}
		mt = defaultType
	}
	n.mediaType, n.params = mt, params
	if !strings.HasPrefix(mt, "multipart/") {
		return n
	}
	boundary := params["boundary"]
	if boundary == "" {
		st.warn("multipart part without boundary shown as text")
		n.mediaType = "text/plain"
		return n
	}
	if depth >= MaxDepth {
		st.warn("MIME nesting deeper than %d levels not shown", MaxDepth)
		n.mediaType = "application/octet-stream"
		return n
	}
	chunks, closed := splitMultipart(body, boundary)
	if len(chunks) == 0 {
		st.warn("multipart boundary %q not found; body shown as text", truncate(boundary, 40))
		n.mediaType = "text/plain"
		return n
	}
	if !closed {
		st.warn("multipart body has no final boundary")
	}
	n.multipart = true
	childDefault := "text/plain"
	if mt == "multipart/digest" {
		childDefault = "message/rfc822"
	}
	for i, c := range chunks {
		if st.parts >= MaxParts {
			st.warn("more than %d MIME parts; the rest are not shown", MaxParts)
			break
		}
		n.children = append(n.children, parseEntity(c, childPath(path, i+1), depth+1, childDefault, st))
	}
	return n
}

func (n *node) find(path string) *node {
	if n.path == path && !n.multipart {
		return n
	}
	for _, c := range n.children {
		if c.path == path || strings.HasPrefix(path, c.path+".") {
			if r := c.find(path); r != nil {
				return r
			}
		}
	}
	return nil
}

// splitHeader separates the header block from the body and parses it. It is
// lenient: a line that is neither a field nor a continuation ends the header
// (the line starts the body), so garbage never hides the rest of the message.
func splitHeader(raw []byte, st *treeState) (textproto.Header, []byte) {
	var hdr bytes.Buffer
	pos := 0
	fields := 0
	for pos < len(raw) {
		end := bytes.IndexByte(raw[pos:], '\n')
		var line []byte
		next := len(raw)
		if end >= 0 {
			line = raw[pos : pos+end]
			next = pos + end + 1
		} else {
			line = raw[pos:]
		}
		trimmed := bytes.TrimRight(line, "\r")
		if len(trimmed) == 0 {
			pos = next
			break
		}
		if trimmed[0] == ' ' || trimmed[0] == '\t' {
			if fields == 0 {
				// A leading continuation line: no header at all.
				break
			}
			if fields <= MaxHeaderFields {
				hdr.Write(trimmed)
				hdr.WriteString("\r\n")
			}
			pos = next
			continue
		}
		if !isHeaderFieldLine(trimmed) {
			if fields > 0 {
				st.warn("malformed header line; header ends early")
			}
			break
		}
		fields++
		if fields == MaxHeaderFields+1 {
			st.warn("more than %d header fields; the rest are ignored", MaxHeaderFields)
		}
		if fields <= MaxHeaderFields {
			hdr.Write(trimmed)
			hdr.WriteString("\r\n")
		}
		pos = next
	}
	hdr.WriteString("\r\n")
	h, err := textproto.ReadHeader(bufio.NewReaderSize(&hdr, min(max(hdr.Len(), 16), 64<<10)))
	if err != nil {
		st.warn("header: %v", truncate(err.Error(), 80))
	}
	return h, raw[pos:]
}

func isHeaderFieldLine(line []byte) bool {
	i := bytes.IndexByte(line, ':')
	if i <= 0 {
		return false
	}
	key := bytes.TrimRight(line[:i], " \t")
	if len(key) == 0 {
		return false
	}
	for _, c := range key {
		if c < 33 || c > 126 {
			return false
		}
	}
	return true
}

// splitMultipart returns the bodies between boundary delimiter lines and
// whether the closing delimiter was seen. The line break before a delimiter
// belongs to the delimiter (RFC 2046 section 5.1.1).
func splitMultipart(body []byte, boundary string) (parts [][]byte, closed bool) {
	delim := []byte("--" + boundary)
	start := -1 // start of the current part's content
	pos := 0
	for pos <= len(body) {
		i := bytes.Index(body[pos:], delim)
		if i < 0 {
			break
		}
		at := pos + i
		// The delimiter must start a line.
		if at != 0 && body[at-1] != '\n' {
			pos = at + len(delim)
			continue
		}
		rest := body[at+len(delim):]
		lineEnd := bytes.IndexByte(rest, '\n')
		var tail []byte
		next := len(body)
		if lineEnd >= 0 {
			tail = rest[:lineEnd]
			next = at + len(delim) + lineEnd + 1
		} else {
			tail = rest
		}
		isClose := bytes.HasPrefix(tail, []byte("--"))
		if isClose {
			tail = tail[2:]
		}
		if len(bytes.Trim(tail, " \t\r")) != 0 {
			// "--boundaryX": a longer boundary, not ours.
			pos = at + len(delim)
			continue
		}
		if start >= 0 {
			end := at
			if end > start && body[end-1] == '\n' {
				end--
				if end > start && body[end-1] == '\r' {
					end--
				}
			}
			parts = append(parts, body[start:end])
			if len(parts) > MaxParts {
				return parts, true
			}
		}
		if isClose {
			return parts, true
		}
		start = next
		pos = next
		if next >= len(body) {
			break
		}
	}
	if start >= 0 && start <= len(body) {
		parts = append(parts, body[start:])
	}
	return parts, false
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return toValidUTF8([]byte(s[:n]), "") + "…"
}
