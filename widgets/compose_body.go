package widgets

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
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
// column of unwrapped multi-line entries of at most about BodyBlockBytes
// each, split at line ends, inside one scroll container; the cursor moves
// from block to block with the arrow keys, Backspace at the start of a
// block and Delete at its end join it with its neighbour. Lines are not
// wrapped while typing: the message is wrapped (format=flowed) when sent.
type BodyEditor struct {
	widget.BaseWidget

	// OnChanged is called after every edit.
	OnChanged func()

	blocks []*bodyBlock
	box    *fyne.Container
	scroll *container.Scroll
}

// NewBodyEditor returns an empty editor.
func NewBodyEditor() *BodyEditor {
	b := &BodyEditor{box: container.NewVBox()}
	b.scroll = container.NewScroll(b.box)
	b.ExtendBaseWidget(b)
	b.SetText("")
	return b
}

// CreateRenderer implements fyne.Widget.
func (b *BodyEditor) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(b.scroll)
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
	parts := SplitBody(text)
	b.blocks = b.blocks[:0]
	objs := make([]fyne.CanvasObject, 0, len(parts))
	for _, p := range parts {
		blk := b.newBlock(p)
		b.blocks = append(b.blocks, blk)
		objs = append(objs, blk)
	}
	b.box.Objects = objs
	b.box.Refresh()
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

func (b *BodyEditor) newBlock(text string) *bodyBlock {
	blk := &bodyBlock{ed: b}
	blk.MultiLine = true
	blk.Wrapping = fyne.TextWrapOff
	blk.Scroll = fyne.ScrollNone
	blk.ExtendBaseWidget(blk)
	blk.SetText(text)
	blk.OnChanged = func(string) {
		if b.OnChanged != nil {
			b.OnChanged()
		}
	}
	return blk
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

// moveTo focuses block i with the cursor on a row and column.
func (b *BodyEditor) moveTo(from *bodyBlock, i, row, col int) {
	if i < 0 || i >= len(b.blocks) {
		return
	}
	to := b.blocks[i]
	if row < 0 {
		row = strings.Count(to.Text, "\n")
	}
	to.CursorRow, to.CursorColumn = row, col
	if c := b.canvas(from); c != nil {
		c.Focus(to)
	}
	to.Refresh()
	b.scroll.ScrollToOffset(fyne.NewPos(b.scroll.Offset.X, to.Position().Y-20))
}

// join merges block i+1 into block i and puts the cursor at the seam.
func (b *BodyEditor) join(i int) {
	if i < 0 || i+1 >= len(b.blocks) {
		return
	}
	first, second := b.blocks[i], b.blocks[i+1]
	row := strings.Count(first.Text, "\n")
	col := len([]rune(first.Text[strings.LastIndexByte(first.Text, '\n')+1:]))
	canvas := b.canvas(second)
	first.SetText(first.Text + second.Text)
	b.blocks = append(b.blocks[:i+1], b.blocks[i+2:]...)
	b.box.Remove(second)
	first.CursorRow, first.CursorColumn = row, col
	if canvas != nil {
		canvas.Focus(first)
	}
	first.Refresh()
	if b.OnChanged != nil {
		b.OnChanged()
	}
}

// bodyBlock is one entry of the editor.
type bodyBlock struct {
	widget.Entry
	ed *BodyEditor
}

func (k *bodyBlock) lastRow() int { return strings.Count(k.Text, "\n") }

// TypedKey moves between blocks at their edges, otherwise edits as usual.
func (k *bodyBlock) TypedKey(ev *fyne.KeyEvent) {
	i := k.ed.index(k)
	row, col := k.CursorRow, k.CursorColumn
	switch ev.Name {
	case fyne.KeyUp:
		if row == 0 && i > 0 {
			k.ed.moveTo(k, i-1, -1, col)
			return
		}
	case fyne.KeyDown:
		if row == k.lastRow() && i+1 < len(k.ed.blocks) {
			k.ed.moveTo(k, i+1, 0, col)
			return
		}
	case fyne.KeyLeft:
		if row == 0 && col == 0 && i > 0 && k.SelectedText() == "" {
			prev := k.ed.blocks[i-1]
			k.ed.moveTo(k, i-1, -1, len([]rune(prev.Text[strings.LastIndexByte(prev.Text, '\n')+1:])))
			return
		}
	case fyne.KeyRight:
		if row == k.lastRow() && col == len([]rune(k.Text[strings.LastIndexByte(k.Text, '\n')+1:])) && i+1 < len(k.ed.blocks) && k.SelectedText() == "" {
			k.ed.moveTo(k, i+1, 0, 0)
			return
		}
	case fyne.KeyBackspace:
		if row == 0 && col == 0 && i > 0 && k.SelectedText() == "" {
			// the line end between the blocks is deleted: join them
			k.ed.join(i - 1)
			return
		}
	case fyne.KeyDelete:
		if row == k.lastRow() && col == len([]rune(k.Text[strings.LastIndexByte(k.Text, '\n')+1:])) && i+1 < len(k.ed.blocks) && k.SelectedText() == "" {
			k.ed.join(i)
			return
		}
	}
	k.Entry.TypedKey(ev)
}
