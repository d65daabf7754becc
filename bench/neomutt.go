package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// neomuttMetric times NeoMutt opening the seeded INBOX over IMAPS with no
// header cache, driven in a detached tmux session, as a reference beside
// raw_fetch.
func neomuttMetric(env *Env) ([]Result, error) {
	if _, err := exec.LookPath("neomutt"); err != nil {
		return nil, fmt.Errorf("neomutt not installed (make bench installs it): %w", err)
	}
	if _, err := exec.LookPath("tmux"); err != nil {
		return nil, fmt.Errorf("tmux not installed: %w", err)
	}
	s := env.Stack
	u, err := env.SeededUser("imap", warmIMAP(env))
	if err != nil {
		return nil, err
	}
	raw := rawBaseline
	if raw == 0 {
		_, d, err := rawFetch(env.Ctx, s.Addr(s.IMAPSPort), s.TLSConfig(), u.Name, u.Password)
		if err != nil {
			return nil, err
		}
		raw = d
	}
	dir := filepath.Join(env.Dir, "neomutt")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	url := fmt.Sprintf("imaps://%s@%s:%d", u.Name, s.Host, s.IMAPSPort)
	rc := filepath.Join(dir, "neomuttrc")
	conf := strings.Join([]string{
		`set imap_user="` + u.Name + `"`,
		`set imap_pass="` + u.Password + `"`,
		`set folder="` + url + `/"`,
		`set spoolfile="+INBOX"`,
		`set ssl_ca_certificates_file="` + s.CAFile + `"`,
		`set certificate_file="` + filepath.Join(dir, "certificates") + `"`,
		`set ssl_force_tls=yes`,
		`set header_cache=""`,
		`set message_cachedir=""`,
		`set mark_old=no`,
		`set quit=yes`,
		`set imap_check_subscribed=no`,
		`set mail_check_stats=no`,
		`set read_inc=0`,
		`set sort=date`,
		"",
	}, "\n")
	if err := os.WriteFile(rc, []byte(conf), 0o600); err != nil {
		return nil, err
	}
	session := fmt.Sprintf("hongyan-bench-%d", os.Getpid())
	cmdline := fmt.Sprintf("neomutt -n -F %s -f %s/INBOX -e 'push q' 2>%s", rc, url, filepath.Join(dir, "stderr"))
	start := time.Now()
	if out, err := exec.Command("tmux", "new-session", "-d", "-s", session, "-x", "200", "-y", "50", cmdline).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("tmux: %v: %s", err, out)
	}
	deadline := time.Now().Add(30 * time.Minute)
	for exec.Command("tmux", "has-session", "-t", session).Run() == nil {
		if time.Now().After(deadline) {
			_ = exec.Command("tmux", "kill-session", "-t", session).Run()
			return nil, fmt.Errorf("neomutt did not exit")
		}
		time.Sleep(20 * time.Millisecond)
	}
	d := time.Since(start)
	if d < 200*time.Millisecond {
		b, _ := os.ReadFile(filepath.Join(dir, "stderr"))
		return nil, fmt.Errorf("neomutt exited at once: %s", b)
	}
	return []Result{Result{Name: "imap.cold_sync.neomutt", Value: d.Seconds(), Unit: "s",
		Note: "NeoMutt opening INBOX, no header cache"}.WithBaseline("raw_fetch", raw.Seconds())}, nil
}
