package app

import (
	"context"
	"encoding/json"
	"errors"
	"image/png"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"hongyan/internal/mailtest"
	"hongyan/mailcore"
	"hongyan/mailcore/account"
	"hongyan/mailcore/autoconfig"
	"hongyan/mailcore/event"
	"hongyan/mailcore/netsec"
	"hongyan/mailcore/secret"
	"hongyan/mailcore/store"
)

type wizHarness struct {
	t    *testing.T
	st   *mailtest.Stack
	user mailtest.User
	ui   *testUI
	dir  string
	sec  secret.Store
	eng  *mailcore.Engine
	w    *wizard
	done []account.Account
}

// newWizHarness opens an engine on a fresh profile and the wizard over it.
// With trustCA false the stack's certificate is not trusted.
func newWizHarness(t *testing.T, sec secret.Store, trustCA bool, discover discoverFunc) *wizHarness {
	t.Helper()
	useEnglish(t)
	st := mailtest.Shared(t)
	h := &wizHarness{t: t, st: st, user: st.AddUser(t), ui: &testUI{}, dir: t.TempDir(), sec: sec}
	a := test.NewTempApp(t)
	tlsOpts := netsec.Options{}
	if trustCA {
		tlsOpts.RootCAs = st.CAPool
	}
	eng, err := mailcore.Open(mailcore.Options{ProfileDir: h.dir, Secrets: sec, TLS: tlsOpts, Sink: event.Discard})
	if err != nil {
		t.Fatal(err)
	}
	h.eng = eng
	if discover == nil {
		discover = func(context.Context, string, func(autoconfig.SourceProgress)) ([]autoconfig.Config, error) {
			t.Error("discovery ran although manual setup was chosen")
			return nil, errors.New("no discovery in this test")
		}
	}
	h.w = newWizard(a, eng, wizardOptions{do: h.ui.do, discover: discover,
		onDone: func(acct account.Account) { h.done = append(h.done, acct) }})
	h.w.win.Resize(fyne.NewSize(620, 640))
	t.Cleanup(func() {
		h.w.close()
		eng.Close()
	})
	return h
}

// capture writes the wizard as it looks now to test-artifacts/<name>.png.
func (h *wizHarness) capture(name string) {
	h.t.Helper()
	dir := filepath.Join("..", "test-artifacts")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		h.t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(dir, name+".png"))
	if err != nil {
		h.t.Fatal(err)
	}
	defer f.Close()
	// Fyne's test canvas does not lay out again when a widget changes
	// size (the desktop driver does): a change of window size makes it.
	size := h.w.win.Canvas().Size()
	h.w.win.Resize(size.AddWidthHeight(1, 1))
	h.w.win.Resize(size)
	if err := png.Encode(f, h.w.win.Canvas().Capture()); err != nil {
		h.t.Fatal(err)
	}
}

// fillAccount types step 1 like a user.
func (h *wizHarness) fillAccount(name, email, password string) {
	for _, f := range []struct {
		e *escEntry
		s string
	}{{h.w.name, name}, {h.w.email, email}, {h.w.password, password}} {
		f.e.SetText("")
		h.w.win.Canvas().Focus(f.e)
		test.Type(f.e, f.s)
	}
}

func setEntry(e *escEntry, s string) {
	e.SetText("")
	test.Type(e, s)
}

// fillServers types the stack's servers into step 2.
func (h *wizHarness) fillServers(proto string) {
	w := h.w
	if proto == account.ProtocolPOP3 {
		w.proto.SetSelected(protoLabelPOP3)
		setEntry(w.inPort, itoa(h.st.POP3SPort))
	} else {
		w.proto.SetSelected(protoLabelIMAP)
		setEntry(w.inPort, itoa(h.st.IMAPSPort))
	}
	setEntry(w.inHost, h.st.Host)
	w.inSec.SetSelected(secLabelTLS)
	setEntry(w.inUser, h.user.Name)
	setEntry(w.outHost, h.st.Host)
	w.outSec.SetSelected(secLabelTLS)
	setEntry(w.outPort, itoa(h.st.SubmissionsPort))
	setEntry(w.outUser, h.user.Name)
}

func itoa(n int) string { return strconv.Itoa(n) }

func (h *wizHarness) waitTests() {
	h.t.Helper()
	h.ui.waitFor(h.t, "both login tests", func() bool { return h.w.in.done && h.w.out.done })
}

// finishAndCheck presses Finish and checks the account landed in the
// profile, the credential store and, through the first sync, the inbox.
func (h *wizHarness) finishAndCheck(messages int) account.Account {
	t := h.t
	t.Helper()
	if h.w.next.Disabled() {
		t.Fatalf("Finish is disabled: in=%q out=%q", h.w.in.text.Text, h.w.out.text.Text)
	}
	test.Tap(h.w.next)
	h.ui.waitFor(t, "the wizard to finish", func() bool { return len(h.done) == 1 })
	a := h.done[0]
	if h.w.ctx.Err() == nil {
		t.Fatal("the wizard window is still open after Finish")
	}
	// The profile on disk.
	raw, err := os.ReadFile(filepath.Join(h.dir, "settings.json"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), h.user.Password) {
		t.Fatal("settings.json holds the password")
	}
	var s struct {
		Accounts []account.Account `json:"accounts"`
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatalf("settings.json: %v", err)
	}
	if len(s.Accounts) != 1 || s.Accounts[0].ID != a.ID || s.Accounts[0].Email != h.user.Address {
		t.Fatalf("settings.json accounts: %+v", s.Accounts)
	}
	// The credential store.
	for _, role := range []string{"incoming", "outgoing"} {
		pw, err := h.sec.Get(a.ID, role)
		if err != nil || pw != h.user.Password {
			t.Fatalf("%s password in the store: %v (matches: %v)", role, err, pw == h.user.Password)
		}
	}
	// The first sync fills the inbox.
	ctx := context.Background()
	deadline := time.Now().Add(45 * time.Second)
	for {
		if f, err := h.eng.Store().FolderByRole(ctx, a.ID, store.RoleInbox); err == nil {
			page, err := h.eng.Store().Page(ctx, f.ID, store.ByDateDesc, 0, 100)
			if err == nil && len(page) == messages {
				if messages > 0 && page[0].Subject == "" {
					t.Fatal("inbox messages have no subject")
				}
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the inbox never listed %d messages", messages)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return a
}

// TestWizardManualPOP3 goes through the wizard by hand with a POP3 account
// on the real stack, keeping a screenshot of each step.
func TestWizardManualPOP3(t *testing.T) {
	h := newWizHarness(t, secret.NewSessionStore(), true, nil)
	if err := h.st.Seed(h.user, "INBOX", mailtest.GenerateMessages(6, 21)); err != nil {
		t.Fatal(err)
	}
	w := h.w
	if w.step != stepAccount || !w.back.Disabled() {
		t.Fatal("the wizard does not open on step 1")
	}
	if w.demo.Visible() {
		t.Fatal("the demo button shows although no demo mode is set")
	}
	// Next with nothing typed explains what is missing.
	test.Tap(w.next)
	if w.step != stepAccount || !w.msg.Visible() || w.msg.Text != T("wizard.error.email") {
		t.Fatalf("empty address accepted: step %d, message %q", w.step, w.msg.Text)
	}
	h.fillAccount("Wang Fang", h.user.Address, h.user.Password)
	// The password is masked, and the eye toggles it.
	if !w.password.Password {
		t.Fatal("the password is not masked")
	}
	test.Tap(w.password.ActionItem.(fyne.Tappable))
	if w.password.Password {
		t.Fatal("the show-password toggle does nothing")
	}
	test.Tap(w.password.ActionItem.(fyne.Tappable))
	if !w.password.Password {
		t.Fatal("the password is not masked again")
	}
	h.capture("wizard-step1-account")

	test.Tap(w.manual)
	if w.step != stepSettings {
		t.Fatalf("manual setup shows step %d", w.step)
	}
	domain := domainOf(h.user.Address)
	if w.inHost.Text != "imap."+domain || w.inPort.Text != "993" || w.inUser.Text != h.user.Address {
		t.Fatalf("manual defaults: %q %q %q", w.inHost.Text, w.inPort.Text, w.inUser.Text)
	}
	// Switching to POP3 moves the standard port and host name along.
	w.proto.SetSelected(protoLabelPOP3)
	if w.inPort.Text != "995" || w.inHost.Text != "pop."+domain {
		t.Fatalf("POP3 switch: %q %q", w.inHost.Text, w.inPort.Text)
	}
	w.inSec.SetSelected(secLabelSTARTTLS)
	if w.inPort.Text != "110" {
		t.Fatalf("STARTTLS switch: port %q", w.inPort.Text)
	}
	// A bad port is refused.
	setEntry(w.inPort, "99999")
	test.Tap(w.next)
	if w.step != stepSettings || w.msg.Text != T("wizard.error.settings") {
		t.Fatalf("bad port accepted: step %d", w.step)
	}
	h.fillServers(account.ProtocolPOP3)

	// Back and Next keep what was typed, and do not look up again.
	test.Tap(w.back)
	if w.step != stepAccount || w.email.Text != h.user.Address || w.password.Text != h.user.Password || w.name.Text != "Wang Fang" {
		t.Fatal("Back lost step 1")
	}
	// Enter in a field goes on.
	w.password.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if w.step != stepSettings || w.inPort.Text != itoa(h.st.POP3SPort) || w.proto.Selected != protoLabelPOP3 {
		t.Fatalf("Next after Back: step %d, port %q", w.step, w.inPort.Text)
	}
	h.capture("wizard-step2-settings")

	w.inUser.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if w.step != stepTest {
		t.Fatalf("Enter on the settings shows step %d", w.step)
	}
	if !w.next.Disabled() {
		t.Fatal("Finish is enabled before the tests ended")
	}
	h.waitTests()
	if !w.in.ok || !w.out.ok {
		t.Fatalf("login tests: in %q, out %q", w.in.text.Text, w.out.text.Text)
	}
	if !strings.Contains(w.in.heading.Text, "POP3") || !strings.HasPrefix(w.in.text.Text, "✓") {
		t.Fatalf("incoming result: %q / %q", w.in.heading.Text, w.in.text.Text)
	}
	h.capture("wizard-step3-test")
	a := h.finishAndCheck(6)
	if a.Incoming.Protocol != account.ProtocolPOP3 || a.DisplayName != "Wang Fang" || a.Identities[0].Name != "Wang Fang" {
		t.Fatalf("saved account: %+v", a)
	}
}

// TestWizardWrongPasswordThenFixed shows the reason a login failed, and
// that going back to fix the password keeps everything else.
func TestWizardWrongPasswordThenFixed(t *testing.T) {
	h := newWizHarness(t, secret.NewSessionStore(), true, nil)
	w := h.w
	h.fillAccount("", h.user.Address, "wrong-"+h.user.Password)
	test.Tap(w.manual)
	h.fillServers(account.ProtocolIMAP)
	test.Tap(w.next)
	h.waitTests()
	if w.in.ok || w.out.ok {
		t.Fatal("a wrong password passed")
	}
	want := "✗ " + T("wizard.reason.auth")
	if !strings.HasPrefix(w.in.text.Text, want) || !strings.HasPrefix(w.out.text.Text, want) {
		t.Fatalf("reasons: %q / %q", w.in.text.Text, w.out.text.Text)
	}
	if !w.next.Disabled() || w.msg.Text != T("wizard.test.failed") {
		t.Fatal("Finish is possible after failed tests")
	}
	h.capture("wizard-step3-wrong-password")
	test.Tap(w.back)
	test.Tap(w.back)
	setEntry(w.password, h.user.Password)
	test.Tap(w.next) // to the settings, as typed
	if w.inPort.Text != itoa(h.st.IMAPSPort) {
		t.Fatalf("settings lost: port %q", w.inPort.Text)
	}
	test.Tap(w.next)
	h.waitTests()
	a := h.finishAndCheck(0)
	if a.Incoming.Protocol != account.ProtocolIMAP || a.DisplayName != strings.Split(h.user.Address, "@")[0] {
		t.Fatalf("saved account: %+v", a)
	}
}

// TestWizardUnreachableAndUntrustedCertificate: a closed port reads as
// unreachable; an untrusted certificate shows its fingerprint and a button
// that trusts it, after which the login works and the trust is saved.
func TestWizardUnreachableAndUntrustedCertificate(t *testing.T) {
	h := newWizHarness(t, secret.NewSessionStore(), false, nil)
	if err := h.st.Seed(h.user, "INBOX", mailtest.GenerateMessages(3, 5)); err != nil {
		t.Fatal(err)
	}
	w := h.w
	h.fillAccount("Li", h.user.Address, h.user.Password)
	test.Tap(w.manual)
	h.fillServers(account.ProtocolPOP3)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().(*net.TCPAddr).Port
	l.Close()
	setEntry(w.outPort, itoa(closed))
	test.Tap(w.next)
	h.waitTests()
	if w.out.ok || !strings.Contains(w.out.text.Text, T("wizard.reason.unreachable", map[string]any{"Host": h.st.Host})) {
		t.Fatalf("closed port: %q", w.out.text.Text)
	}
	if w.in.ok || w.in.fp == "" || !w.in.trust.Visible() {
		t.Fatalf("untrusted certificate: %q", w.in.text.Text)
	}
	formatted := netsec.FormatFingerprint(w.in.fp)
	if !strings.Contains(strings.ReplaceAll(w.in.text.Text, "\n", ":"), formatted) || strings.Count(formatted, ":") != 31 {
		t.Fatalf("fingerprint not shown formatted: %q", w.in.text.Text)
	}
	h.capture("wizard-step3-certificate")

	test.Tap(w.back)
	setEntry(w.outPort, itoa(h.st.SubmissionsPort))
	test.Tap(w.next)
	h.waitTests()
	if w.in.ok || !w.in.trust.Visible() {
		t.Fatal("the certificate was trusted without asking")
	}
	fp := w.in.fp
	test.Tap(w.in.trust)
	h.waitTests()
	if !w.in.ok || !w.out.ok {
		t.Fatalf("after trusting: %q / %q", w.in.text.Text, w.out.text.Text)
	}
	a := h.finishAndCheck(3)
	saved, _ := h.eng.Account(a.ID)
	if len(saved.TrustedCerts) != 1 || !saved.IsTrusted(h.st.Host, fp) {
		t.Fatalf("trusted certificates saved: %+v", saved.TrustedCerts)
	}
}

// fakeResolver answers SRV queries from a table and nothing else, so
// discovery runs without leaving this machine.
type fakeResolver struct {
	srv   map[string][]*net.SRV
	block bool
}

func (r *fakeResolver) LookupSRV(ctx context.Context, service, proto, name string) (string, []*net.SRV, error) {
	if r.block {
		<-ctx.Done()
		return "", nil, ctx.Err()
	}
	if recs := r.srv[service]; len(recs) > 0 {
		return "_" + service + "._" + proto + "." + name, recs, nil
	}
	return "", nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
}

func (r *fakeResolver) LookupMX(ctx context.Context, name string) ([]*net.MX, error) {
	if r.block {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
}

type refuseTransport struct{}

func (refuseTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return nil, errors.New("no web access in tests: " + r.URL.Host)
}

// localDiscoverer runs every source, but DNS answers from r, web requests
// fail and probes reach nothing but loopback addresses.
func localDiscoverer(r *fakeResolver) *autoconfig.Discoverer {
	return &autoconfig.Discoverer{
		Resolver: r,
		HTTP:     &http.Client{Transport: refuseTransport{}},
		Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
			host, _, err := net.SplitHostPort(addr)
			if err != nil || host != "127.0.0.1" {
				return nil, errors.New("tests connect only to 127.0.0.1, not " + addr)
			}
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
		Timeout:      10 * time.Second,
		ProbeTimeout: time.Second,
	}
}

// TestWizardDiscoversIMAP finds the stack's IMAP and submission servers
// through (local) SRV records, shows each source's progress, and adds the
// IMAP account.
func TestWizardDiscoversIMAP(t *testing.T) {
	st := mailtest.Shared(t)
	res := &fakeResolver{srv: map[string][]*net.SRV{
		"imaps":       {{Target: "127.0.0.1.", Port: uint16(st.IMAPSPort), Priority: 1}},
		"submissions": {{Target: "127.0.0.1.", Port: uint16(st.SubmissionsPort), Priority: 1}},
	}}
	h := newWizHarness(t, secret.NewSessionStore(), true, localDiscoverer(res).Discover)
	if err := h.st.Seed(h.user, "INBOX", mailtest.GenerateMessages(4, 9)); err != nil {
		t.Fatal(err)
	}
	w := h.w
	h.fillAccount("Zhang Wei", h.user.Address, h.user.Password)
	test.Tap(w.next)
	if w.step != stepDiscover {
		t.Fatalf("Next shows step %d, not the lookup", w.step)
	}
	h.ui.pump()
	h.capture("wizard-step2-looking")
	h.ui.waitFor(t, "the settings to be found", func() bool { return w.step == stepSettings })
	if got := w.srcState[autoconfig.SourceSRV].Text; got != T("wizard.state.found") {
		t.Fatalf("SRV state %q", got)
	}
	for _, src := range autoconfig.Sources {
		if s := w.srcState[src].Text; s == T("wizard.state.waiting") || s == T("wizard.state.started") {
			t.Fatalf("source %s still shows %q after the lookup", src, s)
		}
	}
	if w.proto.Selected != protoLabelIMAP || w.inHost.Text != "127.0.0.1" || w.inPort.Text != itoa(st.IMAPSPort) ||
		w.inSec.Selected != secLabelTLS || w.inUser.Text != h.user.Address || w.outPort.Text != itoa(st.SubmissionsPort) {
		t.Fatalf("found settings: %s %s:%s %s %s", w.proto.Selected, w.inHost.Text, w.inPort.Text, w.inSec.Selected, w.inUser.Text)
	}
	h.capture("wizard-step2-found")
	test.Tap(w.next)
	h.waitTests()
	a := h.finishAndCheck(4)
	if a.Incoming.Protocol != account.ProtocolIMAP || a.Incoming.Username != h.user.Address {
		t.Fatalf("saved account: %+v", a.Incoming)
	}
}

// TestWizardDiscoveryCancelAndEscape stops a lookup that does not end, then
// closes the wizard with Escape without adding anything.
func TestWizardDiscoveryCancelAndEscape(t *testing.T) {
	res := &fakeResolver{block: true}
	d := localDiscoverer(res)
	d.Disabled = []string{autoconfig.SourceGuess}
	d.Timeout = time.Minute
	h := newWizHarness(t, secret.NewSessionStore(), true, d.Discover)
	w := h.w
	h.fillAccount("", h.user.Address, "x")
	h.w.email.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	h.ui.waitFor(t, "the DNS sources to start", func() bool {
		return w.srcState[autoconfig.SourceSRV].Text == T("wizard.state.started")
	})
	if !w.stopDisc.Visible() || !w.next.Disabled() {
		t.Fatal("no way to stop the lookup")
	}
	test.Tap(w.stopDisc)
	if w.step != stepSettings || w.msg.Text != T("wizard.discover.canceled") {
		t.Fatalf("after stopping: step %d, message %q", w.step, w.msg.Text)
	}
	if w.inHost.Text == "" || w.inUser.Text != h.user.Address {
		t.Fatal("manual defaults missing after stopping")
	}
	// A late answer from the stopped lookup changes nothing.
	h.ui.pump()
	if w.step != stepSettings {
		t.Fatal("the stopped lookup moved the wizard")
	}
	w.inHost.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if w.ctx.Err() == nil {
		t.Fatal("Escape did not close the wizard")
	}
	if len(h.done) != 0 || len(h.eng.Accounts()) != 0 {
		t.Fatal("cancelling added an account")
	}
}

// TestWizardDemoButton shows the demo button only when demo mode is there.
func TestWizardDemoButton(t *testing.T) {
	var got *mailcore.Engine
	startDemoAccount = func(eng *mailcore.Engine) (account.Account, error) {
		got = eng
		return account.Account{ID: "demo", Email: "demo@hongyan.test"}, nil
	}
	defer func() { startDemoAccount = nil }()
	h := newWizHarness(t, secret.NewSessionStore(), true, nil)
	if !h.w.demo.Visible() {
		t.Fatal("demo button hidden")
	}
	test.Tap(h.w.demo)
	h.ui.waitFor(t, "the demo account", func() bool { return len(h.done) == 1 })
	if got != h.eng || h.done[0].ID != "demo" || h.w.ctx.Err() == nil {
		t.Fatal("demo start not handed the engine or wizard not closed")
	}

	// "Add account" on a profile that has one offers no demo.
	a := account.New()
	a.DisplayName, a.Email = "Real", h.user.Address
	a.Incoming = account.IncomingServer{Protocol: account.ProtocolIMAP, Host: "127.0.0.1", Port: 1, Security: account.SecurityTLS, Username: "x"}
	a.Outgoing = account.OutgoingServer{Host: "127.0.0.1", Port: 1, Security: account.SecurityTLS, Username: "x"}
	if _, err := h.eng.AddAccount(a, "pw", ""); err != nil {
		t.Fatal(err)
	}
	w2 := newWizard(fyne.CurrentApp(), h.eng, wizardOptions{do: h.ui.do})
	defer w2.close()
	if w2.demo.Visible() {
		t.Fatal("the wizard offers the demo to a profile with an account")
	}
}

const keyringChildEnv = "HONGYAN_WIZARD_KEYRING_CHILD"

// TestWizardPasswordInSystemKeyring adds an account through the wizard with
// the real Secret Service (gnome-keyring) and reads the password back with
// secret-tool. Without a session bus the test runs itself again inside
// dbus-run-session with a throw-away unlocked keyring.
func TestWizardPasswordInSystemKeyring(t *testing.T) {
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") != "" {
		wizardKeyring(t)
		return
	}
	if os.Getenv(keyringChildEnv) == "1" {
		t.Fatal("child runs without a session bus")
	}
	for _, tool := range []string{"dbus-run-session", "gnome-keyring-daemon", "secret-tool"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is needed for this test (Debian: dbus, gnome-keyring, libsecret-tools): %v", tool, err)
		}
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	run := filepath.Join(home, "run")
	if err := os.Mkdir(run, 0o700); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	script := `printf '%s' test-keyring-pass | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec "$@"`
	args := []string{"--", "sh", "-c", script, "sh", exe, "-test.run=^TestWizardPasswordInSystemKeyring$", "-test.v", "-test.count=1"}
	cmd := exec.CommandContext(ctx, "dbus-run-session", args...)
	cmd.Env = append(os.Environ(), keyringChildEnv+"=1", "XDG_DATA_HOME="+filepath.Join(home, "data"), "XDG_RUNTIME_DIR="+run)
	out, err := cmd.CombinedOutput()
	t.Logf("child output:\n%s", out)
	if err != nil {
		t.Fatalf("keyring child failed: %v", err)
	}
	if !strings.Contains(string(out), "--- PASS: TestWizardPasswordInSystemKeyring") {
		t.Fatal("child did not report a pass")
	}
}

func wizardKeyring(t *testing.T) {
	kr := secret.NewKeyringStore(20 * time.Second)
	if err := kr.Available(context.Background()); err != nil {
		t.Fatalf("no Secret Service on the session bus: %v", err)
	}
	h := newWizHarness(t, kr, true, nil)
	if err := h.st.Seed(h.user, "INBOX", mailtest.GenerateMessages(2, 3)); err != nil {
		t.Fatal(err)
	}
	h.fillAccount("Keyring", h.user.Address, h.user.Password)
	test.Tap(h.w.manual)
	h.fillServers(account.ProtocolPOP3)
	test.Tap(h.w.next)
	h.waitTests()
	a := h.finishAndCheck(2)
	t.Cleanup(func() {
		_ = kr.Delete(a.ID, "incoming")
		_ = kr.Delete(a.ID, "outgoing")
	})
	out, err := exec.Command("secret-tool", "lookup", "service", secret.Service, "username", a.ID+"/incoming").Output()
	if err != nil {
		t.Fatalf("secret-tool lookup: %v", err)
	}
	if strings.TrimRight(string(out), "\n") != h.user.Password {
		t.Fatal("secret-tool does not return the password typed in the wizard")
	}
}

// TestWizardChineseProviderNotes: with Chinese chosen, the wizard speaks
// Chinese and shows the provider's Chinese notes; several candidates can be
// chosen from, and each fills the settings.
func TestWizardChineseProviderNotes(t *testing.T) {
	configs := []autoconfig.Config{
		{Source: autoconfig.SourceProvider, ProviderName: "QQ邮箱",
			Incoming: autoconfig.Server{Protocol: "imap", Host: "imap.qq.com", Port: 993, Security: "tls", Username: "u@qq.com"},
			Outgoing: autoconfig.Server{Protocol: "smtp", Host: "smtp.qq.com", Port: 465, Security: "tls", Username: "u@qq.com"},
			NotesEN:  "Turn on IMAP in the web settings and use the authorization code as the password.",
			NotesZH:  "请先在网页设置中开启 IMAP，并使用授权码作为密码。"},
		{Source: autoconfig.SourceProvider, ProviderName: "QQ邮箱",
			Incoming: autoconfig.Server{Protocol: "pop3", Host: "pop.qq.com", Port: 995, Security: "tls", Username: "u@qq.com"},
			Outgoing: autoconfig.Server{Protocol: "smtp", Host: "smtp.qq.com", Port: 587, Security: "starttls", Username: "u@qq.com"}},
	}
	var asked string
	discover := func(ctx context.Context, email string, progress func(autoconfig.SourceProgress)) ([]autoconfig.Config, error) {
		asked = email
		progress(autoconfig.SourceProgress{Source: autoconfig.SourceProvider, State: autoconfig.Started})
		progress(autoconfig.SourceProgress{Source: autoconfig.SourceProvider, State: autoconfig.Found, Found: 2})
		progress(autoconfig.SourceProgress{Source: autoconfig.SourceMX, State: autoconfig.Skipped})
		return configs, nil
	}
	h := newWizHarness(t, secret.NewSessionStore(), true, nil)
	t.Cleanup(func() { _ = SetLanguage(LangSystem) })
	mustSetLanguage(t, LangChinese)
	h.w.close()
	h.w = newWizard(fyne.CurrentApp(), h.eng, wizardOptions{do: h.ui.do, discover: discover,
		onDone: func(acct account.Account) { h.done = append(h.done, acct) }})
	h.w.win.Resize(fyne.NewSize(620, 640))
	w := h.w
	if w.title.Text != "第 1 步，共 3 步：您的账户" || w.next.Text != "下一步" {
		t.Fatalf("not in Chinese: %q %q", w.title.Text, w.next.Text)
	}
	h.fillAccount("小明", "u@qq.com", "授权码")
	test.Tap(w.next)
	h.ui.waitFor(t, "the settings", func() bool { return w.step == stepSettings })
	if asked != "u@qq.com" {
		t.Fatalf("looked up %q", asked)
	}
	if w.srcState[autoconfig.SourceProvider].Text != "已找到 ✓" || w.srcState[autoconfig.SourceMX].Text != "无需查找" {
		t.Fatalf("source states: %q %q", w.srcState[autoconfig.SourceProvider].Text, w.srcState[autoconfig.SourceMX].Text)
	}
	if !w.candidates.Visible() || len(w.candidates.Options) != 2 {
		t.Fatal("the two candidates are not offered")
	}
	if !w.notes.Visible() || !strings.Contains(w.notes.Text, configs[0].NotesZH) || !strings.Contains(w.notes.Text, "QQ邮箱") {
		t.Fatalf("notes: %q", w.notes.Text)
	}
	h.capture("wizard-step2-zh")
	w.candidates.SetSelectedIndex(1)
	if w.proto.Selected != protoLabelPOP3 || w.inHost.Text != "pop.qq.com" || w.outSec.Selected != secLabelSTARTTLS || w.outPort.Text != "587" {
		t.Fatalf("second candidate: %s %s %s %s", w.proto.Selected, w.inHost.Text, w.outSec.Selected, w.outPort.Text)
	}
	if w.notes.Visible() {
		t.Fatal("notes of the first candidate still shown")
	}
	// Back and Next with the same address keep the chosen candidate.
	test.Tap(w.back)
	test.Tap(w.next)
	if w.step != stepSettings || w.inHost.Text != "pop.qq.com" {
		t.Fatalf("Back/Next lost the choice: step %d host %q", w.step, w.inHost.Text)
	}
}

// TestOpenWizardFromMainWindow: the main window's hook opens the wizard
// over its engine, and a finished wizard brings up the mail view.
func TestOpenWizardFromMainWindow(t *testing.T) {
	useEnglish(t)
	st := mailtest.Shared(t)
	u := st.AddUser(t)
	a := test.NewTempApp(t)
	dir := t.TempDir()
	mw := newMainWindow(a, Options{ProfileDir: dir})
	ctx, cancel := context.WithCancel(context.Background())
	ui := &testUI{}
	mw.ui = newUIContext(ctx, ui.do)
	t.Cleanup(func() { cancel(); mw.ui.wg.Wait(); mw.win.Close() })

	// Before the engine is open the hook only explains.
	before := len(a.Driver().AllWindows())
	openWizard(mw)
	if len(a.Driver().AllWindows()) != before || mw.win.Canvas().Overlays().Top() == nil {
		t.Fatalf("without an engine the hook should show a note, not a wizard: %d windows, overlay %v", len(a.Driver().AllWindows()), mw.win.Canvas().Overlays().Top())
	}
	mw.win.Canvas().Overlays().Top().Hide()
	mw.win.Canvas().Overlays().Remove(mw.win.Canvas().Overlays().Top())

	eng, err := mailcore.Open(mailcore.Options{ProfileDir: dir, Secrets: secret.NewSessionStore(),
		TLS: netsec.Options{RootCAs: st.CAPool}, Sink: event.Discard})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	mw.engineReady(eng, nil)
	if mw.mv != nil {
		t.Fatal("mail view shown without accounts")
	}
	var w *wizard
	old := openWizard
	openWizard = func(m *mainWindow) {
		w = showWizard(m.win, m.eng, func(acct account.Account) {
			if m.mv == nil {
				m.showMailView()
			}
		})
	}
	defer func() { openWizard = old }()
	old(mw) // the hook as installed
	all := a.Driver().AllWindows()
	if len(all) != before+1 {
		t.Fatalf("%d windows after the hook, want the wizard too", len(all))
	}
	wizWin := all[len(all)-1]
	if wizWin.Title() != "Add a mail account" {
		t.Fatalf("second window is %q", wizWin.Title())
	}
	wizWin.Close()

	openWizard(mw)
	if w == nil || w.eng != eng {
		t.Fatal("wizard not opened over the main window's engine")
	}
	acct, err := eng.AddAccount(testAccount(st, u), u.Password, "")
	if err != nil {
		t.Fatal(err)
	}
	w.saved(acct, nil)
	if mw.mv == nil || w.ctx.Err() == nil {
		t.Fatal("finishing the wizard did not show the mail view and close the wizard")
	}
}
