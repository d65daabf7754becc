package app

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"hongyan/mailcore"
	"hongyan/mailcore/message"
	"hongyan/widgets"
)

// Limits on the image bytes copied into the reading view's model.
const (
	maxViewImageBytes  = 10 << 20 // one image
	maxViewImagesBytes = 32 << 20 // all images of one message
	maxViewImages      = 50
	// maxAttachedPictures bounds the attached pictures drawn after the
	// body: each is kept decoded, up to 640×800 pixels (2 MB).
	maxAttachedPictures = 20
)

// ReadViewModel converts a parsed message into what widgets.MessageView
// shows. It decodes inline (cid:) images, so call it off the UI goroutine
// and hand the result to the view with fyne.Do.
func ReadViewModel(m *message.Message) widgets.MessageViewModel {
	return messageViewModel(m)
}

func messageViewModel(m *message.Message) widgets.MessageViewModel {
	vm, _ := buildViewModel(m)
	return vm
}

// buildViewModel is messageViewModel that also returns the invitation it
// read (nil when none), so that it is decoded once.
func buildViewModel(m *message.Message) (widgets.MessageViewModel, *message.Invitation) {
	if m == nil {
		return widgets.MessageViewModel{}, nil
	}
	vm := widgets.MessageViewModel{
		From:          joinAddresses(m.From),
		To:            joinAddresses(m.To),
		Cc:            joinAddresses(m.Cc),
		Date:          m.Date,
		Subject:       m.Subject,
		RemoteBlocked: m.RemoteBlocked,
		Warnings:      m.Warnings,
	}
	inv := m.Invitation()
	if inv != nil {
		vm.Invitation = invitationView(inv)
	}
	blocks := m.Blocks()
	vm.Blocks = make([]widgets.BodyBlock, len(blocks))
	shownInBody := map[int]bool{}
	images, imageBytes := 0, 0
	for i, b := range blocks {
		vb := widgets.BodyBlock{
			Kind:       widgets.BodyBlockKind(b.Kind),
			Level:      b.Level,
			Ordered:    b.Ordered,
			Depth:      b.Depth,
			Number:     b.Number,
			QuoteDepth: b.QuoteDepth,
		}
		if len(b.Spans) > 0 {
			vb.Spans = make([]widgets.BodySpan, len(b.Spans))
			for j, s := range b.Spans {
				vb.Spans[j] = widgets.BodySpan{Text: s.Text, Bold: s.Bold, Italic: s.Italic, Code: s.Code, Href: s.Href}
			}
		}
		if img := b.Image; img != nil {
			ref := &widgets.BodyImageRef{Alt: img.Alt, Kind: widgets.BodyImageKind(img.Kind), Blocked: img.Blocked}
			if images < maxViewImages {
				var data []byte
				switch img.Kind {
				case message.ImageCID:
					if img.Attachment >= 0 && img.Attachment < len(m.Attachments) {
						a := m.Attachments[img.Attachment]
						ref.Name = a.Name
						if drawableImage(a.ContentType) && a.Size <= maxViewImageBytes && imageBytes+int(a.Size) <= maxViewImagesBytes {
							if d, err := m.AttachmentData(img.Attachment); err == nil {
								data = d
								shownInBody[img.Attachment] = true
							}
						}
					}
				case message.ImageEmbedded:
					data = decodeDataURI(img.Src)
				}
				if len(data) > 0 && imageBytes+len(data) <= maxViewImagesBytes {
					ref.Data = data
					images++
					imageBytes += len(data)
				}
			}
			vb.Image = ref
		}
		vm.Blocks[i] = vb
	}
	// Pictures attached without a place in the body are drawn after it,
	// decoded and scaled here, off the UI goroutine; they stay in the
	// attachment list for saving and opening.
	rule, pictures := false, 0
	for i, a := range m.Attachments {
		if shownInBody[i] || !drawableImage(a.ContentType) || images >= maxViewImages || pictures >= maxAttachedPictures ||
			a.Size > maxViewImageBytes || imageBytes+int(a.Size) > maxViewImagesBytes {
			continue
		}
		d, err := m.AttachmentData(i)
		if err != nil {
			continue
		}
		pic := widgets.ScaledPicture(d)
		if pic == nil {
			continue
		}
		if !rule {
			vm.Blocks = append(vm.Blocks, widgets.BodyBlock{Kind: widgets.BodyRule})
			rule = true
		}
		vm.Blocks = append(vm.Blocks, widgets.BodyBlock{Kind: widgets.BodyImage,
			Image: &widgets.BodyImageRef{Alt: a.Name, Name: a.Name, Kind: widgets.BodyImageCID, Pixels: pic}})
		images++
		pictures++
		imageBytes += len(d)
	}
	for i, a := range m.Attachments {
		// Inline pictures drawn in the body are not listed again.
		if shownInBody[i] && a.Inline {
			continue
		}
		vm.Attachments = append(vm.Attachments, widgets.AttachmentView{
			Index: i, Name: a.Name, ContentType: a.ContentType, Size: a.Size,
		})
	}
	return vm, inv
}

// invitationView words a calendar event for the reading view.
func invitationView(inv *message.Invitation) *widgets.InvitationView {
	v := &widgets.InvitationView{Summary: inv.Summary, Where: inv.Location, Organizer: inv.Organizer, When: eventWhen(inv),
		CanAnswer: inv.CanReply()}
	switch inv.Method {
	case "REQUEST":
		v.Heading = T("invite.request")
	case "CANCEL":
		v.Heading, v.Cancelled = T("invite.cancel"), true
	case "REPLY":
		v.Heading = T("invite.reply")
	default:
		v.Heading = T("invite.event")
	}
	return v
}

// invitationWords are the subject and text of an answer to an invitation.
func invitationWords(inv *message.Invitation, from message.Address, accept bool) (string, string) {
	name := from.Name
	if name == "" {
		name = from.Email
	}
	data := map[string]any{"Summary": inv.Summary, "Name": name}
	if accept {
		return T("invite.accepted_subject", data), T("invite.accepted_text", data)
	}
	return T("invite.declined_subject", data), T("invite.declined_text", data)
}

// loadReadView reads, parses and turns stored message id into its reading
// view, with what the user answered before to its invitation (off the UI
// goroutine: it reads the store and decodes pictures). A damaged message
// still comes back with what could be read.
func loadReadView(ctx context.Context, eng *mailcore.Engine, id int64, opts message.Options) (*message.Message, widgets.MessageViewModel, error) {
	raw, err := eng.Body(ctx, id)
	if err != nil {
		return nil, widgets.MessageViewModel{}, err
	}
	msg, err := message.ParseWithOptions(raw, opts)
	if msg == nil {
		return nil, widgets.MessageViewModel{}, err
	}
	vm, inv := buildViewModel(msg)
	if vm.Invitation != nil && vm.Invitation.CanAnswer {
		if accepted, ok := eng.InvitationAnswer(ctx, inv); ok {
			vm.Invitation.Answered = T("invite.answered_decline")
			if accepted {
				vm.Invitation.Answered = T("invite.answered_accept")
			}
		}
	}
	return msg, vm, nil
}

// answerInvitation sends the answer to the invitation of stored message
// id off the UI goroutine and says on v how it went.
func (mv *mailView) answerInvitation(v *widgets.MessageView, id int64, accept bool) {
	mv.ui.goWork(func(ctx context.Context) {
		err := mv.eng.AnswerInvitation(ctx, id, accept, invitationWords)
		mv.ui.do(func() {
			switch {
			case err != nil:
				v.SetInvitationNote(reasonText(err), true)
			case accept:
				v.SetInvitationNote(T("invite.sent_accept"), false)
			default:
				v.SetInvitationNote(T("invite.sent_decline"), false)
			}
		})
	})
}

// eventWhen says when an event is: "Tuesday 2026-12-08 10:00–11:00", a
// day "(all day)", or from one moment to another on different days. When
// the event was set in a zone whose clock differs from the local one at
// that moment (an organizer in another country), the time there follows:
// "Tuesday 2026-12-08 16:00–17:00 (10:00–11:00, America/New_York)".
func eventWhen(inv *message.Invitation) string {
	day := func(t time.Time) string { return widgets.Weekday(t) + " " + t.Format("2006-01-02") }
	s, e := inv.Start, inv.End
	if inv.AllDay {
		last := s
		if !e.IsZero() && e.After(s) {
			last = e.AddDate(0, 0, -1) // DTEND of a day is the next day
		}
		if last.YearDay() == s.YearDay() && last.Year() == s.Year() {
			return T("invite.all_day", map[string]any{"Day": day(s)})
		}
		return T("invite.all_day", map[string]any{"Day": day(s) + " – " + day(last)})
	}
	sameDay := func(a, b time.Time) bool { return a.Year() == b.Year() && a.YearDay() == b.YearDay() }
	// span is s–e read on the clock of s's location; withDay names the
	// day of s too.
	span := func(s, e time.Time, withDay bool) string {
		from := s.Format("15:04")
		if withDay {
			from = day(s) + " " + from
		}
		switch {
		case e.IsZero():
			return from
		case sameDay(s, e):
			return from + "–" + e.Format("15:04")
		}
		return from + " – " + day(e) + " " + e.Format("15:04")
	}
	local := span(s, e, true)
	if inv.Zone == nil {
		return local
	}
	zs, ze := s.In(inv.Zone), e
	if !e.IsZero() {
		ze = e.In(inv.Zone)
	}
	_, offThere := zs.Zone()
	_, offHere := s.Zone()
	if offThere == offHere {
		return local
	}
	return T("invite.other_zone", map[string]any{"When": local, "There": span(zs, ze, !sameDay(zs, s)), "Zone": inv.Zone.String()})
}

func joinAddresses(list []message.Address) string {
	parts := make([]string, 0, len(list))
	for _, a := range list {
		if s := a.String(); s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ", ")
}

// drawableImage reports whether the view can draw this type; SVG is left
// out because it can reference remote content.
func drawableImage(ct string) bool {
	switch strings.ToLower(ct) {
	case "image/png", "image/gif", "image/jpeg", "image/jpg", "image/pjpeg":
		return true
	}
	return false
}

// decodeDataURI returns the bytes of a base64 data: URI of a drawable image
// type, or nil.
func decodeDataURI(src string) []byte {
	rest, ok := strings.CutPrefix(src, "data:")
	if !ok {
		if len(src) < 5 || !strings.EqualFold(src[:5], "data:") {
			return nil
		}
		rest = src[5:]
	}
	meta, payload, ok := strings.Cut(rest, ",")
	if !ok || !strings.HasSuffix(strings.ToLower(meta), ";base64") {
		return nil
	}
	if !drawableImage(strings.TrimSuffix(strings.ToLower(meta), ";base64")) {
		return nil
	}
	if base64.StdEncoding.DecodedLen(len(payload)) > maxViewImageBytes {
		return nil
	}
	data, err := base64.StdEncoding.DecodeString(strings.TrimSpace(payload))
	if err != nil {
		return nil
	}
	return data
}

// ErrSaveOutsideDir is returned by SaveAttachment if a name would have
// escaped the chosen folder (it cannot after sanitising; this is a guard).
var ErrSaveOutsideDir = errors.New("attachment name leaves the chosen folder")

// SaveAttachment writes data to a new file in dir named after name, made
// safe with message.SafeFileName. An existing file is never overwritten:
// the first free "name (n).ext" is used, and the file is created with
// O_EXCL so that a file appearing meanwhile is not clobbered either. It
// returns the path written.
func SaveAttachment(dir, name string, data []byte) (string, error) {
	dir = filepath.Clean(dir)
	for attempt := 0; attempt < 100; attempt++ {
		p := message.UniquePath(dir, name)
		if filepath.Dir(p) != dir {
			return "", fmt.Errorf("%w: %q", ErrSaveOutsideDir, name)
		}
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, os.ErrExist) {
			continue // someone created it between the check and the open
		}
		if err != nil {
			return "", fmt.Errorf("save attachment: %w", err)
		}
		_, werr := f.Write(data)
		cerr := f.Close()
		if werr == nil {
			werr = cerr
		}
		if werr != nil {
			_ = os.Remove(p)
			return "", fmt.Errorf("save attachment: %w", werr)
		}
		return p, nil
	}
	return "", fmt.Errorf("save attachment: no free name for %q in %s", name, dir)
}

// SaveAttachments saves the attachments with the given indexes (all of
// them when indexes is nil) into dir and returns the paths written. It stops
// at the first error, returning what was saved so far.
func SaveAttachments(dir string, m *message.Message, indexes []int) ([]string, error) {
	if m == nil {
		return nil, message.ErrNoSuchAttachment
	}
	if indexes == nil {
		for i := range m.Attachments {
			indexes = append(indexes, i)
		}
	}
	var paths []string
	for _, i := range indexes {
		data, err := m.AttachmentData(i)
		if err != nil {
			return paths, err
		}
		p, err := SaveAttachment(dir, m.Attachments[i].Name, data)
		if err != nil {
			return paths, err
		}
		paths = append(paths, p)
	}
	return paths, nil
}

// confirmOpenLink asks before opening a link from a message in the web
// browser, showing the real target. Only http, https and mailto links are
// opened.
func confirmOpenLink(win fyne.Window, href string) {
	u, err := url.Parse(href)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "mailto") {
		dialog.ShowInformation(T("reader.link.title"), T("reader.link.refused", map[string]any{"URL": href}), win)
		return
	}
	confirmAction(T("reader.link.title"), T("reader.link.message", map[string]any{"URL": href}), T("reader.link.open"),
		func() { _ = fyne.CurrentApp().OpenURL(u) }, win)
}

// wireReadView connects the actions of a message view that need nothing
// but the parsed message: links (confirmed first), attachments saved into a
// folder the user picks, the source in its own window and the sanitised
// HTML opened in the browser. Remote content, "Save as .eml" and the
// per-sender choice need the engine and are left to the caller.
func wireReadView(v *widgets.MessageView, win fyne.Window, m *message.Message) {
	a := fyne.CurrentApp()
	v.OnLink = func(href string) { confirmOpenLink(win, href) }
	saveInto := func(indexes []int) {
		dialog.ShowFolderOpen(func(dir fyne.ListableURI, err error) {
			if err != nil || dir == nil {
				return
			}
			paths, err := SaveAttachments(dir.Path(), m, indexes)
			if err != nil {
				dialog.ShowError(fmt.Errorf("%s", T("reader.save_failed", map[string]any{"Error": err})), win)
				return
			}
			if len(paths) > 0 {
				dialog.ShowInformation(T("reader.attach.save"), T("reader.saved", map[string]any{"Path": strings.Join(paths, "\n")}), win)
			}
		}, win)
	}
	v.OnSaveAttachment = func(i int) { saveInto([]int{i}) }
	wireOpenAttachment(&v.OnOpenAttachment, win, m)
	v.OnSaveAll = func() { saveInto(nil) }
	v.OnViewSource = func() { showSourceWindow(a, m) }
	v.OnOpenInBrowser = func() {
		doc := message.SanitizedHTMLDocument(m, false)
		go func() {
			f, err := os.CreateTemp("", "hongyan-*.html")
			if err == nil {
				_, err = f.Write(doc)
				if cerr := f.Close(); err == nil {
					err = cerr
				}
			}
			fyne.Do(func() {
				if err != nil {
					dialog.ShowError(err, win)
					return
				}
				_ = a.OpenURL(&url.URL{Scheme: "file", Path: f.Name()})
			})
		}()
	}
}

// maxSourceShown caps the raw source put into the source window.
const maxSourceShown = 2 << 20

// showSourceWindow shows the raw message, read-only.
func showSourceWindow(a fyne.App, m *message.Message) fyne.Window {
	w := a.NewWindow(T("reader.view_source") + " — " + m.Subject)
	raw := m.Raw
	if len(raw) > maxSourceShown {
		raw = raw[:maxSourceShown]
	}
	e := widget.NewMultiLineEntry()
	e.SetText(strings.ToValidUTF8(string(raw), "\uFFFD"))
	e.TextStyle = fyne.TextStyle{Monospace: true}
	e.Wrapping = fyne.TextWrapBreak
	e.Disable()
	// Read-only, yet as readable as any text: the disabled colour greyed
	// it out. (A selectable label would keep Escape from closing the
	// window once it has the focus.)
	w.SetContent(container.NewThemeOverride(e, readableDisabled{}))
	w.Resize(fyne.NewSize(800, 600))
	closeOnEscape(w)
	w.Show()
	return w
}

// messageActions are what a window showing a stored message can do with
// it; nil funcs are left out.
type messageActions struct {
	reply   func(all bool)
	forward func()
	delete  func(done func()) // done closes the window after the delete
	answer  func(v *widgets.MessageView, accept bool)
}

// openMessageWindow shows m, as vm (built off the UI goroutine: it
// decodes pictures), in a window of its own, with act's buttons above it.
func openMessageWindow(a fyne.App, m *message.Message, vm widgets.MessageViewModel, act *messageActions) (fyne.Window, *widgets.MessageView) {
	title := m.Subject
	if strings.TrimSpace(title) == "" {
		title = T("reader.no_subject")
	}
	w := a.NewWindow(title)
	closeOnEscape(w)
	v := widgets.NewMessageView()
	if vm.Invitation != nil && (act == nil || act.answer == nil) {
		vm.Invitation.CanAnswer = false // nothing here to send the answer with
	}
	v.SetMessage(&vm)
	wireReadView(v, w, m)
	if act != nil && act.answer != nil {
		v.OnAnswerInvitation = func(accept bool) { act.answer(v, accept) }
	}
	var content fyne.CanvasObject = v
	if act != nil {
		var left, right []fyne.CanvasObject
		button := func(key string, icon fyne.Resource, f func()) *widget.Button {
			b := widget.NewButtonWithIcon(T(key), icon, f)
			b.Importance = widget.LowImportance
			return b
		}
		if act.reply != nil {
			left = append(left, button("action.reply", theme.MailReplyIcon(), func() { act.reply(false) }),
				button("action.reply_all", theme.MailReplyAllIcon(), func() { act.reply(true) }))
		}
		if act.forward != nil {
			left = append(left, button("action.forward", theme.MailForwardIcon(), act.forward))
		}
		if act.delete != nil {
			right = append(right, button("action.delete", theme.DeleteIcon(), func() { act.delete(w.Close) }))
		}
		bar := container.NewBorder(nil, nil, container.NewHBox(left...), container.NewHBox(right...))
		content = container.NewBorder(bar, nil, nil, nil, v)
	}
	w.SetContent(content)
	w.Resize(fyne.NewSize(900, 700))
	w.Show()
	return w, v
}

// OpenMessageWindow shows a parsed message in a window of its own with the
// actions that need no engine wired (see wireReadView). It builds the view
// model where it is called; callers on the UI goroutine with a large
// message build it off it and use openMessageWindow.
func OpenMessageWindow(a fyne.App, m *message.Message) (fyne.Window, *widgets.MessageView) {
	return openMessageWindow(a, m, messageViewModel(m), nil)
}
