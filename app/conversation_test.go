package app

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"

	"hongyan/mailcore/account"
	"hongyan/mailcore/store"
	"hongyan/widgets"
)

var threadMails = []testMail{
	{from: "Ann <ann@example.org>", to: "team@example.org", subject: "Trip to the coast",
		body: "Shall we go in June?", date: time.Date(2024, 4, 1, 9, 0, 0, 0, time.UTC), id: "t1@example.org"},
	{from: "Bob <bob@example.org>", to: "team@example.org", subject: "Re: Trip to the coast",
		body: "June works for me.", date: time.Date(2024, 4, 2, 9, 0, 0, 0, time.UTC), id: "t2@example.org", inReplyTo: "t1@example.org"},
	{from: "Ann <ann@example.org>", to: "team@example.org", subject: "Re: Trip to the coast",
		body: "Booked the train for the third.", date: time.Date(2024, 4, 3, 9, 0, 0, 0, time.UTC), id: "t3@example.org", inReplyTo: "t2@example.org"},
	{from: "Cy <cy@example.org>", to: "team@example.org", subject: "Printer",
		body: "The printer is out of toner.", date: time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC), id: "p1@example.org"},
	{from: "Dee <dee@example.org>", to: "team@example.org", subject: "Re: Printer",
		body: "Ordered more.", date: time.Date(2024, 3, 5, 9, 0, 0, 0, time.UTC), id: "p2@example.org", inReplyTo: "p1@example.org"},
	{from: "Eve <eve@example.org>", to: "team@example.org", subject: "Standalone note",
		body: "Just this one.", date: time.Date(2024, 2, 1, 9, 0, 0, 0, time.UTC), id: "n1@example.org"},
}

// threadRows returns the conversation rows drawn, by index.
func (h *harness) threadRows() map[int]*widgets.ThreadRow {
	out := map[int]*widgets.ThreadRow{}
	for _, o := range test.LaidOutObjects(h.mw.mv.conv.list) {
		if r, ok := o.(*widgets.ThreadRow); ok && r.Visible() && r.Data().ThreadID != 0 {
			out[r.Index] = r
		}
	}
	return out
}

// viewMenuItem finds an item of the window's View menu by label.
func (h *harness) viewMenuItem(label string) *fyne.MenuItem {
	h.t.Helper()
	for _, m := range h.mw.win.MainMenu().Items {
		if m.Label != T("menu.view") {
			continue
		}
		for _, it := range m.Items {
			if it.Label == label {
				return it
			}
		}
	}
	h.t.Fatalf("no %q in the View menu", label)
	return nil
}

// threadHarness is a harness in English with threadMails in the inbox;
// page is the inbox's messages, newest first.
func threadHarness(t *testing.T) (*harness, *mailView, []store.Summary) {
	t.Helper()
	useEnglish(t)
	h := newMailHarness(t, threadMails, account.ProtocolPOP3)
	inbox := h.waitInbox(len(threadMails))
	page, err := h.eng.Store().Page(context.Background(), inbox, store.ByDateDesc, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	return h, h.mw.mv, page
}

func TestConversationView(t *testing.T) {
	h, mv, page := threadHarness(t)
	ctx := context.Background()
	// Bob's reply is read; the rest are not.
	for _, m := range page {
		if m.From.Addr == "bob@example.org" {
			if err := h.eng.SetFlags(ctx, []int64{m.ID}, store.Seen, 0); err != nil {
				t.Fatal(err)
			}
		}
	}

	item := h.viewMenuItem(T("menu.conversations"))
	if item.Checked {
		t.Fatal("conversations are on before the toggle")
	}
	item.Action()
	if !item.Checked || !mv.conv.enabled || !h.mw.app.Preferences().Bool(prefConversations) {
		t.Fatal("the toggle did not turn conversations on and keep the setting")
	}
	if mv.list.list.Visible() || !mv.conv.list.Visible() {
		t.Fatal("the message list is still shown")
	}
	type want struct {
		subject       string
		count, unread int
	}
	wantRows := []want{{"Trip to the coast", 3, 2}, {"Printer", 2, 2}, {"Standalone note", 1, 1}}
	h.ui.waitFor(t, "three conversation rows drawn", func() bool { return len(h.threadRows()) == 3 })
	rows := h.threadRows()
	for i, w := range wantRows {
		d := rows[i].Data()
		if d.Subject != w.subject || d.Count != w.count || d.Unread != w.unread {
			t.Errorf("row %d: %q count %d unread %d, want %+v", i, d.Subject, d.Count, d.Unread, w)
		}
	}
	if d := rows[0].Data(); d.Participants != "Ann, Bob" ||
		d.CountText != T("conv.messages", map[string]any{"Count": 3})+" · "+T("conv.unread", map[string]any{"Count": 2}) {
		t.Errorf("row 0 participants %q, counts %q", d.Participants, d.CountText)
	}

	// Opening the trip: its three messages in date order, only the newest
	// expanded (and its body shown).
	test.Tap(rows[0])
	h.ui.pump()
	r := mv.conv.reader
	h.ui.waitFor(t, "the thread in the reader", func() bool { return r.Len() == 3 })
	if !r.Visible() || mv.view.content.Visible() {
		t.Fatal("the thread reader is not the one shown")
	}
	wantFrom := []string{"Ann", "Bob", "Ann"}
	for i := 0; i < 3; i++ {
		if from, _, _ := r.Header(i).Text(); from != wantFrom[i] {
			t.Errorf("message %d from %q, want %q", i, from, wantFrom[i])
		}
		if i > 0 && mv.conv.msgs[i].Date.Before(mv.conv.msgs[i-1].Date) {
			t.Errorf("message %d is older than the one before it", i)
		}
		if got := r.Expanded(i); got != (i == 2) {
			t.Errorf("message %d expanded=%v", i, got)
		}
	}
	h.ui.waitFor(t, "the newest body", func() bool {
		v := r.MessageView(2)
		return v != nil && v.Model() != nil && v.Model().Subject == "Re: Trip to the coast"
	})
	if r.MessageView(0) != nil {
		t.Fatal("a collapsed message's body was loaded")
	}
	// A tap on the oldest header expands it.
	test.Tap(r.Header(0))
	if !r.Expanded(0) {
		t.Fatal("tapping the header did not expand the message")
	}
	h.ui.waitFor(t, "the oldest body", func() bool {
		v := r.MessageView(0)
		return v != nil && v.Model() != nil && v.Model().Subject == "Trip to the coast"
	})
	test.Tap(r.Header(0))
	if r.Expanded(0) {
		t.Fatal("a second tap did not collapse the message")
	}

	// A search shows messages; clearing it returns to the conversations.
	mv.searchEntry.SetText("")
	h.ui.pump()
	h.searchFor("toner")
	if !mv.list.list.Visible() || mv.conv.list.Visible() {
		t.Fatal("search results are not shown as messages")
	}
	mv.searchEntry.SetText("")
	h.ui.waitFor(t, "the conversations again", func() bool {
		return mv.conv.list.Visible() && len(mv.conv.rows) == 3
	})

	// Off again: the message list is back.
	item = h.viewMenuItem(T("menu.conversations"))
	item.Action()
	if mv.conv.enabled || !mv.list.list.Visible() || mv.conv.list.Visible() || h.mw.app.Preferences().Bool(prefConversations) {
		t.Fatal("the toggle did not turn conversations off")
	}
}

func TestConversationListPages(t *testing.T) {
	useEnglish(t)
	h := newHarness(t, 400, "", true)
	inbox := h.waitInbox(400)
	mv := h.mw.mv
	all, err := h.eng.Store().Conversations(context.Background(), []int64{inbox}, 0, 10000)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) <= convPageSize {
		t.Fatalf("only %d threads: the test needs more than a page", len(all))
	}
	h.viewMenuItem(T("menu.conversations")).Action()
	h.ui.waitFor(t, "the first page", func() bool { return len(mv.conv.rows) == convPageSize && mv.conv.more })
	// Scrolling down reads the next pages as their rows are drawn.
	h.ui.waitFor(t, "every page", func() bool {
		mv.conv.list.ScrollToBottom()
		test.LaidOutObjects(mv.conv.list)
		return !mv.conv.more && !mv.conv.loading
	})
	if len(mv.conv.rows) != len(all) {
		t.Fatalf("%d conversations listed, want %d", len(mv.conv.rows), len(all))
	}
	seen := map[int64]bool{}
	for i, c := range mv.conv.rows {
		if seen[c.ThreadID] || c.ThreadID != all[i].ThreadID || c.Count != all[i].Count {
			t.Fatalf("row %d: thread %d (%d messages), want %d (%d)", i, c.ThreadID, c.Count, all[i].ThreadID, all[i].Count)
		}
		seen[c.ThreadID] = true
	}
}

func TestConversationKeys(t *testing.T) {
	useEnglish(t)
	h := newMailHarness(t, threadMails, account.ProtocolPOP3)
	inbox := h.waitInbox(len(threadMails))
	mv := h.mw.mv
	cv := mv.conv
	ctx := context.Background()
	c := h.mw.win.Canvas()

	h.viewMenuItem(T("menu.conversations")).Action()
	h.ui.waitFor(t, "three conversations", func() bool { return len(cv.rows) == 3 && len(h.threadRows()) == 3 })
	threads := []int64{cv.rows[0].ThreadID, cv.rows[1].ThreadID, cv.rows[2].ThreadID}

	// Before a pick the reading pane says so.
	if !cv.right.Visible() || !cv.note.Visible() || cv.reader.Visible() || cv.note.Text != T("conv.none") {
		t.Fatalf("before a pick: note shown=%v %q, reader shown=%v", cv.note.Visible(), cv.note.Text, cv.reader.Visible())
	}
	if !mv.list.hidden {
		t.Fatal("the message list is not marked hidden")
	}

	// j/k and the arrows move between conversations and open them.
	moves := []struct {
		key  string
		want int
	}{{"j", 0}, {"j", 1}, {"down", 2}, {"down", 2}, {"k", 1}, {"up", 0}, {"J", 1}, {"K", 0}}
	for _, m := range moves {
		switch m.key {
		case "down":
			c.OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyDown})
		case "up":
			c.OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyUp})
		default:
			test.TypeOnCanvas(c, m.key)
		}
		if cv.selected != threads[m.want] {
			t.Fatalf("after %s thread %d is selected, want row %d (%d)", m.key, cv.selected, m.want, threads[m.want])
		}
		if mv.list.cursor != 0 {
			t.Fatalf("%s moved the hidden message list", m.key)
		}
	}
	h.ui.waitFor(t, "the trip in the reader", func() bool { return cv.reader.Len() == 3 })
	if cv.note.Visible() || !cv.reader.Visible() {
		t.Fatal("the note still shows with a conversation open")
	}
	trip := append([]store.Summary(nil), cv.msgs...)

	// Ctrl+R answers the newest message of the conversation.
	var replied int64
	old := openReply
	openReply = func(_ *mainWindow, id int64, _ bool) { replied = id }
	defer func() { openReply = old }()
	c.(fyne.Shortcutable).TypedShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyR, Modifier: fyne.KeyModifierShortcutDefault})
	if replied != trip[2].ID || trip[2].MessageID != "t3@example.org" {
		t.Fatalf("reply to %d (%s), want the newest, %d", replied, trip[2].MessageID, trip[2].ID)
	}

	// s flags every message of the conversation.
	test.TypeOnCanvas(c, "s")
	h.ui.waitFor(t, "the trip flagged", func() bool {
		msgs, err := h.eng.Store().ThreadMessages(ctx, threads[0])
		if err != nil || len(msgs) != 3 {
			return false
		}
		for _, m := range msgs {
			if m.Flags&store.Flagged == 0 {
				return false
			}
		}
		return true
	})

	// Delete moves all three to Trash; the next conversation opens.
	trash, err := h.eng.Store().FolderByRole(ctx, h.acct.ID, store.RoleTrash)
	if err != nil {
		t.Fatal(err)
	}
	c.OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyDelete})
	if cv.selected != threads[1] {
		t.Fatalf("after Delete thread %d is selected, want the next (%d)", cv.selected, threads[1])
	}
	h.ui.waitFor(t, "the trip in Trash and two conversations left", func() bool {
		n, _, _ := h.eng.Store().Counts(ctx, trash.ID)
		return n == 3 && len(cv.rows) == 2 && cv.rows[0].ThreadID == threads[1]
	})
	n, _, err := h.eng.Store().Counts(ctx, inbox)
	if err != nil || n != 3 {
		t.Fatalf("inbox has %d messages (%v), want 3", n, err)
	}
	tpage, err := h.eng.Store().Page(ctx, trash.ID, store.ByDateDesc, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range tpage {
		if m.ThreadID != threads[0] {
			t.Errorf("%q is in Trash but not of the trip", m.Subject)
		}
	}
	h.ui.waitFor(t, "the printer thread in the reader", func() bool { return cv.shown == threads[1] && cv.reader.Len() == 2 })
	h.ui.waitFor(t, "the offer to undo", func() bool { return mv.undo.label.Text == "3 messages moved to Trash." })

	// The hidden list read nothing meanwhile; shown again it catches up.
	if mv.list.total != len(threadMails) || !mv.list.stale {
		t.Fatalf("the hidden list has %d messages (stale %v): it was reloaded while hidden", mv.list.total, mv.list.stale)
	}
	h.viewMenuItem(T("menu.conversations")).Action()
	h.ui.waitFor(t, "the message list with three messages", func() bool {
		return mv.list.list.Visible() && mv.list.total == 3 && !mv.list.stale
	})
	// Undo brings the whole conversation back.
	c.(fyne.Shortcutable).TypedShortcut(&fyne.ShortcutUndo{})
	h.ui.waitFor(t, "the trip back in the inbox", func() bool {
		n, _, _ := h.eng.Store().Counts(ctx, inbox)
		return n == len(threadMails) && mv.list.total == len(threadMails)
	})
}

func TestThreadDepths(t *testing.T) {
	msgs := []store.Summary{
		{MessageID: "<a@x>"},                                                     // 0: starts it
		{MessageID: "<b@x>", InReplyTo: "<a@x>"},                                 // 1: answers a
		{MessageID: "<c@x>", InReplyTo: "<b@x>"},                                 // 2: answers b
		{MessageID: "<d@x>", InReplyTo: "<a@x>"},                                 // 1: answers a too
		{MessageID: "<e@x>", References: []string{"<a@x>", "<c@x>", "<gone@x>"}}, // 3: c by References
		{MessageID: "<f@x>", InReplyTo: "<elsewhere@x>"},                         // 0: its parent is not here
		{MessageID: "<b@x>", InReplyTo: "<a@x>"},                                 // 1: a copy of b (Sent and INBOX)
	}
	want := []int{0, 1, 2, 1, 3, 0, 1}
	got := threadDepths(msgs)
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("depths %v, want %v", got, want)
		}
	}
	// A long chain stops at maxThreadDepth.
	var chain []store.Summary
	for i := 0; i < 10; i++ {
		m := store.Summary{MessageID: fmt.Sprintf("<%d@x>", i)}
		if i > 0 {
			m.InReplyTo = fmt.Sprintf("<%d@x>", i-1)
		}
		chain = append(chain, m)
	}
	if d := threadDepths(chain); d[9] != maxThreadDepth || d[3] != 3 {
		t.Fatalf("chain depths %v", d)
	}
}

// Switching to conversations selects the conversation of the message that
// was selected, and shows it.
func TestConversationsKeepTheSelectedMessage(t *testing.T) {
	h, mv, page := threadHarness(t)
	ctx := context.Background()
	row := -1
	for i, m := range page {
		if strings.Contains(m.Subject, "Printer") {
			row = i
		}
	}
	if row < 0 {
		t.Fatal("no Printer message")
	}
	h.click(row, 0)
	id := mv.list.cursor
	// The store threads the messages when conversations are first read.
	h.viewMenuItem(T("menu.conversations")).Action()
	h.ui.waitFor(t, "a conversation selected", func() bool { return mv.conv.selected != 0 })
	m, err := h.eng.Store().Message(ctx, id)
	if err != nil || m.ThreadID != mv.conv.selected {
		t.Fatalf("conversation %d selected, the message (%v) is in %d", mv.conv.selected, err, m.ThreadID)
	}
	i, _ := mv.conv.indexOf(mv.conv.selected)
	if !strings.Contains(mv.conv.rows[i].Subject, "Printer") {
		t.Fatalf("selected conversation %q", mv.conv.rows[i].Subject)
	}
}
