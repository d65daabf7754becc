package app

import (
	"context"
	"errors"
	"mime"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"hongyan/mailcore"
	"hongyan/mailcore/message"
	"hongyan/widgets"
)

// Hooks of the main window (app/actions.go) are pointed at the compose
// window here.
func init() {
	openCompose = func(mw *mainWindow) {
		if mw.eng != nil {
			OpenCompose(mw.app, mw.eng, "", nil, 0)
		}
	}
	openReply = func(mw *mainWindow, id int64, all bool) {
		if mw.eng != nil {
			OpenReply(mw.app, mw.eng, id, all)
		}
	}
	openForward = func(mw *mainWindow, id int64) {
		if mw.eng != nil {
			OpenForward(mw.app, mw.eng, id, false)
		}
	}
}

// AutosaveDelay is the idle time after the last edit before a draft is
// saved.
var AutosaveDelay = 3 * time.Second

// composeSize is a new compose window's size.
var composeSize = fyne.NewSize(760, 620)

// attachmentWords mentioned in a text without an attachment trigger the
// "forgot the attachment?" reminder.
var attachmentWords = []string{"attach", "附件", "enclosed"}

// ComposeWindow is one message being written.
type ComposeWindow struct {
	App fyne.App
	Eng *mailcore.Engine
	Win fyne.Window

	// Do hands work to the UI goroutine (fyne.Do; tests use a queue).
	Do func(func())

	ids     []mailcore.ComposeIdentity
	From    *widget.Select
	To      *widgets.AddressEntry
	Cc      *widgets.AddressEntry
	Bcc     *widgets.AddressEntry
	Subject *escEntry
	Body    *widgets.BodyEditor

	atts      []message.DraftAttachment
	attBox    *fyne.Container
	attPane   *fyne.Container
	SizeWarn  *widget.Label
	sizeLimit int64

	base    message.Draft // threading fields of a reply/forward
	DraftID int64
	dirty   bool
	closed  bool
	winDone bool
	timer   *time.Timer
	saveMu  sync.Mutex // one draft write at a time, in order
	saveGen int

	// OnSent is called (on the UI goroutine) with the outbox id after the
	// message has been queued; tests hook it.
	OnSent func(outboxID int64)
	// Notice shows the undo-send notice; tests replace it.
	Notice func(text string, undo func()) func()
}

// OpenCompose opens a compose window from accountID's first identity (""
// for the first account) with an optional prefilled draft; draftID is the
// saved draft it continues (0 for none).
func OpenCompose(a fyne.App, eng *mailcore.Engine, accountID string, d *message.Draft, draftID int64) *ComposeWindow {
	c := newComposeWindow(a, eng, fyne.Do)
	c.fill(accountID, d, draftID == 0)
	c.DraftID = draftID
	c.Win.Show()
	return c
}

// OpenMailto opens a compose window prefilled from a mailto: URL (the
// command line argument or a link in a message).
func OpenMailto(a fyne.App, eng *mailcore.Engine, url string) (*ComposeWindow, error) {
	d, err := message.ParseMailto(url)
	if err != nil {
		return nil, err
	}
	return OpenCompose(a, eng, "", d, 0), nil
}

// OpenDraft reopens a saved draft, attachments included.
func OpenDraft(a fyne.App, eng *mailcore.Engine, draftID int64) {
	go func() {
		acct, d, err := eng.LoadDraft(context.Background(), draftID)
		fyne.Do(func() {
			if err != nil {
				showComposeError(a, err)
				return
			}
			OpenCompose(a, eng, acct, d, draftID)
		})
	}()
}

// OpenReply loads message id off the UI goroutine and opens a reply (to
// all with all).
func OpenReply(a fyne.App, eng *mailcore.Engine, id int64, all bool) {
	w := draftWording()
	go func() {
		acct, d, err := eng.ReplyDraft(context.Background(), id, all, w)
		fyne.Do(func() {
			if err != nil {
				showComposeError(a, err)
				return
			}
			OpenCompose(a, eng, acct, d, 0)
		})
	}()
}

// OpenForward loads message id off the UI goroutine and opens a forward,
// inline or as an attachment.
func OpenForward(a fyne.App, eng *mailcore.Engine, id int64, asAttachment bool) {
	w := draftWording()
	go func() {
		acct, d, err := eng.ForwardDraft(context.Background(), id, asAttachment, w)
		fyne.Do(func() {
			if err != nil {
				showComposeError(a, err)
				return
			}
			OpenCompose(a, eng, acct, d, 0)
		})
	}()
}

func showComposeError(a fyne.App, err error) {
	w := a.NewWindow(T("compose.title"))
	dialog.ShowError(userError(err), w)
	w.Resize(fyne.NewSize(420, 200))
	w.Show()
}

// newComposeWindow builds an empty window; do hands results of background
// work back to the UI goroutine.
func newComposeWindow(a fyne.App, eng *mailcore.Engine, do func(func())) *ComposeWindow {
	c := &ComposeWindow{App: a, Eng: eng, Do: do}
	c.Win = a.NewWindow(T("compose.title"))
	c.Win.Resize(composeSize)
	c.ids = eng.ComposeIdentities()
	var labels []string
	for _, id := range c.ids {
		l := id.From().String()
		if len(c.Eng.Accounts()) > 1 {
			l += " — " + id.AccountName
		}
		labels = append(labels, l)
	}
	c.From = widget.NewSelect(labels, func(string) { c.identityChanged() })
	c.To, c.Cc, c.Bcc = c.addressEntry(), c.addressEntry(), c.addressEntry()
	c.Subject = &escEntry{onShortcut: c.sendShortcut}
	c.Subject.ExtendBaseWidget(c.Subject)
	c.Subject.OnChanged = func(s string) {
		c.changed()
		if s == "" {
			c.Win.SetTitle(T("compose.title"))
		} else {
			c.Win.SetTitle(s)
		}
	}
	c.Body = widgets.NewBodyEditor()
	c.Body.OnShortcut = c.sendShortcut
	c.Body.OnChanged = c.changed
	c.SizeWarn = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	c.SizeWarn.Importance = widget.DangerImportance
	c.SizeWarn.Hide()
	c.attBox = container.NewGridWrap(fyne.NewSize(240, 40))
	c.attPane = container.NewVBox(c.attBox, c.SizeWarn)
	c.attPane.Hide()

	form := widget.NewForm(
		widget.NewFormItem(T("compose.from"), c.From),
		widget.NewFormItem(T("compose.to"), c.To),
		widget.NewFormItem(T("compose.cc"), c.Cc),
		widget.NewFormItem(T("compose.bcc"), c.Bcc),
		widget.NewFormItem(T("compose.subject"), c.Subject),
	)
	send := widget.NewButtonWithIcon(T("compose.send"), theme.MailSendIcon(), c.SendClicked)
	send.Importance = widget.HighImportance
	bar := container.NewHBox(send,
		widget.NewButtonWithIcon(T("compose.save_draft"), theme.DocumentSaveIcon(), func() { c.SaveDraftNow(nil) }),
		widget.NewButtonWithIcon(T("compose.send_later"), theme.HistoryIcon(), c.sendLaterClicked),
		widget.NewButtonWithIcon(T("compose.attach"), theme.MailAttachmentIcon(), c.pickFile),
		layoutSpacer(),
		widget.NewButtonWithIcon(T("compose.discard"), theme.DeleteIcon(), c.discardClicked),
	)
	top := container.NewVBox(bar, form)
	c.Win.SetContent(container.NewBorder(top, c.attPane, nil, nil, c.Body))
	c.Win.SetOnDropped(func(_ fyne.Position, uris []fyne.URI) { c.Dropped(uris) })
	c.Win.SetCloseIntercept(c.closeRequested)
	c.Win.Canvas().AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyReturn, Modifier: fyne.KeyModifierShortcutDefault}, func(fyne.Shortcut) { c.SendClicked() })
	return c
}

// sendShortcut sends on Ctrl+Enter (either Enter key) typed in a field of
// the window. The fields get the shortcut before the window does and
// would drop it: the window's own shortcut only ran with no field
// focused, that is almost never.
func (c *ComposeWindow) sendShortcut(sc fyne.Shortcut) bool {
	cs, ok := sc.(*desktop.CustomShortcut)
	if !ok || cs.Modifier != fyne.KeyModifierShortcutDefault || (cs.KeyName != fyne.KeyReturn && cs.KeyName != fyne.KeyEnter) {
		return false
	}
	c.SendClicked()
	return true
}

func layoutSpacer() fyne.CanvasObject { return container.NewStack() }

func (c *ComposeWindow) addressEntry() *widgets.AddressEntry {
	e := widgets.NewAddressEntry()
	e.OnShortcut = c.sendShortcut
	e.OnEdited = c.changed
	e.OnQuery = func(typed string) {
		go func() {
			list, err := c.Eng.SuggestAddresses(context.Background(), typed, 8)
			if err != nil {
				return
			}
			items := make([]widgets.AddressSuggestion, len(list))
			for i, a := range list {
				items[i] = widgets.AddressSuggestion{Name: a.Name, Email: a.Email}
			}
			c.Do(func() { e.ShowSuggestions(typed, items) })
		}()
	}
	return e
}

// fill puts a draft into the fields and chooses the identity; with
// signature the identity's signature is added (new messages, replies and
// forwards, not drafts being resumed).
func (c *ComposeWindow) fill(accountID string, d *message.Draft, signature bool) {
	if d == nil {
		d = &message.Draft{}
	}
	c.base = message.Draft{InReplyTo: d.InReplyTo, References: d.References, MessageID: d.MessageID}
	idx := 0
	found := false
	for i, id := range c.ids {
		if d.From.Email != "" && strings.EqualFold(id.Address, d.From.Email) && (accountID == "" || id.AccountID == accountID) {
			idx, found = i, true
			break
		}
	}
	if !found {
		for i, id := range c.ids {
			if id.AccountID == accountID {
				idx = i
				break
			}
		}
	}
	c.To.SetText(formatAddrs(d.To))
	c.Cc.SetText(formatAddrs(d.Cc))
	c.Bcc.SetText(formatAddrs(d.Bcc))
	c.Subject.SetText(d.Subject)
	text := d.Text
	if signature && len(c.ids) > 0 && !strings.Contains(text, "\n-- \n") {
		if sig := strings.TrimSpace(c.ids[idx].Signature); sig != "" {
			text = insertSignature(text, sig)
		}
	}
	c.Body.SetText(text)
	c.atts = append([]message.DraftAttachment(nil), d.Attachments...)
	if len(c.ids) > 0 {
		c.From.SetSelectedIndex(idx)
	}
	c.refreshAttachments()
	c.dirty = false
	c.Win.Canvas().Focus(c.To)
	if c.To.Text != "" {
		c.Body.FocusStart(c.Win.Canvas())
	}
}

// insertSignature puts "-- \n" and the signature after the user's part of
// the text (before a quoted original), or at the end.
func insertSignature(text, sig string) string {
	block := "-- \n" + sig + "\n"
	if strings.HasPrefix(text, "\n\n") {
		return "\n\n" + block + text[1:]
	}
	if text == "" {
		return "\n\n" + block
	}
	return strings.TrimRight(text, "\n") + "\n\n" + block
}

func formatAddrs(l []message.Address) string {
	s := make([]string, 0, len(l))
	for _, a := range l {
		s = append(s, widgets.AddressSuggestion{Name: a.Name, Email: a.Email}.String())
	}
	return strings.Join(s, ", ")
}

// parseAddrs reads a comma- or semicolon-separated list typed by the
// user. Each item is parsed as an RFC 5322 address, or kept as a bare
// address; validity is checked when sending.
func parseAddrs(s string) []message.Address {
	var out []message.Address
	var cur strings.Builder
	quoted := false
	flush := func() {
		item := strings.TrimSpace(cur.String())
		cur.Reset()
		if item == "" {
			return
		}
		if a, err := mail.ParseAddress(item); err == nil {
			out = append(out, message.Address{Name: a.Name, Email: a.Address})
			return
		}
		if i := strings.LastIndexByte(item, '<'); i >= 0 && strings.HasSuffix(item, ">") {
			out = append(out, message.Address{Name: strings.Trim(strings.TrimSpace(item[:i]), `"`), Email: item[i+1 : len(item)-1]})
			return
		}
		out = append(out, message.Address{Email: item})
	}
	for _, r := range s {
		switch {
		case r == '"':
			quoted = !quoted
			cur.WriteRune(r)
		case (r == ',' || r == ';') && !quoted:
			flush()
		default:
			cur.WriteRune(r)
		}
	}
	flush()
	return out
}

// identity is the chosen From identity.
func (c *ComposeWindow) identity() (mailcore.ComposeIdentity, bool) {
	i := c.From.SelectedIndex()
	if i < 0 || i >= len(c.ids) {
		return mailcore.ComposeIdentity{}, false
	}
	return c.ids[i], true
}

// identityChanged swaps the signature and looks up the server's size
// limit.
func (c *ComposeWindow) identityChanged() {
	id, ok := c.identity()
	if !ok {
		return
	}
	c.changed()
	acct := id.AccountID
	go func() {
		n := c.Eng.SizeLimit(context.Background(), acct)
		c.Do(func() {
			c.sizeLimit = n
			c.refreshAttachments()
		})
	}()
}

// Draft returns the message as it stands.
func (c *ComposeWindow) Draft() (string, *message.Draft) {
	d := &message.Draft{InReplyTo: c.base.InReplyTo, References: c.base.References}
	acct := ""
	if id, ok := c.identity(); ok {
		acct = id.AccountID
		d.From = id.From()
		if id.ReplyTo != "" {
			d.ReplyTo = parseAddrs(id.ReplyTo)
		}
	}
	d.To, d.Cc, d.Bcc = parseAddrs(c.To.Text), parseAddrs(c.Cc.Text), parseAddrs(c.Bcc.Text)
	d.Subject = strings.TrimSpace(c.Subject.Text)
	d.Text = c.Body.Text()
	d.Attachments = append([]message.DraftAttachment(nil), c.atts...)
	return acct, d
}

// changed marks unsaved edits and restarts the autosave timer.
func (c *ComposeWindow) changed() {
	if c.closed {
		return
	}
	c.dirty = true
	if c.timer != nil {
		c.timer.Stop()
	}
	c.timer = time.AfterFunc(AutosaveDelay, func() {
		c.Do(func() {
			if c.dirty && !c.closed {
				c.SaveDraftNow(nil)
			}
		})
	})
}

// SaveDraftNow writes the draft to the store off the UI goroutine; done
// (may be nil) runs on the UI goroutine afterwards.
func (c *ComposeWindow) SaveDraftNow(done func(error)) {
	acct, d := c.Draft()
	c.dirty = false
	c.saveGen++
	gen := c.saveGen
	go func() {
		c.saveMu.Lock()
		defer c.saveMu.Unlock()
		var id int64
		var err error
		c.syncDo(func() { id = c.DraftID })
		id, err = c.Eng.SaveDraft(context.Background(), id, acct, d)
		c.Do(func() {
			if err != nil {
				if gen == c.saveGen {
					c.dirty = true
				}
				if done == nil {
					dialog.ShowError(userError(err), c.Win)
				}
			} else {
				c.DraftID = id
			}
			if done != nil {
				done(err)
			}
		})
	}()
}

// syncDo runs f on the UI goroutine and waits for it.
func (c *ComposeWindow) syncDo(f func()) {
	ch := make(chan struct{})
	c.Do(func() { f(); close(ch) })
	<-ch
}

// Dropped attaches the files dropped on the window (folders are skipped).
func (c *ComposeWindow) Dropped(uris []fyne.URI) {
	var paths []string
	for _, u := range uris {
		if u != nil && u.Scheme() == "file" {
			paths = append(paths, u.Path())
		}
	}
	c.AttachFiles(paths, nil)
}

// maxAttachBytes is the largest file the compose window reads as an
// attachment, above every common server limit (Exchange Online takes up
// to 150 MB). A file between the server's announced limit and this is
// attached with the size warning: a server that announces no limit may
// take it.
const maxAttachBytes = 256 << 20

// AttachFiles reads files off the UI goroutine and adds them; done (may
// be nil) runs on the UI goroutine after.
func (c *ComposeWindow) AttachFiles(paths []string, done func()) {
	go func() {
		var add []message.DraftAttachment
		var errs []error
		for _, p := range paths {
			st, err := os.Stat(p)
			if err != nil || st.IsDir() {
				if err != nil {
					errs = append(errs, err)
				}
				continue
			}
			name := filepath.Base(p)
			if st.Size() > maxAttachBytes {
				// Read whole, a file of gigabytes would take the memory of
				// the machine; no mail server takes it anyway.
				errs = append(errs, errors.New(T("compose.file_too_big", map[string]any{"Name": name, "Size": widgets.FormatSize(st.Size())})))
				continue
			}
			data, err := os.ReadFile(p)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			add = append(add, message.DraftAttachment{Path: p, Data: data, Name: name,
				ContentType: mime.TypeByExtension(strings.ToLower(filepath.Ext(name)))})
		}
		c.Do(func() {
			c.atts = append(c.atts, add...)
			c.refreshAttachments()
			if len(add) > 0 {
				c.changed()
			}
			if err := errors.Join(errs...); err != nil {
				dialog.ShowError(err, c.Win)
			}
			if done != nil {
				done()
			}
		})
	}()
}

func (c *ComposeWindow) pickFile() {
	dialog.ShowFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		p := r.URI().Path()
		r.Close()
		c.AttachFiles([]string{p}, nil)
	}, c.Win)
}

// Attachments are the files attached now.
func (c *ComposeWindow) Attachments() []message.DraftAttachment { return c.atts }

// Chips are the attachment chips shown.
func (c *ComposeWindow) Chips() []*widgets.ComposeChip {
	var out []*widgets.ComposeChip
	for _, o := range c.attBox.Objects {
		out = append(out, o.(*widgets.ComposeChip))
	}
	return out
}

// TotalSize is the attachments' size in bytes (before encoding).
func (c *ComposeWindow) TotalSize() int64 {
	var n int64
	for _, a := range c.atts {
		n += int64(len(a.Data))
	}
	return n
}

// limit is the size limit used for the warning.
func (c *ComposeWindow) limit() int64 {
	if c.sizeLimit > 0 {
		return c.sizeLimit
	}
	return mailcore.DefaultSizeLimit
}

// OverSize reports whether the message would exceed the server's limit
// (base64 grows attachments by a third).
func (c *ComposeWindow) OverSize() bool {
	return c.TotalSize()*4/3+int64(len(c.Body.Text())) > c.limit()
}

func (c *ComposeWindow) refreshAttachments() {
	objs := make([]fyne.CanvasObject, 0, len(c.atts))
	for i, a := range c.atts {
		i := i
		name := a.Name
		if name == "" {
			name = filepath.Base(a.Path)
		}
		objs = append(objs, widgets.NewComposeChip(name, a.ContentType, int64(len(a.Data)), func() { c.RemoveAttachment(i) }))
	}
	c.attBox.Objects = objs
	c.attBox.Refresh()
	if c.OverSize() {
		c.SizeWarn.SetText(T("compose.too_big", map[string]any{"Size": widgets.FormatSize(c.TotalSize()), "Limit": widgets.FormatSize(c.limit())}))
		c.SizeWarn.Show()
	} else {
		c.SizeWarn.Hide()
	}
	if len(objs) == 0 {
		c.attPane.Hide()
	} else {
		c.attPane.Show()
	}
}

// RemoveAttachment removes attachment i.
func (c *ComposeWindow) RemoveAttachment(i int) {
	if i < 0 || i >= len(c.atts) {
		return
	}
	c.atts = append(c.atts[:i], c.atts[i+1:]...)
	c.refreshAttachments()
	c.changed()
}

// MentionsAttachment reports whether the user's own words (quotes left
// aside) speak of an attachment.
func MentionsAttachment(text string) bool {
	for _, line := range strings.Split(strings.ToLower(text), "\n") {
		if strings.HasPrefix(line, ">") {
			continue
		}
		if line == "-- " {
			break
		}
		for _, w := range attachmentWords {
			if strings.Contains(line, w) {
				return true
			}
		}
	}
	return false
}

// Check validates the message before sending and lists what the user
// should confirm: an error stops sending; warnings ask.
func (c *ComposeWindow) Check() (acct string, d *message.Draft, warnings []string, err error) {
	acct, d = c.Draft()
	if acct == "" {
		return acct, d, nil, errors.New(T("compose.no_account"))
	}
	if _, err := d.Recipients(); err != nil {
		if errors.Is(err, message.ErrNoRecipients) {
			return acct, d, nil, errors.New(T("compose.no_recipients"))
		}
		return acct, d, nil, errors.New(T("compose.bad_address", map[string]any{"Error": err.Error()}))
	}
	if c.OverSize() {
		warnings = append(warnings, T("compose.too_big", map[string]any{"Size": widgets.FormatSize(c.TotalSize()), "Limit": widgets.FormatSize(c.limit())}))
	}
	if len(d.Attachments) == 0 && (MentionsAttachment(d.Text) || MentionsAttachment(d.Subject)) {
		warnings = append(warnings, T("compose.forgot_attachment"))
	}
	if d.Subject == "" {
		warnings = append(warnings, T("compose.no_subject"))
	}
	return acct, d, warnings, nil
}

// SendClicked checks the message, asks about warnings, then sends.
func (c *ComposeWindow) SendClicked() { c.sendWithChecks(time.Time{}) }

func (c *ComposeWindow) sendWithChecks(at time.Time) {
	acct, d, warnings, err := c.Check()
	if err != nil {
		dialog.ShowError(err, c.Win)
		return
	}
	if len(warnings) > 0 {
		confirmAction(T("compose.confirm_title"), strings.Join(warnings, "\n")+"\n\n"+T("compose.send_anyway"), T("compose.send"),
			func() { c.Send(acct, d, at) }, c.Win)
		return
	}
	c.Send(acct, d, at)
}

// Send queues the message (at a time, or now with the undo delay), closes
// the window and shows the undo notice.
func (c *ComposeWindow) Send(acct string, d *message.Draft, at time.Time) {
	if c.closed {
		return
	}
	undo := time.Duration(c.Eng.Settings().UndoSendSeconds) * time.Second
	draftID := c.DraftID
	c.closed = true
	if c.timer != nil {
		c.timer.Stop()
	}
	c.Win.Hide()
	go func() {
		c.saveMu.Lock() // let a running autosave finish first
		c.saveMu.Unlock()
		ctx := context.Background()
		var id int64
		var err error
		if at.IsZero() {
			id, err = c.Eng.Send(ctx, acct, d, undo)
		} else {
			id, err = c.Eng.SendAt(ctx, acct, d, at)
		}
		if err == nil && draftID != 0 {
			c.syncDo(func() { draftID = c.DraftID })
			_ = c.Eng.DeleteDraft(ctx, draftID)
		}
		c.Eng.RefreshAddressBook()
		c.Do(func() {
			if err != nil {
				c.closed = false
				c.Win.Show()
				dialog.ShowError(userError(err), c.Win)
				return
			}
			c.closeWin()
			if c.OnSent != nil {
				c.OnSent(id)
			}
			if at.IsZero() && undo > 0 {
				c.showUndo(id, undo)
			}
		})
	}()
}

// showUndo offers to take the message back while it waits in the outbox.
func (c *ComposeWindow) showUndo(id int64, undo time.Duration) {
	notice := c.Notice
	if notice == nil {
		notice = sentNoticeFor(c.App)
	}
	var hide func()
	hide = notice(T("compose.sent_notice"), func() {
		if hide != nil {
			hide()
		}
		UndoSend(c.App, c.Eng, id, c.Do)
	})
	time.AfterFunc(undo, func() { c.Do(hide) })
}

// UndoSend takes a queued message back and reopens it in a compose window.
func UndoSend(a fyne.App, eng *mailcore.Engine, id int64, do func(func())) {
	go func() {
		acct := ""
		if it, err := eng.Store().OutboxItem(context.Background(), id); err == nil {
			acct = it.Account
		}
		d, err := eng.CancelSend(context.Background(), id)
		do(func() {
			if err != nil {
				showComposeError(a, err)
				return
			}
			c := newComposeWindow(a, eng, do)
			c.fill(acct, d, false)
			c.base.MessageID = ""
			c.dirty = true
			c.Win.Show()
			undoneHook(c)
		})
	}()
}

// undoneHook lets tests see the window reopened by UndoSend.
var undoneHook = func(*ComposeWindow) {}

// showNotice returns a small always-visible window with a message and an
// Undo button, the undo-send notice.
func showNotice(a fyne.App) func(text string, undo func()) func() {
	return func(text string, undo func()) func() {
		w := a.NewWindow(T("compose.title"))
		w.SetContent(container.NewHBox(widget.NewLabel(text), widget.NewButton(T("compose.undo"), undo)))
		w.Show()
		once := sync.Once{}
		return func() { once.Do(w.Close) }
	}
}

func (c *ComposeWindow) discardClicked() {
	confirmAction(T("compose.discard"), T("compose.discard_confirm"), T("compose.discard"), c.Discard, c.Win)
}

// Discard closes the window and deletes its saved draft.
func (c *ComposeWindow) Discard() {
	c.closed = true
	if c.timer != nil {
		c.timer.Stop()
	}
	go func() {
		c.saveMu.Lock()
		c.saveMu.Unlock()
		var id int64
		c.syncDo(func() { id = c.DraftID })
		if id != 0 {
			_ = c.Eng.DeleteDraft(context.Background(), id)
		}
	}()
	c.closeWin()
}

// Dirty reports unsaved changes.
func (c *ComposeWindow) Dirty() bool { return c.dirty }

// closeRequested asks about unsaved changes: Save, Discard or Cancel.
func (c *ComposeWindow) closeRequested() {
	if !c.dirty {
		c.closed = true
		if c.timer != nil {
			c.timer.Stop()
		}
		c.closeWin()
		return
	}
	var d *dialog.CustomDialog
	save := widget.NewButton(T("compose.save_draft"), func() {
		d.Hide()
		c.SaveDraftNow(func(err error) {
			if err == nil {
				c.closed = true
				c.closeWin()
			}
		})
	})
	save.Importance = widget.HighImportance
	discard := widget.NewButton(T("compose.discard"), func() { d.Hide(); c.Discard() })
	cancel := widget.NewButton(T("compose.cancel"), func() { d.Hide() })
	d = dialog.NewCustomWithoutButtons(T("compose.unsaved_title"),
		container.NewVBox(widget.NewLabel(T("compose.unsaved")), container.NewHBox(save, discard, cancel)), c.Win)
	d.Show()
}

// closeWin closes the window once.
func (c *ComposeWindow) closeWin() {
	if c.winDone {
		return
	}
	c.winDone = true
	c.closed = true
	if c.timer != nil {
		c.timer.Stop()
	}
	c.Win.Close()
}

// draftWording is the interface language's wording of the lines a reply
// or a forward puts in the body ("On …, … wrote:"): they are the writer's
// words, so they follow the language the writer uses Hongyan in.
func draftWording() message.Wording {
	return message.Wording{
		Wrote:             T("compose.wrote"),
		Undated:           T("compose.wrote_undated"),
		Someone:           T("compose.someone"),
		DateLayout:        T("compose.wrote_date_layout"),
		Forwarded:         T("compose.forwarded"),
		From:              T("compose.fwd_from"),
		Date:              T("compose.fwd_date"),
		Subject:           T("compose.fwd_subject"),
		To:                T("compose.fwd_to"),
		Cc:                T("compose.fwd_cc"),
		ForwardDateLayout: T("compose.fwd_date_layout"),
	}
}
