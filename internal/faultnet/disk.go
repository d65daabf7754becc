package faultnet

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TinyDisk mounts a tmpfs of the given size ("1m", "2m") on a fresh
// directory and unmounts it when the test ends: a disk that fills up. It
// needs root (the test machine runs tests as root); a failure to mount
// fails the test with the reason.
func TinyDisk(t testing.TB, size string) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "hongyan-tinydisk-")
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size+",mode=0700", "tmpfs", dir).CombinedOutput()
	if err != nil {
		os.Remove(dir)
		t.Fatalf("faultnet: cannot mount a %s tmpfs on %s (the disk-full tests need root): %v: %s", size, dir, err, out)
	}
	t.Cleanup(func() {
		for i := 0; i < 50; i++ {
			if err := exec.Command("umount", dir).Run(); err == nil {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		os.Remove(dir)
	})
	return dir
}

// FillDisk writes a ballast file in dir until at most leave bytes are free
// on its file system, and returns the free space left.
func FillDisk(t testing.TB, dir string, leave int64) int64 {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(dir, "ballast"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	block := make([]byte, 4096)
	for {
		free := Free(t, dir)
		if free <= leave {
			return free
		}
		n := int64(len(block))
		if free-leave < n {
			n = free - leave
		}
		if _, err := f.Write(block[:n]); err != nil {
			if errors.Is(err, syscall.ENOSPC) {
				return Free(t, dir)
			}
			t.Fatal(err)
		}
	}
}

// Free is the space available on dir's file system.
func Free(t testing.TB, dir string) int64 {
	t.Helper()
	var s syscall.Statfs_t
	if err := syscall.Statfs(dir, &s); err != nil {
		t.Fatal(err)
	}
	return int64(s.Bavail) * int64(s.Bsize)
}

// CPUTime is the user plus system CPU time this process has used so far.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
