package app

import (
	"fmt"
	"net/url"
	"os"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"

	"hongyan/mailcore/message"
	"hongyan/widgets"
)

// openTempDir is a private directory (mode 0700) for attachments handed to
// other applications; it is created once per run.
var openTempDir string

// prepareAttachment decodes attachment i of m. A message/rfc822 attachment
// comes back parsed (it opens in a message window of Hongyan's own);
// anything else is saved into the private temp directory under a safe name
// and its path returned, for the system's application.
func prepareAttachment(m *message.Message, i int) (*message.Message, string, error) {
	if i < 0 || i >= len(m.Attachments) {
		return nil, "", message.ErrNoSuchAttachment
	}
	data, err := m.AttachmentData(i)
	if err != nil {
		return nil, "", err
	}
	a := m.Attachments[i]
	if strings.EqualFold(a.ContentType, "message/rfc822") || strings.HasSuffix(strings.ToLower(a.Name), ".eml") {
		inner, err := message.Parse(data)
		return inner, "", err
	}
	if openTempDir == "" {
		dir, err := os.MkdirTemp("", "hongyan-open-")
		if err != nil {
			return nil, "", err
		}
		openTempDir = dir
	}
	name := a.Name
	if name == "" {
		name = "attachment"
	}
	p, err := SaveAttachment(openTempDir, message.SafeFileName(name), data)
	return nil, p, err
}

// wireOpenAttachment makes "Open" on an attachment work: an attached
// message opens in Hongyan, any other file with the system's application
// after being saved to the private temp directory.
func wireOpenAttachment(onOpen *func(int), win fyne.Window, m *message.Message) {
	a := fyne.CurrentApp()
	*onOpen = func(i int) {
		go func() {
			inner, path, err := prepareAttachment(m, i)
			var vm widgets.MessageViewModel
			if inner != nil {
				vm = messageViewModel(inner)
			}
			fyne.Do(func() {
				switch {
				case err != nil:
					dialog.ShowError(fmt.Errorf("%s", T("reader.open_failed", map[string]any{"Error": err.Error()})), win)
				case inner != nil:
					openMessageWindow(a, inner, vm, nil)
				default:
					if err := a.OpenURL(&url.URL{Scheme: "file", Path: path}); err != nil {
						dialog.ShowError(err, win)
					}
				}
			})
		}()
	}
}
