//go:build windows

package app

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/windows"
)

const instancePortName = "instance.port"

// lockInstance takes an exclusive LockFileEx lock on path; Windows drops
// it when the process ends.
func lockInstance(path string) (unlock func(), locked bool, err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, false, err
	}
	ol := new(windows.Overlapped)
	err = windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, ol)
	if err != nil {
		f.Close()
		if err == windows.ERROR_LOCK_VIOLATION {
			return nil, false, nil
		}
		return nil, false, err
	}
	return func() {
		_ = windows.UnlockFileEx(windows.Handle(f.Fd()), 0, 1, 0, ol)
		f.Close()
	}, true, nil
}

// listenInstance listens on a loopback TCP port and writes the port to a
// file in the profile directory; the token file guards it.
func listenInstance(profileDir string) (net.Listener, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	path := filepath.Join(profileDir, instancePortName)
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	if err := os.WriteFile(path, []byte(port), 0o600); err != nil {
		ln.Close()
		return nil, nil, err
	}
	return ln, func() { _ = os.Remove(path) }, nil
}

func dialInstance(profileDir string) (net.Conn, error) {
	b, err := os.ReadFile(filepath.Join(profileDir, instancePortName))
	if err != nil {
		return nil, err
	}
	port, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || port < 1 || port > 65535 {
		return nil, fmt.Errorf("bad port file %q", b)
	}
	return net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), instanceIOTimeout)
}
