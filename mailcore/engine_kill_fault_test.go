package mailcore

import (
	"bufio"
	"context"
	"crypto/x509"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"hongyan/internal/mailtest"
	"hongyan/mailcore/account"
	"hongyan/mailcore/message"
	"hongyan/mailcore/netsec"
	"hongyan/mailcore/secret"
	"hongyan/mailcore/store"
)

// The crash test re-executes the test binary; the child is recognised
// here, before TestMain starts a mail stack of its own, and talks to the
// parent's stack (addresses and credentials come through the environment,
// never through a file).
const killChildEnv = "HONGYAN_FAULT_KILL_CHILD"

func init() {
	if os.Getenv(killChildEnv) == "" {
		return
	}
	if err := killChild(); err != nil {
		fmt.Println("CHILD ERROR:", err)
		os.Exit(3)
	}
	os.Exit(0)
}

type killEnv struct {
	dir, caFile, host, iter              string
	imapPort, pop3Port, subPort          int
	imapUser, imapPass, popUser, popPass string
	imapAddr, popAddr                    string
}

func readKillEnv() killEnv {
	g := os.Getenv
	n := func(k string) int { v, _ := strconv.Atoi(g(k)); return v }
	return killEnv{dir: g("HK_DIR"), caFile: g("HK_CA"), host: g("HK_HOST"), iter: g("HK_ITER"),
		imapPort: n("HK_IMAP"), pop3Port: n("HK_POP3"), subPort: n("HK_SUB"),
		imapUser: g("HK_IU"), imapPass: g("HK_IP"), popUser: g("HK_PU"), popPass: g("HK_PP"),
		imapAddr: g("HK_IA"), popAddr: g("HK_PA")}
}

func (k killEnv) environ() []string {
	return append(os.Environ(), killChildEnv+"=1", "HK_DIR="+k.dir, "HK_CA="+k.caFile, "HK_HOST="+k.host, "HK_ITER="+k.iter,
		"HK_IMAP="+strconv.Itoa(k.imapPort), "HK_POP3="+strconv.Itoa(k.pop3Port), "HK_SUB="+strconv.Itoa(k.subPort),
		"HK_IU="+k.imapUser, "HK_IP="+k.imapPass, "HK_PU="+k.popUser, "HK_PP="+k.popPass, "HK_IA="+k.imapAddr, "HK_PA="+k.popAddr)
}

func (k killEnv) accounts() []account.Account {
	mk := func(proto, user, addr string, port int) account.Account {
		a := account.New()
		a.DisplayName, a.Email = "Kill "+proto, addr
		a.Incoming = account.IncomingServer{Protocol: proto, Host: k.host, Port: port, Security: account.SecurityTLS, Username: user}
		a.Outgoing = account.OutgoingServer{Host: k.host, Port: k.subPort, Security: account.SecurityTLS, Username: user}
		a.Identities = []account.Identity{{Name: "Kill", Address: addr}}
		a.Options.POP3LeaveOnServer = false
		return a
	}
	return []account.Account{mk(account.ProtocolIMAP, k.imapUser, k.imapAddr, k.imapPort),
		mk(account.ProtocolPOP3, k.popUser, k.popAddr, k.pop3Port)}
}

// openKillEngine opens the profile with the passwords in a session store.
func openKillEngine(k killEnv, pool *x509.CertPool) (*Engine, error) {
	secrets := secret.NewSessionStore()
	e, err := Open(Options{ProfileDir: k.dir, Secrets: secrets, TLS: netsec.Options{RootCAs: pool}})
	if err != nil {
		return nil, err
	}
	for _, a := range e.Accounts() {
		pw := k.imapPass
		if a.Incoming.Protocol == account.ProtocolPOP3 {
			pw = k.popPass
		}
		secrets.Set(a.ID, "incoming", pw)
		secrets.Set(a.ID, "outgoing", pw)
	}
	return e, nil
}

func killChild() error {
	k := readKillEnv()
	pem, err := os.ReadFile(k.caFile)
	if err != nil {
		return err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	e, err := openKillEngine(k, pool)
	if err != nil {
		return err
	}
	if len(e.Accounts()) == 0 {
		for i, a := range k.accounts() {
			pw := []string{k.imapPass, k.popPass}[i]
			if _, err := e.AddAccount(a, pw, ""); err != nil {
				return err
			}
		}
	}
	if err := e.Start(); err != nil {
		return err
	}
	ctx := context.Background()
	for _, a := range e.Accounts() {
		if a.Incoming.Protocol != account.ProtocolIMAP {
			continue
		}
		for j := 0; j < 3; j++ {
			d := &message.Draft{From: message.Address{Email: a.Email}, To: []message.Address{{Email: a.Email}},
				Subject: fmt.Sprintf("kill-%s-%d", k.iter, j), Text: strings.Repeat("crash test body\n", 200)}
			if _, err := e.Send(ctx, a.ID, d, 0); err != nil {
				return err
			}
		}
	}
	fmt.Println("STARTED")
	select {} // until killed
}

// The process is killed (SIGKILL) again and again while it syncs an IMAP
// account, downloads a POP3 account with delete-from-server and sends
// mail. Afterwards the store opens, nothing is duplicated or lost, and
// mail whose fate is unknown is marked uncertain and never sent twice.
func TestFaultKilledProcess(t *testing.T) {
	st := mailtest.Shared(t)
	ui, up := st.AddUser(t), st.AddUser(t)
	if err := st.Seed(ui, "INBOX", mailtest.GenerateMessages(1500, 21)); err != nil {
		t.Fatal(err)
	}
	if err := st.Seed(up, "INBOX", mailtest.GenerateMessages(200, 22)); err != nil {
		t.Fatal(err)
	}
	k := killEnv{dir: t.TempDir(), caFile: st.CAFile, host: st.Host, imapPort: st.IMAPSPort, pop3Port: st.POP3SPort,
		subPort: st.SubmissionsPort, imapUser: ui.Name, imapPass: ui.Password, popUser: up.Name, popPass: up.Password,
		imapAddr: ui.Address, popAddr: up.Address}
	delays := []time.Duration{0, 60 * time.Millisecond, 150 * time.Millisecond, 300 * time.Millisecond, 600 * time.Millisecond}
	for i, d := range delays {
		k.iter = strconv.Itoa(i)
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = k.environ()
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		started := make(chan string, 1)
		go func() {
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				select {
				case started <- sc.Text():
				default:
				}
			}
		}()
		select {
		case l := <-started:
			if l != "STARTED" {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("child %d: %s", i, l)
			}
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("child %d did not start", i)
		}
		time.Sleep(d)
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		cmd.Wait()
	}

	// Restart in this process.
	e, err := openKillEngine(k, st.CAPool)
	if err != nil {
		t.Fatalf("the profile does not open after the crashes: %v", err)
	}
	defer e.Close()
	if err := e.Start(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var imapAcct, popAcct account.Account
	for _, a := range e.Accounts() {
		if a.Incoming.Protocol == account.ProtocolIMAP {
			imapAcct = a
		} else {
			popAcct = a
		}
	}
	if imapAcct.ID == "" || popAcct.ID == "" {
		t.Fatalf("accounts after the crashes: %+v", e.Accounts())
	}
	// The outbox settles: nothing left queued or sending.
	waitFor(t, "the outbox to settle", func() bool {
		items, err := e.Store().OutboxList(ctx, "")
		if err != nil {
			return false
		}
		for _, it := range items {
			if it.State == store.OutboxQueued || it.State == store.OutboxSending || it.State == store.OutboxSent {
				e.CheckNow("")
				return false
			}
		}
		return true
	})
	items, _ := e.Store().OutboxList(ctx, "")
	state := map[string]string{}
	for _, it := range items {
		full, err := e.Store().OutboxItem(ctx, it.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(full.Raw), "\n") {
			if strings.HasPrefix(line, "Subject: ") {
				state[strings.TrimSpace(strings.TrimPrefix(line, "Subject: "))] = it.State
			}
		}
	}
	if len(state) != 3*len(delays) {
		t.Fatalf("outbox has %d messages, want %d (lost or doubled)", len(state), 3*len(delays))
	}
	// Let Postfix deliver, then let the IMAP account mirror the server.
	time.Sleep(2 * time.Second)
	want := serverCount(t, st, ui, "INBOX")
	var inbox store.Folder
	waitFor(t, "the IMAP inbox to mirror the server", func() bool {
		e.CheckNow(imapAcct.ID)
		f, err := e.Store().FolderByRole(ctx, imapAcct.ID, store.RoleInbox)
		if err != nil {
			return false
		}
		inbox = f
		n, _, _ := e.Store().Counts(ctx, f.ID)
		time.Sleep(200 * time.Millisecond)
		return n == want
	})
	msgs, _ := e.Store().Page(ctx, inbox.ID, store.ByDateDesc, 0, 100000)
	seen := map[string]bool{}
	delivered := map[string]int{}
	for _, m := range msgs {
		if seen[m.MessageID] {
			t.Fatalf("IMAP message %q cached twice", m.MessageID)
		}
		seen[m.MessageID] = true
		if strings.HasPrefix(m.Subject, "kill-") {
			delivered[m.Subject]++
		}
	}
	for subj, s := range state {
		n := delivered[subj]
		switch {
		case n > 1:
			t.Fatalf("%s delivered %d times (state %s)", subj, n, s)
		case s == store.OutboxCopied && n != 1:
			t.Fatalf("%s marked sent but delivered %d times", subj, n)
		case s != store.OutboxCopied && s != store.OutboxUncertain:
			t.Fatalf("%s ended %s", subj, s)
		}
	}
	// POP3 with delete-from-server: every message exactly once locally.
	waitFor(t, "the POP3 inbox", func() bool {
		e.CheckNow(popAcct.ID)
		f, err := e.Store().FolderByRole(ctx, popAcct.ID, store.RoleInbox)
		if err != nil {
			return false
		}
		n, _, _ := e.Store().Counts(ctx, f.ID)
		time.Sleep(200 * time.Millisecond)
		return n >= 200
	})
	f, _ := e.Store().FolderByRole(ctx, popAcct.ID, store.RoleInbox)
	pm, _ := e.Store().Page(ctx, f.ID, store.ByDateDesc, 0, 100000)
	ids := map[string]bool{}
	for _, m := range pm {
		if ids[m.MessageID] {
			t.Fatalf("POP3 message %q stored twice", m.MessageID)
		}
		ids[m.MessageID] = true
	}
	if len(pm) != 200 {
		t.Fatalf("POP3 inbox has %d messages, want 200", len(pm))
	}
	t.Logf("outbox states after %d kills: %v", len(delays), state)
}
