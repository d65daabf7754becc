package widgets

import (
	"fmt"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
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

// Typing goes on into the entry while the suggestions are shown: keys
// reach what the canvas holds focused, as in a real window, where a shown
// pop-up has a focus of its own.
func TestAddressEntryKeepsTheKeyboard(t *testing.T) {
	test.NewTempApp(t)
	e := NewAddressEntry()
	e.OnQuery = func(s string) {
		e.ShowSuggestions(s, []AddressSuggestion{{Name: "Grace Liu", Email: "grace@x.org"}, {Name: "Greg", Email: "greg@x.org"}})
	}
	w := test.NewWindow(e)
	defer w.Close()
	w.Resize(fyne.NewSize(400, 200))
	c := w.Canvas()
	c.Focus(e)
	focused := func() fyne.Focusable {
		t.Helper()
		f := c.Focused()
		if f == nil {
			t.Fatalf("nothing has the keyboard after %q: typed keys are lost", e.Text)
		}
		return f
	}
	for _, r := range "gra" {
		focused().TypedRune(r)
	}
	if e.Text != "gra" || len(e.Suggestions()) != 2 {
		t.Fatalf("typed %q with the list open, %d suggestions", e.Text, len(e.Suggestions()))
	}
	focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyBackspace})
	focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyDown})
	focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if e.Text != "Greg <greg@x.org>, " || e.Suggestions() != nil {
		t.Fatalf("after backspace, down and enter: %q", e.Text)
	}
	if focused() != fyne.Focusable(e) {
		t.Fatal("the entry lost the focus")
	}
	focused().TypedRune('x')
	if e.Text != "Greg <greg@x.org>, x" {
		t.Fatalf("typing after accepting: %q", e.Text)
	}
}

// The blocks wrap at the editor's width, the cursor crosses from block to
// block on the rows as laid out, and the last block reaches the bottom.
func TestBodyEditorWrapsAndFills(t *testing.T) {
	test.NewTempApp(t)
	para := strings.Repeat("a long paragraph of words that has to wrap ", 12)
	var b strings.Builder
	for b.Len() < 3*BodyBlockBytes {
		b.WriteString(para + "\n")
	}
	text := strings.TrimSuffix(b.String(), "\n")
	ed := NewBodyEditor()
	w := test.NewWindow(ed)
	defer w.Close()
	w.Resize(fyne.NewSize(400, 300))
	ed.SetText(text)
	if ed.Blocks() < 3 {
		t.Fatalf("%d blocks", ed.Blocks())
	}
	for i, blk := range ed.blocks {
		if _, _, _, a := blk.Theme().Color(theme.ColorNameInputBackground, theme.VariantDark).RGBA(); a != 0 {
			t.Fatalf("block %d draws a background of its own", i)
		}
	}
	blk0 := ed.blocks[0]
	if got := blk0.Size().Width; got > ed.Size().Width {
		t.Fatalf("block %v wide in an editor of %v: not wrapped", got, ed.Size().Width)
	}
	lines := strings.Count(blk0.Text, "\n") + 1
	rows := blk0.lastRow() + 1
	if rows <= lines {
		t.Fatalf("block 0 has %d rows for %d lines: not wrapped", rows, lines)
	}
	// Down on the first row of a wrapped line stays in the block.
	w.Canvas().Focus(blk0)
	blk0.CursorRow, blk0.CursorColumn = 0, 3
	blk0.TypedKey(&fyne.KeyEvent{Name: fyne.KeyDown})
	if w.Canvas().Focused() != fyne.Focusable(blk0) || blk0.CursorRow != 1 {
		t.Fatalf("down on row 0 of %d: focus moved or row %d", rows, blk0.CursorRow)
	}
	// Down on its last row moves into block 1, row 0.
	blk0.CursorRow, blk0.CursorColumn = rows-1, 3
	blk0.TypedKey(&fyne.KeyEvent{Name: fyne.KeyDown})
	blk1 := ed.blocks[1]
	if w.Canvas().Focused() != fyne.Focusable(blk1) || blk1.CursorRow != 0 || blk1.CursorColumn != 3 {
		t.Fatalf("down at the last row: row %d col %d", blk1.CursorRow, blk1.CursorColumn)
	}
	// Up goes back to the last row, not to the last line's first row.
	blk1.TypedKey(&fyne.KeyEvent{Name: fyne.KeyUp})
	if w.Canvas().Focused() != fyne.Focusable(blk0) || blk0.CursorRow != rows-1 {
		t.Fatalf("up: row %d, want %d", blk0.CursorRow, rows-1)
	}
	// Left at the start of block 1 ends at the end of block 0.
	w.Canvas().Focus(blk1)
	blk1.CursorRow, blk1.CursorColumn = 0, 0
	blk1.TypedKey(&fyne.KeyEvent{Name: fyne.KeyLeft})
	if blk0.CursorTextOffset() != runeLen(blk0.Text) {
		t.Fatalf("left: offset %d of %d", blk0.CursorTextOffset(), runeLen(blk0.Text))
	}
	// Delete there joins the blocks; typing lands at the seam.
	seam := len(blk0.Text)
	before := ed.Text()
	n := ed.Blocks()
	blk0.TypedKey(&fyne.KeyEvent{Name: fyne.KeyDelete})
	if ed.Blocks() != n-1 || ed.Text() != before[:seam]+before[seam+1:] {
		t.Fatalf("delete at the end: %d blocks of %d", ed.Blocks(), n)
	}
	blk0.TypedRune('|')
	if got := ed.Text(); got != before[:seam]+"|"+before[seam+1:] {
		t.Fatalf("typed after the join at %q", got[seam-5:seam+5])
	}
	// A short text: its one block fills the editor's height.
	ed.SetText("Hi")
	ed.Refresh()
	w.Resize(fyne.NewSize(400, 301))
	last := ed.blocks[len(ed.blocks)-1]
	if last.Position().Y+last.Size().Height < ed.Size().Height-1 {
		t.Fatalf("last block ends at %v of %v", last.Position().Y+last.Size().Height, ed.Size().Height)
	}
}

// Select All takes the whole text, not the focused block's part; a large
// paste is split into blocks again, the cursor after the pasted text.
func TestBodyEditorSelectAllAndLargePaste(t *testing.T) {
	a := test.NewTempApp(t)
	var b strings.Builder
	for i := 0; b.Len() < splitAbove+BodyBlockBytes; i++ {
		fmt.Fprintf(&b, "line %d of the text, 鸿雁\n", i)
	}
	text := b.String() + "end"
	ed := NewBodyEditor()
	changes := 0
	ed.OnChanged = func() { changes++ }
	w := test.NewWindow(ed)
	defer w.Close()
	w.Resize(fyne.NewSize(500, 300))
	ed.SetText(text)
	if ed.Blocks() < 3 {
		t.Fatalf("%d blocks", ed.Blocks())
	}
	mid := ed.blocks[1]
	w.Canvas().Focus(mid)
	mid.TypedShortcut(&fyne.ShortcutSelectAll{})
	focused, _ := w.Canvas().Focused().(*bodyBlock)
	if focused == nil || focused.SelectedText() != text || ed.Text() != text || changes != 0 {
		t.Fatalf("select all: %d blocks, selection of %d bytes of %d, %d changes", ed.Blocks(), len(focused.SelectedText()), len(text), changes)
	}
	cb := a.Clipboard()
	focused.TypedShortcut(&fyne.ShortcutCopy{Clipboard: cb})
	if cb.Content() != text {
		t.Fatalf("copied %d bytes of %d", len(cb.Content()), len(text))
	}
	focused.TypedRune('x')
	if ed.Text() != "x" || changes == 0 {
		t.Fatalf("typing over the selection left %d bytes", len(ed.Text()))
	}
	// Paste the large text after the x: split again, cursor at the end.
	blk := ed.blocks[0]
	blk.setCursorOffset(1)
	blk.TypedShortcut(&fyne.ShortcutPaste{Clipboard: cb})
	if ed.Text() != "x"+text || ed.Blocks() < 3 {
		t.Fatalf("after the paste: %d blocks, text right: %v", ed.Blocks(), ed.Text() == "x"+text)
	}
	focused, _ = w.Canvas().Focused().(*bodyBlock)
	if focused != ed.blocks[len(ed.blocks)-1] || focused.CursorTextOffset() != runeLen(focused.Text) {
		t.Fatal("the cursor is not after the pasted text")
	}
	focused.TypedRune('!')
	if !strings.HasSuffix(ed.Text(), "end!") {
		t.Fatalf("typed after the paste: %q", ed.Text()[len(ed.Text())-10:])
	}
}
