//go:build !windows

package app

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"syscall"
)

// maxSocketPath keeps under the smallest sun_path limit (104 bytes on
// macOS and the BSDs, 108 on Linux, both counting the final NUL).
const maxSocketPath = 100

// lockInstance takes an exclusive flock on path. The kernel drops it when
// the process dies, which is what tells a later launch that a socket left
// behind is stale.
func lockInstance(path string) (unlock func(), locked bool, err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, false, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) || errors.Is(err, syscall.EAGAIN) {
			return nil, false, nil
		}
		return nil, false, err
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, true, nil
}

// instanceSocketPath is <profile>/instance.sock, or when that is too long
// for a unix socket address, a short name in the per-user runtime or
// temporary directory derived from the profile path and the user ID.
func instanceSocketPath(profileDir string) string {
	p := filepath.Join(profileDir, "instance.sock")
	if len(p) <= maxSocketPath {
		return p
	}
	abs, err := filepath.Abs(profileDir)
	if err != nil {
		abs = profileDir
	}
	sum := sha256.Sum256([]byte(fmt.Sprintf("%d\x00%s", os.Getuid(), abs)))
	name := "hongyan-" + hex.EncodeToString(sum[:8]) + ".sock"
	if dir := os.Getenv("XDG_RUNTIME_DIR"); dir != "" && len(filepath.Join(dir, name)) <= maxSocketPath {
		return filepath.Join(dir, name)
	}
	return filepath.Join(os.TempDir(), name)
}

// listenInstance is called with the lock held, so any socket file already
// there belongs to a process that is gone: remove it and listen afresh.
func listenInstance(profileDir string) (net.Listener, func(), error) {
	path := instanceSocketPath(profileDir)
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, nil, fmt.Errorf("removing the stale socket %s: %w", path, err)
	}
	old := syscall.Umask(0o077)
	ln, err := net.Listen("unix", path)
	syscall.Umask(old)
	if err != nil {
		return nil, nil, err
	}
	// Closing must not unlink: a successor may already own the path.
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	return ln, func() { _ = os.Remove(path) }, nil
}

func dialInstance(profileDir string) (net.Conn, error) {
	return net.DialTimeout("unix", instanceSocketPath(profileDir), instanceIOTimeout)
}
