package widgets

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// ComposeChip is one attachment of a message being written: icon, name,
// size and a remove button.
type ComposeChip struct {
	widget.BaseWidget
	Name   string
	Bytes  int64
	remove *widget.Button
	label  *widget.Label
	icon   *widget.Icon
}

// NewComposeChip returns a chip; onRemove is called when the user removes
// the attachment.
func NewComposeChip(name, contentType string, size int64, onRemove func()) *ComposeChip {
	c := &ComposeChip{Name: name, Bytes: size}
	c.icon = widget.NewIcon(AttachmentIcon(contentType))
	c.label = widget.NewLabel(name + " (" + FormatSize(size) + ")")
	c.label.Truncation = fyne.TextTruncateEllipsis
	c.remove = widget.NewButtonWithIcon("", theme.CancelIcon(), onRemove)
	c.remove.Importance = widget.LowImportance
	c.ExtendBaseWidget(c)
	return c
}

// RemoveButton is the chip's remove button (tests tap it).
func (c *ComposeChip) RemoveButton() *widget.Button { return c.remove }

// Text is the label shown.
func (c *ComposeChip) Text() string { return c.label.Text }

// CreateRenderer implements fyne.Widget.
func (c *ComposeChip) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(container.NewBorder(nil, nil, c.icon, c.remove, c.label))
}

// MinSize keeps chips of one width so that they line up in a grid.
func (c *ComposeChip) MinSize() fyne.Size {
	h := c.BaseWidget.MinSize().Height
	return fyne.NewSize(240, h)
}
