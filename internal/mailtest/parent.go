package mailtest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const defaultMainCf = "/etc/postfix/main.cf"

// prepareParent makes sure ParentDir exists and is allowed as a Postfix
// alternate configuration directory, removes directories left behind by test
// processes that died without Close, and creates a fresh stack directory
// tagged with this process's id. All of it happens under an exclusive lock so
// that test binaries of several packages starting at once do not race.
func prepareParent() (string, error) {
	if err := os.MkdirAll(ParentDir, 0o755); err != nil {
		return "", err
	}
	// Postfix and Dovecot daemons running as unprivileged users must be able
	// to traverse the path.
	if err := os.Chmod(ParentDir, 0o755); err != nil {
		return "", err
	}
	lock, err := os.OpenFile(filepath.Join(ParentDir, ".lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return "", err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", fmt.Errorf("lock %s: %w", lock.Name(), err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)

	if err := allowAlternateConfigDir(defaultMainCf, ParentDir); err != nil {
		return "", fmt.Errorf("update %s: %w", defaultMainCf, err)
	}
	reapStale()

	dir, err := os.MkdirTemp(ParentDir, "s")
	if err != nil {
		return "", err
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "owner.pid"), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
		return "", err
	}
	return dir, nil
}

// allowAlternateConfigDir makes the default main.cf list dir in
// alternate_config_directories, creating the file if needed. Postfix refuses
// "postfix -c DIR" for directories not listed there. Other settings in an
// existing file are kept as they are.
func allowAlternateConfigDir(mainCf, dir string) error {
	data, err := os.ReadFile(mainCf)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	const key = "alternate_config_directories"
	lines := strings.Split(string(data), "\n")
	found := -1
	last := -1
	for i, l := range lines {
		if found < 0 {
			name, _, ok := strings.Cut(l, "=")
			if ok && strings.TrimSpace(name) == key && !strings.HasPrefix(l, " ") && !strings.HasPrefix(l, "\t") {
				found, last = i, i
			}
			continue
		}
		// Continuation lines start with white space.
		if strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t") {
			last = i
			continue
		}
		break
	}
	if found >= 0 {
		value := strings.Join(lines[found:last+1], " ")
		_, value, _ = strings.Cut(value, "=")
		for _, f := range strings.FieldsFunc(value, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
			if filepath.Clean(f) == dir {
				return nil
			}
		}
		lines[last] = strings.TrimRight(lines[last], " \t") + ", " + dir
	} else {
		if len(lines) > 0 && lines[len(lines)-1] == "" {
			lines = lines[:len(lines)-1]
		}
		if len(data) == 0 {
			lines = []string{
				"# Created for the Hongyan test mail stack: the default instance is not",
				"# used; private instances live under " + dir + ".",
				"compatibility_level = 3.6",
			}
		}
		lines = append(lines, key+" = "+dir)
		lines = append(lines, "")
	}
	out := strings.Join(lines, "\n")
	if !strings.HasSuffix(out, "\n") {
		out += "\n"
	}
	if err := os.MkdirAll(filepath.Dir(mainCf), 0o755); err != nil {
		return err
	}
	tmp := mainCf + ".hongyan-tmp"
	if err := os.WriteFile(tmp, []byte(out), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, mainCf)
}

// reapStale stops the servers of stacks whose owning test process is gone
// and removes their directories.
func reapStale() {
	entries, err := os.ReadDir(ParentDir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		dir := filepath.Join(ParentDir, e.Name())
		owner := readPid(filepath.Join(dir, "owner.pid"))
		if owner == 0 {
			// A directory without an owner is only half made; leave young
			// ones alone in case another process is creating it right now.
			if info, err := e.Info(); err != nil || time.Since(info.ModTime()) < 10*time.Minute {
				continue
			}
		} else if pidAlive(owner) {
			continue
		}
		if _, err := os.Stat(dir + "/postfix/main.cf"); err == nil && pidAlive(readPid(dir+"/postfix-queue/pid/master.pid")) {
			_ = exec.Command("postfix", "-c", dir+"/postfix", "stop").Run()
		}
		if pid := readPid(dir + "/dovecot/run/master.pid"); pidAlive(pid) {
			_ = syscall.Kill(pid, syscall.SIGTERM)
			waitGone(pid, 5*time.Second)
		}
		waitGone(readPid(dir+"/postfix-queue/pid/master.pid"), 5*time.Second)
		_ = os.RemoveAll(filepath.Join(ShmParentDir, e.Name()))
		_ = os.RemoveAll(dir)
	}
	// Mail stores whose stack directory is gone.
	shm, _ := os.ReadDir(ShmParentDir)
	for _, e := range shm {
		if _, err := os.Stat(filepath.Join(ParentDir, e.Name())); os.IsNotExist(err) {
			_ = os.RemoveAll(filepath.Join(ShmParentDir, e.Name()))
		}
	}
}
