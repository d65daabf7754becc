package widgets

import (
	"image"
	"strconv"
	"time"

	"fyne.io/fyne/v2/lang"
)

// BodyBlockKind says how a BodyBlock is laid out. It mirrors the engine's
// neutral rich-text model so that the widgets stay free of the engine.
type BodyBlockKind uint8

// Body block kinds.
const (
	BodyParagraph BodyBlockKind = iota
	BodyHeading
	BodyListItem
	BodyQuote // a paragraph inside a quotation; see BodyBlock.QuoteDepth
	BodyPreformatted
	BodyRule
	BodyImage
	BodyTableRow // one table row; cells are separated by a " | " span
)

// BodyImageKind says where an image comes from.
type BodyImageKind uint8

// Body image kinds.
const (
	BodyImageRemote   BodyImageKind = iota // http/https, usually blocked
	BodyImageCID                           // an attachment of the message
	BodyImageEmbedded                      // a data: URI
)

// BodySpan is a run of inline text with one style. Href is the real link
// target, shown to the reader whenever it differs from the text.
type BodySpan struct {
	Text   string
	Bold   bool
	Italic bool
	Code   bool
	Href   string
}

// BodyImageRef describes an image. Data holds the decoded bytes of an image
// the view may draw (cid: attachments, data: URIs); every other image is
// shown as a text placeholder.
type BodyImageRef struct {
	Alt     string
	Kind    BodyImageKind
	Blocked bool
	Name    string // a name for the image resource, e.g. the attachment name
	Data    []byte
	// Pixels, when set, is the picture already decoded and scaled to fit
	// the view (done off the UI goroutine); Data is then not needed.
	Pixels image.Image
}

// BodyBlock is one unit of the message body.
type BodyBlock struct {
	Kind       BodyBlockKind
	Level      int  // heading level 1-6
	Ordered    bool // list items
	Depth      int  // list nesting, 1 for a top-level item
	Number     int  // position in an ordered list, from 1
	QuoteDepth int  // number of enclosing quotations
	Spans      []BodySpan
	Image      *BodyImageRef // for BodyImage
}

// AttachmentView is one attachment chip. Index is the attachment's index in
// the message; it is what the attachment callbacks receive.
type AttachmentView struct {
	Index       int
	Name        string
	ContentType string
	Size        int64
}

// MessageViewModel is everything the message view shows. The app builds it
// from a parsed message.
type MessageViewModel struct {
	From, To, Cc  string // formatted address lists
	Date          time.Time
	Subject       string
	Blocks        []BodyBlock
	RemoteBlocked int // remote items kept out of the body
	Attachments   []AttachmentView
	Warnings      []string
	// Invitation is the event of a calendar invitation, shown above the
	// body; nil for other mail.
	Invitation *InvitationView
}

// InvitationView is a calendar event as the reading view shows it, its
// texts formatted and translated by the app.
type InvitationView struct {
	Heading   string // "Invitation", "Cancelled", ...
	Summary   string
	When      string
	Where     string // may be empty
	Organizer string // may be empty
	Cancelled bool   // shown as a warning
	CanAnswer bool   // an invitation the user can accept or decline
	Answered  string // what the user answered before, shown under the buttons
}

// FormatSize formats a byte count for people, in the interface's
// language: "512 B" ("512 字节"), "12 KB", "1.5 MB", "2.0 GB". Every size
// the app shows (list, reading pane, attachments, quota, compose) goes
// through it.
func FormatSize(n int64) string {
	const k = 1024
	unit := func(key, fallback, num string) string {
		return lang.X(key, fallback, map[string]any{"N": num})
	}
	switch {
	case n < 0:
		return unit("size.bytes", "0 B", "0")
	case n < k:
		return unit("size.bytes", strconv.FormatInt(n, 10)+" B", strconv.FormatInt(n, 10))
	case n < k*k:
		num := strconv.FormatInt((n+k/2)/k, 10)
		return unit("size.kb", num+" KB", num)
	case n < k*k*k:
		num := strconv.FormatFloat(float64(n)/(k*k), 'f', 1, 64)
		return unit("size.mb", num+" MB", num)
	default:
		num := strconv.FormatFloat(float64(n)/(k*k*k), 'f', 1, 64)
		return unit("size.gb", num+" GB", num)
	}
}
