// Package mailtest starts a real, private Dovecot + Postfix mail stack on
// loopback for tests. Each test binary (one per package) gets its own stack:
// its own ports, directories, queue and certificates, so packages can run in
// parallel.
//
// The stack offers IMAP (STARTTLS and implicit TLS), POP3 (STLS and implicit
// TLS) and SMTP submission (STARTTLS-required and implicit TLS) for the domain
// Domain. Mail submitted for that domain is delivered by Postfix into Dovecot
// over LMTP; everything else is refused. It needs root, Dovecot 2.3 and
// Postfix 3.x.
package mailtest

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Defaults of every stack.
const (
	// DefaultDomain is the mail domain served by the stack.
	DefaultDomain = "hongyan.test"
	// DefaultMaxMessageSize is Postfix's message_size_limit (20 MiB).
	DefaultMaxMessageSize = 20 << 20
	// DefaultQuotaMB is the per-user storage quota in MiB.
	DefaultQuotaMB = 100

	// ParentDir holds every stack's directory. It is listed in the default
	// Postfix main.cf's alternate_config_directories.
	ParentDir = "/tmp/hongyan-mailtest"
	// ShmParentDir holds the stacks' mail stores when /dev/shm is available:
	// creating many small Maildir files in memory is about ten times faster
	// than on disk, which keeps Seed of 100,000 messages to seconds.
	ShmParentDir = "/dev/shm/hongyan-mailtest"

	startTimeout = 30 * time.Second
)

// Stack is one running Dovecot + Postfix instance.
type Stack struct {
	Dir    string // root of all the stack's files
	Domain string // mail domain, e.g. hongyan.test
	Host   string // 127.0.0.1

	IMAPPort        int // IMAP, STARTTLS before login
	IMAPSPort       int // IMAP over implicit TLS
	POP3Port        int // POP3, STLS before login
	POP3SPort       int // POP3 over implicit TLS
	SubmissionPort  int // SMTP submission, STARTTLS required before AUTH
	SubmissionsPort int // SMTP submission over implicit TLS

	CAFile string         // PEM file of the test CA that signed the server certificate
	CAPool *x509.CertPool // the same CA as a pool

	MaxMessageSize int64 // Postfix message_size_limit in bytes
	QuotaBytes     int64 // per-user storage quota (IMAP QUOTA STORAGE limit is QuotaBytes/1024)

	LMTPSocket string // Dovecot LMTP unix socket
	AuthSocket string // Dovecot auth socket (SASL for Postfix)

	dovecotConf string
	postfixDir  string
	passdbDir   string
	mailRoot    string
	dovecotLog  string
	postfixLog  string
	dovecotErr  string
	uid, gid    int

	dovecot     *exec.Cmd
	relays      []*relay
	dovecotIMAP int // Dovecot's own plaintext IMAP port, behind the relay
	dovecotPOP3 int // Dovecot's own plaintext POP3 port, behind the relay
	dovecotDone chan struct{}

	closeOne sync.Once
	closeErr error
}

// StartError is returned by Start when the stack cannot be brought up. Its
// message includes the tail of the servers' logs.
type StartError struct {
	Step string // what was being done
	Err  error
	Log  string // tail of the Dovecot and Postfix logs
}

func (e *StartError) Error() string {
	msg := fmt.Sprintf("mailtest: cannot start the Dovecot/Postfix stack: %s: %v", e.Step, e.Err)
	if e.Log != "" {
		msg += "\n--- server log tail ---\n" + e.Log
	}
	return msg
}

func (e *StartError) Unwrap() error { return e.Err }

// Start starts Dovecot and Postfix and waits until every port accepts
// connections. Close must be called to stop them.
func Start() (*Stack, error) {
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		var s *Stack
		s, err = startOnce()
		if err == nil {
			return s, nil
		}
		// Ports are picked free but may be taken by a parallel stack before
		// the servers bind them; try again with fresh ports.
		if !strings.Contains(err.Error(), "in use") {
			break
		}
	}
	return nil, err
}

func startOnce() (s *Stack, err error) {
	if os.Geteuid() != 0 {
		return nil, &StartError{Step: "check privileges", Err: errors.New("the test mail stack must run as root")}
	}
	for _, bin := range []string{"dovecot", "doveadm", "postfix"} {
		if _, err := exec.LookPath(bin); err != nil {
			return nil, &StartError{Step: "find " + bin, Err: err}
		}
	}
	uid, gid, err := mailOwner()
	if err != nil {
		return nil, &StartError{Step: "find mail owner", Err: err}
	}
	dir, err := prepareParent()
	if err != nil {
		return nil, &StartError{Step: "prepare " + ParentDir, Err: err}
	}
	s = &Stack{
		Dir:            dir,
		Domain:         DefaultDomain,
		Host:           "127.0.0.1",
		MaxMessageSize: DefaultMaxMessageSize,
		QuotaBytes:     DefaultQuotaMB << 20,
		LMTPSocket:     dir + "/dovecot/lmtp",
		AuthSocket:     dir + "/dovecot/auth-client",
		dovecotConf:    dir + "/dovecot/dovecot.conf",
		postfixDir:     dir + "/postfix",
		passdbDir:      dir + "/dovecot/users",
		mailRoot:       mailRootFor(dir),
		dovecotLog:     dir + "/log/dovecot.log",
		postfixLog:     dir + "/log/postfix.log",
		dovecotErr:     dir + "/log/dovecot.stderr",
		uid:            uid,
		gid:            gid,
		dovecotDone:    make(chan struct{}),
	}
	defer func() {
		if err != nil {
			log := s.logTail(40)
			s.shutdown()
			var se *StartError
			if errors.As(err, &se) {
				se.Log = log
			} else {
				err = &StartError{Step: "start", Err: err, Log: log}
			}
		}
	}()
	step := func(name string, e error) error {
		if e == nil {
			return nil
		}
		return &StartError{Step: name, Err: e}
	}

	for _, d := range []string{"dovecot", "dovecot/state", "log", "postfix", "postfix-queue"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return s, step("create directories", err)
		}
	}
	if err := mkdirOwned(s.mailRoot, 0o750, uid, gid); err != nil {
		return s, step("create mail root", err)
	}
	if err := mkdirOwned(dir+"/postfix-data", 0o700, postfixUID(), -1); err != nil {
		return s, step("create postfix data directory", err)
	}
	for _, f := range []string{s.dovecotLog, s.postfixLog} {
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			return s, step("create log files", err)
		}
	}

	ca, err := makePKI(dir)
	if err != nil {
		return s, step("generate certificates", err)
	}
	s.CAFile, s.CAPool = ca.caFile, ca.pool

	ports, err := freePorts(8)
	if err != nil {
		return s, step("pick free ports", err)
	}
	s.IMAPPort, s.IMAPSPort, s.POP3Port, s.POP3SPort, s.SubmissionPort, s.SubmissionsPort =
		ports[0], ports[1], ports[2], ports[3], ports[4], ports[5]
	s.dovecotIMAP, s.dovecotPOP3 = ports[6], ports[7]

	if err := mkdirOwned(s.passdbDir, 0o755, -1, -1); err != nil {
		return s, step("create users directory", err)
	}
	p := confParams{
		Dir: dir, Domain: s.Domain, Host: s.Host,
		IMAP: s.dovecotIMAP, IMAPS: s.IMAPSPort, POP3: s.dovecotPOP3, POP3S: s.POP3SPort,
		Sub: s.SubmissionPort, Subs: s.SubmissionsPort,
		UID: uid, GID: gid,
		CertFile: ca.certFile, KeyFile: ca.keyFile,
		MaxMsgSize: s.MaxMessageSize, QuotaMB: DefaultQuotaMB,
		LMTPSocket: s.LMTPSocket, AuthSocket: s.AuthSocket,
		PassdbDir: s.passdbDir, DovecotLog: s.dovecotLog, PostfixLog: s.postfixLog,
		PostfixQueue: dir + "/postfix-queue", PostfixData: dir + "/postfix-data",
		MailRoot: s.mailRoot,
	}
	if err := os.WriteFile(s.dovecotConf, []byte(dovecotConf(p)), 0o644); err != nil {
		return s, step("write dovecot.conf", err)
	}
	if err := os.WriteFile(s.postfixDir+"/main.cf", []byte(postfixMainCf(p)), 0o644); err != nil {
		return s, step("write postfix main.cf", err)
	}
	if err := os.WriteFile(s.postfixDir+"/master.cf", []byte(postfixMasterCf(p)), 0o644); err != nil {
		return s, step("write postfix master.cf", err)
	}

	if err := s.startDovecot(); err != nil {
		return s, step("start dovecot", err)
	}
	// Postfix needs Dovecot's auth and LMTP sockets only when mail flows,
	// but waiting for them first makes start-up failures easier to read.
	if err := s.waitFor("dovecot", []int{s.dovecotIMAP, s.IMAPSPort, s.dovecotPOP3, s.POP3SPort},
		[]string{s.LMTPSocket, s.AuthSocket}); err != nil {
		return s, step("wait for dovecot", err)
	}
	for _, pp := range [][2]int{{s.IMAPPort, s.dovecotIMAP}, {s.POP3Port, s.dovecotPOP3}} {
		r, err := startRelay(s.Addr(pp[0]), s.Addr(pp[1]))
		if err != nil {
			return s, step("start relay", err)
		}
		s.relays = append(s.relays, r)
	}
	if out, err := exec.Command("postfix", "-c", s.postfixDir, "start").CombinedOutput(); err != nil {
		return s, step("start postfix", fmt.Errorf("%v: %s", err, strings.TrimSpace(string(out))))
	}
	if err := s.waitFor("postfix", []int{s.SubmissionPort, s.SubmissionsPort}, nil); err != nil {
		return s, step("wait for postfix", err)
	}
	return s, nil
}

func (s *Stack) startDovecot() error {
	errf, err := os.OpenFile(s.dovecotErr, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer errf.Close()
	cmd := exec.Command("dovecot", "-F", "-c", s.dovecotConf)
	cmd.Stdout, cmd.Stderr = errf, errf
	// If the test binary dies without Close, Dovecot goes with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM, Setpgid: true}
	if err := cmd.Start(); err != nil {
		return err
	}
	s.dovecot = cmd
	go func() {
		_ = cmd.Wait()
		close(s.dovecotDone)
	}()
	return nil
}

// waitFor waits until all ports accept TCP connections and all sockets exist.
func (s *Stack) waitFor(what string, ports []int, sockets []string) error {
	deadline := time.Now().Add(startTimeout)
	for _, port := range ports {
		addr := net.JoinHostPort(s.Host, strconv.Itoa(port))
		for {
			c, err := net.DialTimeout("tcp", addr, time.Second)
			if err == nil {
				c.Close()
				break
			}
			if what == "dovecot" {
				select {
				case <-s.dovecotDone:
					return fmt.Errorf("dovecot exited during start-up")
				default:
				}
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("%s does not accept connections on %s: %v", what, addr, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	for _, sock := range sockets {
		for {
			if _, err := os.Stat(sock); err == nil {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("%s did not create %s", what, sock)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return nil
}

// Close stops Postfix and Dovecot and removes the stack's directory.
func (s *Stack) Close() error {
	s.closeOne.Do(func() { s.closeErr = s.shutdown() })
	return s.closeErr
}

func (s *Stack) shutdown() error {
	var errs []error
	for _, r := range s.relays {
		_ = r.Close()
	}
	if _, err := os.Stat(s.postfixDir + "/main.cf"); err == nil {
		if pidAlive(readPid(s.Dir + "/postfix-queue/pid/master.pid")) {
			if out, err := exec.Command("postfix", "-c", s.postfixDir, "stop").CombinedOutput(); err != nil {
				errs = append(errs, fmt.Errorf("postfix stop: %v: %s", err, strings.TrimSpace(string(out))))
			}
		}
	}
	if s.dovecot != nil && s.dovecot.Process != nil {
		_ = s.dovecot.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.dovecotDone:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(-s.dovecot.Process.Pid, syscall.SIGKILL)
			<-s.dovecotDone
			errs = append(errs, errors.New("dovecot did not stop within 10s and was killed"))
		}
	}
	// Postfix stop returns before every daemon has gone; give the master a
	// moment so the directory can be removed cleanly.
	waitGone(readPid(s.Dir+"/postfix-queue/pid/master.pid"), 10*time.Second)
	for _, d := range []string{s.mailRoot, s.Dir} {
		if err := os.RemoveAll(d); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// TLSConfig returns a client TLS configuration that trusts the test CA.
func (s *Stack) TLSConfig() *tls.Config {
	return &tls.Config{RootCAs: s.CAPool, ServerName: s.Host, MinVersion: tls.VersionTLS12}
}

// Addr returns "host:port" for one of the stack's ports.
func (s *Stack) Addr(port int) string { return net.JoinHostPort(s.Host, strconv.Itoa(port)) }

// Doveadm runs doveadm against this instance and returns its combined output.
func (s *Stack) Doveadm(args ...string) ([]byte, error) {
	out, err := exec.Command("doveadm", append([]string{"-c", s.dovecotConf}, args...)...).CombinedOutput()
	if err != nil {
		return out, fmt.Errorf("mailtest: doveadm %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return out, nil
}

// ServerLog returns the Dovecot and Postfix logs, for failure messages.
func (s *Stack) ServerLog() string {
	var b strings.Builder
	for _, f := range []struct{ name, path string }{
		{"dovecot", s.dovecotLog}, {"dovecot stderr", s.dovecotErr}, {"postfix", s.postfixLog},
	} {
		data, err := os.ReadFile(f.path)
		if err != nil || len(data) == 0 {
			continue
		}
		fmt.Fprintf(&b, "=== %s (%s) ===\n%s", f.name, f.path, data)
		if data[len(data)-1] != '\n' {
			b.WriteByte('\n')
		}
	}
	return b.String()
}

func (s *Stack) logTail(n int) string {
	lines := strings.Split(strings.TrimRight(s.ServerLog(), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// freePorts picks n distinct free loopback ports. The listeners are held
// until all ports are chosen so the same port is not returned twice.
func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	ports := make([]int, 0, n)
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// mailOwner is the system account owning the mail store ("mail", else
// "dovecot"); Dovecot refuses to access mail as root.
func mailOwner() (int, int, error) {
	for _, name := range []string{"mail", "dovecot"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, err1 := strconv.Atoi(u.Uid)
		gid, err2 := strconv.Atoi(u.Gid)
		if err1 == nil && err2 == nil && uid != 0 {
			return uid, gid, nil
		}
	}
	return 0, 0, errors.New("no 'mail' or 'dovecot' system user")
}

func postfixUID() int {
	u, err := user.Lookup("postfix")
	if err != nil {
		return -1
	}
	uid, err := strconv.Atoi(u.Uid)
	if err != nil {
		return -1
	}
	return uid
}

func mkdirOwned(path string, mode os.FileMode, uid, gid int) error {
	if err := os.MkdirAll(path, mode); err != nil {
		return err
	}
	if err := os.Chmod(path, mode); err != nil {
		return err
	}
	if uid < 0 && gid < 0 {
		return nil
	}
	return os.Chown(path, uid, gid)
}

// mailRootFor returns where the stack in dir keeps its Maildirs: in
// ShmParentDir when /dev/shm is a usable directory, else in dir/mail.
func mailRootFor(dir string) string {
	if err := os.MkdirAll(ShmParentDir, 0o755); err == nil {
		if err := os.Chmod(ShmParentDir, 0o755); err == nil {
			return filepath.Join(ShmParentDir, filepath.Base(dir))
		}
	}
	return filepath.Join(dir, "mail")
}

func readPid(path string) int {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || pid <= 1 {
		return 0
	}
	return pid
}

func pidAlive(pid int) bool {
	if pid <= 1 {
		return false
	}
	// A zombie (exited, not yet reaped by its parent) counts as gone.
	if data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat"); err == nil {
		if i := strings.LastIndexByte(string(data), ')'); i >= 0 && i+2 < len(data) && data[i+2] == 'Z' {
			return false
		}
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

func waitGone(pid int, d time.Duration) {
	deadline := time.Now().Add(d)
	for pidAlive(pid) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
}
