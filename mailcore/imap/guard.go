package imap

import (
	"bytes"
	"fmt"
	"net"
	"strconv"

	"hongyan/mailcore/mailerr"
)

// Limits on what a server may send. go-imap buffers literals and atoms in
// memory as they arrive, with no limit of its own, so a hostile or broken
// server announcing {2000000000} or sending an endless line would make the
// client allocate without bound. guardConn checks the stream before
// go-imap sees it.
const (
	// maxLiteral bounds one literal (a whole message body is one).
	maxLiteral = 256 << 20
	// maxLine bounds the bytes of a response line outside literals.
	maxLine = 16 << 20
)

// guardConn scans server data for literal announcements ("{N}\r\n" at the
// end of a line; quoted strings cannot hold CR or LF, so the pattern only
// ever means a literal) and for line lengths, and fails the read once a
// limit is passed.
type guardConn struct {
	net.Conn
	host    string
	literal int64  // bytes of an open literal still to come
	line    int64  // bytes of the current line outside literals
	tail    []byte // the last bytes of the current line
	err     error
}

func newGuardConn(c net.Conn, host string) *guardConn { return &guardConn{Conn: c, host: host} }

func (g *guardConn) Read(p []byte) (int, error) {
	if g.err != nil {
		return 0, g.err
	}
	n, err := g.Conn.Read(p)
	if n > 0 {
		if gerr := g.scan(p[:n]); gerr != nil {
			g.err = gerr
			g.Conn.Close()
			return 0, gerr
		}
	}
	return n, err
}

func (g *guardConn) scan(b []byte) error {
	for len(b) > 0 {
		if g.literal > 0 {
			k := int64(len(b))
			if k > g.literal {
				k = g.literal
			}
			g.literal -= k
			b = b[k:]
			continue
		}
		i := bytes.IndexByte(b, '\n')
		seg := b
		if i >= 0 {
			seg = b[:i+1]
		}
		g.line += int64(len(seg))
		if g.line > maxLine {
			return &mailerr.Error{Kind: mailerr.Protocol, Op: "read", Host: g.host,
				Text: fmt.Sprintf("server sent a response line longer than %d MiB", maxLine>>20)}
		}
		g.tail = append(g.tail, seg...)
		if len(g.tail) > 32 {
			g.tail = append(g.tail[:0], g.tail[len(g.tail)-32:]...)
		}
		b = b[len(seg):]
		if i < 0 {
			continue
		}
		size, ok := literalSize(g.tail)
		g.tail = g.tail[:0]
		if !ok {
			g.line = 0
			continue
		}
		if size > maxLiteral {
			return &mailerr.Error{Kind: mailerr.Protocol, Op: "read", Host: g.host,
				Text: fmt.Sprintf("server announced a literal of %d bytes, over the client's limit of %d MiB", size, maxLiteral>>20)}
		}
		g.literal = size
	}
	return nil
}

// literalSize recognises a line ending in "{N}\r\n" (or "{N}\n").
func literalSize(tail []byte) (int64, bool) {
	t := bytes.TrimSuffix(bytes.TrimSuffix(tail, []byte("\n")), []byte("\r"))
	if len(t) < 3 || t[len(t)-1] != '}' {
		return 0, false
	}
	open := bytes.LastIndexByte(t, '{')
	if open < 0 {
		return 0, false
	}
	digits := t[open+1 : len(t)-1]
	if len(digits) == 0 || len(digits) > 19 {
		if len(digits) > 19 {
			return 1 << 62, true // absurd: over any limit
		}
		return 0, false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(string(digits), 10, 64)
	if err != nil {
		return 1 << 62, true
	}
	return n, true
}
