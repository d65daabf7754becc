package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
)

// mainWindow is Hongyan's main window. Its content is either the welcome
// screen (no account yet) or the three-pane mail view.
type mainWindow struct {
	app  fyne.App
	win  fyne.Window
	opts Options
}

func newMainWindow(a fyne.App, opts Options) *mainWindow {
	w := a.NewWindow(T("app.title"))
	w.SetMaster()
	w.Resize(mainSize)
	w.CenterOnScreen()
	return &mainWindow{app: a, win: w, opts: opts}
}

// showMailView shows the three-pane layout: folder tree | message list |
// message view. The panes are empty placeholders for now.
func (m *mainWindow) showMailView() {
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

// comingSoon tells the user that a feature is not built yet.
func (m *mainWindow) comingSoon() {
	dialog.ShowInformation(T("dialog.coming_soon.title"), T("dialog.coming_soon.message"), m.win)
}
