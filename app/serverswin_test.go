package app

import (
	"errors"
	"strconv"
	"testing"

	"fyne.io/fyne/v2/test"

	"hongyan/mailcore/account"
	"hongyan/mailcore/mailerr"
)

// Server settings are tested with the saved password before they are
// saved; a failing test offers to save anyway and saves nothing by
// itself; settings that work are saved and the account restarts on them.
func TestEditServers(t *testing.T) {
	h, sw := settingsHarness(t)
	a, _ := h.eng.Account(h.acct.ID)

	confirm := func(label string) {
		t.Helper()
		b := findButton(sw.win.Canvas().Overlays().Top(), label)
		if b == nil {
			t.Fatalf("no %q button in %s", label, overlayText(sw.win.Canvas().Overlays().Top()))
		}
		test.Tap(b)
	}

	// A closed port for the incoming server: the test fails and says so.
	sw.editServers(a)
	if sw.serverForm.inHost.Text != h.st.Host || sw.serverForm.inPort.Text != strconv.Itoa(h.st.POP3SPort) {
		t.Fatalf("form shows %s:%s", sw.serverForm.inHost.Text, sw.serverForm.inPort.Text)
	}
	sw.serverForm.inPort.SetText("1")
	var inErr, outErr error
	failed := false
	sw.onServersFailed = func(in, out error) { inErr, outErr, failed = in, out, true }
	confirm(T("servers.test_save"))
	h.ui.waitFor(t, "the failed test", func() bool { return failed })
	var me *mailerr.Error
	if !errors.As(inErr, &me) || me.Kind != mailerr.Unreachable || outErr != nil {
		t.Fatalf("test of a closed port: incoming %v, outgoing %v", inErr, outErr)
	}
	confirm(T("dialog.cancel"))
	if got, _ := h.eng.Account(a.ID); got.Incoming.Port != h.st.POP3SPort {
		t.Fatalf("port saved after a failed test: %d", got.Incoming.Port)
	}

	// A bad port number is refused before any test.
	sw.editServers(a)
	sw.serverForm.outPort.SetText("70000")
	if _, err := sw.serverForm.apply(a); err == nil {
		t.Fatal("port 70000 accepted")
	}

	// POP3 with STLS and submission with STARTTLS: the test passes and
	// they are saved.
	sw.editServers(a)
	f := sw.serverForm
	f.inSec.SetSelected(secLabelSTARTTLS)
	f.outSec.SetSelected(secLabelSTARTTLS)
	f.inPort.SetText(strconv.Itoa(h.st.POP3Port))
	f.outPort.SetText(strconv.Itoa(h.st.SubmissionPort))
	saved := false
	sw.onServersSaved = func() { saved = true }
	confirm(T("servers.test_save"))
	h.ui.waitFor(t, "the new settings saved", func() bool { return saved })
	got, _ := h.eng.Account(a.ID)
	if got.Incoming.Port != h.st.POP3Port || got.Incoming.Security != account.SecuritySTARTTLS ||
		got.Outgoing.Port != h.st.SubmissionPort || got.Outgoing.Security != account.SecuritySTARTTLS || got.Outgoing.Username != a.Incoming.Username {
		t.Fatalf("saved: %+v %+v", got.Incoming, got.Outgoing)
	}
}

func TestPortFollowsSecurity(t *testing.T) {
	test.NewTempApp(t)
	f := newServerForm(account.Account{Incoming: account.IncomingServer{Protocol: account.ProtocolIMAP, Host: "imap.example.org", Port: 993,
		Security: account.SecurityTLS, Username: "u"}, Outgoing: account.OutgoingServer{Host: "smtp.example.org", Port: 2525, Security: account.SecurityTLS}})
	f.inSec.SetSelected(secLabelSTARTTLS)
	f.outSec.SetSelected(secLabelSTARTTLS)
	if f.inPort.Text != "143" || f.outPort.Text != "2525" {
		t.Fatalf("ports after choosing STARTTLS: %s (want 143), %s (a port of its own, kept)", f.inPort.Text, f.outPort.Text)
	}
}
