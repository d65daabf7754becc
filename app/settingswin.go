package app

import (
	"context"
	"errors"
	"strconv"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"hongyan/mailcore"
	"hongyan/mailcore/account"
	"hongyan/mailcore/secret"
	"hongyan/widgets"
)

// settingsWindow edits the application settings and the accounts.
type settingsWindow struct {
	m    *mainWindow
	win  fyne.Window
	tips *widgets.TipLayer // names the icon-only buttons
	tabs *container.AppTabs

	accounts []account.Account
	acctList *widget.List
	selected int
	detail   *fyne.Container
	// edited reads the shown account form as it stands, saved or not.
	edited func() account.Account

	// General tab controls, kept for tests.
	themeSel *widget.Select
	langSel  *widget.Select
	notify   *widget.Check
	markRead *widget.Select
	toTray   *widget.Check
	remote   *widget.Select

	// saved says beside the Save buttons that settings were saved;
	// generalNote is the general tab's place for it.
	saved       *widget.Label
	generalNote *widget.Label
	gen         int

	// The server settings form shown last, and hooks for tests.
	serverForm      *serverForm
	onServersSaved  func()
	onServersFailed func(incoming, outgoing error)
}

var (
	themePrefs = []string{ThemeSystem, ThemeLight, ThemeDark}
	langPrefs  = []string{LangSystem, LangEnglish, LangChinese}
	markPrefs  = []int{0, 2, 5, -1}
	remotePref = []string{account.RemoteAsk, account.RemoteAlways, account.RemoteNever}
)

func newSettingsWindow(m *mainWindow) *settingsWindow {
	sw := &settingsWindow{m: m, selected: -1}
	sw.win = m.app.NewWindow(T("settings.title"))
	sw.accounts = m.eng.Accounts()
	sw.win.SetContent(sw.content(m.eng.Settings()))
	sw.win.Resize(fyne.NewSize(720, 520))
	closeOnEscape(sw.win)
	return sw
}

func (sw *settingsWindow) show() { sw.win.Show() }

// content is the window's two tabs, in the current language, the general
// one showing s.
func (sw *settingsWindow) content(s account.AppSettings) fyne.CanvasObject {
	sw.tips = widgets.NewTipLayer(sw.m.ui.do)
	sw.tabs = container.NewAppTabs(
		container.NewTabItemWithIcon(T("settings.general"), theme.SettingsIcon(), sw.generalTab(s)),
		container.NewTabItemWithIcon(T("settings.accounts"), theme.AccountIcon(), sw.accountsTab()),
	)
	return sw.tips.Over(sw.tabs)
}

// relabel rebuilds the window in the language just chosen, its general
// tab showing s (being saved). The account form is built again from what
// it shows, so edits not yet saved stay.
func (sw *settingsWindow) relabel(s account.AppSettings) {
	var edited *account.Account
	if sw.edited != nil && sw.selected >= 0 {
		a := sw.edited()
		edited = &a
	}
	sel, tab := sw.selected, sw.tabs.SelectedIndex()
	sw.win.SetTitle(T("settings.title"))
	sw.win.SetContent(sw.content(s))
	sw.tabs.SelectIndex(tab)
	if edited != nil && sel < len(sw.accounts) {
		sw.acctList.Select(sel)
		sw.detail.Objects = []fyne.CanvasObject{sw.accountForm(*edited)}
		sw.detail.Refresh()
	}
}

// savedNote is the line that says, for a few seconds after a click on a
// Save button, that the settings were saved: without it the click
// changed nothing one could see. Each tab has its own; the last shown
// is the one hidden.
func (sw *settingsWindow) savedNote() *widget.Label {
	l := widget.NewLabel(T("settings.saved"))
	l.Hide()
	return l
}

// noteSaved shows l for savedShown (on the UI goroutine).
func (sw *settingsWindow) noteSaved(l *widget.Label) {
	sw.gen++
	gen := sw.gen
	sw.saved = l
	l.SetText(T("settings.saved")) // in the language just chosen, perhaps
	l.Show()
	time.AfterFunc(savedShown, func() {
		sw.m.ui.do(func() {
			if sw.gen == gen {
				l.Hide()
			}
		})
	})
}

// savedShown is how long "Saved." stays.
const savedShown = 3 * time.Second

func indexOf[T comparable](list []T, v T) int {
	for i, x := range list {
		if x == v {
			return i
		}
	}
	return 0
}

func (sw *settingsWindow) generalTab(s account.AppSettings) fyne.CanvasObject {
	sw.themeSel = widget.NewSelect([]string{T("settings.theme.system"), T("settings.theme.light"), T("settings.theme.dark")}, nil)
	sw.themeSel.SetSelectedIndex(indexOf(themePrefs, s.Theme))
	sw.langSel = widget.NewSelect([]string{T("settings.lang.system"), "English", "简体中文"}, nil)
	sw.langSel.SetSelectedIndex(indexOf(langPrefs, s.Language))
	sw.notify = widget.NewCheck(T("settings.notifications"), nil)
	sw.notify.SetChecked(s.Notifications)
	sw.markRead = widget.NewSelect([]string{T("settings.markread.now"), T("settings.markread.2s"), T("settings.markread.5s"), T("settings.markread.never")}, nil)
	sw.markRead.SetSelectedIndex(indexOf(markPrefs, s.MarkReadAfterSeconds))
	sw.toTray = widget.NewCheck(T("settings.close_to_tray"), nil)
	sw.toTray.SetChecked(sw.m.app.Preferences().Bool(prefCloseToTray))
	var trayItem fyne.CanvasObject = sw.toTray
	if sw.m.tray == nil {
		// Say why the choice cannot be made, rather than grey it out alone.
		sw.toTray.Disable()
		why := widget.NewLabel(T("settings.close_to_tray.unavailable"))
		why.Importance = widget.LowImportance
		why.Wrapping = fyne.TextWrapWord
		trayItem = container.NewVBox(sw.toTray, why)
	}
	note := sw.savedNote()
	sw.generalNote = note
	save := widget.NewButtonWithIcon(T("settings.save"), theme.DocumentSaveIcon(), func() { sw.saveGeneral() })
	save.Importance = widget.HighImportance
	form := widget.NewForm(
		widget.NewFormItem(T("settings.theme"), sw.themeSel),
		widget.NewFormItem(T("settings.language"), sw.langSel),
		widget.NewFormItem(T("settings.markread"), sw.markRead),
		widget.NewFormItem("", sw.notify),
		widget.NewFormItem("", trayItem),
	)
	return container.NewBorder(nil, container.NewHBox(save, note), nil, nil, container.NewVScroll(form))
}

// saveGeneral applies and saves the general settings, then says so
// beside the Save button (of the window rebuilt, if the language changed).
func (sw *settingsWindow) saveGeneral() {
	m := sw.m
	s := m.eng.Settings()
	oldLang := s.Language
	s.Theme = themePrefs[max(0, sw.themeSel.SelectedIndex())]
	s.Language = langPrefs[max(0, sw.langSel.SelectedIndex())]
	s.Notifications = sw.notify.Checked
	s.MarkReadAfterSeconds = markPrefs[max(0, sw.markRead.SelectedIndex())]
	m.app.Preferences().SetBool(prefCloseToTray, sw.toTray.Checked)
	applyTheme(m.app, s.Theme)
	if s.Language != oldLang {
		if err := SetLanguage(s.Language); err != nil {
			dialog.ShowError(err, sw.win)
		}
		m.relabel()
		sw.relabel(s)
	}
	note := sw.generalNote
	eng := m.eng
	m.ui.goWork(func(context.Context) {
		err := eng.SaveSettings(s)
		m.ui.do(func() {
			if err != nil {
				dialog.ShowError(userError(err), sw.win)
			} else {
				sw.noteSaved(note)
			}
		})
	})
}

// relabel rebuilds the window's text after a language change.
func (m *mainWindow) relabel() {
	m.win.SetTitle(T("app.title"))
	if old := m.mv; old != nil {
		m.mv = nil
		m.showMailView()
		// An open outbox window carries over to the new view.
		if o := old.outbox; o != nil && m.mv != nil {
			m.mv.adoptOutbox(o)
			o.relabel()
		}
	} else {
		m.showWelcome()
	}
	if m.tray != nil {
		m.tray = nil
		m.setupTray()
	}
	if openAbout != nil {
		openAbout.relabel()
	}
}

func (sw *settingsWindow) accountName(a account.Account) string {
	if a.DisplayName != "" {
		return a.DisplayName + " <" + a.Email + ">"
	}
	return a.Email
}

func (sw *settingsWindow) accountsTab() fyne.CanvasObject {
	sw.acctList = widget.NewList(func() int { return len(sw.accounts) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			o.(*widget.Label).SetText(sw.accountName(sw.accounts[i]))
		})
	sw.detail = container.NewStack()
	sw.acctList.OnSelected = func(i widget.ListItemID) {
		sw.selected = i
		sw.detail.Objects = []fyne.CanvasObject{sw.accountForm(sw.accounts[i])}
		sw.detail.Refresh()
	}
	add := widget.NewButtonWithIcon(T("settings.account.add"), theme.ContentAddIcon(), func() { openWizard(sw.m) })
	remove := widget.NewButtonWithIcon(T("settings.account.remove"), theme.ContentRemoveIcon(), sw.removeAccount)
	up := sw.tips.Button(theme.MoveUpIcon(), T("settings.account.up"), func() { sw.moveAccount(-1) })
	down := sw.tips.Button(theme.MoveDownIcon(), T("settings.account.down"), func() { sw.moveAccount(1) })
	left := container.NewBorder(nil, container.NewHBox(add, remove, up, down), nil, nil, sw.acctList)
	split := container.NewHSplit(left, sw.detail)
	split.Offset = 0.35
	// The first account's settings show at once, not an empty pane.
	if len(sw.accounts) > 0 {
		sw.acctList.Select(0)
	}
	return split
}

// reloadAccounts re-reads the account list after a change.
func (sw *settingsWindow) reloadAccounts() {
	sw.accounts = sw.m.eng.Accounts()
	sw.acctList.Refresh()
	if sw.selected >= len(sw.accounts) {
		sw.selected = -1
		sw.acctList.UnselectAll()
		sw.detail.Objects = nil
		sw.detail.Refresh()
	}
	if sw.m.mv != nil {
		sw.m.mv.reloadTree()
	}
}

func (sw *settingsWindow) moveAccount(delta int) {
	if sw.selected < 0 {
		return
	}
	to := sw.selected + delta
	if to < 0 || to >= len(sw.accounts) {
		return
	}
	id := sw.accounts[sw.selected].ID
	eng := sw.m.eng
	sw.m.ui.goWork(func(context.Context) {
		err := eng.MoveAccount(id, to)
		sw.m.ui.do(func() {
			if err != nil {
				dialog.ShowError(userError(err), sw.win)
				return
			}
			sw.reloadAccounts()
			sw.acctList.Select(to)
		})
	})
}

// removeAccount asks, then removes the selected account; when mail is
// still waiting in its outbox it asks again before dropping it.
func (sw *settingsWindow) removeAccount() {
	if sw.selected < 0 {
		return
	}
	a := sw.accounts[sw.selected]
	eng := sw.m.eng
	var run func(force bool)
	run = func(force bool) {
		sw.m.ui.goWork(func(ctx context.Context) {
			err := eng.RemoveAccount(ctx, a.ID, force)
			sw.m.ui.do(func() {
				switch {
				case errors.Is(err, mailcore.ErrUnsentMail):
					confirmAction(T("settings.account.unsent.title"), T("settings.account.unsent.message"),
						T("settings.account.remove.title"), func() { run(true) }, sw.win)
				case err != nil:
					dialog.ShowError(userError(err), sw.win)
				default:
					sw.reloadAccounts()
				}
			})
		})
	}
	confirmAction(T("settings.account.remove.title"),
		T("settings.account.remove.message", map[string]any{"Account": sw.accountName(a)}),
		T("settings.account.remove.title"), func() { run(false) }, sw.win)
}

// accountForm edits one account: name, check interval, remote content,
// identities with signatures, and its password.
func (sw *settingsWindow) accountForm(a account.Account) fyne.CanvasObject {
	name := widget.NewEntry()
	name.SetText(a.DisplayName)
	interval := widget.NewEntry()
	interval.SetText(strconv.Itoa(a.Options.CheckIntervalMinutes))
	remote := widget.NewSelect([]string{T("settings.remote.ask"), T("settings.remote.always"), T("settings.remote.never")}, nil)
	remote.SetSelectedIndex(indexOf(remotePref, a.Options.RemoteContent))
	sw.remote = remote

	idents := append([]account.Identity(nil), a.Identities...)
	if len(idents) == 0 {
		idents = []account.Identity{{Name: a.DisplayName, Address: a.Email}}
	}
	idBox := container.NewVBox()
	type identRow struct {
		name, addr, sig *widget.Entry
		card            *widget.Card
	}
	var rows []*identRow
	addIdent := func(id account.Identity) {
		r := &identRow{name: widget.NewEntry(), addr: widget.NewEntry(), sig: widget.NewMultiLineEntry()}
		r.name.SetText(id.Name)
		r.addr.SetText(id.Address)
		r.sig.SetText(id.Signature)
		r.sig.SetMinRowsVisible(3)
		r.name.SetPlaceHolder(T("settings.identity.name_hint"))
		r.addr.SetPlaceHolder(T("settings.identity.address_hint"))
		r.sig.SetPlaceHolder(T("settings.identity.signature_hint"))
		form := widget.NewForm(
			widget.NewFormItem(T("settings.identity.name"), r.name),
			widget.NewFormItem(T("settings.identity.address"), r.addr),
			widget.NewFormItem(T("settings.identity.signature"), r.sig))
		var body fyne.CanvasObject = form
		if len(rows) > 0 {
			// Every identity but the account's first can be taken away
			// (it goes when the account is saved).
			remove := widget.NewButtonWithIcon(T("settings.identity.remove"), theme.ContentRemoveIcon(), func() {
				for i, x := range rows {
					if x == r {
						rows = append(rows[:i], rows[i+1:]...)
					}
				}
				idBox.Remove(r.card)
			})
			remove.Importance = widget.LowImportance
			body = container.NewVBox(form, container.NewHBox(layout.NewSpacer(), remove))
		}
		r.card = widget.NewCard("", "", body)
		rows = append(rows, r)
		idBox.Add(r.card)
	}
	for _, id := range idents {
		addIdent(id)
	}
	var scroll *container.Scroll
	more := widget.NewButtonWithIcon(T("settings.identity.add"), theme.ContentAddIcon(), func() {
		// The new identity is at the end, often below the fold: bring
		// it into view with its name field ready for typing.
		addIdent(account.Identity{})
		// Scroll measures the content's laid-out size, which grows only
		// at the next layout: grow it now, or the scroll stops short.
		scroll.Content.Resize(fyne.NewSize(scroll.Content.Size().Width, scroll.Content.MinSize().Height))
		scroll.ScrollToBottom()
		sw.win.Canvas().Focus(rows[len(rows)-1].name)
	})

	// shown is the account as the form shows it; an interval that is not
	// a number keeps the saved one, and is refused by Save. Save leaves
	// out identities without an address; a rebuilt form (keepBlank)
	// keeps every one with anything typed.
	shown := func(keepBlank bool) (account.Account, error) {
		b := a
		n, err := strconv.Atoi(interval.Text)
		if err != nil || n < 0 {
			err = errors.New(T("settings.interval.invalid"))
		} else {
			b.Options.CheckIntervalMinutes = n
		}
		b.DisplayName = name.Text
		b.Options.RemoteContent = remotePref[max(0, remote.SelectedIndex())]
		b.Identities = nil
		for _, r := range rows {
			if r.addr.Text == "" && (!keepBlank || r.name.Text+r.sig.Text == "") {
				continue
			}
			b.Identities = append(b.Identities, account.Identity{Name: r.name.Text, Address: r.addr.Text, Signature: r.sig.Text})
		}
		return b, err
	}
	sw.edited = func() account.Account { b, _ := shown(true); return b }
	note := sw.savedNote()
	save := widget.NewButtonWithIcon(T("settings.save"), theme.DocumentSaveIcon(), func() {
		b, err := shown(false)
		if err != nil {
			dialog.ShowError(err, sw.win)
			return
		}
		sw.updateAccount(b, func() { sw.noteSaved(note) })
	})
	save.Importance = widget.HighImportance
	pw := widget.NewButtonWithIcon(T("settings.password.change"), theme.LoginIcon(), func() { sw.changePassword(a) })
	servers := widget.NewButtonWithIcon(T("servers.button"), theme.SettingsIcon(), func() { sw.editServers(a) })

	form := widget.NewForm(
		widget.NewFormItem(T("settings.account.name"), name),
		widget.NewFormItem(T("settings.account.interval"), interval),
		widget.NewFormItem(T("settings.account.remote"), remote),
	)
	scroll = container.NewVScroll(container.NewVBox(form,
		widget.NewLabelWithStyle(T("settings.identities"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		idBox, more))
	return container.NewBorder(nil, container.NewHBox(save, servers, pw, note), nil, nil, scroll)
}

// updateAccount saves an account's changed settings off the UI goroutine,
// then shows the list again and runs after (may be nil).
func (sw *settingsWindow) updateAccount(b account.Account, after func()) {
	eng := sw.m.eng
	sw.m.ui.goWork(func(context.Context) {
		err := eng.UpdateAccount(b)
		sw.m.ui.do(func() {
			if err != nil {
				dialog.ShowError(userError(err), sw.win)
				return
			}
			sw.reloadAccounts()
			if after != nil {
				after()
			}
		})
	})
}

// changePassword asks for a new password of the incoming and outgoing
// servers and puts it in the keyring.
func (sw *settingsWindow) changePassword(a account.Account) {
	in := widget.NewPasswordEntry()
	out := widget.NewPasswordEntry()
	out.SetPlaceHolder(T("settings.password.same"))
	showForm(T("settings.password.title"), T("settings.save"), []*widget.FormItem{
		widget.NewFormItem(T("settings.password.incoming"), in),
		widget.NewFormItem(T("settings.password.outgoing"), out),
	}, func(ok bool) {
		if !ok || in.Text == "" {
			return
		}
		inPw, outPw := in.Text, out.Text
		if outPw == "" {
			outPw = inPw
		}
		eng := sw.m.eng
		sw.m.ui.goWork(func(context.Context) {
			err := setAccountPassword(eng, a.ID, inPw, outPw)
			sw.m.ui.do(func() {
				if err != nil {
					dialog.ShowError(userError(err), sw.win)
				}
			})
		})
	}, sw.win)
}

// setAccountPassword stores new passwords and restarts the account: its
// retrieval engine took the old password when it started.
func setAccountPassword(eng *mailcore.Engine, id, inPw, outPw string) error {
	if err := eng.SetPassword(id, secret.RoleOutgoing, outPw); err != nil {
		return err
	}
	if err := eng.SetPassword(id, secret.RoleIncoming, inPw); err != nil {
		return err
	}
	a, ok := eng.Account(id)
	if !ok {
		return nil
	}
	return eng.UpdateAccount(a)
}
