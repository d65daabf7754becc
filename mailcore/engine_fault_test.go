package mailcore

import (
	"bytes"
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"hongyan/internal/mailtest"
	"hongyan/mailcore/account"
	"hongyan/mailcore/message"
	"hongyan/mailcore/secret"
)

// grepTree fails the test if any file under root holds one of needles; it
// returns how many files it read.
func grepTree(t *testing.T, root string, needles ...string) int {
	t.Helper()
	files := 0
	filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err != nil || !info.Mode().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil
		}
		files++
		for _, n := range needles {
			if bytes.Contains(b, []byte(n)) {
				t.Errorf("secret found in %s", p)
			}
		}
		return nil
	})
	return files
}

// secretForms are the ways a password could leak: as is, and inside a
// SASL PLAIN or LOGIN exchange.
func secretForms(u mailtest.User) []string {
	return []string{u.Password,
		base64.StdEncoding.EncodeToString([]byte("\x00" + u.Name + "\x00" + u.Password)),
		base64.StdEncoding.EncodeToString([]byte(u.Password))}
}

// Real logins over IMAP (STARTTLS), POP3 (TLS) and SMTP (STARTTLS and
// TLS) with protocol logs on, mail sent through the outbox: no file of the
// profile, the cache, the logs or any temporary directory of the test holds
// a password.
func TestFaultNoSecretAtRest(t *testing.T) {
	ctx := context.Background()
	st := mailtest.Shared(t)
	ui, up := st.AddUser(t), st.AddUser(t)
	if err := st.Seed(ui, "INBOX", mailtest.GenerateMessages(5, 1)); err != nil {
		t.Fatal(err)
	}
	if err := st.Seed(up, "INBOX", mailtest.GenerateMessages(5, 2)); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	rec := &recorder{}
	e := openEngine(t, dir, rec, secret.NewSessionStore())
	if err := e.Start(); err != nil {
		t.Fatal(err)
	}
	ai := testAccount(st, ui, account.ProtocolIMAP)
	ai.Incoming.Port, ai.Incoming.Security = st.IMAPPort, account.SecuritySTARTTLS
	ai.Outgoing.Port, ai.Outgoing.Security = st.SubmissionPort, account.SecuritySTARTTLS
	ai, err := e.AddAccount(ai, ui.Password, "")
	if err != nil {
		t.Fatal(err)
	}
	ap, err := e.AddAccount(testAccount(st, up, account.ProtocolPOP3), up.Password, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []account.Account{ai, ap} {
		waitInbox(t, e, a.ID, 5)
	}
	var ids []int64
	for _, a := range []account.Account{ai, ap} {
		id, err := e.Send(ctx, a.ID, &message.Draft{From: message.Address{Email: a.Email},
			To: []message.Address{{Email: a.Email}}, Subject: "secret check", Text: "x"}, 0)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	for _, id := range ids {
		waitSent(t, e, id)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	logs, _ := os.ReadDir(filepath.Join(dir, "logs"))
	var all []byte
	for _, l := range logs {
		b, _ := os.ReadFile(filepath.Join(dir, "logs", l.Name()))
		all = append(all, b...)
	}
	for _, want := range []string{"STARTTLS", "STLS", "AUTH"} {
		if want == "STLS" {
			want = "RETR" // the POP3 account uses implicit TLS
		}
		if !strings.Contains(strings.ToUpper(string(all)), want) {
			t.Fatalf("protocol logs lack %q: the check would prove nothing (%d log files)", want, len(logs))
		}
	}
	needles := append(secretForms(ui), secretForms(up)...)
	// The test's temporary directories share one parent.
	if n := grepTree(t, filepath.Dir(dir), needles...); n < 3 {
		t.Fatalf("only %d files checked", n)
	}
}
