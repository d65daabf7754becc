package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"

	"hongyan/assets"
)

// trayIcon is the system-tray icon and its menu, where the platform has one.
type trayIcon struct {
	desk desktop.App
	open *fyne.MenuItem
	menu *fyne.Menu
}

// setupTray adds the tray icon (Get mail, Write, Open, Quit) when the
// driver supports one and a tray host runs (trayHost, found at start-up).
// Closing into the tray is a setting, off by default.
func (m *mainWindow) setupTray() {
	desk, ok := m.app.(desktop.App)
	if !ok || m.tray != nil || !m.trayHost {
		return
	}
	t := &trayIcon{desk: desk}
	t.open = fyne.NewMenuItem(T("tray.open"), func() { m.win.Show(); m.win.RequestFocus() })
	getMail := fyne.NewMenuItem(T("action.get_mail"), func() {
		if m.mv != nil {
			m.mv.getMail()
		}
	})
	write := fyne.NewMenuItem(T("action.write"), func() { openCompose(m) })
	quit := fyne.NewMenuItem(T("menu.quit"), m.quit)
	quit.IsQuit = true
	t.menu = fyne.NewMenu(T("app.title"), t.open, getMail, write, fyne.NewMenuItemSeparator(), quit)
	desk.SetSystemTrayMenu(t.menu)
	desk.SetSystemTrayIcon(assets.Icon)
	m.tray = t
}

// updateTray shows the unread count in the tray menu.
func (m *mainWindow) updateTray() {
	if m.tray == nil || m.mv == nil {
		return
	}
	label := T("tray.open")
	if m.mv.unread > 0 {
		label = T("tray.open_unread", map[string]any{"Count": m.mv.unread})
	}
	if m.tray.open.Label != label {
		m.tray.open.Label = label
		m.tray.menu.Refresh()
	}
}
