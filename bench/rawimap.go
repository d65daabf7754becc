package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// rawFetch is the raw_fetch baseline: a minimal hand-written IMAP client
// on a TLS socket that logs in, selects INBOX, sends one
// UID FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE)
// and drains the answer, keeping nothing. It is written by hand on purpose:
// it measures the floor a real client cannot beat. Returns the number of
// FETCH responses and the time from connect to the tagged OK.
func rawFetch(ctx context.Context, addr string, cfg *tls.Config, user, pass string) (int, time.Duration, error) {
	start := time.Now()
	d := &tls.Dialer{NetDialer: &net.Dialer{Timeout: 20 * time.Second}, Config: cfg}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return 0, 0, err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(30 * time.Minute))
	r := bufio.NewReaderSize(c, 256<<10)
	if _, err := r.ReadString('\n'); err != nil {
		return 0, 0, err
	}
	n := 0
	cmd := func(tag, line string) error {
		if _, err := fmt.Fprintf(c, "%s %s\r\n", tag, line); err != nil {
			return err
		}
		for {
			l, err := r.ReadSlice('\n')
			if err == bufio.ErrBufferFull {
				// A very long line: skip the rest of it.
				for err == bufio.ErrBufferFull {
					_, err = r.ReadSlice('\n')
				}
			}
			if err != nil {
				return err
			}
			if len(l) > 2 && l[0] == '*' && strings.Contains(string(l[:min(len(l), 40)]), " FETCH ") {
				n++
			}
			// Literals: "{123}\r\n" at the end of a line.
			for {
				s := strings.TrimRight(string(l), "\r\n")
				if !strings.HasSuffix(s, "}") {
					break
				}
				i := strings.LastIndexByte(s, '{')
				size, perr := strconv.Atoi(strings.TrimSuffix(s[i+1:len(s)-1], "+"))
				if i < 0 || perr != nil {
					break
				}
				if _, err := io.CopyN(io.Discard, r, int64(size)); err != nil {
					return err
				}
				if l, err = r.ReadSlice('\n'); err != nil {
					return err
				}
			}
			if strings.HasPrefix(string(l), tag+" ") {
				if !strings.HasPrefix(string(l), tag+" OK") {
					return fmt.Errorf("%s", strings.TrimSpace(string(l)))
				}
				return nil
			}
		}
	}
	if err := cmd("a", "LOGIN "+quote(user)+" "+quote(pass)); err != nil {
		return 0, 0, err
	}
	if err := cmd("b", "SELECT INBOX"); err != nil {
		return 0, 0, err
	}
	if err := cmd("c", "UID FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE)"); err != nil {
		return 0, 0, err
	}
	dur := time.Since(start)
	fmt.Fprintf(c, "d LOGOUT\r\n")
	return n, dur, nil
}

func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
