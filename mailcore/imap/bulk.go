package imap

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"sync"
	"time"

	"hongyan/internal/slicepool"
	"hongyan/mailcore/mailerr"
	"hongyan/mailcore/store"
)

// A first sync of a large folder runs its header FETCH commands on
// helper connections whose responses are decoded by fetchParser instead
// of go-imap (see fetchparse.go for why). go-imap still connects, secures,
// authenticates and selects the folder on each helper; then the helper's
// plaintext stream is taken from go-imap (switchConn.take) and driven by
// bulkConn until the sync closes it. A helper is never handed back.

// switchConn sits between go-imap and the connection's plaintext stream.
// take stops go-imap's reader goroutine (interrupting a pending read with
// a past deadline; crypto/tls treats a timeout as temporary, so the
// stream stays intact) and parks it until the connection is closed.
//
// go-imap can still write after take: when a LOGIN or AUTHENTICATE
// answer carries no capability list, it sends a CAPABILITY of its own
// from a goroutine it starts (imapclient's setCaps(nil)), which under load
// runs after the folder is selected and the stream taken. That command
// would go out with go-imap's next tag, and its answer reach the bulk
// reader (seen in CI as a tagged answer "T6" to nothing the reader sent).
// So once the stream is taken, go-imap's writes are dropped: such a
// command then waits unanswered until the connection closes, which ends
// it with an error nobody waits for.
type switchConn struct {
	net.Conn
	mu      sync.Mutex
	cond    *sync.Cond
	reading bool // go-imap's reader is inside Conn.Read
	taken   bool
	closed  bool
	// wmu is held for the whole of a write of go-imap's, so that take
	// can wait for one under way to finish.
	wmu sync.Mutex
}

// Write passes go-imap's writes through until the stream is taken.
func (s *switchConn) Write(p []byte) (int, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.isTaken() {
		return len(p), nil
	}
	return s.Conn.Write(p)
}

func newSwitchConn(c net.Conn) *switchConn {
	s := &switchConn{Conn: c}
	s.cond = sync.NewCond(&s.mu)
	return s
}

func (s *switchConn) Read(p []byte) (int, error) {
	s.mu.Lock()
	for {
		for s.taken && !s.closed {
			s.cond.Wait()
		}
		if s.closed {
			s.mu.Unlock()
			return 0, net.ErrClosed
		}
		s.reading = true
		s.mu.Unlock()
		n, err := s.Conn.Read(p)
		s.mu.Lock()
		s.reading = false
		s.cond.Broadcast()
		var ne net.Error
		if n == 0 && s.taken && errors.As(err, &ne) && ne.Timeout() {
			continue // interrupted by take: wait for the close
		}
		s.mu.Unlock()
		return n, err
	}
}

// SetReadDeadline and SetDeadline are go-imap's; once the stream is
// taken they no longer reach it.
func (s *switchConn) SetReadDeadline(t time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.taken {
		return nil
	}
	return s.Conn.SetReadDeadline(t)
}

func (s *switchConn) SetDeadline(t time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.taken {
		return s.Conn.SetWriteDeadline(t)
	}
	return s.Conn.SetDeadline(t)
}

func (s *switchConn) Close() error {
	s.mu.Lock()
	s.closed = true
	s.cond.Broadcast()
	s.mu.Unlock()
	return s.Conn.Close()
}

// take parks go-imap's reader and returns the stream. The caller must not
// use the imapclient.Client afterwards except to close it.
func (s *switchConn) take() net.Conn {
	s.mu.Lock()
	s.taken = true
	for s.reading && !s.closed {
		_ = s.Conn.SetReadDeadline(time.Unix(1, 0))
		s.cond.Wait()
	}
	_ = s.Conn.SetReadDeadline(time.Time{})
	s.mu.Unlock()
	// A write of go-imap's under way finishes first (outside s.mu, which
	// Write takes while holding wmu); later ones are dropped.
	s.wmu.Lock()
	s.wmu.Unlock()
	return s.Conn
}

func (s *switchConn) isTaken() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.taken
}

// logout sends LOGOUT on a taken stream without waiting for the answer.
func (s *switchConn) logout() {
	_ = s.Conn.SetWriteDeadline(time.Now().Add(time.Second))
	_, _ = io.WriteString(s.Conn, "Z LOGOUT\r\n")
}

// maxExpected bounds the room made ahead for one batch's answers (a UID
// range can be far wider than the messages in it).
const maxExpected = 4096

// maxResponse bounds one FETCH response of the header sync (envelope and
// body structure; real ones are a few kilobytes).
const maxResponse = 16 << 20

// bulkConn runs the UID FETCH commands of the header sync on a taken
// stream, one at a time: its writer goroutine sends the next queued batch
// when the previous one is complete, and its reader goroutine decodes the
// answers and completes each batch when the command's tagged response
// arrives.
//
// One command at a time, because Dovecot runs pipelined FETCH commands
// together and sends the answers of the one received last first: with
// four in flight, the batch the store needed next (the first sent) came
// last, and the first batch of a 100,000-message sync was complete only
// after about 8,000 messages had arrived (250 ms instead of 30). The cost
// is a round trip between two batches, which the other helper connection
// covers.
type bulkConn struct {
	raw   net.Conn
	queue *batchQueue // the batches to fetch, shared with the other helpers
	host  string
	items string
	dbg   io.Writer
	bw    *bufio.Writer // used by the writer goroutine only

	kick     chan struct{} // wakes the writer: a batch queued or a command done
	done     chan struct{} // closed when the connection has failed
	doneOnce sync.Once

	mu      sync.Mutex
	pending []*bulkCmd // sent (at most one)
	tags    int
	err     error
}

type bulkCmd struct {
	tag  string
	b    *fetchBatch
	msgs []store.Summary
	seen uidSeen
}

// bulk takes cn's stream for header FETCHes of the batches queued on q;
// cn must have the folder selected. The connection ends with cn.close.
func (cn *conn) bulk(q *batchQueue) *bulkConn {
	// The items of summaryFetch.
	const items = "UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE"
	return newBulkConn(cn.sw.take(), cn.host, items, cn.dbg, q)
}

// newBulkConn starts the reader and writer goroutines on raw; the
// connection sends the batches queued on q once it has joined it.
func newBulkConn(raw net.Conn, host, items string, dbg io.Writer, q *batchQueue) *bulkConn {
	h := &bulkConn{raw: raw, queue: q, host: host, items: items, dbg: dbg, bw: bufio.NewWriter(raw),
		kick: make(chan struct{}, 1), done: make(chan struct{})}
	go h.readLoop(bufio.NewReaderSize(raw, 64<<10))
	go h.writeLoop()
	return h
}

func (h *bulkConn) wake() {
	select {
	case h.kick <- struct{}{}:
	default:
	}
}

// writeLoop sends the queued batches' commands, each when no other is in
// flight. The writes happen outside the lock, so that the reader goroutine
// never waits on a blocked write.
func (h *bulkConn) writeLoop() {
	for {
		select {
		case <-h.kick:
		case <-h.done:
			return
		}
		for h.sendNext() {
		}
	}
}

// sendNext sends the next queued command if none is in flight, and
// reports whether it sent one.
func (h *bulkConn) sendNext() bool {
	h.mu.Lock()
	if h.err != nil || len(h.pending) > 0 {
		h.mu.Unlock()
		return false
	}
	b := h.queue.pop()
	if b == nil {
		h.mu.Unlock()
		return false
	}
	h.tags++
	// Sized for the batch up front: growing a map and a slice of
	// summaries 2,000 entries at a time showed in the decoders' profile.
	expect := int(min(uint64(b.hi)-uint64(b.lo)+1, maxExpected))
	c := &bulkCmd{tag: "H" + strconv.Itoa(h.tags), b: b, seen: newUIDSeen(b.lo, b.hi),
		msgs: summariesPool.Get(expect)}
	h.pending = append(h.pending, c)
	h.mu.Unlock()
	line := fmt.Sprintf("%s UID FETCH %d:%d (%s)\r\n", c.tag, b.lo, b.hi, h.items)
	if h.dbg != nil {
		_, _ = io.WriteString(h.dbg, line)
	}
	_, err := h.bw.WriteString(line)
	if err == nil {
		err = h.bw.Flush()
	}
	if err != nil {
		h.fail(&mailerr.Error{Kind: mailerr.Unreachable, Op: "fetch", Host: h.host, Err: err})
		return false
	}
	return true
}

// failLocked ends the batch in flight with err; the queue fails the
// batches still queued when no helper is left (batchQueue.leave).
func (h *bulkConn) failLocked(err error) {
	if h.err == nil {
		h.err = err
	}
	for _, c := range h.pending {
		c.b.res <- fetchResult{err: h.err}
	}
	h.pending = nil
}

func (h *bulkConn) fail(err error) {
	h.mu.Lock()
	h.failLocked(err)
	err = h.err
	h.mu.Unlock()
	h.doneOnce.Do(func() {
		close(h.done)
		h.queue.leave(err)
	})
	_ = h.raw.Close()
}

func (h *bulkConn) readLoop(r *bufio.Reader) {
	var p fetchParser
	var buf []byte
	for {
		var err error
		buf, err = readResponse(r, buf[:0])
		if err != nil {
			var me *mailerr.Error
			if !errors.As(err, &me) {
				err = &mailerr.Error{Kind: mailerr.Unreachable, Op: "fetch", Host: h.host, Err: err}
			}
			h.fail(err)
			return
		}
		if err := h.dispatch(&p, buf); err != nil {
			h.fail(err)
			return
		}
	}
}

// isClientTag reports whether tag is one of go-imap's ("T" and digits).
func isClientTag(tag string) bool {
	return len(tag) > 1 && tag[0] == 'T' && isDigits([]byte(tag[1:]))
}

func (h *bulkConn) protoErr(text string) error {
	return &mailerr.Error{Kind: mailerr.Protocol, Op: "fetch", Host: h.host, Text: text}
}

// dispatch handles one response.
func (h *bulkConn) dispatch(p *fetchParser, line []byte) error {
	if bytes.HasPrefix(line, []byte("* ")) {
		rest := line[2:]
		sp := bytes.IndexByte(rest, ' ')
		if sp > 0 && isDigits(rest[:sp]) && len(rest) > sp+6 && asciiEq(rest[sp+1:sp+6], "FETCH") && rest[sp+6] == ' ' {
			s, ok, err := p.parseFetch(rest[sp+7:])
			if err != nil {
				return h.protoErr("the server sent a FETCH response that cannot be read")
			}
			if ok {
				h.deliver(s)
			}
		}
		// Other untagged data (EXISTS, EXPUNGE, BYE, ...) changes nothing
		// here: the sync that follows sees its effects.
		return nil
	}
	if bytes.HasPrefix(line, []byte("+")) {
		return h.protoErr("the server asked for a continuation during FETCH")
	}
	sp := bytes.IndexByte(line, ' ')
	if sp <= 0 {
		return h.protoErr("the server sent a response without a tag")
	}
	tag := string(line[:sp])
	status, text, _ := bytes.Cut(bytes.TrimRight(line[sp+1:], "\r\n"), []byte(" "))
	h.mu.Lock()
	var c *bulkCmd
	for i, p := range h.pending {
		if p.tag == tag {
			c = p
			h.pending = append(h.pending[:i], h.pending[i+1:]...)
			break
		}
	}
	h.mu.Unlock()
	if c == nil && isClientTag(tag) {
		// An answer to a command go-imap sent on this stream before it
		// was handed over (its tags are T1, T2, ...; ours are H1, H2,
		// ...): the CAPABILITY it sends by itself after logging in (see
		// switchConn), when that goroutine ran just before the take. It
		// asks nothing of this connection: skipped, logged when a log is
		// kept.
		if h.dbg != nil {
			fmt.Fprintf(h.dbg, "skipped: %.300q\r\n", line)
		}
		return nil
	}
	if c == nil {
		// The tag is named (at most 20 characters of it) so that such a
		// failure can be told from a logout answered early (tag Z,
		// conn.close); the protocol log, when kept, has the whole line.
		if h.dbg != nil {
			fmt.Fprintf(h.dbg, "unexpected: %.300q\r\n", line)
		}
		return h.protoErr(fmt.Sprintf("the server answered a command that was not sent (tag %.20q)", tag))
	}
	// The next command goes out first, so that the server works on it
	// while this batch is encoded and handed over.
	h.wake()
	if !asciiEq(status, "OK") {
		c.b.res <- fetchResult{err: &mailerr.Error{Kind: mailerr.ServerRefused, Op: "fetch", Host: h.host,
			Text: string(bytes.ToValidUTF8(text, []byte("\uFFFD")))}}
		return nil
	}
	if h.dbg != nil {
		fmt.Fprintf(h.dbg, "%s OK (%d messages)\r\n", tag, len(c.msgs))
	}
	r := fetchResult{msgs: c.msgs}
	if c.b.encodeFor != 0 {
		r.enc = store.EncodeSummaries(c.b.encodeFor, c.msgs)
	}
	c.b.res <- r
	return nil
}

// deliver files a summary with the pending batch whose UID range holds
// it. A UID outside every range asked for, or repeated, is dropped (see
// drainSummaries).
func (h *bulkConn) deliver(s store.Summary) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, c := range h.pending {
		if s.UID >= c.b.lo && s.UID <= c.b.hi {
			if c.seen.add(s.UID) {
				c.msgs = append(c.msgs, s)
			}
			return
		}
	}
}

// uidSeen is the set of UIDs a batch has received, to drop repeats: a
// bit per UID of the batch's range (a map cost about a microsecond a
// message in the decoders' profile), or a map for a range too wide for
// bits.
type uidSeen struct {
	lo   uint32
	bits []uint64
	m    map[uint32]bool
}

// maxSeenBits bounds the bit set of one batch (128 KiB).
const maxSeenBits = 1 << 20

func newUIDSeen(lo, hi uint32) uidSeen {
	if n := uint64(hi) - uint64(lo) + 1; n <= maxSeenBits {
		return uidSeen{lo: lo, bits: make([]uint64, (n+63)/64)}
	}
	return uidSeen{m: make(map[uint32]bool, maxExpected)}
}

// add records uid, which lies in the batch's range, and reports whether
// it was new.
func (s *uidSeen) add(uid uint32) bool {
	if s.bits == nil {
		if s.m[uid] {
			return false
		}
		s.m[uid] = true
		return true
	}
	i := uid - s.lo
	w, bit := i/64, uint64(1)<<(i%64)
	if s.bits[w]&bit != 0 {
		return false
	}
	s.bits[w] |= bit
	return true
}

func isDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(b) > 0
}

var errResponseTooLong = &mailerr.Error{Kind: mailerr.Protocol, Op: "fetch",
	Text: fmt.Sprintf("server sent a response longer than %d MiB", maxResponse>>20)}

// readResponse appends one whole response (its lines and the literals
// between them) to buf.
func readResponse(r *bufio.Reader, buf []byte) ([]byte, error) {
	for {
		line, err := r.ReadSlice('\n')
		buf = append(buf, line...)
		if len(buf) > maxResponse {
			return nil, errResponseTooLong
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			return nil, err
		}
		n, ok := literalSize(buf) // the guard's own recogniser (guard.go)
		if !ok {
			return buf, nil
		}
		if n > int64(maxResponse-len(buf)) {
			return nil, errResponseTooLong
		}
		at, size := len(buf), int(n)
		buf = slices.Grow(buf, size)[:at+size]
		if _, err := io.ReadFull(r, buf[at:]); err != nil {
			return nil, err
		}
	}
}

// summariesPool keeps the summary slices of stored batches for later
// ones (fetchRange hands them back), as the store does with its encoded
// values: a 2,000-message batch is about 700 KB of summaries.
var summariesPool slicepool.Pool[store.Summary]
