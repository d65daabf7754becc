package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"hongyan/mailcore"
	"hongyan/mailcore/message"
	"hongyan/mailcore/store"
	"hongyan/widgets"
)

// findButton finds a button by its text in a tree of canvas objects.
func findButton(o fyne.CanvasObject, text string) *widget.Button {
	switch x := o.(type) {
	case *widget.Button:
		if x.Text == text {
			return x
		}
	case *fyne.Container:
		for _, c := range x.Objects {
			if b := findButton(c, text); b != nil {
				return b
			}
		}
		return nil
	}
	if w, ok := o.(fyne.Widget); ok {
		for _, c := range test.WidgetRenderer(w).Objects() {
			if b := findButton(c, text); b != nil {
				return b
			}
		}
	}
	return nil
}

// outboxRow is the row of the message with this subject.
func outboxRow(t *testing.T, o *outboxWindow, subject string) fyne.CanvasObject {
	t.Helper()
	for _, r := range o.rows.Objects {
		if box, ok := r.(*fyne.Container); ok && len(box.Objects) == 4 {
			if l, ok := box.Objects[0].(*widget.Label); ok && l.Text == subject {
				return box
			}
		}
	}
	t.Fatalf("no row for %q", subject)
	return nil
}

// The outbox window lists scheduled mail; Send now sends one through
// Postfix, Edit takes one back into a compose window, Delete (after the
// question) drops one; a refused message can be edited too.
func TestOutboxWindow(t *testing.T) {
	h := newComposeHarness(t, 0)
	ctx := context.Background()
	later := time.Now().Add(2 * time.Hour)
	schedule := func(subject string) int64 {
		id, err := h.eng.SendAt(ctx, h.acct.ID, &message.Draft{From: message.Address{Email: h.user.Address},
			To: []message.Address{{Email: h.user.Address}}, Subject: subject, Text: "body of " + strings.Fields(subject)[len(strings.Fields(subject))-1]}, later)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	schedule("稍后 now")
	schedule("later edit")
	schedule("later delete")

	o := newOutboxWindow(h.app, newUIContext(ctx, h.ui.do), h.eng)
	o.win.Show()
	defer closeIfOpen(o.win)
	shown := -1
	o.onShown = func(n int) { shown = n }
	list := func(want int) {
		t.Helper()
		shown = -1
		o.reload()
		h.ui.waitFor(t, "the outbox listing", func() bool { return shown >= 0 })
		if shown != want {
			t.Fatalf("%d messages listed, want %d", shown, want)
		}
	}
	list(3)
	status := outboxRow(t, o, "later edit").(*fyne.Container).Objects[2].(*widget.Label).Text
	if want := T("outbox.scheduled", map[string]any{"Time": widgets.DayAndTime(later.Local())}); status != want {
		t.Fatalf("status %q, want %q", status, want)
	}

	test.Tap(findButton(outboxRow(t, o, "稍后 now"), T("outbox.send_now")))
	deadline := time.Now().Add(15 * time.Second)
	for {
		h.ui.pump()
		arrived := false
		for _, raw := range inbox(t, h.st, h.user) {
			arrived = arrived || strings.Contains(string(raw), "body of now")
		}
		if arrived {
			break
		}
		if time.Now().After(deadline) {
			items, _ := h.eng.Store().OutboxList(ctx, "")
			for _, it := range items {
				t.Logf("%d %s %v %v %d %q", it.ID, it.State, it.SendAfter, it.NextAttempt, it.Attempts, it.LastError)
			}
			t.Fatal("the message sent now did not arrive")
		}
		time.Sleep(200 * time.Millisecond)
	}
	list(2)

	var reopened *ComposeWindow
	undoneHook = func(w *ComposeWindow) { reopened = w }
	defer func() { undoneHook = func(*ComposeWindow) {} }()
	test.Tap(findButton(outboxRow(t, o, "later edit"), T("outbox.edit")))
	h.ui.waitFor(t, "the compose window", func() bool { return reopened != nil })
	defer reopened.closeWin()
	if reopened.Subject.Text != "later edit" || !strings.Contains(reopened.Body.Text(), "body of edit") {
		t.Fatalf("reopened %q", reopened.Subject.Text)
	}
	list(1)

	test.Tap(findButton(outboxRow(t, o, "later delete"), T("outbox.delete")))
	yes := findButton(o.win.Canvas().Overlays().Top(), "Delete")
	if yes == nil {
		t.Fatal("no question before deleting")
	}
	test.Tap(yes)
	h.ui.waitFor(t, "the deletion", func() bool { m, err := h.eng.Unsent(ctx); return err == nil && len(m) == 0 })
	list(0)
	if !o.empty.Visible() {
		t.Fatal("an empty outbox does not say so")
	}

	// A message the server refused (failed) can be edited as well.
	id := schedule("refused")
	fail := "550 no such user"
	if err := h.eng.Store().OutboxTransition(ctx, id, []string{store.OutboxQueued}, store.OutboxFailed, time.Now(),
		store.OutboxChange{LastError: &fail}); err != nil {
		t.Fatal(err)
	}
	list(1)
	if st := outboxRow(t, o, "refused").(*fyne.Container).Objects[2].(*widget.Label).Text; !strings.Contains(st, fail) {
		t.Fatalf("refused status %q", st)
	}
	reopened.closeWin()
	reopened = nil
	test.Tap(findButton(outboxRow(t, o, "refused"), T("outbox.edit")))
	h.ui.waitFor(t, "the refused message in a compose window", func() bool { return reopened != nil })
	list(0)
	escapeCloses(t, "outbox", o.win)
}

func TestOutboxStatus(t *testing.T) {
	useEnglish(t)
	now := time.Date(2026, 11, 27, 17, 0, 0, 0, time.UTC)
	cases := []struct {
		m    mailcore.OutgoingMessage
		want string
	}{
		{mailcore.OutgoingMessage{State: store.OutboxQueued, SendAfter: now.Add(time.Hour)}, T("outbox.scheduled", map[string]any{"Time": "Friday 2026-11-27 18:00"})},
		{mailcore.OutgoingMessage{State: store.OutboxQueued, Attempts: 2, NextAttempt: now.Add(5 * time.Minute), LastError: "421 busy"},
			T("outbox.retry", map[string]any{"Time": "Friday 2026-11-27 17:05", "Error": "421 busy"})},
		{mailcore.OutgoingMessage{State: store.OutboxQueued, SendAfter: now.Add(-time.Minute)}, T("outbox.waiting")},
		{mailcore.OutgoingMessage{State: store.OutboxSending}, T("outbox.sending")},
		{mailcore.OutgoingMessage{State: store.OutboxFailed, LastError: "550 no"}, T("outbox.failed", map[string]any{"Error": "550 no"})},
		{mailcore.OutgoingMessage{State: store.OutboxUncertain, LastError: "EOF"}, T("outbox.uncertain", map[string]any{"Error": "EOF"})},
	}
	for _, c := range cases {
		if got := outboxStatus(c.m, now); got != c.want || got == "" {
			t.Errorf("%s: %q, want %q", c.m.State, got, c.want)
		}
	}
}

// File → Outbox says how many messages have not left.
func TestOutboxMenuCount(t *testing.T) {
	useEnglish(t)
	h := newHarness(t, 1, "", true)
	h.waitInbox(1)
	mv := h.mw.mv
	h.ui.waitFor(t, "the outbox item", func() bool { return mv.outboxItem != nil && mv.outboxItem.Label == "Outbox" })
	ctx := context.Background()
	id, err := h.eng.SendAt(ctx, h.acct.ID, &message.Draft{From: message.Address{Email: h.user.Address},
		To: []message.Address{{Email: h.user.Address}}, Subject: "later", Text: "x"}, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	h.ui.waitFor(t, "Outbox (1)", func() bool { return mv.outboxItem.Label == "Outbox (1)" })
	if err := h.eng.DiscardOutgoing(ctx, id); err != nil {
		t.Fatal(err)
	}
	h.ui.waitFor(t, "the count gone", func() bool { return mv.outboxItem.Label == "Outbox" })
}

// An outbox window open when the language changes is relabelled and stays
// the main window's: File → Outbox brings it forward, not a second one.
func TestOutboxWindowAfterLanguageChange(t *testing.T) {
	useEnglish(t)
	t.Cleanup(func() { _ = SetLanguage(LangSystem) })
	h := newHarness(t, 1, "", true)
	h.waitInbox(1)
	h.mw.mv.openOutbox()
	o := h.mw.mv.outbox
	defer closeIfOpen(o.win)
	h.ui.waitFor(t, "the empty outbox", func() bool { return o.empty.Visible() })
	if o.win.Title() != "Outbox" || o.empty.Text == "" {
		t.Fatalf("outbox window %q saying %q", o.win.Title(), o.empty.Text)
	}
	english := o.empty.Text

	mustSetLanguage(t, LangChinese)
	h.mw.relabel()
	mv := h.mw.mv
	if mv.outbox != o || o.win.Title() != "发件箱" || o.empty.Text == english {
		t.Fatalf("after the change: the view's outbox %p (was %p), title %q, saying %q", mv.outbox, o, o.win.Title(), o.empty.Text)
	}
	mv.openOutbox()
	if mv.outbox != o {
		t.Fatal("File → Outbox opened a second window")
	}
	o.win.Close()
	if mv.outbox != nil {
		t.Fatal("the closed outbox window is still the view's")
	}
}
