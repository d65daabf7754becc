package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"fyne.io/fyne/v2/dialog"

	"hongyan/mailcore/message"
	"hongyan/widgets"
)

// maxEMLSize bounds a message file opened from the command line or the
// desktop, so a wrong file cannot exhaust memory.
const maxEMLSize = 64 << 20

// openArgs opens what the command line (or a second launch, through the
// single-instance socket) handed over: mailto: URLs open a prefilled
// compose window, .eml files a message window. It runs on the UI
// goroutine; reading files happens off it.
func (m *mainWindow) openArgs(args []string) {
	for _, arg := range args {
		arg := strings.TrimSpace(arg)
		switch {
		case arg == "":
		case strings.HasPrefix(strings.ToLower(arg), "mailto:"):
			if m.eng == nil {
				m.pendingArgs = append(m.pendingArgs, arg)
				continue
			}
			if _, err := OpenMailto(m.app, m.eng, arg); err != nil {
				dialog.ShowError(errors.New(T("open.mailto_error", map[string]any{"Error": err.Error()})), m.win)
			}
		default:
			path := strings.TrimPrefix(arg, "file://")
			m.ui.goWork(func(context.Context) {
				msg, err := readEML(path)
				var vm widgets.MessageViewModel
				if err == nil {
					vm = messageViewModel(msg)
				}
				m.ui.do(func() {
					if err != nil {
						dialog.ShowError(errors.New(T("open.eml_error", map[string]any{"Error": err.Error()})), m.win)
						return
					}
					openMessageWindow(m.app, msg, vm, nil)
				})
			})
		}
	}
	m.win.RequestFocus()
}

// readEML reads and parses a message file.
func readEML(path string) (*message.Message, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s is a folder", path)
	}
	if st.Size() > maxEMLSize {
		return nil, fmt.Errorf("%s is larger than %d MB", path, maxEMLSize>>20)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return message.Parse(raw)
}
