package app

import (
	"runtime"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
)

// firstRunPref is the preference that records that the first-run tips
// have been shown.
const firstRunPref = "firstrun.tips_shown"

// showFirstRunTips shows the welcome dialog with the main keyboard
// shortcuts over win, unless a's preferences say it was shown before. It
// reports whether it showed the dialog.
func showFirstRunTips(a fyne.App, win fyne.Window) bool {
	p := a.Preferences()
	if p.Bool(firstRunPref) {
		return false
	}
	p.SetBool(firstRunPref, true)
	intro := widget.NewLabel(T("firstrun.intro"))
	intro.Wrapping = fyne.TextWrapWord
	later := widget.NewLabel(T("firstrun.later"))
	later.Wrapping = fyne.TextWrapWord
	content := container.NewVBox(intro, shortcutsContent(runtime.GOOS), later)
	d := dialog.NewCustom(T("firstrun.title"), T("firstrun.ok"), content, win)
	d.Resize(fyne.NewSize(480, 0))
	d.Show()
	return true
}

// firstAccountAdded runs on the UI goroutine after the wizard has added an
// account (or started the demo): with the first account it shows the
// first-run tips.
func (m *mainWindow) firstAccountAdded() {
	if m.eng != nil && len(m.eng.Accounts()) > 1 {
		return
	}
	showFirstRunTips(m.app, m.win)
}
