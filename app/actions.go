package app

import (
	"context"
	"errors"
	"runtime"
	"sort"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"hongyan/mailcore"
	"hongyan/mailcore/mailerr"
	"hongyan/mailcore/store"
	"hongyan/widgets"
)

// Hooks for windows other parts of the application provide, set by the
// init functions of wizard.go and compose.go (tests replace them).
var (
	// openWizard starts the account set-up wizard.
	openWizard func(mw *mainWindow)
	// openCompose opens an empty compose window.
	openCompose func(mw *mainWindow)
	// openReply opens a reply to message id (to all recipients with all).
	openReply func(mw *mainWindow, id int64, all bool)
	// openForward opens a forward of message id.
	openForward func(mw *mainWindow, id int64)
)

// userError turns an engine error into a sentence in the user's language.
func userError(err error) error {
	return errors.New(reasonText(err))
}

// reasonText explains err: the translated reason for its kind, the server
// and the server's own words when there are any.
func reasonText(err error) string {
	if err == nil {
		return ""
	}
	if errors.Is(err, mailcore.ErrUnsentMail) {
		return T("error.unsent_mail")
	}
	var me *mailerr.Error
	if !errors.As(err, &me) {
		return T("error.kind.unknown", map[string]any{"Detail": err.Error()})
	}
	key := "error.kind." + me.Kind.String()
	if _, ok := englishText()[key]; !ok {
		key = "error.kind.unknown"
	}
	detail := me.Text
	if detail == "" && me.Err != nil {
		detail = me.Err.Error()
	}
	if detail == "" {
		detail = me.Kind.String()
	}
	msg := T(key, map[string]any{"Host": me.Host, "Detail": detail, "Fingerprint": me.Fingerprint})
	if me.Host != "" && me.Kind != mailerr.TLSInvalid {
		msg += " (" + me.Host + ")"
	}
	return msg
}

// untrustedCert says whether err is a certificate the user could trust.
func untrustedCert(err error) (host, fp string, ok bool) {
	var me *mailerr.Error
	if errors.As(err, &me) && me.Kind == mailerr.TLSInvalid && me.Fingerprint != "" && me.Host != "" {
		return me.Host, me.Fingerprint, true
	}
	return "", "", false
}

// act runs an engine call off the UI goroutine, then refreshes the list and
// tree, or shows the error.
func (mv *mailView) act(f func(ctx context.Context) error) {
	mv.ui.goWork(func(ctx context.Context) {
		err := f(ctx)
		mv.ui.do(func() {
			if err != nil {
				mv.showError(err)
			}
			mv.list.reload(true)
			mv.srch.recount()
			mv.reloadTree()
		})
	})
}

// onSelected runs an action on the selected messages.
func (mv *mailView) onSelected(f func(ctx context.Context, ids []int64) error) {
	mv.onSelectedThenAdvance(false, f)
}

// onSelectedThenAdvance is onSelected for actions that take the messages
// out of the list: with advance the next message becomes the current one.
func (mv *mailView) onSelectedThenAdvance(advance bool, f func(ctx context.Context, ids []int64) error) {
	ids := mv.list.selectedIDs()
	if len(ids) == 0 {
		mv.nothingSelected()
		return
	}
	if advance {
		mv.advanceAfterRemove()
	}
	mv.act(func(ctx context.Context) error { return f(ctx, ids) })
}

func (mv *mailView) getMail() {
	mv.ui.goWork(func(context.Context) { mv.eng.CheckNow("") })
}

func (mv *mailView) write() { openCompose(mv.mw) }

func (mv *mailView) reply(all bool) {
	if mv.conv.active() {
		mv.conv.newest(func(id int64) { openReply(mv.mw, id, all) })
		return
	}
	if m, ok := mv.list.current(); ok {
		openReply(mv.mw, m.ID, all)
	} else {
		mv.nothingSelected()
	}
}

// nothingSelected says, under the list, that an action needs a message
// (or conversation) selected first: the button did nothing otherwise.
func (mv *mailView) nothingSelected() {
	mv.showUndoBar(T("action.nothing_selected"), false, 3*time.Second)
}

func (mv *mailView) forward() {
	if mv.conv.active() {
		mv.conv.newest(func(id int64) { openForward(mv.mw, id) })
		return
	}
	if m, ok := mv.list.current(); ok {
		openForward(mv.mw, m.ID)
	} else {
		mv.nothingSelected()
	}
}

// deleteSelected moves the selection to Trash; the next message becomes
// the current one.
func (mv *mailView) deleteSelected() {
	del := mv.undoable(T("folder.trash"), store.RoleTrash, mv.eng.Delete)
	if mv.conv.active() {
		mv.conv.onShownMessages(del)
		return
	}
	mv.onSelectedThenAdvance(true, del)
}

func (mv *mailView) moveToRole(role string) {
	f := mv.undoable(T("folder."+role), "", func(ctx context.Context, ids []int64) error { return mv.eng.MoveToRole(ctx, ids, role) })
	if mv.conv.active() {
		mv.conv.onShownMessages(f)
		return
	}
	mv.onSelectedThenAdvance(true, f)
}

// junk marks the selection as junk and moves it to the junk folder; not
// junk the opposite, back to the inbox.
func (mv *mailView) junk(isJunk bool) {
	set, clear, role := store.Junk, store.NotJunk, store.RoleJunk
	if !isJunk {
		set, clear, role = store.NotJunk, store.Junk, store.RoleInbox
	}
	f := mv.undoable(T("folder."+role), "", func(ctx context.Context, ids []int64) error {
		if err := mv.eng.SetFlags(ctx, ids, set, clear); err != nil {
			return err
		}
		return mv.eng.MoveToRole(ctx, ids, role)
	})
	if mv.conv.active() {
		mv.conv.onShownMessages(f)
		return
	}
	mv.onSelectedThenAdvance(true, f)
}

// advanceAfterRemove makes the message after the selection current, so
// that deleting walks down the list.
func (mv *mailView) advanceAfterRemove() {
	l := mv.list
	if len(l.selected) != 1 || l.cursor == 0 {
		return
	}
	i, ok := l.indexOf(l.cursor)
	if !ok {
		return
	}
	next, ok := l.peek(i + 1)
	if !ok {
		next, ok = l.peek(i - 1)
	}
	if ok {
		l.cursor, l.anchor = next.ID, next.ID
		l.selected = map[int64]bool{next.ID: true}
	}
}

func (mv *mailView) markRead(read bool) {
	if mv.conv.active() {
		mv.conv.markThreadRead(read)
		return
	}
	mv.onSelected(func(ctx context.Context, ids []int64) error {
		if read {
			return mv.eng.SetFlags(ctx, ids, store.Seen, 0)
		}
		return mv.eng.SetFlags(ctx, ids, 0, store.Seen)
	})
}

// toggleFlag flags the selection, or unflags it when the current message
// is flagged.
func (mv *mailView) toggleFlag() {
	if mv.conv.active() {
		mv.conv.toggleFlag()
		return
	}
	m, _ := mv.list.current()
	flagged := m.Flags&store.Flagged != 0
	mv.onSelected(func(ctx context.Context, ids []int64) error {
		if flagged {
			return mv.eng.SetFlags(ctx, ids, 0, store.Flagged)
		}
		return mv.eng.SetFlags(ctx, ids, store.Flagged, 0)
	})
}

// moveChooser lets the user pick a folder of the selection's account.
func (mv *mailView) moveChooser() {
	if mv.conv.active() {
		mv.conv.moveChooser()
		return
	}
	ids := mv.list.selectedIDs()
	if len(ids) == 0 {
		mv.nothingSelected()
		return
	}
	m, ok := mv.list.current()
	if !ok {
		// The selection's rows are on loaded pages (the user clicked them).
		i, found := mv.list.indexOf(ids[0])
		if !found {
			return
		}
		m, _ = mv.list.peek(i)
	}
	mv.chooseFolder(m.FolderID, func(to int64) {
		mv.advanceAfterRemove()
		move := mv.undoable(mv.folderName(to), "", func(ctx context.Context, ids []int64) error { return mv.eng.Move(ctx, ids, to) })
		mv.act(func(ctx context.Context) error { return move(ctx, ids) })
	})
}

// folderName is how the folder tree names folder id.
func (mv *mailView) folderName(id int64) string {
	if n, ok := mv.tm.nodes[folderNode(id)]; ok {
		return folderLabel(n.folder)
	}
	return ""
}

// chooseFolder lets the user pick a folder of the account of folder from
// (other than from) and calls chosen with it.
func (mv *mailView) chooseFolder(from int64, chosen func(to int64)) {
	acct := ""
	if n, ok := mv.tm.nodes[folderNode(from)]; ok {
		acct = n.account
	}
	var targets []store.Folder
	for uid, n := range mv.tm.nodes {
		if _, ok := nodeFolderID(uid); ok && n.account == acct && n.folder.ID != from && n.folder.Selectable {
			targets = append(targets, n.folder)
		}
	}
	sort.Slice(targets, func(a, b int) bool {
		ra, rb := store.RoleOrder(targets[a].Role), store.RoleOrder(targets[b].Role)
		if ra != rb {
			return ra < rb
		}
		return targets[a].Name < targets[b].Name
	})
	names := make([]string, len(targets))
	for i, f := range targets {
		names[i] = folderLabel(f)
		if f.Role == "" {
			names[i] = f.Name
		}
	}
	// A filter field above the list: typing narrows the folders (by any
	// part of their name, either case), Enter moves to the one picked or
	// else the first shown, Escape closes. With many folders, Ctrl+M, a
	// few letters and Enter is the whole move.
	shown := make([]int, len(targets)) // indexes into targets
	for i := range shown {
		shown[i] = i
	}
	pick := -1 // index into targets
	var d dialog.Dialog
	var list *widget.List
	list = widget.NewList(func() int { return len(shown) },
		func() fyne.CanvasObject { return newFolderRow() },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			r, to := o.(*folderRow), targets[shown[i]].ID
			r.SetText(names[shown[i]])
			r.onDouble = func() {
				d.Hide()
				chosen(to)
			}
			r.onTap = func() { list.Select(i) }
		})
	list.OnSelected = func(i widget.ListItemID) { pick = shown[i] }
	filter := &escEntry{}
	filter.ExtendBaseWidget(filter)
	filter.SetPlaceHolder(T("move.filter"))
	filter.OnChanged = func(text string) {
		text = strings.ToLower(strings.TrimSpace(text))
		shown = shown[:0]
		for i, n := range names {
			if text == "" || strings.Contains(strings.ToLower(n), text) || strings.Contains(strings.ToLower(targets[i].Name), text) {
				shown = append(shown, i)
			}
		}
		pick = -1
		list.UnselectAll()
		list.Refresh()
	}
	filter.OnSubmitted = func(string) {
		if pick < 0 && len(shown) > 0 {
			pick = shown[0]
		}
		if pick >= 0 {
			d.Hide()
			chosen(targets[pick].ID)
		}
	}
	filter.onEsc = func() { d.Hide() }
	content := container.NewBorder(filter, nil, nil, nil, list)
	d = dialog.NewCustomConfirm(T("move.title"), T("move.ok"), T("dialog.cancel"), content, func(ok bool) {
		if !ok || pick < 0 {
			return
		}
		chosen(targets[pick].ID)
	}, mv.win)
	d.Resize(fyne.NewSize(320, 400))
	d.Show()
	mv.win.Canvas().Focus(filter)
}

// newFolder asks for a name and creates a folder on the account of node.
func (mv *mailView) newFolder(uid string) {
	acct := mv.tm.nodes[uid].account
	if acct == "" {
		return
	}
	prefix := ""
	if f := mv.tm.nodes[uid].folder; f.ID != 0 && f.Role == "" && f.Delim != "" {
		prefix = f.Name + f.Delim
	}
	e := widget.NewEntry()
	showForm(T("folder.new.title"), T("folder.new.ok"),
		[]*widget.FormItem{widget.NewFormItem(T("folder.name"), e)}, func(ok bool) {
			if ok && e.Text != "" {
				name := prefix + e.Text
				mv.act(func(ctx context.Context) error { return mv.eng.CreateFolder(ctx, acct, name) })
			}
		}, mv.win)
}

func (mv *mailView) renameFolder(uid string) {
	f := mv.tm.nodes[uid].folder
	if f.ID == 0 || f.Role != "" {
		return
	}
	e := widget.NewEntry()
	e.SetText(f.Name)
	showForm(T("folder.rename.title"), T("folder.rename.ok"),
		[]*widget.FormItem{widget.NewFormItem(T("folder.name"), e)}, func(ok bool) {
			if ok && e.Text != "" && e.Text != f.Name {
				name := e.Text
				mv.act(func(ctx context.Context) error { return mv.eng.RenameFolder(ctx, f.ID, name) })
			}
		}, mv.win)
}

func (mv *mailView) deleteFolder(uid string) {
	f := mv.tm.nodes[uid].folder
	if f.ID == 0 || f.Role != "" {
		return
	}
	confirmAction(T("folder.delete.title"), T("folder.delete.message", map[string]any{"Name": f.Name}), T("folder.delete.title"),
		func() { mv.act(func(ctx context.Context) error { return mv.eng.DeleteFolder(ctx, f.ID) }) }, mv.win)
}

// showForm shows a form dialog with its first field ready for typing and
// Enter in any field submitting it. Fyne's form dialog opens with nothing
// focused: what one typed went to the main window, whose letters are
// shortcuts (j moved to the next message, s starred it).
func showForm(title, confirm string, items []*widget.FormItem, cb func(bool), w fyne.Window) *dialog.FormDialog {
	d := dialog.NewForm(title, confirm, T("dialog.cancel"), items, cb, w)
	var first fyne.Focusable
	for _, it := range items {
		e, ok := it.Widget.(*widget.Entry)
		if !ok {
			continue
		}
		if first == nil {
			first = e
		}
		if e.OnSubmitted == nil && !e.MultiLine {
			e.OnSubmitted = func(string) { d.Submit() }
		}
	}
	d.Show()
	// Room for what one types: at its least width the dialog gave a
	// password field the width of three characters.
	if m := d.MinSize(); m.Width < formWidth {
		d.Resize(fyne.NewSize(formWidth, m.Height))
	}
	if first != nil {
		w.Canvas().Focus(first)
	}
	return d
}

// formWidth is the least width of a form dialog.
const formWidth = 460

// confirmAction asks before an action with a button that names it
// ("Delete folder", "Discard") beside Cancel: a bare Yes / No sends the
// reader back to the question, and Fyne's Chinese "No" is a bare "不".
func confirmAction(title, message, action string, f func(), w fyne.Window) {
	d := dialog.NewConfirm(title, message, func(ok bool) {
		if ok {
			f()
		}
	}, w)
	d.SetConfirmText(action)
	d.SetDismissText(T("dialog.cancel"))
	d.Show()
}

// emptyFolder empties Trash (for good) or Junk (into Trash, undoably)
// once the user has agreed to the count of messages it takes.
func (mv *mailView) emptyFolder(f store.Folder) {
	role, trash := f.Role, T("folder.trash")
	mv.ui.goWork(func(ctx context.Context) {
		n, _, err := mv.eng.Store().Counts(ctx, f.ID)
		mv.ui.do(func() {
			switch {
			case err != nil:
				mv.showError(err)
			case n == 0:
				dialog.ShowInformation(T("folder.empty_"+role+".title"), T("folder.empty_"+role+".none"), mv.win)
			default:
				confirmAction(T("folder.empty_"+role+".title"), TN("folder.empty_"+role+".message", n, nil), T("folder.empty.ok"), func() {
					mv.act(func(ctx context.Context) error {
						u, _, err := mv.eng.EmptyFolder(ctx, f.ID)
						mv.offerUndo(u, "undo.moved", trash)
						return err
					})
				}, mv.win)
			}
		})
	})
}

// folderMenu is the tree's context menu.
func (mv *mailView) folderMenu(uid string, ev *fyne.PointEvent) {
	n, ok := mv.tm.nodes[uid]
	if !ok {
		return
	}
	markRead := fyne.NewMenuItem(T("folder.mark_read.menu"), func() { mv.markAllRead(uid) })
	markRead.Disabled = n.unread == 0
	if uid == nodeUnified {
		widget.ShowPopUpMenuAtPosition(fyne.NewMenu("", markRead), mv.win.Canvas(), ev.AbsolutePosition)
		return
	}
	items := []*fyne.MenuItem{fyne.NewMenuItem(T("folder.new.menu"), func() { mv.newFolder(uid) })}
	if n.folder.ID != 0 && n.folder.Role == "" {
		items = append(items,
			fyne.NewMenuItem(T("folder.rename.menu"), func() { mv.renameFolder(uid) }),
			fyne.NewMenuItem(T("folder.delete.menu"), func() { mv.deleteFolder(uid) }))
	}
	acct := n.account
	if n.folder.ID != 0 {
		items = append(items, markRead)
	}
	if r := n.folder.Role; n.folder.ID != 0 && (r == store.RoleTrash || r == store.RoleJunk) {
		items = append(items, fyne.NewMenuItem(T("folder.empty_"+r+".menu"), func() { mv.emptyFolder(n.folder) }))
	}
	items = append(items, fyne.NewMenuItemSeparator(),
		fyne.NewMenuItem(T("action.get_mail"), func() { mv.ui.goWork(func(context.Context) { mv.eng.CheckNow(acct) }) }))
	widget.ShowPopUpMenuAtPosition(fyne.NewMenu("", items...), mv.win.Canvas(), ev.AbsolutePosition)
}

// updateOutboxCount shows on the File menu how many messages have not
// left yet ("Outbox (2)"), read off the UI goroutine.
func (mv *mailView) updateOutboxCount() {
	mv.ui.goWork(func(ctx context.Context) {
		msgs, err := mv.eng.Unsent(ctx)
		if err != nil {
			return
		}
		mv.ui.do(func() {
			if mv.outboxItem == nil {
				return
			}
			label := T("menu.outbox")
			if len(msgs) > 0 {
				label = T("menu.outbox_count", map[string]any{"Count": len(msgs)})
			}
			if mv.outboxItem.Label != label {
				mv.outboxItem.Label = label
				if menu := mv.win.MainMenu(); menu != nil {
					menu.Refresh()
				}
			}
		})
	})
}

// markAllRead marks every message of a folder read, or of every inbox
// for the unified inbox.
func (mv *mailView) markAllRead(uid string) {
	n, ok := mv.tm.nodes[uid]
	if !ok {
		return
	}
	folder := n.folder.ID
	mv.act(func(ctx context.Context) error {
		folders := []int64{folder}
		if uid == nodeUnified {
			folders = mv.eng.InboxIDs(ctx)
		}
		u, err := mv.eng.MarkFoldersRead(ctx, folders...)
		mv.offerUndo(u, "undo.marked_read", "")
		return err
	})
}

// messageMenu is the message list's context menu.
func (mv *mailView) messageMenu(ev *fyne.PointEvent) {
	widget.ShowPopUpMenuAtPosition(fyne.NewMenu("", mv.messageItems()...), mv.win.Canvas(), ev.AbsolutePosition)
}

func (mv *mailView) messageItems() []*fyne.MenuItem {
	item := func(key string, icon fyne.Resource, f func()) *fyne.MenuItem {
		it := withKey(fyne.NewMenuItem(T(key), f), key)
		it.Icon = icon
		return it
	}
	return []*fyne.MenuItem{
		item("action.reply", theme.MailReplyIcon(), func() { mv.reply(false) }),
		item("action.reply_all", theme.MailReplyAllIcon(), func() { mv.reply(true) }),
		item("action.forward", theme.MailForwardIcon(), mv.forward),
		fyne.NewMenuItemSeparator(),
		item("action.mark_read", theme.VisibilityIcon(), func() { mv.markRead(true) }),
		item("action.mark_unread", theme.VisibilityOffIcon(), func() { mv.markRead(false) }),
		item("action.flag", widgets.StarIcon(), mv.toggleFlag),
		fyne.NewMenuItemSeparator(),
		item("action.archive", theme.StorageIcon(), func() { mv.moveToRole(store.RoleArchive) }),
		item("action.junk", theme.WarningIcon(), func() { mv.junk(true) }),
		item("action.not_junk", theme.ConfirmIcon(), func() { mv.junk(false) }),
		item("action.move", theme.FolderOpenIcon(), mv.moveChooser),
		item("action.delete", theme.DeleteIcon(), mv.deleteSelected),
	}
}

// toolbar is the row of action buttons above the panes. Each names its
// action (and its keys) in a tip on mv.tips while the pointer rests on it.
func (mv *mailView) toolbar() *widget.Toolbar {
	act := func(icon fyne.Resource, key string, f func()) widget.ToolbarItem {
		return widgets.NewTipAction(mv.tips, icon, tipText(T(key), runtime.GOOS), f)
	}
	mv.junkAct = widgets.NewTipAction(mv.tips, theme.WarningIcon(), T("action.junk"), func() { mv.junk(true) })
	mv.archiveAct = widgets.NewTipAction(mv.tips, theme.StorageIcon(), tipText(T("action.archive"), runtime.GOOS),
		func() { mv.moveToRole(store.RoleArchive) })
	return widget.NewToolbar(
		act(theme.ViewRefreshIcon(), "action.get_mail", mv.getMail),
		act(theme.MailComposeIcon(), "action.write", mv.write),
		widget.NewToolbarSeparator(),
		act(theme.MailReplyIcon(), "action.reply", func() { mv.reply(false) }),
		act(theme.MailReplyAllIcon(), "action.reply_all", func() { mv.reply(true) }),
		act(theme.MailForwardIcon(), "action.forward", mv.forward),
		widget.NewToolbarSeparator(),
		mv.archiveAct,
		mv.junkAct,
		act(theme.DeleteIcon(), "action.delete", mv.deleteSelected),
		act(widgets.StarIcon(), "action.flag", mv.toggleFlag),
		act(theme.FolderOpenIcon(), "action.move", mv.moveChooser),
		widget.NewToolbarSpacer(),
		act(theme.SettingsIcon(), "menu.settings", func() { mv.mw.openSettings() }),
	)
}

// updateFolderActions fits the toolbar to the folder shown: in Junk the
// Junk button is Not junk (marking as junk again would do nothing), in an
// Archive the Archive button is greyed out.
func (mv *mailView) updateFolderActions() {
	if mv.junkAct == nil {
		return
	}
	n, ok := mv.tm.nodes[mv.current]
	if ok && n.kind == store.RoleArchive {
		mv.archiveAct.Disable()
	} else {
		mv.archiveAct.Enable()
	}
	if ok && n.kind == store.RoleJunk {
		mv.junkAct.Set(theme.ConfirmIcon(), T("action.not_junk"), func() { mv.junk(false) })
		return
	}
	mv.junkAct.Set(theme.WarningIcon(), T("action.junk"), func() { mv.junk(true) })
}

// tipText is a toolbar tip: the action, with its keys from the shortcut
// list when it has any that do not merely repeat it ("Delete (Delete)").
func tipText(action, goos string) string {
	for _, s := range shortcutList(goos) {
		if s.Action == action && s.Keys != action {
			return T("tip.with_keys", map[string]any{"Action": action, "Keys": s.Keys})
		}
	}
	return action
}

// actionKeys are the keys of the main window's actions, by the
// translation key of the action's name: the one table the registered
// shortcuts, the menus and the welcome screen's menu read. Delete and F5
// are plain keys handled by typedKey; they are here for the menus.
var actionKeys = map[string]desktop.CustomShortcut{
	"action.get_mail":           {KeyName: fyne.KeyF5},
	"action.write":              {KeyName: fyne.KeyN, Modifier: fyne.KeyModifierShortcutDefault},
	"action.reply":              {KeyName: fyne.KeyR, Modifier: fyne.KeyModifierShortcutDefault},
	"action.reply_all":          {KeyName: fyne.KeyR, Modifier: fyne.KeyModifierShortcutDefault | fyne.KeyModifierShift},
	"action.forward":            {KeyName: fyne.KeyL, Modifier: fyne.KeyModifierShortcutDefault},
	"action.move":               {KeyName: fyne.KeyM, Modifier: fyne.KeyModifierShortcutDefault},
	"action.delete":             {KeyName: fyne.KeyDelete},
	"menu.search":               {KeyName: fyne.KeyF, Modifier: fyne.KeyModifierShortcutDefault},
	"menu.settings":             {KeyName: fyne.KeyComma, Modifier: fyne.KeyModifierShortcutDefault},
	"menu.quit":                 {KeyName: fyne.KeyQ, Modifier: fyne.KeyModifierShortcutDefault},
	"undo.button":               {KeyName: fyne.KeyZ, Modifier: fyne.KeyModifierShortcutDefault},
	"help.shortcuts.select_all": {KeyName: fyne.KeyA, Modifier: fyne.KeyModifierShortcutDefault},
}

// menuKey is the shortcut a menu shows beside the action named by
// translation key, nil for none.
func menuKey(key string) fyne.Shortcut {
	k, ok := actionKeys[key]
	if !ok {
		return nil
	}
	return &k
}

// withKey gives menu item it the keys of the action named by key.
func withKey(it *fyne.MenuItem, key string) *fyne.MenuItem {
	it.Shortcut = menuKey(key)
	return it
}

// shortcut is a registered shortcut: the action (a translation key of
// actionKeys) and what it does.
type shortcut struct {
	action string
	run    func()
	// always: also while a dialog is open (Quit); the others wait.
	always bool
}

func (mv *mailView) shortcuts() []shortcut {
	return []shortcut{
		{action: "action.write", run: mv.write},
		{action: "action.reply", run: func() { mv.reply(false) }},
		{action: "action.reply_all", run: func() { mv.reply(true) }},
		{action: "action.forward", run: mv.forward},
		{action: "menu.search", run: func() { mv.win.Canvas().Focus(mv.searchEntry) }},
		{action: "menu.quit", run: func() { mv.mw.quit() }, always: true},
		{action: "help.shortcuts.select_all", run: func() {
			if !mv.conv.active() {
				mv.list.selectAll()
			}
		}},
		{action: "action.move", run: mv.moveChooser},
		{action: "undo.button", run: mv.undoLast},
		{action: "menu.settings", run: func() { mv.mw.openSettings() }},
	}
}

// installKeys registers the shortcuts on the window and the plain keys
// (used when no text field has the focus).
func (mv *mailView) installKeys() {
	c := mv.win.Canvas()
	for _, s := range mv.shortcuts() {
		run := func(fyne.Shortcut) {
			if s.always || !mv.blocked() {
				s.run()
			}
		}
		k := actionKeys[s.action]
		c.AddShortcut(&k, run)
		if std := standardShortcut(k.KeyName, k.Modifier); std != nil {
			c.AddShortcut(std, run)
		}
	}
	c.SetOnTypedKey(mv.typedKey)
	c.SetOnTypedRune(mv.typedRune)
}

// standardShortcut is the shortcut Fyne's desktop driver reports for
// key with mod when it is one of its standard ones: Ctrl+Z arrives as
// fyne.ShortcutUndo and Ctrl+A as fyne.ShortcutSelectAll, never as the
// custom shortcut, so both are registered.
func standardShortcut(key fyne.KeyName, mod fyne.KeyModifier) fyne.Shortcut {
	if mod != fyne.KeyModifierShortcutDefault {
		return nil
	}
	switch key {
	case fyne.KeyZ:
		return &fyne.ShortcutUndo{}
	case fyne.KeyA:
		return &fyne.ShortcutSelectAll{}
	}
	return nil
}

// blocked reports whether a dialog or menu is open over the window: its
// keys are then not the message list's (Delete under "Empty Trash?" must
// not delete the selected message).
func (mv *mailView) blocked() bool { return mv.win.Canvas().Overlays().Top() != nil }

func (mv *mailView) typedKey(ev *fyne.KeyEvent) {
	if mv.blocked() {
		return
	}
	switch ev.Name {
	case fyne.KeyF5:
		mv.getMail()
	case fyne.KeyDelete:
		mv.deleteSelected()
	}
	if mv.conv.active() {
		mv.convKey(ev.Name)
		return
	}
	switch ev.Name {
	case fyne.KeyDown:
		mv.list.step(1, false)
	case fyne.KeyUp:
		mv.list.step(-1, false)
	case fyne.KeyPageDown:
		mv.list.step(20, false)
	case fyne.KeyPageUp:
		mv.list.step(-20, false)
	case fyne.KeyHome:
		mv.list.step(-mv.list.total, false)
	case fyne.KeyEnd:
		mv.list.step(mv.list.total, false)
	case fyne.KeyReturn, fyne.KeyEnter:
		// The current message in a window of its own, as a double click.
		if len(mv.list.selected) == 1 && mv.list.selected[mv.list.cursor] {
			mv.openInWindow(mv.list.cursor)
		}
	}
}

// convKey moves between conversations as typedKey does between messages.
func (mv *mailView) convKey(name fyne.KeyName) {
	c := mv.conv
	switch name {
	case fyne.KeyDown:
		c.step(1)
	case fyne.KeyUp:
		c.step(-1)
	case fyne.KeyPageDown:
		c.step(20)
	case fyne.KeyPageUp:
		c.step(-20)
	case fyne.KeyHome:
		c.step(-len(c.rows))
	case fyne.KeyEnd:
		c.step(len(c.rows))
	}
}

func (mv *mailView) typedRune(r rune) {
	if mv.blocked() {
		return
	}
	if mv.conv.active() {
		// Shift+J/K extend a message selection; conversations have one
		// selected row, so they move like j/k.
		switch r {
		case 'j', 'J':
			mv.conv.step(1)
			return
		case 'k', 'K':
			mv.conv.step(-1)
			return
		}
	}
	switch r {
	case 'j':
		mv.list.step(1, false)
	case 'k':
		mv.list.step(-1, false)
	case 'J':
		mv.list.step(1, true)
	case 'K':
		mv.list.step(-1, true)
	case 's':
		mv.toggleFlag()
	case 'a':
		mv.moveToRole(store.RoleArchive)
	}
}

// mainMenu is the window's menu bar.
func (mv *mailView) mainMenu() *fyne.MainMenu {
	item := func(key string, f func()) *fyne.MenuItem { return withKey(fyne.NewMenuItem(T(key), f), key) }
	mv.outboxItem = fyne.NewMenuItem(T("menu.outbox"), mv.openOutbox)
	quit := item("menu.quit", mv.mw.quit)
	quit.IsQuit = true
	file := fyne.NewMenu(T("menu.file"),
		item("action.get_mail", mv.getMail),
		item("action.write", mv.write),
		mv.outboxItem,
		fyne.NewMenuItemSeparator(),
		item("menu.settings", func() { mv.mw.openSettings() }),
		fyne.NewMenuItem(T("welcome.add_account"), func() { openWizard(mv.mw) }),
		fyne.NewMenuItemSeparator(),
		quit,
	)
	undo := item("undo.button", mv.undoLast)
	undo.Icon = theme.ContentUndoIcon()
	msg := fyne.NewMenu(T("menu.message"), append([]*fyne.MenuItem{undo, fyne.NewMenuItemSeparator()}, mv.messageItems()...)...)
	below := fyne.NewMenuItem(T("menu.view_below"), nil)
	below.Checked = mv.viewDown
	below.Action = func() {
		mv.setViewBelow(!mv.viewDown)
		below.Checked = mv.viewDown
		mv.rebuildMenu()
	}
	view := fyne.NewMenu(T("menu.view"), below, mv.conv.menuItem(),
		item("menu.search", func() { mv.win.Canvas().Focus(mv.searchEntry) }))
	help := fyne.NewMenu(T("menu.help"),
		fyne.NewMenuItem(T("menu.shortcuts"), func() { showShortcuts(mv.win) }),
		fyne.NewMenuItem(T("menu.default_app"), func() { showDefaultApp(mv.win) }),
		fyne.NewMenuItemSeparator(),
		fyne.NewMenuItem(T("menu.about"), func() { mv.mw.showAbout() }),
	)
	return fyne.NewMainMenu(file, msg, view, help)
}

// rebuildMenu sets the window's menu again after a toggle's check mark
// changed. Fyne 2.7 reserves room for check marks when it builds a menu,
// not when an item is checked later: refreshed, the newly checked item's
// mark was drawn over its first letter.
func (mv *mailView) rebuildMenu() {
	if menu := mv.win.MainMenu(); menu != nil {
		mv.win.SetMainMenu(menu)
	}
}

// folderRow is a folder's name in the move chooser; a double click moves
// there at once, as the message list opens a message on one. A click
// selects it: the desktop driver gives a click to the innermost object
// that takes any kind of tap, the row here rather than the list's item,
// so the row passes it on.
type folderRow struct {
	widget.Label
	onDouble func()
	onTap    func()
}

func (r *folderRow) Tapped(*fyne.PointEvent) {
	if r.onTap != nil {
		r.onTap()
	}
}

func newFolderRow() *folderRow {
	r := &folderRow{}
	r.ExtendBaseWidget(r)
	return r
}

func (r *folderRow) DoubleTapped(*fyne.PointEvent) {
	if r.onDouble != nil {
		r.onDouble()
	}
}
