package app

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"hongyan/mailcore"
	"hongyan/mailcore/account"
	"hongyan/mailcore/autoconfig"
	"hongyan/mailcore/mailerr"
	"hongyan/mailcore/netsec"
	"hongyan/mailcore/secret"
)

// startDemoAccount, when set by the demo mode, starts the built-in demo
// servers and adds a demo account to eng. It is called off the UI
// goroutine. While it is nil the wizard hides its demo button.
var startDemoAccount func(eng *mailcore.Engine) (account.Account, error)

func init() {
	// The main window's "Add account…" opens this wizard.
	openWizard = func(mw *mainWindow) {
		showWizard(mw.win, mw.eng, func(account.Account) {
			if mw.mv == nil {
				mw.showMailView()
			}
			mw.firstAccountAdded()
		})
	}
}

// showWizard opens the account set-up wizard in its own window. onDone runs
// on the UI goroutine with the saved account once the wizard has added it
// (the engine starts its first sync by itself). Cancelling calls nothing.
func showWizard(parent fyne.Window, eng *mailcore.Engine, onDone func(account.Account)) *wizard {
	if eng == nil {
		if parent != nil {
			dialog.ShowInformation(T("wizard.title"), T("wizard.not_ready"), parent)
		}
		return nil
	}
	d := &autoconfig.Discoverer{}
	w := newWizard(fyne.CurrentApp(), eng, wizardOptions{do: fyne.Do, discover: d.Discover, onDone: onDone})
	w.win.Show()
	return w
}

// discoverFunc finds settings for an address (autoconfig.Discoverer.Discover).
type discoverFunc func(ctx context.Context, email string, progress func(autoconfig.SourceProgress)) ([]autoconfig.Config, error)

type wizardOptions struct {
	// do runs UI work on Fyne's goroutine: fyne.Do, or a test's queue.
	do       func(func())
	discover discoverFunc
	onDone   func(account.Account)
}

// Wizard steps.
const (
	stepAccount = iota
	stepDiscover
	stepSettings
	stepTest
)

// wizard is the account set-up wizard. Every field and method is used on
// the UI goroutine only; network work runs on goroutines that hand their
// results back through do.
type wizard struct {
	win  fyne.Window
	eng  *mailcore.Engine
	opts wizardOptions
	ctx  context.Context
	stop context.CancelFunc
	id   string // the new account's ID, kept across retries
	step int
	busy bool // saving

	title *widget.Label
	body  *fyne.Container
	msg   *widget.Label

	back, next, cancel, manual, demo *widget.Button

	// Step 1.
	name, email, password *escEntry

	// Step 2, discovery.
	discCancel  context.CancelFunc
	discGen     int
	discEmail   string // address the current settings were made for
	discRunning bool
	discStatus  *widget.Label
	discBar     *widget.ProgressBarInfinite
	srcState    map[string]*widget.Label
	stopDisc    *widget.Button
	discPane    fyne.CanvasObject

	// Step 2, settings.
	configs    []autoconfig.Config
	candidates *widget.Select
	proto      *widget.RadioGroup
	inHost     *escEntry
	inPort     *escEntry
	inSec      *widget.Select
	inUser     *escEntry
	outHost    *escEntry
	outPort    *escEntry
	outSec     *widget.Select
	outUser    *escEntry
	notes      *widget.Label
	settingsOK bool // the fields hold settings (found or typed)
	setPane    fyne.CanvasObject

	// Step 3.
	testGen    int
	testCancel context.CancelFunc
	in, out    *probeRow
	trusted    []account.TrustedCert
	testPane   fyne.CanvasObject

	acctPane fyne.CanvasObject
}

// Security choices as shown (the values are account.Security*).
const (
	secLabelTLS      = "SSL/TLS"
	secLabelSTARTTLS = "STARTTLS"
)

func secLabel(s string) string {
	if s == account.SecuritySTARTTLS {
		return secLabelSTARTTLS
	}
	return secLabelTLS
}

func secValue(label string) string {
	if label == secLabelSTARTTLS {
		return account.SecuritySTARTTLS
	}
	return account.SecurityTLS
}

const (
	protoLabelIMAP = "IMAP"
	protoLabelPOP3 = "POP3"
)

func newWizard(a fyne.App, eng *mailcore.Engine, opts wizardOptions) *wizard {
	if opts.do == nil {
		opts.do = fyne.Do
	}
	w := &wizard{eng: eng, opts: opts, id: account.NewID(), srcState: map[string]*widget.Label{}}
	w.ctx, w.stop = context.WithCancel(context.Background())
	w.win = a.NewWindow(T("wizard.title"))
	w.win.Resize(fyne.NewSize(620, 560))
	w.win.SetOnClosed(w.closed)
	w.build()
	w.show(stepAccount)
	return w
}

// entry is an entry of the wizard: Escape cancels the wizard and Enter
// goes on.
func (w *wizard) entry(placeholder string, password bool) *escEntry {
	e := &escEntry{onEsc: w.close}
	e.Password = password
	e.PlaceHolder = placeholder
	e.OnSubmitted = func(string) { w.enter() }
	e.ExtendBaseWidget(e)
	return e
}

func (w *wizard) build() {
	w.title = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	w.msg = widget.NewLabel("")
	w.msg.Wrapping = fyne.TextWrapWord
	w.msg.Importance = widget.DangerImportance
	w.msg.Hide()

	w.back = widget.NewButtonWithIcon(T("wizard.back"), theme.NavigateBackIcon(), w.goBack)
	w.next = widget.NewButtonWithIcon(T("wizard.next"), theme.NavigateNextIcon(), w.goNext)
	w.next.Importance = widget.HighImportance
	w.next.IconPlacement = widget.ButtonIconTrailingText
	w.cancel = widget.NewButton(T("wizard.cancel"), w.close)
	w.manual = widget.NewButtonWithIcon(T("wizard.manual"), theme.SettingsIcon(), w.goManual)

	w.buildAccount()
	w.buildDiscover()
	w.buildSettings()
	w.buildTest()

	w.body = container.NewStack(w.acctPane, w.discPane, w.setPane, w.testPane)
	footer := container.NewHBox(w.manual, layout.NewSpacer(), w.cancel, w.back, w.next)
	top := container.NewVBox(w.title, widget.NewSeparator())
	bottom := container.NewVBox(w.msg, widget.NewSeparator(), footer)
	w.win.SetContent(container.NewBorder(top, bottom, nil, nil, container.NewVScroll(container.NewPadded(w.body))))
	w.win.Canvas().SetOnTypedKey(func(k *fyne.KeyEvent) {
		switch k.Name {
		case fyne.KeyReturn, fyne.KeyEnter:
			w.enter()
		case fyne.KeyEscape:
			w.close()
		}
	})
}

func (w *wizard) buildAccount() {
	w.name = w.entry(T("wizard.name.placeholder"), false)
	w.email = w.entry(T("wizard.email.placeholder"), false)
	w.password = w.entry("", true)
	hint := widget.NewLabel(T("wizard.password.hint"))
	hint.Wrapping = fyne.TextWrapWord
	hint.Importance = widget.LowImportance
	form := widget.NewForm(
		widget.NewFormItem(T("wizard.name"), w.name),
		widget.NewFormItem(T("wizard.email"), w.email),
		widget.NewFormItem(T("wizard.password"), w.password),
	)
	intro := widget.NewLabel(T("wizard.account.intro"))
	intro.Wrapping = fyne.TextWrapWord
	box := container.NewVBox(intro, form, hint)
	w.demo = widget.NewButtonWithIcon(T("wizard.demo"), theme.MailComposeIcon(), w.startDemo)
	// The demo is offered to someone without an account yet; adding an
	// account to a profile that has some would switch the window away
	// from them to the demo.
	if startDemoAccount != nil && (w.eng == nil || len(w.eng.Accounts()) == 0) {
		box.Add(widget.NewSeparator())
		box.Add(container.NewHBox(w.demo))
	} else {
		w.demo.Hide()
	}
	w.acctPane = box
}

func (w *wizard) buildDiscover() {
	w.discStatus = widget.NewLabel("")
	w.discStatus.Wrapping = fyne.TextWrapWord
	w.discBar = widget.NewProgressBarInfinite()
	w.discBar.Stop()
	rows := container.New(layout.NewFormLayout())
	for _, src := range autoconfig.Sources {
		st := widget.NewLabel(T("wizard.state.waiting"))
		w.srcState[src] = st
		rows.Add(widget.NewLabelWithStyle(T("wizard.source."+src), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
		rows.Add(st)
	}
	w.stopDisc = widget.NewButtonWithIcon(T("wizard.discover.cancel"), theme.CancelIcon(), w.cancelDiscovery)
	w.discPane = container.NewVBox(w.discStatus, w.discBar, rows, container.NewHBox(w.stopDisc))
}

func (w *wizard) buildSettings() {
	w.candidates = widget.NewSelect(nil, func(string) { w.pickCandidate(w.candidates.SelectedIndex()) })
	w.candidates.Hide()
	w.proto = widget.NewRadioGroup([]string{protoLabelIMAP, protoLabelPOP3}, w.protoChanged)
	w.proto.Horizontal = true
	w.proto.Required = true
	w.inHost = w.entry("imap.example.com", false)
	w.inPort = w.entry("993", false)
	w.inSec = widget.NewSelect([]string{secLabelTLS, secLabelSTARTTLS}, func(string) { w.securityChanged(true) })
	w.inUser = w.entry("", false)
	w.outHost = w.entry("smtp.example.com", false)
	w.outPort = w.entry("465", false)
	w.outSec = widget.NewSelect([]string{secLabelTLS, secLabelSTARTTLS}, func(string) { w.securityChanged(false) })
	w.outUser = w.entry("", false)
	w.notes = widget.NewLabel("")
	w.notes.Wrapping = fyne.TextWrapWord
	w.notes.Hide()

	in := widget.NewForm(
		widget.NewFormItem(T("wizard.protocol"), w.proto),
		widget.NewFormItem(T("wizard.host"), w.inHost),
		widget.NewFormItem(T("wizard.port"), w.inPort),
		widget.NewFormItem(T("wizard.security"), w.inSec),
		widget.NewFormItem(T("wizard.username"), w.inUser),
	)
	out := widget.NewForm(
		widget.NewFormItem(T("wizard.host"), w.outHost),
		widget.NewFormItem(T("wizard.port"), w.outPort),
		widget.NewFormItem(T("wizard.security"), w.outSec),
		widget.NewFormItem(T("wizard.username"), w.outUser),
	)
	w.setPane = container.NewVBox(
		w.candidates,
		widget.NewLabelWithStyle(T("wizard.incoming"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), in,
		widget.NewLabelWithStyle(T("wizard.outgoing"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), out,
		w.notes,
	)
}

// probeRow shows the result of one login test.
type probeRow struct {
	heading *widget.Label
	icon    *widget.Icon
	bar     *widget.ProgressBarInfinite
	text    *widget.Label
	trust   *widget.Button
	ok      bool
	done    bool
	// host and fp of a certificate the user may trust.
	host, fp string
}

func (w *wizard) newProbeRow() *probeRow {
	r := &probeRow{
		heading: widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		icon:    widget.NewIcon(nil),
		bar:     widget.NewProgressBarInfinite(),
		text:    widget.NewLabel(""),
	}
	r.bar.Stop()
	r.text.Wrapping = fyne.TextWrapWord
	r.trust = widget.NewButtonWithIcon(T("wizard.test.trust"), theme.WarningIcon(), func() { w.trustCert(r) })
	r.trust.Hide()
	return r
}

func (r *probeRow) object() fyne.CanvasObject {
	return container.NewVBox(
		container.NewBorder(nil, nil, r.icon, nil, r.heading),
		r.bar, r.text, container.NewHBox(r.trust))
}

func (w *wizard) buildTest() {
	w.in = w.newProbeRow()
	w.out = w.newProbeRow()
	again := widget.NewButtonWithIcon(T("wizard.test.again"), theme.ViewRefreshIcon(), w.runTests)
	w.testPane = container.NewVBox(w.in.object(), widget.NewSeparator(), w.out.object(), container.NewHBox(again))
}

// show switches to a step.
func (w *wizard) show(step int) {
	w.step = step
	w.setMessage("")
	for i, o := range []fyne.CanvasObject{w.acctPane, w.discPane, w.setPane, w.testPane} {
		if i == step {
			o.Show()
		} else {
			o.Hide()
		}
	}
	w.back.Enable()
	w.next.Enable()
	w.manual.Show()
	w.next.SetText(T("wizard.next"))
	w.next.SetIcon(theme.NavigateNextIcon())
	switch step {
	case stepAccount:
		w.title.SetText(T("wizard.step.account"))
		w.back.Disable()
		w.win.Canvas().Focus(w.firstEmpty())
	case stepDiscover:
		w.title.SetText(T("wizard.step.settings"))
		w.next.Disable()
	case stepSettings:
		w.title.SetText(T("wizard.step.settings"))
		w.manual.Hide()
		w.win.Canvas().Focus(w.inHost)
	case stepTest:
		w.title.SetText(T("wizard.step.test"))
		w.manual.Hide()
		w.next.SetText(T("wizard.finish"))
		w.next.SetIcon(theme.ConfirmIcon())
		w.next.Disable()
	}
	w.body.Refresh()
}

func (w *wizard) firstEmpty() fyne.Focusable {
	for _, e := range []*escEntry{w.name, w.email, w.password} {
		if e.Text == "" {
			return e
		}
	}
	return w.password
}

func (w *wizard) setMessage(s string) {
	w.msg.SetText(s)
	if s == "" {
		w.msg.Hide()
	} else {
		w.msg.Show()
	}
}

// enter is the Enter key: the same as Next when Next can be pressed.
func (w *wizard) enter() {
	if !w.next.Disabled() && w.next.Visible() {
		w.goNext()
	}
}

// close cancels the wizard: all running work stops and the window closes.
func (w *wizard) close() {
	if w.ctx.Err() == nil {
		w.win.Close()
	}
}

// closed runs when the window goes away, however it was closed.
func (w *wizard) closed() {
	w.stop()
}

func (w *wizard) goBack() {
	switch w.step {
	case stepDiscover:
		w.cancelDiscoveryQuietly()
		w.show(stepAccount)
	case stepSettings:
		w.show(stepAccount)
	case stepTest:
		w.stopTests()
		w.show(stepSettings)
	}
}

func (w *wizard) goNext() {
	if w.busy {
		return
	}
	switch w.step {
	case stepAccount:
		if !w.checkAccount() {
			return
		}
		if w.settingsOK && w.discEmail == w.addr() {
			w.show(stepSettings)
			return
		}
		w.startDiscovery()
	case stepSettings:
		if !w.checkSettings() {
			return
		}
		w.show(stepTest)
		w.runTests()
	case stepTest:
		w.finish()
	}
}

// goManual skips (or stops) discovery and shows the settings to fill in.
func (w *wizard) goManual() {
	if w.step == stepAccount && !w.checkAccount() {
		return
	}
	w.cancelDiscoveryQuietly()
	if !w.settingsOK || w.discEmail != w.addr() {
		w.fillDefaults()
	}
	w.show(stepSettings)
}

func (w *wizard) addr() string { return strings.TrimSpace(w.email.Text) }

func (w *wizard) checkAccount() bool {
	if err := account.CheckAddress(w.addr()); err != nil || !strings.Contains(w.addr(), "@") {
		w.setMessage(T("wizard.error.email"))
		w.win.Canvas().Focus(w.email)
		return false
	}
	if w.password.Text == "" {
		w.setMessage(T("wizard.error.password"))
		w.win.Canvas().Focus(w.password)
		return false
	}
	w.setMessage("")
	return true
}

// domainOf returns the part of an address after the last @.
func domainOf(addr string) string {
	if i := strings.LastIndex(addr, "@"); i >= 0 {
		return strings.ToLower(addr[i+1:])
	}
	return ""
}

// fillDefaults puts the usual guesses in the settings for manual set-up.
func (w *wizard) fillDefaults() {
	d := domainOf(w.addr())
	w.configs = nil
	w.candidates.Hide()
	w.notes.Hide()
	w.applyServer(autoconfig.Config{
		Incoming: autoconfig.Server{Protocol: autoconfig.ProtoIMAP, Host: "imap." + d, Port: 993, Security: autoconfig.SecurityTLS, Username: w.addr()},
		Outgoing: autoconfig.Server{Protocol: autoconfig.ProtoSMTP, Host: "smtp." + d, Port: 465, Security: autoconfig.SecurityTLS, Username: w.addr()},
	})
	w.discEmail = w.addr()
}

// startDiscovery looks up settings for the address with visible progress.
func (w *wizard) startDiscovery() {
	w.cancelDiscoveryQuietly()
	w.discGen++
	gen := w.discGen
	email := w.addr()
	for _, l := range w.srcState {
		l.SetText(T("wizard.state.waiting"))
	}
	w.discStatus.SetText(T("wizard.discover.looking", map[string]any{"Email": email}))
	w.discBar.Show()
	w.discBar.Start()
	w.stopDisc.Show()
	w.discRunning = true
	w.show(stepDiscover)
	ctx, cancel := context.WithCancel(w.ctx)
	w.discCancel = cancel
	discover := w.opts.discover
	do := w.opts.do
	go func() {
		configs, err := discover(ctx, email, func(p autoconfig.SourceProgress) {
			do(func() { w.sourceProgress(gen, p) })
		})
		do(func() { w.discovered(gen, email, configs, err) })
	}()
}

func (w *wizard) sourceProgress(gen int, p autoconfig.SourceProgress) {
	if gen != w.discGen {
		return
	}
	l := w.srcState[p.Source]
	if l == nil {
		return
	}
	switch p.State {
	case autoconfig.Started:
		l.SetText(T("wizard.state.started"))
	case autoconfig.Found:
		l.SetText(T("wizard.state.found", map[string]any{"Count": p.Found}))
	case autoconfig.Failed:
		l.SetText(T("wizard.state.failed"))
	case autoconfig.TimedOut:
		l.SetText(T("wizard.state.timed_out"))
	case autoconfig.Skipped:
		l.SetText(T("wizard.state.skipped"))
	}
}

func (w *wizard) endDiscovery() {
	w.discRunning = false
	w.discBar.Stop()
	w.discBar.Hide()
	w.stopDisc.Hide()
	if w.discCancel != nil {
		w.discCancel()
		w.discCancel = nil
	}
	for _, l := range w.srcState {
		if l.Text == T("wizard.state.waiting") || l.Text == T("wizard.state.started") {
			l.SetText(T("wizard.state.not_tried"))
		}
	}
}

func (w *wizard) discovered(gen int, email string, configs []autoconfig.Config, err error) {
	if gen != w.discGen || w.step != stepDiscover {
		return
	}
	w.endDiscovery()
	if len(configs) == 0 {
		w.fillDefaults()
		w.show(stepSettings)
		if errors.Is(err, context.Canceled) {
			w.setMessage(T("wizard.discover.canceled"))
		} else {
			w.setMessage(T("wizard.discover.none"))
		}
		return
	}
	w.configs = configs
	opts := make([]string, len(configs))
	for i, c := range configs {
		opts[i] = candidateLabel(c)
	}
	w.candidates.SetOptions(opts)
	if len(configs) > 1 {
		w.candidates.Show()
	} else {
		w.candidates.Hide()
	}
	w.candidates.SetSelectedIndex(0) // calls pickCandidate
	w.discEmail = email
	w.show(stepSettings)
	w.setMessage("")
}

func candidateLabel(c autoconfig.Config) string {
	name := c.ProviderName
	if name == "" {
		name = T("wizard.source." + c.Source)
	}
	in := strings.ToUpper(c.Incoming.Protocol) + " " + c.Incoming.Host + ":" + strconv.Itoa(c.Incoming.Port)
	return name + " — " + in + ", SMTP " + c.Outgoing.Host + ":" + strconv.Itoa(c.Outgoing.Port)
}

func (w *wizard) pickCandidate(i int) {
	if i < 0 || i >= len(w.configs) {
		return
	}
	c := w.configs[i]
	w.applyServer(c)
	notes := c.NotesEN
	if T("wizard.notes_lang") == "zh" && c.NotesZH != "" {
		notes = c.NotesZH
	}
	if notes != "" {
		name := c.ProviderName
		if name == "" {
			name = domainOf(w.addr())
		}
		w.notes.SetText(T("wizard.notes", map[string]any{"Provider": name}) + "\n" + notes)
		w.notes.Show()
	} else {
		w.notes.Hide()
	}
}

// applyServer puts a configuration in the settings fields.
func (w *wizard) applyServer(c autoconfig.Config) {
	if c.Incoming.Protocol == autoconfig.ProtoPOP3 {
		w.proto.Selected = protoLabelPOP3
	} else {
		w.proto.Selected = protoLabelIMAP
	}
	w.proto.Refresh()
	w.inHost.SetText(c.Incoming.Host)
	w.inPort.SetText(strconv.Itoa(c.Incoming.Port))
	w.inSec.Selected = secLabel(c.Incoming.Security)
	w.inSec.Refresh()
	w.inUser.SetText(c.Incoming.Username)
	w.outHost.SetText(c.Outgoing.Host)
	w.outPort.SetText(strconv.Itoa(c.Outgoing.Port))
	w.outSec.Selected = secLabel(c.Outgoing.Security)
	w.outSec.Refresh()
	w.outUser.SetText(c.Outgoing.Username)
	w.settingsOK = true
}

func (w *wizard) protocol() string {
	if w.proto.Selected == protoLabelPOP3 {
		return account.ProtocolPOP3
	}
	return account.ProtocolIMAP
}

// protoChanged moves the incoming port along when it was a standard one.
func (w *wizard) protoChanged(sel string) {
	if sel == "" {
		return
	}
	sec := secValue(w.inSec.Selected)
	other := account.ProtocolIMAP
	if w.protocol() == account.ProtocolIMAP {
		other = account.ProtocolPOP3
	}
	if p, err := strconv.Atoi(w.inPort.Text); err == nil && (p == account.DefaultPort(other, sec) || w.inPort.Text == "") {
		w.inPort.SetText(strconv.Itoa(account.DefaultPort(w.protocol(), sec)))
	}
	if strings.HasPrefix(w.inHost.Text, "imap.") && w.protocol() == account.ProtocolPOP3 {
		w.inHost.SetText("pop." + strings.TrimPrefix(w.inHost.Text, "imap."))
	} else if strings.HasPrefix(w.inHost.Text, "pop.") && w.protocol() == account.ProtocolIMAP {
		w.inHost.SetText("imap." + strings.TrimPrefix(w.inHost.Text, "pop."))
	}
}

// securityChanged moves a port along when it was the standard one of the
// other security mode.
func (w *wizard) securityChanged(incoming bool) {
	proto, sel, port := "smtp", w.outSec, w.outPort
	if incoming {
		proto, sel, port = w.protocol(), w.inSec, w.inPort
	}
	portFollowsSecurity(&port.Entry, proto, secValue(sel.Selected))
}

// portFollowsSecurity puts the standard port of security mode sec in port
// when it holds the standard one of the other mode.
func portFollowsSecurity(port *widget.Entry, proto, sec string) {
	other := account.SecurityTLS
	if sec == account.SecurityTLS {
		other = account.SecuritySTARTTLS
	}
	if p, err := strconv.Atoi(port.Text); err == nil && p == account.DefaultPort(proto, other) {
		port.SetText(strconv.Itoa(account.DefaultPort(proto, sec)))
	}
}

func validPort(s string) (int, bool) {
	p, err := strconv.Atoi(strings.TrimSpace(s))
	return p, err == nil && p > 0 && p < 65536
}

func (w *wizard) checkSettings() bool {
	bad := func(e *escEntry) bool {
		w.setMessage(T("wizard.error.settings"))
		w.win.Canvas().Focus(e)
		return false
	}
	for _, e := range []*escEntry{w.inHost, w.outHost} {
		if account.CheckHost(strings.TrimSpace(e.Text)) != nil {
			return bad(e)
		}
	}
	for _, e := range []*escEntry{w.inPort, w.outPort} {
		if _, ok := validPort(e.Text); !ok {
			return bad(e)
		}
	}
	if strings.TrimSpace(w.inUser.Text) == "" {
		return bad(w.inUser)
	}
	w.setMessage("")
	return true
}

// account builds the account from what the wizard holds.
func (w *wizard) account() account.Account {
	a := account.New()
	a.ID = w.id
	name := strings.TrimSpace(w.name.Text)
	if name == "" {
		name = strings.SplitN(w.addr(), "@", 2)[0]
	}
	a.DisplayName = name
	a.Email = w.addr()
	inPort, _ := validPort(w.inPort.Text)
	outPort, _ := validPort(w.outPort.Text)
	a.Incoming = account.IncomingServer{Protocol: w.protocol(), Host: strings.TrimSpace(w.inHost.Text), Port: inPort,
		Security: secValue(w.inSec.Selected), Username: strings.TrimSpace(w.inUser.Text)}
	a.Outgoing = account.OutgoingServer{Host: strings.TrimSpace(w.outHost.Text), Port: outPort,
		Security: secValue(w.outSec.Selected), Username: strings.TrimSpace(w.outUser.Text)}
	a.Identities = []account.Identity{{Name: name, Address: w.addr()}}
	a.TrustedCerts = append([]account.TrustedCert(nil), w.trusted...)
	a.Normalize()
	return a
}

func (w *wizard) cancelDiscovery() {
	if !w.discRunning {
		return
	}
	w.discGen++ // ignore what the stopped lookup still reports
	w.endDiscovery()
	w.fillDefaults()
	w.show(stepSettings)
	w.setMessage(T("wizard.discover.canceled"))
}

func (w *wizard) cancelDiscoveryQuietly() {
	if w.discRunning {
		w.discGen++
		w.endDiscovery()
	}
}

// runTests logs in to both servers at once and shows each result.
func (w *wizard) runTests() {
	w.stopTests()
	w.testGen++
	gen := w.testGen
	a := w.account()
	pw := w.password.Text
	ctx, cancel := context.WithCancel(w.ctx)
	w.testCancel = cancel
	w.in.heading.SetText(T("wizard.test.incoming", map[string]any{"Proto": strings.ToUpper(a.Incoming.Protocol),
		"Host": a.Incoming.Host, "Port": a.Incoming.Port}))
	w.out.heading.SetText(T("wizard.test.outgoing", map[string]any{"Host": a.Outgoing.Host, "Port": a.Outgoing.Port}))
	w.next.Disable()
	do := w.opts.do
	for _, r := range []*probeRow{w.in, w.out} {
		r.ok, r.done, r.host, r.fp = false, false, "", ""
		r.icon.SetResource(nil)
		r.bar.Show()
		r.bar.Start()
		r.text.SetText(T("wizard.test.running"))
		r.trust.Hide()
	}
	probe := func(r *probeRow, f func(context.Context, account.Account, string) error) {
		go func() {
			err := f(ctx, a, pw)
			do(func() { w.probed(gen, r, err) })
		}()
	}
	probe(w.in, w.eng.ProbeIncoming)
	probe(w.out, w.eng.ProbeOutgoing)
}

func (w *wizard) stopTests() {
	if w.testCancel != nil {
		w.testCancel()
		w.testCancel = nil
	}
	w.testGen++
}

func (w *wizard) probed(gen int, r *probeRow, err error) {
	if gen != w.testGen {
		return
	}
	r.done = true
	r.bar.Stop()
	r.bar.Hide()
	r.ok = err == nil
	if r.ok {
		r.icon.SetResource(theme.ConfirmIcon())
		r.text.SetText("✓ " + T("wizard.test.ok"))
	} else {
		r.icon.SetResource(theme.ErrorIcon())
		r.text.SetText("✗ " + probeReason(err))
		if host, fp, ok := untrustedCert(err); ok {
			r.host, r.fp = host, fp
			r.trust.Show()
		}
	}
	if w.in.done && w.out.done {
		if w.in.ok && w.out.ok {
			w.next.Enable()
			w.setMessage("")
		} else {
			w.setMessage(T("wizard.test.failed"))
		}
	}
}

// probeReason is the translated reason a login test failed.
func probeReason(err error) string {
	var me *mailerr.Error
	if !errors.As(err, &me) {
		return reasonText(err)
	}
	data := map[string]any{"Host": me.Host, "Detail": me.Text,
		"Fingerprint": twoLines(netsec.FormatFingerprint(me.Fingerprint))}
	withWords := func(s string) string {
		if me.Text != "" {
			return s + " " + T("wizard.reason.server_said", map[string]any{"Detail": me.Text})
		}
		return s
	}
	switch me.Kind {
	case mailerr.Unreachable:
		return T("wizard.reason.unreachable", data)
	case mailerr.Timeout:
		return T("wizard.reason.timeout", data)
	case mailerr.TLSInvalid:
		if me.Fingerprint == "" {
			return withWords(T("wizard.reason.tls_plain", data))
		}
		return T("wizard.reason.tls", data)
	case mailerr.SecurityRefused:
		return T("wizard.reason.security", data)
	case mailerr.AuthFailed:
		return withWords(T("wizard.reason.auth", data))
	case mailerr.Canceled:
		return T("wizard.reason.canceled", data)
	}
	return reasonText(err)
}

// twoLines breaks a long formatted fingerprint in the middle, between two
// groups, so that it wraps at a readable place.
func twoLines(fp string) string {
	const half = 16 * 3 // 16 "AB:" groups
	if len(fp) <= half {
		return fp
	}
	return fp[:half-1] + "\n" + fp[half:]
}

// trustCert records the user's trust in a certificate and tests again.
func (w *wizard) trustCert(r *probeRow) {
	if r.fp == "" {
		return
	}
	a := account.Account{TrustedCerts: w.trusted}
	if err := a.Trust(r.host, r.fp); err != nil {
		w.setMessage(err.Error())
		return
	}
	w.trusted = a.TrustedCerts
	w.runTests()
}

// finish saves the account (passwords into the keyring) off the UI
// goroutine, then closes the wizard and hands the account over.
func (w *wizard) finish() {
	if !(w.in.ok && w.out.ok) || w.busy {
		return
	}
	w.busy = true
	w.next.Disable()
	w.back.Disable()
	w.setMessage("")
	w.msg.Importance = widget.MediumImportance
	w.setMessage(T("wizard.saving"))
	a := w.account()
	pw := w.password.Text
	do := w.opts.do
	go func() {
		saved, err := w.eng.AddAccount(a, pw, "")
		do(func() { w.saved(saved, err) })
	}()
}

func (w *wizard) saved(a account.Account, err error) {
	w.busy = false
	w.msg.Importance = widget.DangerImportance
	if errors.Is(err, secret.ErrUnavailable) || errors.Is(err, secret.ErrTimeout) {
		// No keyring: say so and offer to keep the password in memory for
		// this session only. It is never written to a file.
		w.next.Enable()
		w.back.Enable()
		w.setMessage(T("wizard.keyring.unavailable", map[string]any{"Error": err.Error()}))
		acct := w.account()
		pw := w.password.Text
		do := w.opts.do
		confirmAction(T("wizard.keyring.title"), T("wizard.keyring.question"), T("wizard.keyring.session"), func() {
			if w.busy {
				return
			}
			w.busy = true
			w.next.Disable()
			w.back.Disable()
			go func() {
				saved, err := w.eng.AddAccountForSession(acct, pw, "")
				do(func() { w.saved(saved, err) })
			}()
		}, w.win)
		return
	}
	if err != nil {
		w.setMessage(T("wizard.error.save", map[string]any{"Error": err.Error()}))
		w.next.Enable()
		w.back.Enable()
		return
	}
	w.close()
	if w.opts.onDone != nil {
		w.opts.onDone(a)
	}
}

// startDemo adds the demo account instead of a real one.
func (w *wizard) startDemo() {
	start := startDemoAccount
	if start == nil || w.busy {
		return
	}
	w.busy = true
	w.demo.Disable()
	do := w.opts.do
	go func() {
		a, err := start(w.eng)
		do(func() {
			w.busy = false
			w.demo.Enable()
			if err != nil {
				w.setMessage(T("wizard.demo.error", map[string]any{"Error": err.Error()}))
				return
			}
			w.close()
			if w.opts.onDone != nil {
				w.opts.onDone(a)
			}
		})
	}()
}
