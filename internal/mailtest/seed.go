package mailtest

import (
	"bytes"
	"errors"
	"fmt"
	"net/mail"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

var seedSeq atomic.Int64

// Seed stores msgs in the user's mailbox (created if missing) by writing
// Maildir files directly and then running one doveadm force-resync, which is
// much faster than APPEND for large mailboxes. Messages get UIDs in slice
// order, no flags, and an INTERNALDATE taken from their Date header.
func (s *Stack) Seed(u User, mailbox string, msgs [][]byte) error {
	if u.Name == "" {
		return errors.New("mailtest: Seed: empty user name")
	}
	if mailbox == "" {
		mailbox = "INBOX"
	}
	if !strings.EqualFold(mailbox, "INBOX") {
		// "mailbox create" fails when the mailbox exists; that is fine.
		if out, err := s.Doveadm("mailbox", "create", "-s", "-u", u.Name, mailbox); err != nil &&
			!strings.Contains(strings.ToLower(string(out)), "exists") {
			return err
		}
	}
	out, err := s.Doveadm("mailbox", "path", "-u", u.Name, mailbox)
	if err != nil {
		return err
	}
	dir := strings.TrimSpace(string(out))
	if dir == "" || !strings.HasPrefix(dir, s.mailRoot+"/") {
		return fmt.Errorf("mailtest: Seed: unexpected mailbox path %q", dir)
	}
	// Create the Maildir (and the home above it) owned by the mail user.
	rel := strings.TrimPrefix(dir, s.mailRoot+"/")
	p := s.mailRoot
	for _, part := range strings.Split(rel, "/") {
		p = filepath.Join(p, part)
		if err := mkdirOwnedIfMissing(p, s.uid, s.gid); err != nil {
			return err
		}
	}
	for _, sub := range []string{"cur", "new", "tmp"} {
		if err := mkdirOwnedIfMissing(filepath.Join(dir, sub), s.uid, s.gid); err != nil {
			return err
		}
	}

	if err := s.writeMaildir(dir, msgs); err != nil {
		return err
	}
	if _, err := s.Doveadm("force-resync", "-u", u.Name, mailbox); err != nil {
		return err
	}
	return nil
}

func mkdirOwnedIfMissing(p string, uid, gid int) error {
	err := os.Mkdir(p, 0o700)
	if errors.Is(err, os.ErrExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return os.Chown(p, uid, gid)
}

// writeMaildir writes msgs into dir/cur with several workers. File names sort
// in slice order, which is the order Dovecot assigns UIDs in.
func (s *Stack) writeMaildir(dir string, msgs [][]byte) error {
	base := time.Now().Unix() - 3600
	batch := seedSeq.Add(1)
	pid := os.Getpid()
	workers := runtime.GOMAXPROCS(0) * 4
	if workers > len(msgs) {
		workers = len(msgs)
	}
	var next atomic.Int64
	var firstErr error
	var errOnce sync.Once
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(msgs) {
					return
				}
				if err := s.writeOne(dir, base, batch, pid, i, msgs[i]); err != nil {
					errOnce.Do(func() { firstErr = err })
					return
				}
			}
		}()
	}
	wg.Wait()
	return firstErr
}

func (s *Stack) writeOne(dir string, base, batch int64, pid, i int, msg []byte) error {
	// Maildir name: <secs>.M<usecs>P<pid>Q<n>.<host>,S=<size>,W=<crlf size>:2,
	name := fmt.Sprintf("%d.M%dP%dQ%d_%d.hongyan,S=%d,W=%d:2,",
		base+int64(i/1000000), i%1000000, pid, batch, i, len(msg), crlfSize(msg))
	path := filepath.Join(dir, "cur", name)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("mailtest: Seed: %w", err)
	}
	_, werr := f.Write(msg)
	// Owner and times are set through the open file: cheaper than path
	// lookups in a directory of many thousands of entries.
	oerr := f.Chown(s.uid, s.gid)
	var terr error
	// Dovecot takes a Maildir message's INTERNALDATE from the file's mtime.
	if d, ok := headerDate(msg); ok {
		tv := syscall.NsecToTimeval(d.UnixNano())
		terr = syscall.Futimes(int(f.Fd()), []syscall.Timeval{tv, tv})
	}
	cerr := f.Close()
	if err := errors.Join(werr, oerr, terr, cerr); err != nil {
		return fmt.Errorf("mailtest: Seed: write %s: %w", name, err)
	}
	return nil
}

// crlfSize is the size of msg with every bare LF counted as CRLF (the W=
// "virtual size" Dovecot reads from Maildir file names).
func crlfSize(msg []byte) int {
	n := len(msg)
	for i, c := range msg {
		if c == '\n' && (i == 0 || msg[i-1] != '\r') {
			n++
		}
	}
	return n
}

// headerDate finds and parses the Date header in the message header block.
func headerDate(msg []byte) (time.Time, bool) {
	end := bytes.Index(msg, []byte("\n\n"))
	if e2 := bytes.Index(msg, []byte("\r\n\r\n")); e2 >= 0 && (end < 0 || e2 < end) {
		end = e2
	}
	if end < 0 {
		end = len(msg)
	}
	hdr := msg[:end]
	for len(hdr) > 0 {
		line := hdr
		if i := bytes.IndexByte(hdr, '\n'); i >= 0 {
			line, hdr = hdr[:i], hdr[i+1:]
		} else {
			hdr = nil
		}
		if len(line) > 5 && strings.EqualFold(string(line[:5]), "date:") {
			t, err := mail.ParseDate(strings.TrimSpace(string(line[5:])))
			return t, err == nil
		}
	}
	return time.Time{}, false
}
