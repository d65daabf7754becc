package app

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"
)

// shortcutHelp is one line of the keyboard shortcut list.
type shortcutHelp struct {
	Keys   string // the keys, as printed on the keyboard
	Action string // what they do, in the user's language
}

// shortcutList is the list shown by Help → Keyboard shortcuts and the
// first-run tips. goos decides the name of the shortcut modifier (Cmd on
// macOS, where Fyne's default shortcut modifier is the Command key).
func shortcutList(goos string) []shortcutHelp {
	ctrl := "Ctrl"
	if goos == "darwin" {
		ctrl = "Cmd"
	}
	return []shortcutHelp{
		{ctrl + "+N", T("action.write")},
		{ctrl + "+R", T("action.reply")},
		{ctrl + "+Shift+R", T("action.reply_all")},
		{ctrl + "+L", T("action.forward")},
		{"Delete", T("action.delete")},
		{"J / K", T("help.shortcuts.next_previous")},
		{"Enter", T("help.shortcuts.open")},
		{ctrl + "+A", T("help.shortcuts.select_all")},
		{ctrl + "+M", T("action.move")},
		{ctrl + "+Z", T("help.shortcuts.undo")},
		{ctrl + "+F", T("menu.search")},
		{"F5", T("action.get_mail")},
		{ctrl + "+Enter", T("help.shortcuts.send")},
		{"Esc", T("help.shortcuts.close_window")},
		{ctrl + "+,", T("menu.settings")},
		{ctrl + "+Q", T("menu.quit")},
	}
}

// shortcutsContent lays the shortcut list out as two lists side by side
// (keys, then what they do): one list of fifteen lines was taller than a
// 700-pixel window, and the first-run dialog's button covered its end.
func shortcutsContent(goos string) *fyne.Container {
	list := shortcutList(goos)
	half := (len(list) + 1) / 2
	column := func(part []shortcutHelp) *fyne.Container {
		grid := container.New(layout.NewFormLayout())
		for _, s := range part {
			grid.Add(widget.NewLabelWithStyle(s.Keys, fyne.TextAlignTrailing, fyne.TextStyle{Bold: true}))
			grid.Add(widget.NewLabel(s.Action))
		}
		return grid
	}
	return container.NewHBox(column(list[:half]), column(list[half:]))
}

// showShortcuts opens the keyboard shortcut dialog over win.
func showShortcuts(win fyne.Window) dialog.Dialog {
	d := dialog.NewCustom(T("help.shortcuts.title"), T("dialog.close"), shortcutsContent(runtime.GOOS), win)
	d.Show()
	return d
}

// desktopFile is the desktop entry the Linux package installs (the
// application ID from FyneApp.toml; see packaging/linux/install.sh).
const desktopFile = AppID + ".desktop"

// Commands that make Hongyan the handler of mailto: links on Linux.
var (
	xdgMimeArgs     = []string{"xdg-mime", "default", desktopFile, "x-scheme-handler/mailto"}
	xdgSettingsArgs = []string{"xdg-settings", "set", "default-url-scheme-handler", "mailto", desktopFile}
)

// defaultAppSection is one system's instructions in the "default mail
// app" dialog.
type defaultAppSection struct {
	GOOS  string
	Title string
	Text  string
}

// defaultAppSections gives the instructions for Linux, Windows and macOS,
// the system goos first.
func defaultAppSections(goos string) []defaultAppSection {
	all := []defaultAppSection{
		{"linux", T("help.default.linux.title"), T("help.default.linux.text", map[string]any{
			"Command1": strings.Join(xdgMimeArgs, " "), "Command2": strings.Join(xdgSettingsArgs, " ")})},
		{"windows", T("help.default.windows.title"), T("help.default.windows.text")},
		{"darwin", T("help.default.darwin.title"), T("help.default.darwin.text")},
	}
	out := make([]defaultAppSection, 0, len(all))
	for _, s := range all {
		if s.GOOS == goos {
			out = append(out, s)
		}
	}
	for _, s := range all {
		if s.GOOS != goos {
			out = append(out, s)
		}
	}
	return out
}

// runXDGMime runs the xdg-mime command that makes Hongyan the mailto:
// handler. Tests replace it.
var runXDGMime = func(ctx context.Context) error {
	cmd := exec.CommandContext(ctx, xdgMimeArgs[0], xdgMimeArgs[1:]...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			return fmt.Errorf("%s", T("help.default.no_xdg_mime"))
		}
		if msg := strings.TrimSpace(string(out)); msg != "" {
			return fmt.Errorf("%w: %s", err, msg)
		}
		return err
	}
	return nil
}

// defaultAppView is the content of the "default mail app" dialog.
type defaultAppView struct {
	content *fyne.Container
	setBtn  *widget.Button // nil except on Linux
	result  *widget.Label
}

// newDefaultAppView builds the dialog content for goos. do runs work on
// the UI goroutine (fyne.Do, or a test's queue).
func newDefaultAppView(goos string, do func(func())) *defaultAppView {
	v := &defaultAppView{content: container.NewVBox()}
	for i, s := range defaultAppSections(goos) {
		if i > 0 {
			v.content.Add(widget.NewSeparator())
		}
		v.content.Add(widget.NewLabelWithStyle(s.Title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
		text := widget.NewLabel(s.Text)
		text.Wrapping = fyne.TextWrapWord
		v.content.Add(text)
		if s.GOOS == "linux" && goos == "linux" {
			v.result = widget.NewLabel("")
			v.result.Wrapping = fyne.TextWrapWord
			v.result.Hide()
			v.setBtn = widget.NewButton(T("help.default.linux.button"), nil)
			v.setBtn.OnTapped = func() { v.runXDGMime(do) }
			v.content.Add(container.NewHBox(v.setBtn))
			v.content.Add(v.result)
		}
	}
	return v
}

// runXDGMime runs the command off the UI goroutine and reports the result.
func (v *defaultAppView) runXDGMime(do func(func())) {
	v.setBtn.Disable()
	v.result.SetText(T("help.default.running"))
	v.result.Show()
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		err := runXDGMime(ctx)
		do(func() {
			v.setBtn.Enable()
			if err != nil {
				v.result.SetText(T("help.default.failed", map[string]any{"Error": err.Error()}))
				return
			}
			v.result.SetText(T("help.default.done"))
		})
	}()
}

// showDefaultApp opens the "Set Hongyan as the default mail app" dialog.
func showDefaultApp(win fyne.Window) dialog.Dialog {
	v := newDefaultAppView(runtime.GOOS, fyne.Do)
	d := dialog.NewCustom(T("help.default.title"), T("dialog.close"), container.NewVScroll(v.content), win)
	d.Resize(fyne.NewSize(560, 480))
	d.Show()
	return d
}
