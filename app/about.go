package app

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"hongyan/assets"
)

// projectLicense names the licence Hongyan itself is published under.
const projectLicense = "MIT"

// licenseEntry is one linked module's licence notice in assets.Licenses.
type licenseEntry struct {
	Path    string // module path, or "std" for the Go standard library
	Version string
	File    string // file name inside assets.LicensesDir
}

// ErrLicenseIndex reports a malformed line in the embedded modules.index.
type ErrLicenseIndex struct {
	Line int
	Text string
}

func (e *ErrLicenseIndex) Error() string {
	return fmt.Sprintf("licenses/modules.index line %d: want \"path version file\", got %q", e.Line, e.Text)
}

// licenseEntries reads the embedded index of licence notices.
func licenseEntries() ([]licenseEntry, error) {
	data, err := assets.Licenses.ReadFile(assets.LicensesDir + "/modules.index")
	if err != nil {
		return nil, err
	}
	var out []licenseEntry
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 3 {
			return nil, &ErrLicenseIndex{Line: n, Text: line}
		}
		out = append(out, licenseEntry{Path: f[0], Version: f[1], File: f[2]})
	}
	return out, sc.Err()
}

// licenseText is the notice text of e, or a sentence saying it is missing.
func licenseText(e licenseEntry) string {
	data, err := assets.Licenses.ReadFile(assets.LicensesDir + "/" + e.File)
	if err != nil {
		return T("about.license_missing", map[string]any{"Module": e.Path})
	}
	return string(data)
}

// label is how the module list names e.
func (e licenseEntry) label() string {
	if e.Path == "std" {
		return T("about.go_std", map[string]any{"Version": e.Version})
	}
	return e.Path + " " + e.Version
}

// aboutView is the content of the About window.
type aboutView struct {
	win        fyne.Window
	appVersion string
	selected   int // the module whose license shows
	version    *widget.Label
	list       *widget.List
	text       *widget.Label
	entries    []licenseEntry
}

// newAboutView builds the About window (not yet shown) for version.
func newAboutView(a fyne.App, version string) *aboutView {
	v := &aboutView{win: a.NewWindow(T("about.title")), appVersion: version}
	closeOnEscape(v.win)
	v.fill()
	return v
}

// relabel shows the window in the language just chosen.
func (v *aboutView) relabel() {
	v.win.SetTitle(T("about.title"))
	sel := v.selected
	v.fill()
	if sel >= 0 && sel < len(v.entries) {
		v.list.Select(sel)
	}
}

// fill lays the window's content out in the current language, the first
// module's license shown.
func (v *aboutView) fill() {
	version := v.appVersion
	v.selected = -1
	entries, err := licenseEntries()
	v.entries = entries

	icon := canvas.NewImageFromResource(assets.Icon)
	icon.FillMode = canvas.ImageFillContain
	icon.SetMinSize(fyne.NewSize(96, 96))
	name := widget.NewLabelWithStyle(T("app.title"), fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	if version == "" {
		version = T("about.version_unknown")
	}
	v.version = widget.NewLabelWithStyle(T("about.version", map[string]any{"Version": version}), fyne.TextAlignCenter, fyne.TextStyle{})
	desc := widget.NewLabelWithStyle(T("about.description"), fyne.TextAlignCenter, fyne.TextStyle{})
	lic := widget.NewLabelWithStyle(T("about.license", map[string]any{"License": projectLicense}), fyne.TextAlignCenter, fyne.TextStyle{})
	heading := widget.NewLabelWithStyle(T("about.third_party"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})

	// License texts are laid out in lines of up to 80 characters: in the
	// smaller monospace size a line fits the pane whole, where the body
	// size wrapped most lines in two, leaving every other one short.
	v.text = widget.NewLabel("")
	v.text.Wrapping = fyne.TextWrapWord
	v.text.TextStyle = fyne.TextStyle{Monospace: true}
	v.text.SizeName = theme.SizeNameCaptionText
	if err != nil {
		v.text.SetText(err.Error())
	}
	textScroll := container.NewScroll(v.text)
	v.list = widget.NewList(func() int { return len(v.entries) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(v.entries[i].label()) })
	v.list.OnSelected = func(i widget.ListItemID) {
		v.selected = i
		if i >= 0 && i < len(v.entries) {
			v.text.SetText(licenseText(v.entries[i]))
			textScroll.ScrollToTop()
		}
	}
	split := container.NewHSplit(v.list, textScroll)
	split.Offset = 0.33

	top := container.NewVBox(container.NewCenter(icon), name, v.version, desc, lic, heading)
	v.win.SetContent(container.NewBorder(top, nil, nil, nil, split))
	v.win.Resize(fyne.NewSize(900, 640))
	if len(v.entries) > 0 {
		v.list.Select(0)
	}
}

// selectModule shows the notice of the module with path, if listed.
func (v *aboutView) selectModule(path string) bool {
	for i, e := range v.entries {
		if e.Path == path {
			v.list.Select(i)
			return true
		}
	}
	return false
}

// openAbout is the open About window, so that the menu brings it forward
// instead of opening a second one, and a change of language relabels it.
// Used on the UI goroutine only.
var openAbout *aboutView

// showAbout opens the About window, or brings it forward.
func (m *mainWindow) showAbout() {
	if openAbout != nil {
		openAbout.win.RequestFocus()
		return
	}
	v := newAboutView(m.app, m.opts.Version)
	openAbout = v
	v.win.SetOnClosed(func() {
		if openAbout == v {
			openAbout = nil
		}
	})
	v.win.Show()
}
