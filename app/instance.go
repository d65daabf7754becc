package app

import (
	"bufio"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Single instance. Fyne has no notion of it, so Hongyan keeps one itself:
// the first process to start with a profile holds an exclusive lock file
// in it and listens on a local endpoint (a unix socket, or on Windows a
// loopback TCP port written to a file). A later launch with the same
// profile finds the lock taken, connects, hands over its arguments (a
// mailto: URL or an .eml path) with a random token only the profile's
// owner can read, and exits. A crashed first instance leaves its socket
// behind but not its lock (the OS drops it), so the next launch removes
// the stale socket and takes over.

const (
	instanceLockName  = "instance.lock"
	instanceTokenName = "instance.token"
	// instanceWait is how long a second launch keeps trying to reach a
	// first instance that holds the lock but is not listening yet.
	instanceWait = 5 * time.Second
	// instanceIOTimeout bounds one hand-off exchange.
	instanceIOTimeout = 5 * time.Second
	maxHandOffBytes   = 64 << 10
)

// ErrInstanceUnreachable means another process holds the profile but did
// not answer the hand-off.
var ErrInstanceUnreachable = errors.New("another Hongyan is running with this profile but does not answer")

type handOff struct {
	Token string   `json:"token"`
	Args  []string `json:"args"`
}

// acquireInstance makes this process the profile's single instance, or
// hands the command line's mailto: URL or file path to the running one.
// When handedOff is true the caller should exit with status 0. Otherwise
// onArgs is called (on a background goroutine) with the arguments of every
// later launch, and release must be called before exit.
func acquireInstance(profileDir string, onArgs func([]string)) (release func(), handedOff bool, err error) {
	return acquireInstanceArgs(profileDir, instanceArgs(os.Args[1:]), onArgs)
}

// instanceArgs picks the arguments worth handing over from a command line:
// the positional ones (flags and their values stay behind).
func instanceArgs(cmdline []string) []string {
	var out []string
	for i := 0; i < len(cmdline); i++ {
		a := cmdline[i]
		switch {
		case a == "--":
			out = append(out, cmdline[i+1:]...)
			i = len(cmdline)
		case strings.HasPrefix(a, "-") && a != "-":
			name := strings.TrimLeft(a, "-")
			if !strings.Contains(name, "=") && name == "profile" {
				i++ // skip the flag's value
			}
		default:
			out = append(out, a)
		}
	}
	return out
}

// acquireInstanceArgs is acquireInstance with the arguments to hand over
// given explicitly. Relative file paths are made absolute first, since the
// running instance has another working directory.
func acquireInstanceArgs(profileDir string, args []string, onArgs func([]string)) (release func(), handedOff bool, err error) {
	if err := os.MkdirAll(profileDir, 0o700); err != nil {
		return nil, false, fmt.Errorf("single instance: %w", err)
	}
	args = absArgs(args)
	unlock, locked, err := lockInstance(filepath.Join(profileDir, instanceLockName))
	if err != nil {
		return nil, false, fmt.Errorf("single instance: locking the profile: %w", err)
	}
	if !locked {
		if err := sendToInstance(profileDir, args); err != nil {
			return nil, false, err
		}
		return nil, true, nil
	}
	ln, cleanup, err := listenInstance(profileDir)
	if err != nil {
		unlock()
		return nil, false, fmt.Errorf("single instance: %w", err)
	}
	token, err := writeInstanceToken(profileDir)
	if err != nil {
		ln.Close()
		cleanup()
		unlock()
		return nil, false, fmt.Errorf("single instance: %w", err)
	}
	done := make(chan struct{})
	go serveInstance(ln, token, onArgs, done)
	var once sync.Once
	return func() {
		once.Do(func() {
			ln.Close()
			<-done
			_ = os.Remove(filepath.Join(profileDir, instanceTokenName))
			cleanup()
			unlock()
		})
	}, false, nil
}

func absArgs(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = a
		if a == "" || strings.HasPrefix(strings.ToLower(a), "mailto:") || strings.Contains(a, "://") {
			continue
		}
		if abs, err := filepath.Abs(a); err == nil {
			out[i] = abs
		}
	}
	return out
}

func writeInstanceToken(profileDir string) (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	token := hex.EncodeToString(b[:])
	path := filepath.Join(profileDir, instanceTokenName)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(token), 0o600); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, path); err != nil {
		return "", err
	}
	return token, nil
}

func serveInstance(ln net.Listener, token string, onArgs func([]string), done chan<- struct{}) {
	defer close(done)
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		c, err := ln.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.Close()
			args, ok := readHandOff(c, token)
			if !ok {
				_, _ = io.WriteString(c, "denied\n")
				return
			}
			_, _ = io.WriteString(c, "ok\n")
			if onArgs != nil {
				onArgs(args)
			}
		}()
	}
}

func readHandOff(c net.Conn, token string) ([]string, bool) {
	_ = c.SetDeadline(time.Now().Add(instanceIOTimeout))
	line, err := bufio.NewReader(io.LimitReader(c, maxHandOffBytes)).ReadBytes('\n')
	if err != nil {
		return nil, false
	}
	var h handOff
	if json.Unmarshal(line, &h) != nil {
		return nil, false
	}
	if subtle.ConstantTimeCompare([]byte(h.Token), []byte(token)) != 1 {
		return nil, false
	}
	if h.Args == nil {
		h.Args = []string{}
	}
	return h.Args, true
}

// sendToInstance hands args to the running instance, retrying while it
// is still starting up.
func sendToInstance(profileDir string, args []string) error {
	deadline := time.Now().Add(instanceWait)
	var last error
	for {
		last = trySend(profileDir, args)
		if last == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%w: %v", ErrInstanceUnreachable, last)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func trySend(profileDir string, args []string) error {
	token, err := os.ReadFile(filepath.Join(profileDir, instanceTokenName))
	if err != nil {
		return err
	}
	c, err := dialInstance(profileDir)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(instanceIOTimeout))
	msg, err := json.Marshal(handOff{Token: strings.TrimSpace(string(token)), Args: args})
	if err != nil {
		return err
	}
	if _, err := c.Write(append(msg, '\n')); err != nil {
		return err
	}
	reply, err := bufio.NewReader(io.LimitReader(c, 64)).ReadString('\n')
	if err != nil {
		return err
	}
	if strings.TrimSpace(reply) != "ok" {
		return fmt.Errorf("the running instance refused the hand-off (%s)", strings.TrimSpace(reply))
	}
	return nil
}
