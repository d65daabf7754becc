package app

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// After a failed login the banner offers to enter the password; the one
// typed there brings the account back.
func TestBannerEnterPassword(t *testing.T) {
	useEnglish(t)
	h := newHarness(t, 2, "not-the-password", true)
	mv := h.mw.mv
	h.ui.waitFor(t, "the failure banner", func() bool { return len(mv.banner.Objects) > 0 })
	var enter *widget.Button
	for _, b := range buttonsIn(mv.banner) {
		if b.Text == "Enter password…" {
			enter = b
		}
	}
	if enter == nil {
		t.Fatalf("no Enter password button in %q", objectsText(test.LaidOutObjects(mv.banner)))
	}
	test.Tap(enter)
	var entry *widget.Entry
	h.ui.waitFor(t, "the password dialog", func() bool {
		top := h.mw.win.Canvas().Overlays().Top()
		if top == nil {
			return false
		}
		for _, o := range test.LaidOutObjects(top) {
			if e, ok := o.(*widget.Entry); ok && e.Password {
				entry = e
			}
		}
		return entry != nil
	})
	if !strings.Contains(overlayText(h.mw.win.Canvas().Overlays().Top()), "keyring") {
		t.Fatal("the dialog does not say where the password goes")
	}
	// The password field has the keys: the password is typed, and Enter
	// submits it.
	if h.mw.win.Canvas().Focused() != entry {
		t.Fatalf("the password dialog opened with %T focused", h.mw.win.Canvas().Focused())
	}
	test.Type(entry, h.user.Password)
	entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	h.ui.waitFor(t, "the banner to clear and mail to arrive", func() bool {
		return len(mv.banner.Objects) == 0 && mv.tm.nodes[nodeUnified].unread == 2
	})
	if pw, err := h.eng.Secrets().Get(h.acct.ID, "incoming"); err != nil || pw != h.user.Password {
		t.Fatalf("stored password: %v", err)
	}
}
