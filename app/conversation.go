package app

import (
	"context"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"hongyan/mailcore/message"
	"hongyan/mailcore/store"
	"hongyan/widgets"
)

// prefConversations keeps the "Group by conversation" choice.
const prefConversations = "conversationView"

// convPageSize is the number of conversations read per store call.
const convPageSize = 100

// convView is the conversation view of a folder: one row per thread in the
// middle pane and, for the selected one, its messages in the reading pane.
// It follows the message list's folder (msgList.onSource); a search shows
// messages as usual. Fields are used on the UI goroutine only.
type convView struct {
	mv      *mailView
	enabled bool
	folders []int64 // the folders shown; nil while the list shows a search

	list *widget.List
	// rows are the conversations read so far, from the top; more says the
	// last read was a full page (the next is read when its row is drawn).
	rows     []store.Conversation
	more     bool
	loading  bool
	gen      int
	selected int64 // thread id
	// want is the message whose conversation is selected once the first
	// rows are read: the message selected when the view was switched on.
	want int64

	reader   *widgets.ThreadView
	note     *widget.Label   // "no conversation selected", in the reader's place
	right    *fyne.Container // the reader or the note
	readGen  int
	shown    int64 // thread in the reader
	msgs     []store.Summary
	markRead *time.Timer

	// onLoaded is called after rows were put in the list (tests).
	onLoaded func()
}

func newConvView(mv *mailView) *convView {
	c := &convView{mv: mv, reader: widgets.NewThreadView(),
		note: widget.NewLabelWithStyle(T("conv.none"), fyne.TextAlignCenter, fyne.TextStyle{Italic: true})}
	c.note.Wrapping = fyne.TextWrapWord
	// As in the message pane: the wrapping note needs the full width.
	c.right = container.NewStack(container.NewVBox(layout.NewSpacer(), c.note, layout.NewSpacer()), c.reader)
	c.enabled = mv.mw.app.Preferences().Bool(prefConversations)
	c.list = widget.NewList(
		func() int {
			if c.more {
				return len(c.rows) + 1
			}
			return len(c.rows)
		},
		func() fyne.CanvasObject {
			r := widgets.NewThreadRow()
			r.OnTapped = c.tapped
			r.OnDragged = func(i int, ev *fyne.DragEvent) {
				if i < len(c.rows) {
					c.mv.dragMessages(c.rows[i].Count, c.account, ev.AbsolutePosition)
				}
			}
			r.OnDragEnd = func(i int) {
				if i < len(c.rows) {
					c.dropThread(c.rows[i].ThreadID)
				}
			}
			return r
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			r := o.(*widgets.ThreadRow)
			if i >= len(c.rows) {
				r.SetData(i, widgets.ThreadRowData{Loading: true})
				c.loadMore()
				return
			}
			r.SetData(i, c.rowData(c.rows[i]))
		})
	c.reader.OnExpand = c.expand
	c.list.Hide()
	c.right.Hide()
	c.reader.Hide()
	return c
}

// active reports whether conversations are on screen.
func (c *convView) active() bool { return c.enabled && c.folders != nil }

// apply shows the conversation panes or the message list and view.
func (c *convView) apply() {
	if c.active() {
		c.mv.list.setHidden(true)
		c.list.Show()
		c.mv.view.content.Hide()
		c.right.Show()
		return
	}
	c.list.Hide()
	c.right.Hide()
	c.mv.list.setHidden(false)
	c.mv.view.content.Show()
}

// setEnabled turns the conversation view on or off (View menu).
func (c *convView) setEnabled(on bool) {
	c.enabled = on
	c.mv.mw.app.Preferences().SetBool(prefConversations, on)
	if on {
		if fs, ok := c.mv.list.src.(folderSource); ok {
			c.folders = fs.ids
		} else {
			c.folders = nil
		}
		c.want = 0
		if m, ok := c.mv.list.current(); ok && c.mv.list.selected[m.ID] {
			c.want = m.ID
		}
		c.reset()
	}
	c.apply()
}

// menuItem is the View menu's toggle.
func (c *convView) menuItem() *fyne.MenuItem {
	it := fyne.NewMenuItem(T("menu.conversations"), nil)
	it.Checked = c.enabled
	it.Action = func() {
		c.setEnabled(!c.enabled)
		it.Checked = c.enabled
		c.mv.rebuildMenu()
	}
	return it
}

// sourceChanged follows the message list: fresh for a new folder or
// search, else a reload after a change.
func (c *convView) sourceChanged(src listSource, fresh bool) {
	if fresh {
		if fs, ok := src.(folderSource); ok {
			c.folders = fs.ids
		} else {
			c.folders = nil
		}
		c.want = 0
		if c.enabled {
			c.reset()
		}
		c.apply()
		return
	}
	if c.active() {
		c.reload()
	}
}

// reset shows the current folders from the top with nothing selected.
func (c *convView) reset() {
	c.gen++
	c.rows, c.more, c.loading = nil, false, false
	c.selected = 0
	c.clearReader()
	c.list.ScrollToTop()
	c.list.Refresh()
	if c.folders != nil {
		c.read(0, convPageSize, false)
	}
}

// reload re-reads the conversations loaded so far (new mail, flags).
func (c *convView) reload() {
	c.gen++
	c.loading = false
	c.read(0, max(len(c.rows), convPageSize), true)
}

func (c *convView) loadMore() {
	if c.loading || !c.more {
		return
	}
	c.read(len(c.rows), convPageSize, false)
}

// read loads limit conversations from offset off the UI goroutine; with
// replace they replace the rows.
func (c *convView) read(offset, limit int, replace bool) {
	c.loading = true
	gen, folders, st, want := c.gen, c.folders, c.mv.eng.Store(), c.want
	c.mv.ui.goWork(func(ctx context.Context) {
		rows, err := st.Conversations(ctx, folders, offset, limit)
		var thread int64
		if want != 0 {
			// Read here, not from the list's row: threading may have
			// happened since the row was read.
			if m, err := st.Message(ctx, want); err == nil {
				thread = m.ThreadID
			}
		}
		c.mv.ui.do(func() {
			if gen != c.gen {
				return
			}
			c.loading = false
			if err != nil {
				c.mv.showError(err)
				return
			}
			if replace {
				c.rows = rows
			} else {
				c.rows = append(c.rows[:offset:offset], rows...)
			}
			c.more = len(rows) == limit
			c.list.Refresh()
			if want != 0 && c.want == want {
				// Looked for in the first rows only: a jump later, as
				// the user scrolls, would surprise.
				c.want = 0
				if i, ok := c.indexOf(thread); ok {
					c.list.ScrollTo(i)
					c.tapped(i)
				}
			}
			if replace && c.shown != 0 {
				c.refreshReader()
			}
			if c.onLoaded != nil {
				c.onLoaded()
			}
		})
	})
}

func (c *convView) rowData(cv store.Conversation) widgets.ThreadRowData {
	subj := cv.Subject
	if strings.TrimSpace(subj) == "" {
		subj = T("list.no_subject")
	}
	who := strings.Join(cv.Participants, ", ")
	if who == "" {
		who = T("list.no_sender")
	}
	count := TN("conv.messages", cv.Count, nil)
	if cv.Unread > 0 {
		count += " · " + T("conv.unread", map[string]any{"Count": cv.Unread})
	}
	return widgets.ThreadRowData{ThreadID: cv.ThreadID, Participants: who, Subject: subj,
		Date: formatDate(cv.LatestDate, time.Now()), Count: cv.Count, Unread: cv.Unread, CountText: count,
		Selected: cv.ThreadID == c.selected}
}

// tapped opens conversation i.
func (c *convView) tapped(i int) {
	c.mv.leaveTextField()
	if i < 0 || i >= len(c.rows) {
		return
	}
	c.selected = c.rows[i].ThreadID
	c.list.Refresh()
	c.open(c.rows[i])
}

func (c *convView) clearReader() {
	c.readGen++
	c.shown = 0
	c.msgs = nil
	c.stopTimer()
	c.reader.SetThread("", nil)
	c.reader.Hide()
	c.note.Show()
}

func (c *convView) stopTimer() {
	if c.markRead != nil {
		c.markRead.Stop()
		c.markRead = nil
	}
}

// open shows a conversation's messages, oldest first, the newest expanded.
func (c *convView) open(cv store.Conversation) {
	c.readGen++
	c.stopTimer()
	gen, st := c.readGen, c.mv.eng.Store()
	c.shown = cv.ThreadID
	c.mv.ui.goWork(func(ctx context.Context) {
		msgs, err := st.ThreadMessages(ctx, cv.ThreadID)
		c.mv.ui.do(func() {
			if gen != c.readGen {
				return
			}
			if err != nil {
				c.mv.showError(err)
				return
			}
			c.show(cv.Subject, msgs)
		})
	})
}

// refreshReader re-reads the open thread after a change and shows it again
// only when its messages changed (a reply arrived, one was deleted).
func (c *convView) refreshReader() {
	id, gen, st := c.shown, c.readGen, c.mv.eng.Store()
	old := c.msgs
	c.mv.ui.goWork(func(ctx context.Context) {
		msgs, err := st.ThreadMessages(ctx, id)
		c.mv.ui.do(func() {
			if gen != c.readGen || err != nil || sameIDs(old, msgs) {
				return
			}
			subj := ""
			if len(msgs) > 0 {
				subj = msgs[0].Subject
			}
			c.show(subj, msgs)
		})
	})
}

func sameIDs(a, b []store.Summary) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].ID != b[i].ID {
			return false
		}
	}
	return true
}

func (c *convView) show(subject string, msgs []store.Summary) {
	if len(msgs) == 0 {
		// The conversation is gone (its messages were moved or deleted).
		c.clearReader()
		return
	}
	c.msgs = msgs
	tm := make([]widgets.ThreadMessage, len(msgs))
	depths := threadDepths(msgs)
	now := time.Now()
	for i, m := range msgs {
		from := m.From.Name
		if from == "" {
			from = m.From.Addr
		}
		if from == "" {
			from = T("list.no_sender")
		}
		snip := firstLine(m.Preview, 120)
		if snip == "" {
			snip = widgets.FormatSize(m.Size)
		}
		tm[i] = widgets.ThreadMessage{ID: m.ID, From: from, Date: formatDate(m.Date, now), Snippet: snip,
			Unread: m.Flags&store.Seen == 0, Depth: depths[i]}
	}
	if strings.TrimSpace(subject) == "" {
		subject = T("list.no_subject")
	}
	c.note.Hide()
	c.reader.Show()
	c.reader.SetThread(subject, tm)
}

// maxThreadDepth bounds the indentation of replies in a conversation.
const maxThreadDepth = 6

// threadDepths says how deep each message of a conversation (oldest
// first) stands in its reply tree: 0 when it answers none of the others,
// else one more than the message it answers (its In-Reply-To, else the
// last of its References found in the conversation), at most
// maxThreadDepth.
func threadDepths(msgs []store.Summary) []int {
	norm := func(id string) string { return strings.Trim(strings.TrimSpace(id), "<>") }
	at := make(map[string]int, len(msgs)) // Message-ID → first message with it
	depth := make([]int, len(msgs))
	for i, m := range msgs {
		parent, ok := -1, false
		if m.InReplyTo != "" {
			parent, ok = at[norm(m.InReplyTo)]
		}
		for j := len(m.References) - 1; !ok && j >= 0; j-- {
			parent, ok = at[norm(m.References[j])]
		}
		if ok {
			depth[i] = min(depth[parent]+1, maxThreadDepth)
		}
		if id := norm(m.MessageID); id != "" {
			if _, seen := at[id]; !seen {
				at[id] = i
			}
		}
	}
	return depth
}

// expand loads the body of message i of the open thread.
func (c *convView) expand(i int, id int64) {
	if i < 0 || i >= len(c.msgs) || c.msgs[i].ID != id {
		return
	}
	m := c.msgs[i]
	gen, eng := c.readGen, c.mv.eng
	c.mv.ui.goWork(func(ctx context.Context) {
		msg, vm, err := loadReadView(ctx, eng, id, message.Options{})
		c.mv.ui.do(func() {
			if gen != c.readGen {
				return
			}
			if err != nil {
				c.reader.SetNote(i, reasonText(err))
				return
			}
			v := c.reader.SetBody(i, &vm)
			if v != nil {
				wireReadView(v, c.mv.win, msg)
				v.OnAnswerInvitation = func(accept bool) { c.mv.answerInvitation(v, id, accept) }
			}
			if m.Flags&store.Seen == 0 {
				c.scheduleMarkRead(id, gen)
			}
		})
	})
}

// scheduleMarkRead marks an expanded message read after the delay the user
// chose (0 at once, -1 never), as the message view does.
func (c *convView) scheduleMarkRead(id int64, gen int) {
	secs := c.mv.eng.Settings().MarkReadAfterSeconds
	if secs < 0 {
		return
	}
	mark := func() {
		if gen != c.readGen {
			return
		}
		c.mv.act(func(ctx context.Context) error { return c.mv.eng.SetFlags(ctx, []int64{id}, store.Seen, 0) })
	}
	if secs == 0 {
		mark()
		return
	}
	c.stopTimer()
	c.markRead = time.AfterFunc(time.Duration(secs)*time.Second, func() { c.mv.ui.do(mark) })
}

// panes wrap the message list and view with the conversation list and
// reader, for the mail view's layout.
func (c *convView) panes(list, view fyne.CanvasObject) (middle, right fyne.CanvasObject) {
	return container.NewStack(list, c.list), container.NewStack(view, c.right)
}
