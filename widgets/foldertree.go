package widgets

import (
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Folder kinds the tree knows icons for. Roles match the engine's special
// folder roles; the others are tree-only nodes.
const (
	KindUnified = "unified"
	KindAccount = "account"
	KindInbox   = "inbox"
	KindDrafts  = "drafts"
	KindSent    = "sent"
	KindArchive = "archive"
	KindJunk    = "junk"
	KindTrash   = "trash"
	KindOutbox  = "outbox"
	KindFolder  = "" // a user folder
)

// FolderIcon returns the icon of a folder kind.
func FolderIcon(kind string) fyne.Resource {
	switch kind {
	case KindUnified:
		return theme.MailComposeIcon()
	case KindAccount:
		return theme.AccountIcon()
	case KindInbox:
		return theme.DownloadIcon()
	case KindDrafts:
		return theme.DocumentCreateIcon()
	case KindSent:
		return theme.MailSendIcon()
	case KindArchive:
		return theme.StorageIcon()
	case KindJunk:
		return theme.WarningIcon()
	case KindTrash:
		return theme.DeleteIcon()
	case KindOutbox:
		return theme.UploadIcon()
	}
	return theme.FolderIcon()
}

// FolderNodeData is what one tree node shows.
type FolderNodeData struct {
	Name   string
	Kind   string
	Unread int
	Error  bool // the account is failing: draw a warning mark
}

// FolderNode is a tree row: icon, name and unread count.
type FolderNode struct {
	widget.BaseWidget
	// OnSecondaryTapped opens the node's context menu.
	OnSecondaryTapped func(ev *fyne.PointEvent)
	// OnTapped selects the node. The desktop driver hands a click to the
	// innermost object that takes any kind of tap: being secondary
	// tappable, the node, not the tree's row under it, gets the click on
	// its icon, name or count, so it must select itself.
	OnTapped func()

	icon  *widget.Icon
	name  *widget.Label
	count *widget.Label
	warn  *widget.Icon
	box   *fyne.Container
	data  FolderNodeData
	// drop is shown behind the row while messages dragged over it would
	// go there (SetDropTarget).
	drop *canvas.Rectangle
}

// NewFolderNode returns an empty node.
func NewFolderNode() *FolderNode {
	n := &FolderNode{
		icon:  widget.NewIcon(theme.FolderIcon()),
		name:  widget.NewLabel(""),
		count: widget.NewLabel(""),
		warn:  widget.NewIcon(theme.NewErrorThemedResource(theme.WarningIcon())),
	}
	n.name.Truncation = fyne.TextTruncateEllipsis
	n.warn.Hide()
	n.drop = canvas.NewRectangle(theme.Color(theme.ColorNameSelection))
	n.drop.CornerRadius = theme.InputRadiusSize()
	n.drop.Hide()
	n.ExtendBaseWidget(n)
	return n
}

// SetDropTarget shows (or hides) that messages dragged over the node
// would be moved to its folder.
func (n *FolderNode) SetDropTarget(on bool) {
	if n.drop.Visible() == on {
		return
	}
	if on {
		n.drop.FillColor = theme.Color(theme.ColorNameSelection)
		n.drop.Show()
	} else {
		n.drop.Hide()
	}
	n.drop.Refresh()
}

// IsDropTarget reports whether the node shows itself as the drop target.
func (n *FolderNode) IsDropTarget() bool { return n.drop.Visible() }

// SetData shows d.
func (n *FolderNode) SetData(d FolderNodeData) {
	if n.data == d && n.name.Text != "" {
		return
	}
	n.data = d
	n.icon.SetResource(FolderIcon(d.Kind))
	n.name.TextStyle = fyne.TextStyle{Bold: d.Unread > 0 || d.Kind == KindAccount}
	n.name.SetText(d.Name)
	if d.Unread > 0 {
		n.count.SetText(strconv.Itoa(d.Unread))
		n.count.TextStyle = fyne.TextStyle{Bold: true}
		n.count.Show()
	} else {
		n.count.SetText("")
		n.count.Hide()
	}
	setVisible(n.warn, d.Error)
	if n.box != nil {
		// The count and the warning change the width of the right-hand
		// side: lay the row out again.
		n.box.Refresh()
	}
}

// Data is what the node shows.
func (n *FolderNode) Data() FolderNodeData { return n.data }

// Tapped selects the node.
func (n *FolderNode) Tapped(*fyne.PointEvent) {
	if n.OnTapped != nil {
		n.OnTapped()
	}
}

// TappedSecondary opens the context menu.
func (n *FolderNode) TappedSecondary(ev *fyne.PointEvent) {
	if n.OnSecondaryTapped != nil {
		n.OnSecondaryTapped(ev)
	}
}

// CreateRenderer is part of fyne.Widget.
func (n *FolderNode) CreateRenderer() fyne.WidgetRenderer {
	right := container.NewHBox(n.warn, n.count)
	n.box = container.New(layout.NewBorderLayout(nil, nil, n.icon, right), n.icon, right, n.name)
	return widget.NewSimpleRenderer(container.NewStack(n.drop, n.box))
}
