package pop3

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// errBodyTooLarge: the message exceeds MaxMessageSize.
var errBodyTooLarge = errors.New("message larger than the client's limit")

// readDotBody reads one multi-line response body from br up to and
// including its terminator line (a lone "."), undoing dot-stuffing, and
// returns the lines ending in CRLF whatever the server sent (CRLF or a
// bare LF); a CR not followed by LF is kept. This is what net/textproto's
// DotReader followed by restoreCRLF produces, computed a line at a time
// from the buffered reader's own memory: DotReader costs a function call
// per byte, and its LF-only output had to be copied again to put the CRs
// back, which made it the largest cost of a download after TLS. One
// deliberate difference: DotReader does not treat an empty line ended by
// a bare LF as a line end, so it would miss a terminator right after one;
// here every LF ends a line.
//
// limit bounds the size counted as DotReader counts it (one byte per line
// end); past it, errBodyTooLarge. A stream ending before the terminator is
// io.ErrUnexpectedEOF.
func readDotBody(br *bufio.Reader, limit int64) ([]byte, error) {
	return readDotBodySized(br, limit, 0)
}

// sizeHintCap bounds the buffer allocated up front from a server's size
// claim, so that a false claim cannot make the client reserve much memory;
// a larger message grows its buffer as it arrives.
const sizeHintCap = 32 << 20

// readDotBodySized is readDotBody with the size the server announced for
// the body (0 if unknown): the buffer is allocated once at that size
// instead of growing by doubling, which copied every message several times.
func readDotBodySized(br *bufio.Reader, limit int64, hint int64) ([]byte, error) {
	return readDotBodyInto(br, limit, make([]byte, 0, bodyCapacity(limit, hint)))
}

// bodyCapacity is the buffer size to start a body with.
func bodyCapacity(limit, hint int64) int {
	if hint > 0 {
		return int(min(hint, sizeHintCap, limit+1))
	}
	return 16 << 10
}

// readDotBodyInto is readDotBody appending to out (whose length must be 0).
func readDotBodyInto(br *bufio.Reader, limit int64, out []byte) ([]byte, error) {
	var size int64
	atLineStart := true
	pendingCR := false // a chunk ended in CR: it may be the CR of CRLF
	for {
		chunk, err := br.ReadSlice('\n')
		if err != nil && err != bufio.ErrBufferFull {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		full := err == nil // chunk ends with '\n'
		if pendingCR {
			pendingCR = false
			if len(chunk) > 0 && chunk[0] == '\n' {
				// The CR of the previous chunk and this LF end a line.
				out = append(out, '\r', '\n')
				size++
				chunk = chunk[1:]
				atLineStart = true
				if len(chunk) == 0 {
					continue
				}
				full = chunk[len(chunk)-1] == '\n'
			} else {
				out = append(out, '\r')
				size++
			}
		}
		if atLineStart && len(chunk) > 0 && chunk[0] == '.' {
			if full && (len(chunk) == 2 || (len(chunk) == 3 && chunk[1] == '\r')) {
				return out, nil // ".\r\n" or ".\n": the terminator
			}
			if len(chunk) == 2 && chunk[1] == '\r' && !full {
				// ".\r" at the end of the buffer: whether it is the
				// terminator depends on the next byte.
				next, perr := br.Peek(1)
				if perr != nil {
					if perr == io.EOF {
						perr = io.ErrUnexpectedEOF
					}
					return nil, perr
				}
				if next[0] == '\n' {
					br.Discard(1)
					return out, nil
				}
			}
			chunk = chunk[1:] // dot-stuffing
		}
		if full {
			line := chunk[:len(chunk)-1]
			line = bytes.TrimSuffix(line, []byte{'\r'})
			out = append(out, line...)
			out = append(out, '\r', '\n')
			size += int64(len(line)) + 1
			atLineStart = true
		} else {
			if n := len(chunk); n > 0 && chunk[n-1] == '\r' {
				chunk = chunk[:n-1]
				pendingCR = true
			}
			out = append(out, chunk...)
			size += int64(len(chunk))
			atLineStart = false
		}
		if size > limit {
			return nil, errBodyTooLarge
		}
	}
}
