package widgets

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

func TestBodyEditorBlocksRoundTripAndJoin(t *testing.T) {
	test.NewTempApp(t)
	var b strings.Builder
	for b.Len() < 10000 {
		b.WriteString("> 鸿雁 quoted line of text\n")
	}
	text := "Hi,\n\n" + b.String()
	ed := NewBodyEditor()
	changes := 0
	ed.OnChanged = func() { changes++ }
	w := test.NewWindow(ed)
	defer w.Close()
	w.Resize(fyne.NewSize(600, 400))
	ed.SetText(text)
	if ed.Blocks() < 4 || ed.Text() != text {
		t.Fatalf("%d blocks, round trip %v", ed.Blocks(), ed.Text() == text)
	}
	for _, p := range SplitBody(text) {
		if len(p) > BodyBlockBytes {
			t.Fatalf("block of %d bytes", len(p))
		}
	}
	ed.FocusStart(w.Canvas())
	first := ed.Block(0)
	test.Type(first, "Dear ")
	if !strings.HasPrefix(ed.Text(), "Dear Hi,") || changes == 0 {
		t.Fatalf("typing: %q", ed.Text()[:20])
	}
	// Backspace at the start of block 1 joins it with block 0.
	n := ed.Blocks()
	before := ed.Text()
	seam := len(ed.Block(0).Text)
	second := ed.blocks[1]
	w.Canvas().Focus(second)
	second.CursorRow, second.CursorColumn = 0, 0
	second.TypedKey(&fyne.KeyEvent{Name: fyne.KeyBackspace})
	if want := before[:seam] + before[seam+1:]; ed.Blocks() != n-1 || ed.Text() != want {
		t.Fatalf("join: %d blocks of %d, text %q", ed.Blocks(), n, ed.Text()[seam-10:seam+10])
	}
	// Down at the last row of block 0 moves into block 1.
	blk0 := ed.blocks[0]
	blk0.CursorRow = strings.Count(blk0.Text, "\n")
	blk0.TypedKey(&fyne.KeyEvent{Name: fyne.KeyDown})
	if w.Canvas().Focused() != fyne.Focusable(ed.blocks[1]) {
		t.Fatal("down did not move to the next block")
	}
	ed.blocks[1].TypedKey(&fyne.KeyEvent{Name: fyne.KeyUp})
	if w.Canvas().Focused() != fyne.Focusable(ed.blocks[0]) || ed.Block(0).CursorRow != strings.Count(ed.Block(0).Text, "\n") {
		t.Fatal("up did not move back to the last row of the previous block")
	}
}

func TestAddressEntryCompletes(t *testing.T) {
	test.NewTempApp(t)
	e := NewAddressEntry()
	var asked []string
	e.OnQuery = func(s string) { asked = append(asked, s) }
	w := test.NewWindow(e)
	defer w.Close()
	w.Resize(fyne.NewSize(400, 200))
	test.Type(e, "a@x.org, 王")
	if len(asked) == 0 || asked[len(asked)-1] != "王" {
		t.Fatalf("queries: %v", asked)
	}
	e.ShowSuggestions("old", []AddressSuggestion{{Email: "late@x.org"}})
	if e.Suggestions() != nil {
		t.Fatal("a late answer was shown")
	}
	e.ShowSuggestions("王", []AddressSuggestion{{Name: "王 伟", Email: "wang@x.org"}, {Name: "Wang, Li", Email: "li@x.org"}})
	if len(e.Suggestions()) != 2 {
		t.Fatal("suggestions not shown")
	}
	e.TypedKey(&fyne.KeyEvent{Name: fyne.KeyDown})
	e.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if e.Text != `a@x.org, "Wang, Li" <li@x.org>, ` || e.Suggestions() != nil {
		t.Fatalf("accepted: %q", e.Text)
	}
}
