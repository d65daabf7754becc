package widgets

import (
	"image/color"
	"slices"
	"strings"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// BodyBlockBytes is the size a body editor splits long text into. Fyne's
// Entry re-lays out its whole text on every keystroke, which costs about
// 60 ms (unwrapped) to 110 ms (word-wrapped) per key with 50 KB of text
// (see BenchmarkEntryKeystroke50KB). Editing a block of a few kilobytes
// keeps a keystroke at a few milliseconds whatever the length of the
// message.
const BodyBlockBytes = 2048

// BodyEditor is the compose window's text editor. It shows the text as a
// column of word-wrapped multi-line entries of at most about
// BodyBlockBytes each, split at line ends, inside one vertical scroll
// container, drawn as one field: the blocks have no border or background
// of their own (a theme override) and the editor draws one around them.
// The cursor moves from block to block with the arrow keys, Backspace at
// the start of a block and Delete at its end join it with its neighbour.
// The last block reaches down to the bottom of the field, so a click
// anywhere below the text puts the cursor at its end.
type BodyEditor struct {
	widget.BaseWidget

	// OnChanged is called after every edit.
	OnChanged func()
	// OnShortcut, when set, sees every shortcut typed in the editor first
	// and reports whether it took it (see AddressEntry.OnShortcut).
	OnShortcut func(fyne.Shortcut) bool

	blocks []*bodyBlock
	box    *fyne.Container
	scroll *container.Scroll
	// content is the scroll under blockTheme. New blocks get the theme
	// from a refresh of it (Fyne has no other way), which refreshes every
	// block: SetText does it while they are still empty.
	content *container.ThemeOverride
}

// NewBodyEditor returns an empty editor.
func NewBodyEditor() *BodyEditor {
	b := &BodyEditor{}
	b.box = container.New(fillLastLayout{b})
	b.scroll = container.NewVScroll(b.box)
	b.content = container.NewThemeOverride(b.scroll, blockTheme{})
	b.ExtendBaseWidget(b)
	b.SetText("")
	return b
}

// CreateRenderer implements fyne.Widget.
func (b *BodyEditor) CreateRenderer() fyne.WidgetRenderer {
	r := &bodyRenderer{ed: b, bg: canvas.NewRectangle(color.Transparent), border: canvas.NewRectangle(color.Transparent),
		content: b.content, wheel: newWheelCatcher(b.scroll)}
	r.Refresh()
	return r
}

// bodyRenderer draws the field's background and border behind the blocks
// as an Entry draws its own; the border takes the focus colour while a
// block has the focus.
type bodyRenderer struct {
	ed         *BodyEditor
	bg, border *canvas.Rectangle
	content    fyne.CanvasObject
	wheel      *wheelCatcher
}

func (r *bodyRenderer) Layout(size fyne.Size) {
	r.bg.Resize(size)
	// The stroke is centred on the rectangle's edge: inset by half of it.
	w := r.border.StrokeWidth
	r.border.Move(fyne.NewSquareOffsetPos(w / 2))
	r.border.Resize(fyne.NewSize(size.Width-w-.5, size.Height-w-.5))
	r.content.Resize(size)
	r.wheel.Resize(size)
}

func (r *bodyRenderer) MinSize() fyne.Size { return r.ed.MinSize() }

func (r *bodyRenderer) Objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{r.bg, r.border, r.content, r.wheel}
}

func (r *bodyRenderer) Destroy() {}

func (r *bodyRenderer) Refresh() {
	th := r.ed.Theme()
	v := fyne.CurrentApp().Settings().ThemeVariant()
	r.bg.FillColor = th.Color(theme.ColorNameInputBackground, v)
	r.bg.CornerRadius = th.Size(theme.SizeNameInputRadius)
	r.border.CornerRadius = r.bg.CornerRadius
	r.border.StrokeWidth = th.Size(theme.SizeNameInputBorder)
	r.border.StrokeColor = th.Color(theme.ColorNameInputBorder, v)
	if r.ed.focused() {
		r.border.StrokeColor = th.Color(theme.ColorNamePrimary, v)
	}
	// The blocks refresh themselves; a focus change must not redraw them.
	r.bg.Refresh()
	r.border.Refresh()
}

// wheelCatcher lies over the blocks and gives the mouse wheel to the
// editor's scroll. A word-wrapped Entry is a scroll of its own (see
// fitRows) and Fyne gives a wheel event to the innermost scroll under the
// mouse, which keeps it even when it has nothing to scroll: without this
// the wheel would not move the text. It takes no other event, so clicks,
// drags and the text cursor reach the blocks beneath.
type wheelCatcher struct {
	widget.BaseWidget
	to *container.Scroll
}

func newWheelCatcher(to *container.Scroll) *wheelCatcher {
	w := &wheelCatcher{to: to}
	w.ExtendBaseWidget(w)
	return w
}

func (w *wheelCatcher) Scrolled(ev *fyne.ScrollEvent) { w.to.Scrolled(ev) }

func (w *wheelCatcher) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(canvas.NewRectangle(color.Transparent))
}

// focused reports whether one of the blocks has the keyboard focus.
func (b *BodyEditor) focused() bool {
	for _, blk := range b.blocks {
		if blk.hasFocus {
			return true
		}
	}
	return false
}

// blockTheme hides the blocks' own border and background: the editor
// draws one for all of them. Everything else is the application's theme
// of the moment (the user may switch between light and dark).
type blockTheme struct{}

func appTheme() fyne.Theme { return fyne.CurrentApp().Settings().Theme() }

func (blockTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	switch n {
	case theme.ColorNameInputBackground, theme.ColorNameInputBorder:
		return color.Transparent
	}
	return appTheme().Color(n, v)
}

func (blockTheme) Size(n fyne.ThemeSizeName) float32 {
	if n == theme.SizeNameInputBorder {
		return 0
	}
	return appTheme().Size(n)
}

func (blockTheme) Font(s fyne.TextStyle) fyne.Resource { return appTheme().Font(s) }

func (blockTheme) Icon(n fyne.ThemeIconName) fyne.Resource { return appTheme().Icon(n) }

// fillLastLayout stacks the blocks like a VBox and stretches the last one
// to the bottom of the space it is given. An Entry keeps its text an
// inner padding away from its top and bottom; the blocks overlap by both
// paddings, so that the rows of two blocks are as far apart as the rows
// within one and the blocks read as one text.
type fillLastLayout struct{ ed *BodyEditor }

// overlap is how far a block reaches up over the one before it.
func (l fillLastLayout) overlap() float32 {
	return 2 * l.ed.Theme().Size(theme.SizeNameInnerPadding)
}

func (l fillLastLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for _, o := range objs {
		m := o.MinSize()
		s.Width = max(s.Width, m.Width)
		s.Height += m.Height
	}
	if len(objs) > 1 {
		s.Height -= l.overlap() * float32(len(objs)-1)
	}
	return s
}

func (l fillLastLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	over := l.overlap()
	y := float32(0)
	for i, o := range objs {
		if o.Size().Width != size.Width {
			if blk, ok := o.(*bodyBlock); ok {
				blk.setWidth(size.Width)
			} else {
				o.Resize(fyne.NewSize(size.Width, o.MinSize().Height))
			}
		}
		h := o.MinSize().Height
		if i == len(objs)-1 && y+h < size.Height {
			h = size.Height - y
		}
		o.Move(fyne.NewPos(0, y))
		o.Resize(fyne.NewSize(size.Width, h))
		y += h - over
	}
}

// MinSize keeps the editor usable in a small window.
func (b *BodyEditor) MinSize() fyne.Size { return fyne.NewSize(200, 120) }

// SplitBody cuts text into blocks of about BodyBlockBytes at line ends
// (a single line longer than that stays whole). Joining the blocks with
// "\n" gives the text back.
func SplitBody(text string) []string {
	var out []string
	for len(text) > BodyBlockBytes {
		cut := strings.LastIndexByte(text[:BodyBlockBytes], '\n')
		if cut < 0 {
			cut = strings.IndexByte(text, '\n')
			if cut < 0 {
				break
			}
		}
		out = append(out, text[:cut])
		text = text[cut+1:]
	}
	return append(out, text)
}

// SetText replaces the whole text.
func (b *BodyEditor) SetText(text string) {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	b.replace(0, len(b.blocks), SplitBody(text))
}

// replace puts new blocks holding parts in the place of blocks[from:to]
// and returns them.
func (b *BodyEditor) replace(from, to int, parts []string) []*bodyBlock {
	fresh := make([]*bodyBlock, len(parts))
	for i := range parts {
		fresh[i] = b.newBlock()
	}
	b.blocks = slices.Replace(b.blocks, from, to, fresh...)
	objs := make([]fyne.CanvasObject, len(b.blocks))
	for i, blk := range b.blocks {
		objs[i] = blk
	}
	b.box.Objects = objs
	b.content.Refresh() // the theme, while the new blocks are empty
	for i, blk := range fresh {
		blk.SetText(parts[i])
		if blk.Wrapping == fyne.TextWrapWord { // laid out already
			blk.fitRows()
		}
		blk.OnChanged = blk.changed
	}
	// The blocks are drawn; only their places are new. (The column's own
	// height reaches the scroll when the canvas next checks sizes.)
	b.box.Layout.Layout(b.box.Objects, b.box.Size())
	return fresh
}

// Select All and large blocks. Each block is an Entry with a selection of
// its own, so Select All in one block would select only its part of the
// text. The editor joins all blocks into one first, so that the whole
// text is selected, copied, cut or replaced as in any text field. A block
// that has grown large that way, or by a paste, is split again at the next
// typed character or paste with nothing selected: until then typing in it
// costs what it costs in one Entry holding the whole text.

// splitAbove is the size from which a block is split again.
const splitAbove = 4 * BodyBlockBytes

// mergeAll joins all blocks into one and returns it, focused.
func (b *BodyEditor) mergeAll(from *bodyBlock) *bodyBlock {
	c := b.canvas(from)
	blk := b.replace(0, len(b.blocks), []string{b.Text()})[0]
	if c != nil {
		c.Focus(blk)
	}
	return blk
}

// splitIfLarge cuts a block of more than splitAbove bytes into blocks of
// BodyBlockBytes and keeps the cursor where it was in the text.
func (b *BodyEditor) splitIfLarge(k *bodyBlock) {
	if len(k.Text) <= splitAbove || k.SelectedText() != "" {
		return
	}
	parts := SplitBody(k.Text)
	i := b.index(k)
	if len(parts) < 2 || i < 0 {
		return
	}
	pos := k.CursorTextOffset()
	c := b.canvas(k)
	fresh := b.replace(i, i+1, parts)
	at := 0
	for at < len(parts)-1 && pos > runeLen(parts[at]) {
		pos -= runeLen(parts[at]) + 1 // and the line end between the parts
		at++
	}
	b.focusAt(c, fresh[at], pos)
}

// Text returns the whole text.
func (b *BodyEditor) Text() string {
	parts := make([]string, len(b.blocks))
	for i, blk := range b.blocks {
		parts[i] = blk.Text
	}
	return strings.Join(parts, "\n")
}

// Blocks is the number of entries the text is shown in.
func (b *BodyEditor) Blocks() int { return len(b.blocks) }

// Block returns the entry of block i (tests and benchmarks type into it).
func (b *BodyEditor) Block(i int) *widget.Entry {
	if i < 0 || i >= len(b.blocks) {
		return nil
	}
	return &b.blocks[i].Entry
}

// FocusStart puts the cursor at the start of the text.
func (b *BodyEditor) FocusStart(c fyne.Canvas) {
	if c == nil || len(b.blocks) == 0 {
		return
	}
	blk := b.blocks[0]
	blk.CursorRow, blk.CursorColumn = 0, 0
	c.Focus(blk)
	b.scroll.ScrollToTop()
}

func (b *BodyEditor) newBlock() *bodyBlock {
	blk := &bodyBlock{ed: b}
	blk.MultiLine = true
	blk.Wrapping = fyne.TextWrapOff // until it has a width (setWidth)
	blk.ExtendBaseWidget(blk)
	return blk
}

// changed follows an edit: the block's height, then the editor's owner.
func (k *bodyBlock) changed(string) {
	k.fitRows()
	if k.ed.OnChanged != nil {
		k.ed.OnChanged()
	}
}

func (b *BodyEditor) index(blk *bodyBlock) int {
	for i, x := range b.blocks {
		if x == blk {
			return i
		}
	}
	return -1
}

func (b *BodyEditor) canvas(o fyne.CanvasObject) fyne.Canvas {
	if app := fyne.CurrentApp(); app != nil {
		return app.Driver().CanvasForObject(o)
	}
	return nil
}

// moveTo focuses block i with the cursor at text offset pos (in runes;
// -1: on its last row, at column col or that row's end).
func (b *BodyEditor) moveTo(from *bodyBlock, i, pos, col int) {
	if i < 0 || i >= len(b.blocks) {
		return
	}
	to := b.blocks[i]
	if pos < 0 {
		last := to.rowStart(to.lastRow())
		pos = min(last+col, runeLen(to.Text))
	}
	b.focusAt(b.canvas(from), to, pos)
}

// focusAt gives blk the focus on canvas c (if any) with the cursor at
// text offset pos, and scrolls the cursor into view.
func (b *BodyEditor) focusAt(c fyne.Canvas, blk *bodyBlock, pos int) {
	blk.setCursorOffset(pos)
	if c != nil {
		c.Focus(blk)
	}
	blk.Refresh()
	b.scroll.ScrollToOffset(fyne.NewPos(0, blk.Position().Y+blk.CursorPosition().Y-20))
}

// join merges block i+1 into block i and puts the cursor at the seam.
func (b *BodyEditor) join(i int) {
	if i < 0 || i+1 >= len(b.blocks) {
		return
	}
	first, second := b.blocks[i], b.blocks[i+1]
	seam := runeLen(first.Text)
	canvas := b.canvas(second)
	first.SetText(first.Text + second.Text)
	b.blocks = append(b.blocks[:i+1], b.blocks[i+2:]...)
	b.box.Remove(second)
	first.setCursorOffset(seam)
	if canvas != nil {
		canvas.Focus(first)
	}
	first.Refresh()
	if b.OnChanged != nil {
		b.OnChanged()
	}
}

func runeLen(s string) int { return utf8.RuneCountInString(s) }

// bodyBlock is one entry of the editor.
type bodyBlock struct {
	widget.Entry
	ed       *BodyEditor
	hasFocus bool
	rows     int // the rows the block is tall (fitRows)
}

// setWidth gives the block its width, wraps its text at it and makes it
// as tall as its rows. A block is created unwrapped and wrapped only here,
// once it has a width: Fyne wraps a text it has no width for into a row
// per character, and draws every row with a copy of the whole text, which
// made opening a reply quoting 50 KB take about three times as long.
func (k *bodyBlock) setWidth(w float32) {
	k.Resize(fyne.NewSize(w, k.Size().Height))
	if k.Wrapping != fyne.TextWrapWord {
		k.Wrapping = fyne.TextWrapWord
		k.Refresh()
	}
	k.fitRows()
}

// fitRows makes the block as tall as its rows. A word-wrapped Entry is
// always a scroll of its own, as tall as its minimum rows (three unless
// set), whatever its text; the editor sets that minimum to the rows the
// text has at the block's width, after every edit and width change.
func (k *bodyBlock) fitRows() {
	if n := k.lastRow() + 1; n != k.rows {
		k.rows = n
		k.SetMinRowsVisible(n)
	}
}

// Word wrapping makes the Entry's rows those on the screen, not the lines
// of the text, and Fyne keeps them to itself. Its public CursorTextOffset
// turns a row and column into a text offset, so rowStart asks it where a
// row begins (a row past the last one has no boundary: Fyne then answers
// the column alone, 0). The editor thus moves the cursor by Fyne's own
// wrapping instead of a copy of it.

// rowStart is the text offset (in runes) where row r begins, or -1 when
// the block has fewer rows.
func (k *bodyBlock) rowStart(r int) int {
	row, col := k.CursorRow, k.CursorColumn
	k.CursorRow, k.CursorColumn = r, 0
	off := k.CursorTextOffset()
	k.CursorRow, k.CursorColumn = row, col
	if r > 0 && off == 0 {
		return -1
	}
	return off
}

// rowEnd is the text offset (in runes) of the end of row r.
func (k *bodyBlock) rowEnd(r int) int {
	if next := k.rowStart(r + 1); next > 0 {
		return next - 1
	}
	return runeLen(k.Text)
}

// lastRow is the index of the block's last row as laid out.
func (k *bodyBlock) lastRow() int {
	r := 0
	for k.rowStart(r+1) >= 0 {
		r++
	}
	return r
}

// setCursorOffset puts the cursor at text offset pos (in runes).
func (k *bodyBlock) setCursorOffset(pos int) {
	r := 0
	for {
		next := k.rowStart(r + 1)
		if next < 0 || next > pos {
			break
		}
		r++
	}
	k.CursorRow, k.CursorColumn = r, max(0, pos-k.rowStart(r))
}

// FocusGained and FocusLost let the editor's border show the focus.
func (k *bodyBlock) FocusGained() {
	k.hasFocus = true
	k.Entry.FocusGained()
	k.ed.Refresh()
}

func (k *bodyBlock) FocusLost() {
	k.hasFocus = false
	k.Entry.FocusLost()
	k.ed.Refresh()
}

// TypedShortcut selects the whole text on Select All (see mergeAll) and
// splits a block a paste made large.
func (k *bodyBlock) TypedShortcut(sc fyne.Shortcut) {
	if k.ed.OnShortcut != nil && k.ed.OnShortcut(sc) {
		return
	}
	if _, all := sc.(*fyne.ShortcutSelectAll); all && len(k.ed.blocks) > 1 {
		k.ed.mergeAll(k).Entry.TypedShortcut(sc)
		return
	}
	k.Entry.TypedShortcut(sc)
	if _, paste := sc.(*fyne.ShortcutPaste); paste {
		k.ed.splitIfLarge(k)
	}
}

// TypedRune types as usual, then splits the block if it is large.
func (k *bodyBlock) TypedRune(r rune) {
	k.Entry.TypedRune(r)
	k.ed.splitIfLarge(k)
}

// TypedKey moves between blocks at their edges, otherwise edits as usual.
func (k *bodyBlock) TypedKey(ev *fyne.KeyEvent) {
	i := k.ed.index(k)
	atStart := k.CursorTextOffset() == 0 && k.SelectedText() == ""
	atEnd := k.CursorTextOffset() >= runeLen(k.Text) && k.SelectedText() == ""
	switch ev.Name {
	case fyne.KeyUp:
		if k.CursorRow == 0 && i > 0 {
			k.ed.moveTo(k, i-1, -1, k.CursorColumn)
			return
		}
	case fyne.KeyDown:
		if k.rowStart(k.CursorRow+1) < 0 && i+1 < len(k.ed.blocks) {
			k.ed.moveTo(k, i+1, min(k.CursorColumn, k.ed.blocks[i+1].rowEnd(0)), 0)
			return
		}
	case fyne.KeyLeft:
		if atStart && i > 0 {
			k.ed.moveTo(k, i-1, runeLen(k.ed.blocks[i-1].Text), 0)
			return
		}
	case fyne.KeyRight:
		if atEnd && i+1 < len(k.ed.blocks) {
			k.ed.moveTo(k, i+1, 0, 0)
			return
		}
	case fyne.KeyBackspace:
		if atStart && i > 0 {
			// the line end between the blocks is deleted: join them
			k.ed.join(i - 1)
			return
		}
	case fyne.KeyDelete:
		if atEnd && i+1 < len(k.ed.blocks) {
			k.ed.join(i)
			return
		}
	}
	k.Entry.TypedKey(ev)
}
