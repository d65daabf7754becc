package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
)

// windowTitles lists the titles of the app's open windows.
func windowTitles(a fyne.App) []string {
	var out []string
	for _, w := range a.Driver().AllWindows() {
		out = append(out, w.Title())
	}
	return out
}

func TestOpenArgsMailtoAndEML(t *testing.T) {
	useEnglish(t)
	h := newHarness(t, 0, "", true)

	// A mailto: URL opens a prefilled compose window.
	before := len(h.mw.app.Driver().AllWindows())
	h.mw.openArgs([]string{"mailto:someone@example.org?subject=%E4%BD%A0%E5%A5%BD%20hello&body=hi"})
	h.ui.waitFor(t, "a compose window", func() bool { return len(h.mw.app.Driver().AllWindows()) == before+1 })
	found := false
	for _, title := range windowTitles(h.mw.app) {
		if strings.Contains(title, "你好 hello") {
			found = true
		}
	}
	if !found {
		t.Fatalf("no compose window titled with the subject among %q", windowTitles(h.mw.app))
	}

	// An .eml file opens in a message window of its own.
	dir := t.TempDir()
	path := filepath.Join(dir, "note.eml")
	raw := "From: Ann <ann@example.org>\r\nTo: bob@example.org\r\nSubject: File on disk\r\n\r\nThe body.\r\n"
	if err := os.WriteFile(path, []byte(raw), 0o600); err != nil {
		t.Fatal(err)
	}
	before = len(h.mw.app.Driver().AllWindows())
	h.mw.openArgs([]string{path})
	h.ui.waitFor(t, "a message window", func() bool { return len(h.mw.app.Driver().AllWindows()) == before+1 })
	found = false
	for _, title := range windowTitles(h.mw.app) {
		if strings.Contains(title, "File on disk") {
			found = true
		}
	}
	if !found {
		t.Fatalf("no message window for the file among %q", windowTitles(h.mw.app))
	}

	// A missing file is an error dialog, not a crash, and opens nothing.
	before = len(h.mw.app.Driver().AllWindows())
	h.mw.openArgs([]string{filepath.Join(dir, "missing.eml")})
	h.ui.waitFor(t, "the error dialog", func() bool {
		return strings.Contains(overlayText(h.mw.win.Canvas().Overlays().Top()), "Could not open the message file")
	})
	if n := len(h.mw.app.Driver().AllWindows()); n != before {
		t.Fatalf("%d windows after a missing file, want %d", n, before)
	}
}
