package app

import (
	"context"
	"errors"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"hongyan/mailcore"
	"hongyan/mailcore/account"
	"hongyan/mailcore/event"
)

// Preferences kept by Fyne (per user, not in settings.json): they only
// concern this window's look.
const (
	prefViewBelow   = "viewBelow"
	prefSortOrder   = "sortOrder"
	prefCloseToTray = "closeToTray"
)

// mainWindow is Hongyan's main window. Its content is the welcome screen
// (no account yet) or the three-pane mail view.
type mainWindow struct {
	app  fyne.App
	win  fyne.Window
	opts Options

	ui   *uiContext
	eng  *mailcore.Engine
	mv   *mailView
	tray *trayIcon
	// trayHost: the desktop shows tray icons (checked off the UI goroutine
	// at start-up).
	trayHost bool

	lastSize fyne.Size
	// pendingArgs wait for the engine (mailto: URLs need an account).
	pendingArgs []string
	// sink receives the engine's events (the app's batching queue).
	sink event.Sink
	// cleanups run when the application ends, after the engine closed
	// (the demo's servers and temporary profile).
	cleanupMu sync.Mutex
	cleanups  []func()
}

func newMainWindow(a fyne.App, opts Options) *mainWindow {
	w := a.NewWindow(T("app.title"))
	w.SetMaster()
	w.Resize(mainSize)
	w.CenterOnScreen()
	m := &mainWindow{app: a, win: w, opts: opts, lastSize: mainSize}
	w.SetCloseIntercept(m.closeRequested)
	return m
}

// engineReady takes the opened engine (on the UI goroutine) and shows the
// welcome screen or the mail view.
func (m *mainWindow) engineReady(eng *mailcore.Engine, err error) {
	var broken *account.BrokenProfileError
	if eng == nil {
		m.showWelcome()
		if err != nil {
			dialog.ShowError(errors.New(T("error.open_profile", map[string]any{"Error": err.Error()})), m.win)
		}
		return
	}
	m.eng = eng
	s := eng.Settings()
	applyTheme(m.app, s.Theme)
	if s.WindowWidth > 0 && s.WindowHeight > 0 {
		// Fyne 2.7 can set a window's size but not read or set its position
		// on the screen, so only the size is remembered.
		m.lastSize = fyne.NewSize(float32(s.WindowWidth), float32(s.WindowHeight))
		m.win.Resize(m.lastSize)
	}
	m.setupTray()
	if len(eng.Accounts()) > 0 {
		m.showMailView()
	} else {
		m.showWelcome()
	}
	if errors.As(err, &broken) {
		dialog.ShowError(errors.New(T("error.settings", map[string]any{"Error": err.Error()})), m.win)
	}
	m.ui.goWork(func(context.Context) { eng.Start() })
	// Arguments that arrived before the engine was open (a mailto: URL
	// needs an account to send from) are handled now.
	args := m.pendingArgs
	m.pendingArgs = nil
	if m.opts.OpenArg != "" {
		args = append([]string{m.opts.OpenArg}, args...)
		m.opts.OpenArg = ""
	}
	m.openArgs(args)
}

// handleEvents receives every batch of engine events.
func (m *mainWindow) handleEvents(batch []event.Event) {
	if m.mv != nil {
		m.mv.handleEvents(batch)
		return
	}
	// The welcome screen waits for the first account (from the wizard).
	if m.eng != nil && len(m.eng.Accounts()) > 0 {
		m.showMailView()
	}
}

// showMailView shows the three panes: folder tree | message list | message
// view. Without an engine (no profile yet) the panes are empty.
func (m *mainWindow) showMailView() {
	if m.eng == nil {
		m.showPlaceholder()
		return
	}
	if m.mv == nil {
		m.mv = newMailView(m, m.ui, m.eng)
		m.mv.installKeys()
		m.win.SetMainMenu(m.mv.mainMenu())
		m.mv.updateOutboxCount()
	}
	m.win.SetContent(m.mv.content)
	m.mv.reloadTree()
}

// showPlaceholder is the mail view before the engine is open.
func (m *mainWindow) showPlaceholder() {
	folders := paneWithHeader(T("pane.folders"), T("pane.no_folder"))
	list := paneWithHeader(T("pane.messages"), T("pane.no_folder"))
	view := paneWithHeader(T("pane.message"), T("pane.no_message"))
	right := container.NewHSplit(list, view)
	right.Offset = 0.4
	all := container.NewHSplit(folders, right)
	all.Offset = 0.2
	m.win.SetContent(all)
}

// paneWithHeader is a placeholder pane: a bold title above a centred hint.
func paneWithHeader(title, empty string) fyne.CanvasObject {
	head := widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	hint := widget.NewLabelWithStyle(empty, fyne.TextAlignCenter, fyne.TextStyle{Italic: true})
	return container.NewBorder(container.NewVBox(head, widget.NewSeparator()), nil, nil, nil,
		container.NewCenter(hint))
}

// closeRequested hides the window into the tray when the user chose so
// and a tray exists; otherwise it quits.
func (m *mainWindow) closeRequested() {
	m.remember()
	if m.tray != nil && m.app.Preferences().Bool(prefCloseToTray) {
		m.win.Hide()
		return
	}
	m.quit()
}

// remember notes the window size and pane positions for saveWindowState.
func (m *mainWindow) remember() {
	if s := m.win.Canvas().Size(); s.Width > 0 && s.Height > 0 {
		m.lastSize = s
	}
}

// quit ends the application.
func (m *mainWindow) quit() {
	m.remember()
	m.app.Quit()
}

// saveWindowState writes the window size and pane splits to the settings.
// It runs after the UI has stopped.
func (m *mainWindow) saveWindowState() error {
	if m.eng == nil {
		return nil
	}
	s := m.eng.Settings()
	s.WindowWidth, s.WindowHeight = int(m.lastSize.Width), int(m.lastSize.Height)
	if m.mv != nil {
		s.PaneSplits = m.mv.splits()
	}
	return m.eng.SaveSettings(s)
}

// openSettings opens the settings window.
func (m *mainWindow) openSettings() {
	if m.eng == nil {
		return
	}
	newSettingsWindow(m).show()
}

// closeOnEscape makes Escape close w, a secondary window (a message, its
// source, the outbox, settings, About), as a dialog closes in other
// desktop programs. A key a focused field takes (an entry) does not reach
// it.
func closeOnEscape(w fyne.Window) {
	w.Canvas().SetOnTypedKey(func(k *fyne.KeyEvent) {
		if k.Name == fyne.KeyEscape {
			w.Close()
		}
	})
}

// escEntry is an entry that hands Escape to onEsc (when set) instead of
// ignoring it: the wizard's fields cancel the wizard, the search field
// clears the search. onShortcut, when set, sees shortcuts first (see
// widgets.AddressEntry.OnShortcut).
type escEntry struct {
	widget.Entry
	onEsc      func()
	onShortcut func(fyne.Shortcut) bool
}

// TypedShortcut offers sc to onShortcut, then to the entry.
func (e *escEntry) TypedShortcut(sc fyne.Shortcut) {
	if e.onShortcut != nil && e.onShortcut(sc) {
		return
	}
	e.Entry.TypedShortcut(sc)
}

// TypedKey sends Escape to onEsc, everything else to the entry.
func (e *escEntry) TypedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyEscape && e.onEsc != nil {
		e.onEsc()
		return
	}
	e.Entry.TypedKey(k)
}
