package app

import (
	"strings"
	"testing"
	"time"
)

// Closing a compose window with unsaved changes asks: Cancel keeps it
// open, Save draft keeps a draft and closes; an unchanged window closes at
// once.
func TestComposeCloseAsksAboutUnsavedChanges(t *testing.T) {
	useEnglish(t)
	old := AutosaveDelay
	AutosaveDelay = time.Hour // no autosave during the test
	defer func() { AutosaveDelay = old }()
	h := newComposeHarness(t, 0)

	// Unchanged: closes without a question.
	plain := h.compose(t, nil)
	plain.closeRequested()
	h.ui.pump()
	if !plain.winDone {
		t.Fatal("an unchanged compose window did not close")
	}

	c := h.compose(t, nil)
	c.Subject.SetText("Half written")
	c.changed()
	if !c.Dirty() {
		t.Fatal("typing did not mark the message changed")
	}
	c.closeRequested()
	top := c.Win.Canvas().Overlays().Top()
	if !strings.Contains(overlayText(top), "Save draft") {
		t.Fatalf("no question on close: %q", overlayText(top))
	}
	tap := func(label string) {
		t.Helper()
		for _, b := range buttonsIn(c.Win.Canvas().Overlays().Top()) {
			if b.Text == label {
				b.OnTapped()
				return
			}
		}
		t.Fatalf("no %q button", label)
	}
	tap("Cancel")
	if c.winDone {
		t.Fatal("Cancel closed the window")
	}
	c.closeRequested()
	tap("Save draft")
	h.ui.waitFor(t, "the draft to be saved and the window to close", func() bool { return c.winDone && c.DraftID != 0 })
	drafts, err := h.eng.Drafts(t.Context(), h.acct.ID)
	if err != nil || len(drafts) != 1 || drafts[0].Subject != "Half written" {
		t.Fatalf("drafts after Save: %+v %v", drafts, err)
	}
}
