package widgets

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// AttachmentIcon picks a theme icon for a MIME type.
func AttachmentIcon(contentType string) fyne.Resource {
	ct := strings.ToLower(contentType)
	switch {
	case strings.HasPrefix(ct, "image/"):
		return theme.FileImageIcon()
	case strings.HasPrefix(ct, "audio/"):
		return theme.FileAudioIcon()
	case strings.HasPrefix(ct, "video/"):
		return theme.FileVideoIcon()
	case strings.HasPrefix(ct, "text/"):
		return theme.FileTextIcon()
	case strings.HasPrefix(ct, "message/"):
		return theme.MailComposeIcon()
	case strings.HasPrefix(ct, "application/"):
		return theme.FileApplicationIcon()
	default:
		return theme.FileIcon()
	}
}

// AttachmentChip shows one attachment: an icon by type, the name, the size
// and Save / Open buttons.
type AttachmentChip struct {
	widget.BaseWidget

	Attachment AttachmentView
	OnSave     func(index int)
	OnOpen     func(index int)

	save, open *widget.Button
}

// NewAttachmentChip returns a chip for a.
func NewAttachmentChip(a AttachmentView, onSave, onOpen func(int)) *AttachmentChip {
	c := &AttachmentChip{Attachment: a, OnSave: onSave, OnOpen: onOpen}
	c.save = widget.NewButtonWithIcon(lang.X("reader.attach.save", "Save"), theme.DocumentSaveIcon(), func() {
		if c.OnSave != nil {
			c.OnSave(c.Attachment.Index)
		}
	})
	c.open = widget.NewButtonWithIcon(lang.X("reader.attach.open", "Open"), theme.FolderOpenIcon(), func() {
		if c.OnOpen != nil {
			c.OnOpen(c.Attachment.Index)
		}
	})
	c.save.Importance = widget.LowImportance
	c.open.Importance = widget.LowImportance
	c.ExtendBaseWidget(c)
	return c
}

// CreateRenderer implements fyne.Widget.
func (c *AttachmentChip) CreateRenderer() fyne.WidgetRenderer {
	name := widget.NewLabel(oneLine(c.Attachment.Name))
	name.Truncation = fyne.TextTruncateEllipsis
	size := widget.NewLabel(FormatSize(c.Attachment.Size))
	size.Importance = widget.LowImportance
	icon := widget.NewIcon(AttachmentIcon(c.Attachment.ContentType))
	right := container.NewHBox(size, c.save, c.open)
	return widget.NewSimpleRenderer(container.NewBorder(nil, nil, icon, right, name))
}

// SaveButton and OpenButton expose the chip's buttons (for tests and
// keyboard focus handling).
func (c *AttachmentChip) SaveButton() *widget.Button { return c.save }

// OpenButton returns the chip's Open button.
func (c *AttachmentChip) OpenButton() *widget.Button { return c.open }

// attachmentList lays out the chips, one per row, with "Save all" when
// there is more than one.
func attachmentList(atts []AttachmentView, onSave, onOpen func(int), onSaveAll func()) (fyne.CanvasObject, []*AttachmentChip, *widget.Button) {
	if len(atts) == 0 {
		return nil, nil, nil
	}
	rows := make([]fyne.CanvasObject, 0, len(atts)+1)
	chips := make([]*AttachmentChip, 0, len(atts))
	for _, a := range atts {
		c := NewAttachmentChip(a, onSave, onOpen)
		chips = append(chips, c)
		rows = append(rows, c)
	}
	var all *widget.Button
	if len(atts) > 1 {
		all = widget.NewButtonWithIcon(lang.X("reader.attach.save_all", "Save all"), theme.DownloadIcon(), onSaveAll)
		rows = append(rows, container.NewHBox(all))
	}
	return container.NewVBox(rows...), chips, all
}
