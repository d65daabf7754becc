package readbench

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"hongyan/app"
)

func TestStandaloneMessageWindow(t *testing.T) {
	a := test.NewTempApp(t)
	m := readCorpus(t, "html-only")
	w, v := app.OpenMessageWindow(a, m)
	defer w.Close()
	if w.Title() != "HTML only" {
		t.Errorf("title %q", w.Title())
	}
	if !containsText(rendered(w.Canvas().Content()), "Hello bold and a link") {
		t.Errorf("body not rendered in the window")
	}

	// A link asks for confirmation before anything is opened.
	var link *widget.Hyperlink
	walkRendered(w.Canvas().Content(), func(o fyne.CanvasObject) {
		if h, ok := o.(*widget.Hyperlink); ok && link == nil {
			link = h
		}
	})
	if link == nil {
		t.Fatal("no hyperlink rendered")
	}
	test.TapAt(link, fyne.NewPos(link.Size().Width/2, link.Size().Height/2))
	overlay := w.Canvas().Overlays().Top()
	if overlay == nil || !containsText(rendered(overlay), "https://example.org/x") {
		t.Fatalf("no confirmation naming the link target")
	}

	// View source opens a window with the raw message.
	before := len(a.Driver().AllWindows())
	src, _, _ := v.ToolbarButtons()
	test.Tap(src)
	wins := a.Driver().AllWindows()
	if len(wins) != before+1 {
		t.Fatalf("%d windows after View source, want %d", len(wins), before+1)
	}
	sw := wins[len(wins)-1]
	defer sw.Close()
	var e *widget.Entry
	if o, ok := sw.Content().(*container.ThemeOverride); ok {
		e, _ = o.Content.(*widget.Entry)
	}
	if e == nil || !strings.Contains(e.Text, "Subject: HTML only") || !e.Disabled() {
		t.Errorf("source window does not show the raw message read-only")
	}
}
