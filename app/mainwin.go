package app

import (
	"context"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"hongyan/mailcore"
	"hongyan/mailcore/event"
	"hongyan/mailcore/mailerr"
	"hongyan/mailcore/message"
	"hongyan/mailcore/search"
	"hongyan/mailcore/store"
	"hongyan/widgets"
)

// uiContext runs work off the UI goroutine and hands results back to it.
// In the application do is fyne.Do; tests pass a queue they drain on
// their own goroutine so that every UI change happens on one goroutine.
type uiContext struct {
	do  func(func())
	ctx context.Context
	wg  sync.WaitGroup
}

func newUIContext(ctx context.Context, do func(func())) *uiContext {
	return &uiContext{do: do, ctx: ctx}
}

// goWork runs f on a new goroutine (store reads, engine calls).
func (u *uiContext) goWork(f func(ctx context.Context)) {
	u.wg.Add(1)
	go func() {
		defer u.wg.Done()
		f(u.ctx)
	}()
}

// mailView is the three-pane mail view of the main window.
type mailView struct {
	mw  *mainWindow
	ui  *uiContext
	eng *mailcore.Engine
	win fyne.Window
	se  *search.Engine

	tm      *treeModel
	tree    *widget.Tree
	list    *msgList
	view    *messagePane
	current string // tree node shown in the list
	treeGen int    // bumped per tree reload: only the newest snapshot is used

	status   map[string]error // account → last error, nil when fine
	syncing  map[int64]event.SyncProgress
	quotas   map[string]event.Quota
	newMail  []event.NewMail // not yet notified
	unread   int
	viewDown bool

	banner      *fyne.Container
	progress    *widget.ProgressBar
	progressBox *fyne.Container
	quotaBox    *fyne.Container
	searchEntry *escEntry
	srch        *searchBox
	conv        *convView
	sortSelect  *widget.Select
	outer       *container.Split // tree | rest
	inner       *container.Split // list | view
	content     fyne.CanvasObject
	bar         *widget.Toolbar
	junkAct     *widgets.TipAction // Junk, or Not junk in the Junk folder
	archiveAct  *widgets.TipAction // greyed out in an Archive
	tips        *widgets.TipLayer  // the toolbar's tips, over content

	undo undoBar

	drag      *dragState                     // a drag of messages under way, or nil
	treeNodes map[*widgets.FolderNode]string // the tree node each folder node widget shows

	outbox     *outboxWindow  // open, or nil
	outboxItem *fyne.MenuItem // File → Outbox, with the count of unsent mail
	// onMessageWindow (tests) sees each message window opened.
	onMessageWindow func(fyne.Window)

	onTreeLoaded func() // tests and benchmarks
}

// newMailView builds the mail view. The engine is open; its events arrive
// through handleEvents.
func newMailView(mw *mainWindow, ui *uiContext, eng *mailcore.Engine) *mailView {
	mv := &mailView{mw: mw, ui: ui, eng: eng, win: mw.win, se: search.New(eng.Store()),
		tm:     &treeModel{nodes: map[string]treeNode{}, children: map[string][]string{}},
		status: map[string]error{}, syncing: map[int64]event.SyncProgress{}, quotas: map[string]event.Quota{}}
	mv.viewDown = mw.app.Preferences().Bool(prefViewBelow)
	mv.tree = mv.newFolderTree()
	mv.list = newMsgList(ui, eng.Store)
	mv.list.order = store.SortOrder(mw.app.Preferences().IntWithFallback(prefSortOrder, int(store.ByDateDesc)))
	mv.list.onSelect = mv.selectionChanged
	mv.list.onTap = mv.leaveTextField
	mv.list.onDrag = func(ids []int64, pos fyne.Position) {
		mv.dragMessages(len(ids), func() string { return mv.accountOfRows(ids) }, pos)
	}
	mv.list.onDrop = mv.dropMessages
	mv.list.onContext = mv.messageMenu
	mv.list.onError = mv.showError
	mv.list.onOpen = mv.openInWindow
	mv.view = newMessagePane(mv)
	mv.conv = newConvView(mv)
	mv.list.onSource = mv.conv.sourceChanged

	mv.banner = container.NewVBox()
	mv.progress = widget.NewProgressBar()
	mv.progressBox = container.NewVBox(mv.progress)
	mv.progressBox.Hide()
	mv.quotaBox = container.NewVBox()

	mv.searchEntry = &escEntry{onEsc: mv.leaveSearch}
	mv.searchEntry.ExtendBaseWidget(mv.searchEntry)
	mv.searchEntry.SetPlaceHolder(T("search.placeholder"))
	mv.searchEntry.OnSubmitted = mv.runSearch
	mv.srch = newSearchBox(mv)
	mv.searchEntry.OnChanged = mv.srch.changed
	mv.searchEntry.ActionItem = widget.NewButtonWithIcon("", theme.SearchIcon(), func() { mv.runSearch(mv.searchEntry.Text) })

	mv.sortSelect = widget.NewSelect(sortLabels(), func(s string) {
		for i, l := range sortLabels() {
			if l == s {
				mv.list.setOrder(store.SortOrder(i))
				mv.mw.app.Preferences().SetInt(prefSortOrder, i)
			}
		}
	})
	mv.sortSelect.SetSelectedIndex(int(mv.list.order))

	left := container.NewBorder(nil, mv.quotaBox, nil, nil, mv.tree)
	listTop := container.NewVBox(mv.banner,
		container.NewBorder(nil, nil, nil, mv.sortSelect, mv.searchEntry), mv.srch.info, mv.progressBox)
	listPane, viewPane := mv.conv.panes(mv.list.list, mv.view.content)
	mv.newUndoBar()
	mailViews.Store(mw.app, mv)
	middle := container.NewBorder(listTop, mv.undo.box, nil, nil, listPane)
	mv.inner = container.NewHSplit(middle, viewPane)
	mv.inner.Horizontal = !mv.viewDown
	mv.outer = container.NewHSplit(left, mv.inner)
	splits := eng.Settings().PaneSplits
	mv.outer.Offset, mv.inner.Offset = 0.2, 0.4
	if len(splits) >= 2 {
		mv.outer.Offset, mv.inner.Offset = splits[0], splits[1]
	}
	mv.tips = widgets.NewTipLayer(ui.do)
	mv.bar = mv.toolbar()
	mv.content = mv.tips.Over(container.NewBorder(mv.bar, nil, nil, nil, mv.outer))
	return mv
}

// sortLabels are the sort choices in store.SortOrder order.
func sortLabels() []string {
	return []string{T("sort.newest"), T("sort.oldest"), T("sort.sender"), T("sort.subject")}
}

// setViewBelow puts the message view below the list (true) or right of it.
func (mv *mailView) setViewBelow(below bool) {
	mv.viewDown = below
	mv.inner.Horizontal = !below
	mv.inner.Refresh()
	mv.mw.app.Preferences().SetBool(prefViewBelow, below)
}

// splits are the divider positions, for the settings.
func (mv *mailView) splits() []float64 { return []float64{mv.outer.Offset, mv.inner.Offset} }

// leaveTextField takes the keyboard focus from the search field (or any
// other) when a message or conversation is clicked, so that the keys
// that act on messages (Delete, J/K, Ctrl+Z, ...) reach the list: after
// a search, clicking a result and pressing Delete deleted nothing, the
// key went to the search field.
func (mv *mailView) leaveTextField() {
	if mv.win.Canvas().Focused() != nil {
		mv.win.Canvas().Unfocus()
	}
}

// leaveSearch (Escape in the search field) clears the search, which
// shows the folder again, and leaves the field.
func (mv *mailView) leaveSearch() {
	mv.searchEntry.SetText("")
	mv.win.Canvas().Unfocus()
}

// selectionChanged shows the current message.
func (mv *mailView) selectionChanged() {
	if len(mv.list.selected) > 1 {
		mv.view.showMany(len(mv.list.selected))
		return
	}
	if m, ok := mv.list.current(); ok && mv.list.selected[m.ID] {
		mv.view.show(m)
		return
	}
	if len(mv.list.selected) == 0 {
		mv.view.clear()
	}
}

// runSearch lists the messages matching text now (Enter); empty text goes
// back to the folder. Typing searches by itself after a pause (search.go).
func (mv *mailView) runSearch(text string) {
	if text == "" {
		mv.srch.stop()
		mv.srch.info.Hide()
		if mv.current != "" {
			mv.selectNode(mv.current)
		}
		return
	}
	mv.srch.run(text)
}

// showError shows err in a dialog, in the user's language.
func (mv *mailView) showError(err error) {
	if err == nil {
		return
	}
	dialog.ShowError(userError(err), mv.win)
}

// updateTitle puts the unread count of the inboxes in the window title.
func (mv *mailView) updateTitle() {
	n := mv.tm.totalUnread()
	mv.unread = n
	if n > 0 {
		mv.win.SetTitle(T("title.unread", map[string]any{"Count": n}))
	} else {
		mv.win.SetTitle(T("app.title"))
	}
	mv.mw.updateTray()
}

// updateProgress shows the sync progress of the folders on screen.
func (mv *mailView) updateProgress() {
	done, total := 0, 0
	for _, id := range mv.currentFolderIDs() {
		if p, ok := mv.syncing[id]; ok && !p.Finished {
			done += p.Done
			total += p.Total
		}
	}
	if total == 0 {
		mv.progressBox.Hide()
		return
	}
	mv.progress.Max = float64(total)
	mv.progress.SetValue(float64(done))
	mv.progressBox.Show()
}

// updateQuota redraws the usage bars under the tree.
func (mv *mailView) updateQuota() {
	mv.quotaBox.RemoveAll()
	for _, a := range mv.eng.Accounts() {
		q, ok := mv.quotas[a.ID]
		if !ok || q.Limit <= 0 {
			continue
		}
		bar := widget.NewProgressBar()
		bar.Max = float64(q.Limit)
		bar.SetValue(float64(q.Used))
		bar.TextFormatter = func() string {
			return T("quota.usage", map[string]any{"Used": widgets.FormatSize(q.Used), "Limit": widgets.FormatSize(q.Limit)})
		}
		name := a.DisplayName
		if name == "" {
			name = a.Email
		}
		mv.quotaBox.Add(widget.NewLabelWithStyle(name, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
		mv.quotaBox.Add(bar)
		if q.Warning || float64(q.Used) > 0.9*float64(q.Limit) {
			warn := widget.NewLabel(T("quota.warning"))
			warn.Wrapping = fyne.TextWrapWord
			warn.Importance = widget.DangerImportance
			mv.quotaBox.Add(warn)
		}
	}
	mv.quotaBox.Refresh()
}

// updateBanner shows why an account of the current view is offline, with
// Retry (and Trust for an unknown certificate).
func (mv *mailView) updateBanner() {
	mv.banner.RemoveAll()
	cur := mv.currentAccount()
	for _, a := range mv.eng.Accounts() {
		err := mv.status[a.ID]
		if err == nil || (cur != "" && a.ID != cur) {
			continue
		}
		id := a.ID
		name := a.DisplayName
		if name == "" {
			name = a.Email
		}
		text := widget.NewLabel(T("banner.account_failed", map[string]any{"Account": name, "Reason": reasonText(err)}))
		text.Wrapping = fyne.TextWrapWord
		text.Importance = widget.WarningImportance
		retry := widget.NewButtonWithIcon(T("action.retry"), theme.ViewRefreshIcon(), func() {
			mv.ui.goWork(func(context.Context) { mv.eng.CheckNow(id) })
		})
		buttons := container.NewHBox(layout.NewSpacer(), retry)
		if host, fp, ok := untrustedCert(err); ok {
			trust := widget.NewButtonWithIcon(T("action.trust"), theme.ConfirmIcon(), func() { mv.confirmTrust(id, host, fp) })
			buttons.Add(trust)
		}
		if mailerr.Is(err, mailerr.AuthFailed) {
			pw := widget.NewButtonWithIcon(T("action.enter_password"), theme.AccountIcon(), func() { mv.askPassword(id, name) })
			buttons.Add(pw)
		}
		mv.banner.Add(container.NewBorder(nil, nil, widget.NewIcon(theme.WarningIcon()), nil,
			container.NewVBox(text, buttons)))
	}
	mv.banner.Refresh()
}

// askPassword asks for an account's password after a failed login (wrong,
// changed, or not available because the keyring is locked or absent). It
// goes to the keyring when one answers; otherwise, as the dialog says, it
// is kept for this session only.
func (mv *mailView) askPassword(id, name string) {
	entry := widget.NewPasswordEntry()
	eng := mv.eng
	mv.ui.goWork(func(ctx context.Context) {
		kerr := eng.KeyringAvailable(ctx)
		mv.ui.do(func() {
			note := T("password.note_keyring")
			if kerr != nil {
				note = T("password.note_session", map[string]any{"Error": kerr.Error()})
			}
			hint := widget.NewLabel(note)
			hint.Wrapping = fyne.TextWrapWord
			form := showForm(T("password.title", map[string]any{"Account": name}), T("action.ok"),
				[]*widget.FormItem{widget.NewFormItem(T("password.label"), entry), widget.NewFormItem("", hint)},
				func(ok bool) {
					if !ok || entry.Text == "" {
						return
					}
					pw := entry.Text
					mv.act(func(context.Context) error {
						if kerr != nil {
							return eng.UsePasswordForSession(id, pw)
						}
						return setAccountPassword(eng, id, pw, pw)
					})
				}, mv.win)
			form.Resize(fyne.NewSize(460, 240))
		})
	})
}

// confirmTrust asks before trusting a certificate that did not verify.
func (mv *mailView) confirmTrust(acct, host, fp string) {
	confirmAction(T("trust.title"), T("trust.message", map[string]any{"Host": host, "Fingerprint": fp}), T("trust.ok"),
		func() { mv.act(func(context.Context) error { return mv.eng.TrustCertificate(acct, host, fp) }) }, mv.win)
}

// openInWindow shows a message in a window of its own (double click).
// live is the main window's mail view now: mv, or the view that
// replaced it when the language changed.
func (mv *mailView) live() *mailView {
	if cur := mv.mw.mv; cur != nil {
		return cur
	}
	return mv
}

func (mv *mailView) openInWindow(id int64) {
	eng := mv.eng
	mv.ui.goWork(func(ctx context.Context) {
		msg, vm, err := loadReadView(ctx, eng, id, message.Options{})
		mv.ui.do(func() {
			if err != nil {
				mv.showError(err)
				return
			}
			w, _ := openMessageWindow(mv.mw.app, msg, vm, &messageActions{
				reply:   func(all bool) { openReply(mv.mw, id, all) },
				forward: func() { openForward(mv.mw, id) },
				// The window may outlive this view (a change of language
				// builds a new one): act through the main window's view
				// of the moment, so that the undo offer shows.
				delete: func(done func()) {
					cur := mv.live()
					del := cur.undoable(T("folder.trash"), store.RoleTrash, cur.eng.Delete)
					cur.act(func(ctx context.Context) error { return del(ctx, []int64{id}) })
					done()
				},
				answer: func(v *widgets.MessageView, accept bool) { mv.live().answerInvitation(v, id, accept) },
			})
			if mv.onMessageWindow != nil {
				mv.onMessageWindow(w)
			}
		})
	})
}
