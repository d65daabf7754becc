package app

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"hongyan/mailcore/message"
	"hongyan/widgets"
)

// Escape closes the secondary windows; other keys do not.
func TestEscapeClosesSecondaryWindows(t *testing.T) {
	useEnglish(t)
	a := test.NewTempApp(t)
	m := &message.Message{Subject: "Hello", Raw: []byte("Subject: Hello\r\n\r\nHi\r\n")}
	msgWin, _ := openMessageWindow(a, m, widgets.MessageViewModel{Subject: "Hello"}, nil)
	for name, w := range map[string]fyne.Window{
		"about":   newAboutView(a, "1").win,
		"source":  showSourceWindow(a, m),
		"message": msgWin,
	} {
		escapeCloses(t, name, w)
	}
}

// escapeCloses checks that a key other than Escape leaves w open and that
// Escape closes it.
func escapeCloses(t *testing.T, name string, w fyne.Window) {
	t.Helper()
	closed := false
	w.SetOnClosed(func() { closed = true })
	key := w.Canvas().OnTypedKey()
	if key == nil {
		t.Fatalf("%s window: no key handler", name)
	}
	key(&fyne.KeyEvent{Name: fyne.KeyA})
	if closed {
		t.Fatalf("%s window closed on A", name)
	}
	key(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if !closed {
		t.Fatalf("%s window still open after Escape", name)
	}
}

// closeIfOpen closes w unless it is closed already (the test driver
// panics on a second Close).
func closeIfOpen(w fyne.Window) {
	for _, open := range fyne.CurrentApp().Driver().AllWindows() {
		if open == w {
			w.Close()
			return
		}
	}
}
