package app

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	_ "time/tzdata"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"hongyan/internal/mailtest"
	"hongyan/mailcore"
	"hongyan/mailcore/account"
	"hongyan/mailcore/event"
	"hongyan/mailcore/netsec"
	"hongyan/mailcore/secret"
	"hongyan/mailcore/store"
	"hongyan/widgets"
)

func TestMain(m *testing.M) { mailtest.Main(m) }

// testUI stands in for fyne.Do: work finished on other goroutines queues
// its UI part, and the test goroutine runs it while waiting. Every UI
// change thus happens on the test goroutine, as on Fyne's one UI thread.
type testUI struct {
	mu sync.Mutex
	q  []func()
}

func (u *testUI) do(f func()) {
	u.mu.Lock()
	u.q = append(u.q, f)
	u.mu.Unlock()
}

func (u *testUI) pump() {
	for {
		u.mu.Lock()
		q := u.q
		u.q = nil
		u.mu.Unlock()
		if len(q) == 0 {
			return
		}
		for _, f := range q {
			f()
		}
	}
}

// waitFor runs queued UI work until cond holds.
func (u *testUI) waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(45 * time.Second)
	for {
		u.pump()
		if cond() {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

type harness struct {
	t    testing.TB
	st   *mailtest.Stack
	user mailtest.User
	mw   *mainWindow
	ui   *testUI
	eng  *mailcore.Engine
	acct account.Account
}

func testAccount(st *mailtest.Stack, u mailtest.User) account.Account {
	a := account.New()
	a.DisplayName = "Test POP3"
	a.Email = u.Address
	a.Incoming = account.IncomingServer{Protocol: account.ProtocolPOP3, Host: st.Host, Port: st.POP3SPort,
		Security: account.SecurityTLS, Username: u.Name}
	a.Outgoing = account.OutgoingServer{Host: st.Host, Port: st.SubmissionsPort, Security: account.SecurityTLS, Username: u.Name}
	a.Identities = []account.Identity{{Name: "Test", Address: u.Address}}
	return a
}

// newHarness seeds n messages for a new user, opens an engine on a fresh
// profile with a POP3 account for that user, and shows the main window.
// With trustCA false the test CA is not trusted (certificate errors).
func newHarness(t testing.TB, n int, password string, trustCA bool) *harness {
	t.Helper()
	st := mailtest.Shared(t)
	u := st.AddUser(t)
	if n > 0 {
		if err := st.Seed(u, "INBOX", mailtest.GenerateMessages(n, 11)); err != nil {
			t.Fatal(err)
		}
	}
	if password == "" {
		password = u.Password
	}
	tlsOpts := netsec.Options{}
	if trustCA {
		tlsOpts.RootCAs = st.CAPool
	}
	return startHarness(t, st, u, testAccount(st, u), password, tlsOpts)
}

// waitInbox waits until the inbox shows n messages in the list.
func (h *harness) waitInbox(n int) int64 {
	h.t.Helper()
	var inbox int64
	h.ui.waitFor(h.t, "the inbox in the tree", func() bool {
		for _, uid := range h.mw.mv.tm.children[accountNode(h.acct.ID)] {
			if h.mw.mv.tm.nodes[uid].kind == store.RoleInbox {
				inbox = h.mw.mv.tm.nodes[uid].folder.ID
				return true
			}
		}
		return false
	})
	h.ui.waitFor(h.t, "the list to show the messages", func() bool {
		_, ok := h.mw.mv.list.peek(0)
		return h.mw.mv.list.total == n && ok
	})
	return inbox
}

// rows returns the message rows the list has drawn, by index.
// openInbox waits for the inbox's n messages, shows the inbox and waits
// for its first rows.
func (h *harness) openInbox(n int) (int64, *mailView) {
	h.t.Helper()
	inbox := h.waitInbox(n)
	mv := h.mw.mv
	mv.tree.Select(folderNode(inbox))
	h.ui.waitFor(h.t, "the inbox list", func() bool { _, ok := mv.list.peek(0); return ok })
	return inbox, mv
}

func (h *harness) rows() map[int]*widgets.MessageRow {
	out := map[int]*widgets.MessageRow{}
	for _, o := range test.LaidOutObjects(h.mw.mv.list.list) {
		if r, ok := o.(*widgets.MessageRow); ok && r.Visible() && r.Data().ID != 0 {
			out[r.Index] = r
		}
	}
	return out
}

func (h *harness) row(i int) *widgets.MessageRow {
	h.t.Helper()
	r, ok := h.rows()[i]
	if !ok {
		h.t.Fatalf("row %d is not drawn", i)
	}
	return r
}

// click taps row i with modifiers held, as the desktop driver does.
func (h *harness) click(i int, mod fyne.KeyModifier) {
	r := h.row(i)
	r.MouseDown(&desktop.MouseEvent{Button: desktop.MouseButtonPrimary, Modifier: mod})
	test.Tap(r)
	h.ui.pump()
}

// treeLabels returns the names the folder tree draws.
func treeLabels(tr *widget.Tree) []string {
	var out []string
	for _, o := range test.LaidOutObjects(tr) {
		if n, ok := o.(*widgets.FolderNode); ok && n.Visible() {
			out = append(out, n.Data().Name)
		}
	}
	return out
}

func objectsText(objs []fyne.CanvasObject) string {
	var b strings.Builder
	for _, o := range objs {
		switch v := o.(type) {
		case *widget.Label:
			b.WriteString(v.Text + "\n")
		case *widget.Button:
			b.WriteString(v.Text + "\n")
		case *widget.Select:
			b.WriteString(v.Selected + "\n")
		case *widget.Entry:
			b.WriteString(v.PlaceHolder + "\n")
		}
	}
	return b.String()
}

func useEnglish(t *testing.T) {
	setLocaleEnv(t, map[string]string{"LANG": "en_US.UTF-8"})
	mustSetLanguage(t, LangSystem)
}

func TestTreeAndListShowSyncedMail(t *testing.T) {
	useEnglish(t)
	h := newHarness(t, 30, "", true)
	inbox := h.waitInbox(30)
	mv := h.mw.mv

	// The unified inbox is selected first and lists the account's inbox.
	if mv.current != nodeUnified {
		t.Fatalf("current node %q, want the unified inbox", mv.current)
	}
	h.ui.waitFor(t, "unread counts in the tree", func() bool {
		return mv.tm.nodes[nodeUnified].unread == 30 && mv.tm.nodes[folderNode(inbox)].unread == 30
	})
	labels := treeLabels(mv.tree)
	for _, want := range []string{"Unified Inbox", "Test POP3", "Inbox"} {
		if !contains(labels, want) {
			t.Fatalf("tree shows %q, lacks %q", labels, want)
		}
	}
	if labels[0] != "Unified Inbox" {
		t.Fatalf("first tree node %q, want the unified inbox on top", labels[0])
	}
	if got := h.mw.win.Title(); got != "Hongyan (30 unread)" {
		t.Fatalf("title %q", got)
	}

	// Every toolbar button names its action in a tip, shown over the
	// window while the pointer rests on the button.
	var tips []string
	var reply fyne.CanvasObject
	for _, it := range mv.bar.Items {
		if a, ok := it.(*widgets.TipAction); ok {
			tips = append(tips, a.Tip())
			if a.Tip() == "Reply (Ctrl+R)" {
				reply = a.ToolbarObject()
			}
		}
	}
	if len(tips) != 11 || reply == nil || !contains(tips, "Move to folder… (Ctrl+M)") || !contains(tips, "Flag") {
		t.Fatalf("toolbar tips %q", tips)
	}
	// The menus show the keys beside the actions that have them.
	ctrl := fyne.KeyModifierShortcutDefault
	wantKeys := map[string]desktop.CustomShortcut{
		"Get mail": {KeyName: fyne.KeyF5}, "Write": {KeyName: fyne.KeyN, Modifier: ctrl},
		"Settings…": {KeyName: fyne.KeyComma, Modifier: ctrl}, "Quit": {KeyName: fyne.KeyQ, Modifier: ctrl},
		"Undo": {KeyName: fyne.KeyZ, Modifier: ctrl}, "Reply": {KeyName: fyne.KeyR, Modifier: ctrl},
		"Reply all": {KeyName: fyne.KeyR, Modifier: ctrl | fyne.KeyModifierShift}, "Forward": {KeyName: fyne.KeyL, Modifier: ctrl},
		"Move to folder…": {KeyName: fyne.KeyM, Modifier: ctrl}, "Delete": {KeyName: fyne.KeyDelete},
	}
	for _, m := range h.mw.win.MainMenu().Items {
		for _, it := range m.Items {
			want, ok := wantKeys[it.Label]
			if !ok {
				continue
			}
			delete(wantKeys, it.Label)
			got, _ := it.Shortcut.(*desktop.CustomShortcut)
			if got == nil || got.KeyName != want.KeyName || got.Modifier != want.Modifier {
				t.Errorf("menu item %q shows %#v, want %s with modifier %d", it.Label, it.Shortcut, want.KeyName, want.Modifier)
			}
		}
	}
	if len(wantKeys) > 0 {
		t.Errorf("no menu items for %v", wantKeys)
	}

	mv.tips.Delay = 10 * time.Millisecond
	reply.(desktop.Hoverable).MouseIn(&desktop.MouseEvent{})
	h.ui.waitFor(t, "the reply button's tip", func() bool { return mv.tips.Showing() == "Reply (Ctrl+R)" })
	reply.(desktop.Hoverable).MouseOut()
	if mv.tips.Showing() != "" {
		t.Fatal("the tip stayed after the pointer left")
	}

	// Selecting the inbox shows the same messages, newest first, as the
	// store has them.
	mv.tree.Select(folderNode(inbox))
	h.ui.waitFor(t, "the inbox list", func() bool { _, ok := mv.list.peek(0); return ok && mv.list.total == 30 })
	want, err := h.eng.Store().Page(context.Background(), inbox, store.ByDateDesc, 0, 5)
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range want {
		r := h.row(i)
		d := r.Data()
		if d.ID != m.ID || d.Subject != m.Subject || !d.Unread {
			t.Fatalf("row %d shows %+v, want message %d %q unread", i, d, m.ID, m.Subject)
		}
		if d.Date == "" || !strings.Contains(d.Secondary, "B") {
			t.Fatalf("row %d lacks date or size: %+v", i, d)
		}
	}
	for i := 1; i < len(want); i++ {
		if want[i].Date.After(want[i-1].Date) {
			t.Fatal("store page is not newest first")
		}
	}

	// Sorting by subject re-reads the list in that order.
	mv.sortSelect.SetSelectedIndex(int(store.BySubject))
	h.ui.waitFor(t, "the list sorted by subject", func() bool {
		a, ok1 := mv.list.peek(0)
		b, ok2 := mv.list.peek(1)
		return ok1 && ok2 && strings.ToLower(a.Subject) <= strings.ToLower(b.Subject) && mv.list.gen > 0 && len(mv.list.loading) == 0
	})
	mv.sortSelect.SetSelectedIndex(int(store.ByDateDesc))

	// Opening a message shows its text from the real body.
	h.ui.waitFor(t, "date order again", func() bool { m, ok := mv.list.peek(0); return ok && m.ID == want[0].ID })
	h.click(0, 0)
	h.ui.waitFor(t, "the message in the reading view", func() bool {
		return mv.view.showing == want[0].ID && mv.view.shownSubject() != ""
	})
	if got := mv.view.shownSubject(); got != want[0].Subject {
		t.Fatalf("view subject %q, want %q", got, want[0].Subject)
	}
	if txt := mv.view.reader.VisibleText(); !strings.Contains(txt, "Hello") {
		t.Fatalf("reading view text %q lacks the body", firstLine(txt, 200))
	}
}

func TestMultiSelectAndActions(t *testing.T) {
	useEnglish(t)
	h := newHarness(t, 20, "", true)
	inbox, mv := h.openInbox(20)

	h.click(1, 0)
	h.click(4, fyne.KeyModifierShift)
	if n := len(mv.list.selected); n != 4 {
		t.Fatalf("shift-click selected %d rows, want 4 (rows 1-4)", n)
	}
	h.click(6, fyne.KeyModifierControl)
	h.click(2, fyne.KeyModifierControl)
	ids := mv.list.selectedIDs()
	if len(ids) != 4 {
		t.Fatalf("after ctrl-clicks %d selected, want 4", len(ids))
	}
	for _, i := range []int{1, 3, 4, 6} {
		if !h.row(i).Data().Selected {
			t.Fatalf("row %d is not drawn selected", i)
		}
	}
	if h.row(2).Data().Selected || h.row(0).Data().Selected {
		t.Fatal("rows 0 or 2 drawn selected")
	}
	if !strings.Contains(mv.view.note.Text, "4 messages selected") || mv.view.reader.Visible() {
		t.Fatalf("view shows %q for a multi-selection", mv.view.note.Text)
	}

	// Mark read and flag: the store changes for exactly the selection.
	mv.markRead(true)
	mv.toggleFlag()
	ctx := context.Background()
	h.ui.waitFor(t, "flags in the store", func() bool {
		for _, id := range ids {
			m, _ := h.eng.Store().Message(ctx, id)
			if m.Flags&(store.Seen|store.Flagged) != store.Seen|store.Flagged {
				return false
			}
		}
		return true
	})
	h.ui.waitFor(t, "unread count and stars redrawn", func() bool {
		r, ok := h.rows()[3]
		return mv.tm.nodes[folderNode(inbox)].unread == 16 && ok && r.Data().Flagged && !r.Data().Unread
	})
	if h.row(0).Data().Flagged || !h.row(0).Data().Unread {
		t.Fatal("row 0 changed although it was not selected")
	}

	// Archive moves the selection to the account's Archive folder (a
	// local one on this POP3 account), Delete to Trash.
	movesTwo := func(a, b int64, act func(), role string, left int) {
		t.Helper()
		mv.list.selected = map[int64]bool{a: true, b: true}
		act()
		f, err := h.eng.Store().FolderByRole(ctx, h.acct.ID, role)
		if err != nil {
			t.Fatal(err)
		}
		h.ui.waitFor(t, fmt.Sprintf("two messages in %s and %d in the list", role, left), func() bool {
			n, _, _ := h.eng.Store().Counts(ctx, f.ID)
			return n == 2 && mv.list.total == left
		})
	}
	movesTwo(ids[2], ids[3], func() { mv.moveToRole(store.RoleArchive) }, store.RoleArchive, 18)
	movesTwo(ids[0], ids[1], mv.deleteSelected, store.RoleTrash, 16)
}

func TestKeyboardShortcuts(t *testing.T) {
	useEnglish(t)
	h := newHarness(t, 12, "", true)
	inbox, mv := h.openInbox(12)
	c := h.mw.win.Canvas()
	page, _ := h.eng.Store().Page(context.Background(), inbox, store.ByDateDesc, 0, 12)

	test.TypeOnCanvas(c, "jjj")
	if mv.list.cursor != page[2].ID {
		t.Fatalf("after jjj the current message is %d, want row 2 (%d)", mv.list.cursor, page[2].ID)
	}
	test.TypeOnCanvas(c, "k")
	if mv.list.cursor != page[1].ID {
		t.Fatal("k did not go back one row")
	}
	c.OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyDown})
	c.OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyDown})
	if mv.list.cursor != page[3].ID {
		t.Fatal("arrow down did not move down")
	}
	test.TypeOnCanvas(c, "J")
	if len(mv.list.selected) != 2 {
		t.Fatalf("shift+j selected %d, want 2", len(mv.list.selected))
	}
	test.TypeOnCanvas(c, "k")

	// Delete key: the current message goes to Trash, the next one becomes
	// current.
	c.OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyDelete})
	h.ui.waitFor(t, "the deleted message gone from the list", func() bool {
		_, present := mv.list.indexOf(page[3].ID)
		return mv.list.total == 11 && !present
	})
	if mv.list.cursor != page[4].ID {
		t.Fatalf("after delete the current message is %d, want the next (%d)", mv.list.cursor, page[4].ID)
	}

	sc := c.(fyne.Shortcutable)
	// Ctrl+F focuses the search field; typing a query and Enter searches.
	sc.TypedShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyF, Modifier: fyne.KeyModifierShortcutDefault})
	if c.Focused() != mv.searchEntry {
		t.Fatal("Ctrl+F did not focus the search field")
	}
	words := strings.Fields(page[0].Subject)
	test.Type(mv.searchEntry, "subject:"+words[len(words)-1])
	mv.searchEntry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	h.ui.waitFor(t, "search results", func() bool {
		_, ok := mv.list.src.(searchSource)
		m, loaded := mv.list.peek(0)
		return ok && loaded && mv.list.total >= 1 && strings.Contains(m.Subject, words[len(words)-1])
	})
	c.Unfocus()

	// Ctrl+N calls the compose hook.
	composed := 0
	oldC := openCompose
	openCompose = func(*mainWindow) { composed++ }
	defer func() { openCompose = oldC }()
	sc.TypedShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyN, Modifier: fyne.KeyModifierShortcutDefault})
	if composed != 1 {
		t.Fatalf("Ctrl+N called the compose hook %d times", composed)
	}
	// The reply hooks get the current message.
	var replied int64
	var all bool
	old := openReply
	openReply = func(_ *mainWindow, id int64, a bool) { replied, all = id, a }
	defer func() { openReply = old }()
	test.TypeOnCanvas(c, "j")
	sc.TypedShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyR, Modifier: fyne.KeyModifierShortcutDefault | fyne.KeyModifierShift})
	if replied == 0 || replied != mv.list.cursor || !all {
		t.Fatalf("reply all hook got %d (all=%v), want the current message %d", replied, all, mv.list.cursor)
	}
	replied = 0
	sc.TypedShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyR, Modifier: fyne.KeyModifierShortcutDefault})
	if replied != mv.list.cursor || all {
		t.Fatalf("reply hook got %d (all=%v)", replied, all)
	}
	var forwarded int64
	oldF := openForward
	openForward = func(_ *mainWindow, id int64) { forwarded = id }
	defer func() { openForward = oldF }()
	sc.TypedShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyL, Modifier: fyne.KeyModifierShortcutDefault})
	if forwarded != mv.list.cursor {
		t.Fatalf("forward hook got %d, want %d", forwarded, mv.list.cursor)
	}
}

func TestSelectionKeptWhenNewMailArrives(t *testing.T) {
	useEnglish(t)
	h := newHarness(t, 40, "", true)
	_, mv := h.openInbox(40)
	h.click(3, 0)
	chosen := mv.list.cursor

	// Scroll down a little so that the view has to stay put.
	mv.list.list.ScrollToOffset(5 * mv.list.rowPitch)
	topBefore, _ := mv.list.peek(int(mv.list.list.GetScrollOffset() / mv.list.rowPitch))

	// New mail whose dates are the newest.
	fresh := [][]byte{}
	for i, raw := range mailtest.GenerateMessages(3, 77) {
		s := string(raw)
		date := time.Now().Add(-time.Duration(i) * time.Minute).Format(time.RFC1123Z)
		if j := strings.Index(s, "Date: "); j >= 0 {
			k := strings.Index(s[j:], "\r\n")
			if k < 0 {
				k = strings.Index(s[j:], "\n")
			}
			s = s[:j] + "Date: " + date + s[j+k:]
		}
		fresh = append(fresh, []byte(s))
	}
	if err := h.st.Seed(h.user, "INBOX", fresh); err != nil {
		t.Fatal(err)
	}
	h.eng.CheckNow(h.acct.ID)
	h.ui.waitFor(t, "the new mail in the list", func() bool { return mv.list.total == 43 && len(mv.list.loading) == 0 })
	h.ui.waitFor(t, "the list reloaded", func() bool { _, ok := mv.list.indexOf(chosen); return ok })

	if mv.list.cursor != chosen || !mv.list.selected[chosen] || len(mv.list.selected) != 1 {
		t.Fatalf("selection changed: cursor %d selected %v, want %d", mv.list.cursor, mv.list.selected, chosen)
	}
	i, _ := mv.list.indexOf(chosen)
	if i != 6 {
		t.Fatalf("the selected message is at row %d, want 6 (3 newer messages above)", i)
	}
	topAfter, _ := mv.list.peek(int(mv.list.list.GetScrollOffset()/mv.list.rowPitch + 0.5))
	if topAfter.ID != topBefore.ID {
		t.Fatalf("the top row changed from %q to %q: scroll position not kept", topBefore.Subject, topAfter.Subject)
	}
	// 43 messages, one of them read when it was shown.
	h.ui.waitFor(t, "the unread count in the title", func() bool { return h.mw.win.Title() == "Hongyan (42 unread)" })
}

func TestWrongPasswordBannerAndRetry(t *testing.T) {
	useEnglish(t)
	h := newHarness(t, 3, "not-the-password", true)
	mv := h.mw.mv
	h.ui.waitFor(t, "the failure banner", func() bool { return len(mv.banner.Objects) > 0 })
	text := objectsText(test.LaidOutObjects(mv.banner))
	if !strings.Contains(text, "did not accept the user name or password") || !strings.Contains(text, "Retry") {
		t.Fatalf("banner says %q", text)
	}
	if strings.Contains(text, "Trust") {
		t.Fatal("a wrong password offers to trust a certificate")
	}
	// Fix the password: the account recovers and the banner goes.
	if err := setAccountPassword(h.eng, h.acct.ID, h.user.Password, h.user.Password); err != nil {
		t.Fatal(err)
	}
	h.ui.waitFor(t, "the banner to clear and mail to arrive", func() bool {
		return len(mv.banner.Objects) == 0 && mv.tm.nodes[nodeUnified].unread == 3
	})
}

func TestUntrustedCertificateTrustButton(t *testing.T) {
	useEnglish(t)
	h := newHarness(t, 2, "", false)
	mv := h.mw.mv
	h.ui.waitFor(t, "the certificate banner", func() bool { return len(mv.banner.Objects) > 0 })
	var trust *widget.Button
	for _, o := range test.LaidOutObjects(mv.banner) {
		if b, ok := o.(*widget.Button); ok && b.Text == "Trust this certificate" {
			trust = b
		}
	}
	text := objectsText(test.LaidOutObjects(mv.banner))
	if trust == nil || !strings.Contains(text, "not trusted") {
		t.Fatalf("banner %q has no Trust button", text)
	}
	test.Tap(trust)
	top := h.mw.win.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("Trust opened no confirmation")
	}
	var yes *widget.Button
	for _, o := range test.LaidOutObjects(top) {
		if b, ok := o.(*widget.Button); ok && b.Text == "Trust" {
			yes = b
		}
	}
	if yes == nil {
		t.Fatalf("no Trust button in %q", objectsText(test.LaidOutObjects(top)))
	}
	test.Tap(yes)
	h.ui.waitFor(t, "mail after trusting the certificate", func() bool {
		return len(mv.banner.Objects) == 0 && mv.tm.nodes[nodeUnified].unread == 2
	})
	a, _ := h.eng.Account(h.acct.ID)
	if len(a.TrustedCerts) != 1 {
		t.Fatalf("trusted certificates: %+v", a.TrustedCerts)
	}
}

func TestFolderCreateRenameDeleteFromTree(t *testing.T) {
	useEnglish(t)
	h := newHarness(t, 2, "", true)
	h.waitInbox(2)
	mv := h.mw.mv
	c := h.mw.win.Canvas()
	submit := func(text, button string) {
		t.Helper()
		top := c.Overlays().Top()
		if top == nil {
			t.Fatal("no dialog")
		}
		for _, o := range test.LaidOutObjects(top) {
			if e, ok := o.(*widget.Entry); ok && text != "" {
				e.SetText(text)
			}
		}
		for _, o := range test.LaidOutObjects(top) {
			if b, ok := o.(*widget.Button); ok && b.Text == button {
				test.Tap(b)
				return
			}
		}
		t.Fatalf("no %q button in %q", button, objectsText(test.LaidOutObjects(top)))
	}
	find := func(name string) string {
		for uid, n := range mv.tm.nodes {
			if n.folder.Name == name {
				return uid
			}
		}
		return ""
	}
	// The name field takes the keys at once (typed letters are shortcuts
	// of the main window otherwise), and Enter creates the folder.
	mv.newFolder(accountNode(h.acct.ID))
	name, ok := c.Focused().(*widget.Entry)
	if !ok {
		t.Fatalf("New folder opened with %T focused, want its name field", c.Focused())
	}
	if w := name.Size().Width; w < 250 {
		t.Errorf("the name field is %v wide: no room to type", w)
	}
	test.Type(name, "Projects")
	name.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	h.ui.waitFor(t, "the new folder in the tree", func() bool { return find("Projects") != "" })
	if !contains(treeLabels(mv.tree), "Projects") {
		t.Fatalf("tree draws %q", treeLabels(mv.tree))
	}
	mv.renameFolder(find("Projects"))
	if e, ok := c.Focused().(*widget.Entry); !ok || e.Text != "Projects" {
		t.Fatalf("Rename opened with %T focused, want the name field", c.Focused())
	}
	submit("Plans", "Rename")
	h.ui.waitFor(t, "the renamed folder", func() bool { return find("Plans") != "" && find("Projects") == "" })
	mv.deleteFolder(find("Plans"))
	submit("", "Delete folder")
	h.ui.waitFor(t, "the folder gone", func() bool { return find("Plans") == "" })
}

func TestChineseMailView(t *testing.T) {
	setLocaleEnv(t, map[string]string{"LANG": "en_US.UTF-8"})
	mustSetLanguage(t, LangChinese)
	defer mustSetLanguage(t, LangSystem)
	h := newHarness(t, 5, "", true)
	h.waitInbox(5)
	mv := h.mw.mv
	h.ui.waitFor(t, "unread counts", func() bool { return mv.tm.nodes[nodeUnified].unread == 5 })
	labels := treeLabels(mv.tree)
	for _, want := range []string{"统一收件箱", "收件箱"} {
		if !contains(labels, want) {
			t.Fatalf("tree %q lacks %q", labels, want)
		}
	}
	if mv.sortSelect.Selected != "最新的在前" || mv.searchEntry.PlaceHolder == T("search.placeholder", nil) && !strings.Contains(mv.searchEntry.PlaceHolder, "搜索") {
		t.Fatalf("sort %q, search %q", mv.sortSelect.Selected, mv.searchEntry.PlaceHolder)
	}
	if got := h.mw.win.Title(); got != "鸿雁（5 封未读）" {
		t.Fatalf("title %q", got)
	}
	if d := formatDate(time.Now().Add(-24*time.Hour), time.Now()); d != "昨天" {
		t.Fatalf("yesterday is %q", d)
	}
	// The reading pane's date names the weekday in Chinese too.
	if d := widgets.MessageDate(time.Date(2026, 11, 27, 22, 53, 0, 0, time.Local)); d != "星期五 2026-11-27 22:53" {
		t.Fatalf("message date %q", d)
	}
}

func TestNewMailNotificationText(t *testing.T) {
	useEnglish(t)
	one := newMailNotification([]event.NewMail{{Count: 1, Latest: []event.MailSummary{{From: "Ann", Subject: "Lunch"}}}})
	if one.Title != "Ann" || one.Content != "Lunch" {
		t.Fatalf("single: %+v", one)
	}
	many := newMailNotification([]event.NewMail{
		{Count: 2, Latest: []event.MailSummary{{From: "A", Subject: "1"}, {From: "B", Subject: "2"}}},
		{Count: 5, Latest: []event.MailSummary{{From: "C", Subject: "3"}, {From: "D", Subject: "4"}}},
	})
	if many.Title != "7 new messages" || !strings.Contains(many.Content, "A: 1") || strings.Contains(many.Content, "D: 4") ||
		!strings.Contains(many.Content, "and 4 more") {
		t.Fatalf("grouped: %+v", many)
	}
	if newMailNotification(nil) != nil {
		t.Fatal("empty batch notified")
	}
}

func TestFormatDate(t *testing.T) {
	useEnglish(t)
	now := time.Date(2026, 3, 10, 15, 0, 0, 0, time.Local)
	for _, c := range []struct {
		d    time.Time
		want string
	}{
		{time.Date(2026, 3, 10, 9, 5, 0, 0, time.Local), "09:05"},
		{time.Date(2026, 3, 9, 23, 0, 0, 0, time.Local), "Yesterday"},
		{time.Date(2026, 3, 8, 0, 1, 0, 0, time.Local), "Sunday"},
		{time.Date(2026, 3, 4, 12, 0, 0, 0, time.Local), "Wednesday"},
		{time.Date(2026, 3, 3, 23, 59, 0, 0, time.Local), "2026-03-03"},
		{time.Date(2026, 3, 11, 9, 0, 0, 0, time.Local), "2026-03-11"}, // a date in the future
		{time.Date(2025, 12, 1, 8, 0, 0, 0, time.Local), "2025-12-01"},
	} {
		if got := formatDate(c.d, now); got != c.want {
			t.Errorf("formatDate(%v) = %q, want %q", c.d, got, c.want)
		}
	}
	// Across the change to summer time (29 March 2026 in Berlin) two days
	// back are 47 hours back, not "Yesterday". (The zone comes from
	// time/tzdata, imported for this.)
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	if got := formatDate(time.Date(2026, 3, 28, 12, 0, 0, 0, berlin), time.Date(2026, 3, 30, 9, 0, 0, 0, berlin)); got != "Saturday" {
		t.Errorf("two days back across the clock change: %q", got)
	}
}

func TestThemeVariantWrapper(t *testing.T) {
	dark := themeFor(ThemeDark)
	light := themeFor(ThemeLight)
	bgD := dark.Color("background", 0)
	bgL := light.Color("background", 1)
	if bgD == bgL {
		t.Fatal("light and dark backgrounds are the same")
	}
	if dark.Color("background", 1) != bgD {
		t.Fatal("dark theme follows the requested variant")
	}
}

func TestMoveChooserQuotaAndWindowState(t *testing.T) {
	useEnglish(t)
	h := newHarness(t, 6, "", true)
	inbox := h.waitInbox(6)
	mv := h.mw.mv
	ctx := context.Background()
	if err := h.eng.CreateFolder(ctx, h.acct.ID, "Keep"); err != nil {
		t.Fatal(err)
	}
	mv.reloadTree()
	h.ui.waitFor(t, "the Keep folder", func() bool {
		for _, n := range mv.tm.nodes {
			if n.folder.Name == "Keep" {
				return true
			}
		}
		return false
	})
	mv.tree.Select(folderNode(inbox))
	h.ui.waitFor(t, "the inbox list", func() bool { _, ok := mv.list.peek(0); return ok })
	h.click(0, 0)
	h.click(1, fyne.KeyModifierShift)
	mv.moveChooser()
	top := h.mw.win.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("no move dialog")
	}
	var chooser *widget.List
	for _, o := range test.LaidOutObjects(top) {
		if l, ok := o.(*widget.List); ok {
			chooser = l
		}
	}
	if chooser == nil {
		t.Fatal("no folder list in the move dialog")
	}
	// The dialog lists the account's other folders; its rows are drawn
	// in order, so the n-th label is the n-th folder.
	var names []string
	for _, o := range test.LaidOutObjects(chooser) {
		if r, ok := o.(*folderRow); ok && r.Visible() && r.Text != "" {
			names = append(names, r.Text)
		}
	}
	if !contains(names, "Keep") || !contains(names, "Trash") || contains(names, "Inbox") {
		t.Fatalf("move dialog lists %q", names)
	}
	for i, n := range names {
		if n == "Keep" {
			chooser.Select(i)
		}
	}
	for _, o := range test.LaidOutObjects(top) {
		if b, ok := o.(*widget.Button); ok && b.Text == "Move" {
			test.Tap(b)
		}
	}
	var keepID int64
	for _, n := range mv.tm.nodes {
		if n.folder.Name == "Keep" {
			keepID = n.folder.ID
		}
	}
	h.ui.waitFor(t, "two messages moved to Keep", func() bool {
		n, _, _ := h.eng.Store().Counts(ctx, keepID)
		return n == 2 && mv.list.total == 4
	})

	// A quota event draws a usage bar with the warning.
	h.mw.handleEvents([]event.Event{event.Quota{Account: h.acct.ID, Used: 95 << 20, Limit: 100 << 20, Warning: true}})
	qt := objectsText(test.LaidOutObjects(mv.quotaBox))
	if !strings.Contains(qt, "Mailbox almost full") || !strings.Contains(qt, "Test POP3") {
		t.Fatalf("quota box shows %q", qt)
	}

	// The window size and pane splits are saved in the settings.
	h.mw.win.Resize(fyne.NewSize(900, 640))
	mv.outer.Offset = 0.3
	h.mw.remember()
	if err := h.mw.saveWindowState(); err != nil {
		t.Fatal(err)
	}
	s := h.eng.Settings()
	if s.WindowWidth != 900 || s.WindowHeight != 640 || len(s.PaneSplits) != 2 || s.PaneSplits[0] != 0.3 {
		t.Fatalf("saved %dx%d splits %v", s.WindowWidth, s.WindowHeight, s.PaneSplits)
	}
}

// settingsHarness is a harness in English with one message synced and
// its settings window open.
func settingsHarness(t *testing.T) (*harness, *settingsWindow) {
	t.Helper()
	useEnglish(t)
	h := newHarness(t, 1, "", true)
	h.waitInbox(1)
	sw := newSettingsWindow(h.mw)
	sw.show()
	t.Cleanup(func() { closeIfOpen(sw.win) })
	return h, sw
}

func TestSettingsWindowThemeLanguageAndRemove(t *testing.T) {
	h, sw := settingsHarness(t)
	defer mustSetLanguage(t, LangSystem)

	// An edit of the account not yet saved survives the change of language.
	var nameEntry *widget.Entry
	for _, o := range test.LaidOutObjects(sw.detail) {
		if e, ok := o.(*widget.Entry); ok && e.Text == h.acct.DisplayName && nameEntry == nil {
			nameEntry = e
		}
	}
	if nameEntry == nil {
		t.Fatal("no account name field")
	}
	nameEntry.SetText("Work, renamed")

	// Without a system tray the tray choice says why it cannot be made.
	general := objectsText(test.LaidOutObjects(sw.tabs.Items[0].Content))
	if !sw.toTray.Disabled() || !strings.Contains(general, "This desktop shows no system tray, so closing the window quits Hongyan.") {
		t.Errorf("tray choice enabled %v, general tab %q", !sw.toTray.Disabled(), general)
	}

	sw.themeSel.SetSelectedIndex(2) // dark
	sw.langSel.SetSelectedIndex(2)  // 简体中文
	save := findButton(sw.win.Content(), "Save")
	if save == nil {
		t.Fatal("no Save button on the general tab")
	}
	test.Tap(save)
	h.ui.waitFor(t, "settings saved, and said so", func() bool {
		s := h.eng.Settings()
		return s.Theme == ThemeDark && s.Language == LangChinese && sw.saved != nil && sw.saved.Visible() && sw.saved.Text == "已保存。"
	})
	th := fyne.CurrentApp().Settings().Theme()
	if th.Color("background", 1) != themeFor(ThemeDark).Color("background", 0) {
		t.Fatal("the dark theme is not applied")
	}
	// The main window speaks Chinese at once.
	h.ui.waitFor(t, "Chinese tree", func() bool { return contains(treeLabels(h.mw.mv.tree), "统一收件箱") })

	// The settings window speaks Chinese too, with the edit still there.
	if sw.win.Title() != "设置" || sw.tabs.Items[1].Text != "账户" || sw.tabs.SelectedIndex() != 0 ||
		sw.langSel.Selected != "简体中文" || sw.themeSel.SelectedIndex() != 2 {
		t.Errorf("settings window %q, tabs %q %q, tab %d shown, language %q, theme %d", sw.win.Title(), sw.tabs.Items[0].Text,
			sw.tabs.Items[1].Text, sw.tabs.SelectedIndex(), sw.langSel.Selected, sw.themeSel.SelectedIndex())
	}
	var texts []string
	for _, o := range test.LaidOutObjects(sw.detail) {
		if e, ok := o.(*widget.Entry); ok {
			texts = append(texts, e.Text)
		}
	}
	if !contains(texts, "Work, renamed") || h.eng.Accounts()[0].DisplayName != h.acct.DisplayName {
		t.Errorf("after the change of language the account form shows %q", texts)
	}

	// The icon-only buttons that order the accounts name what they do.
	tabs := sw.tabs
	tabs.SelectIndex(1)
	var up fyne.CanvasObject
	var tips []string
	for _, o := range test.LaidOutObjects(tabs) {
		if tip := widgets.TipOf(o); tip != "" {
			tips = append(tips, tip)
			if tip == "将账户在列表中上移" {
				up = o
			}
		}
	}
	if len(tips) != 2 || up == nil || !contains(tips, "将账户在列表中下移") {
		t.Fatalf("settings tips %q", tips)
	}
	sw.tips.Delay = 10 * time.Millisecond
	up.(desktop.Hoverable).MouseIn(&desktop.MouseEvent{})
	h.ui.waitFor(t, "the up button's tip", func() bool { return sw.tips.Showing() == "将账户在列表中上移" })

	// Remove the account: confirmation first, then it is gone.
	sw.acctList.Select(0)
	sw.removeAccount()
	top := sw.win.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("no confirmation before removing the account")
	}
	for _, o := range test.LaidOutObjects(top) {
		if b, ok := o.(*widget.Button); ok && (b.Text == "Remove account" || b.Text == "删除账户") {
			test.Tap(b)
		}
	}
	h.ui.waitFor(t, "the account removed", func() bool { return len(h.eng.Accounts()) == 0 && len(sw.accounts) == 0 })
	escapeCloses(t, "settings", sw.win)
}

func overlayText(o fyne.CanvasObject) string {
	if o == nil {
		return "(none)"
	}
	return objectsText(test.LaidOutObjects(o))
}

// startHarness opens an engine on a fresh profile with acct (password
// given) and shows the main window for it.
func startHarness(t testing.TB, st *mailtest.Stack, u mailtest.User, acct account.Account, password string, tlsOpts netsec.Options) *harness {
	t.Helper()
	a := test.NewTempApp(t)
	dir := t.TempDir()
	h := &harness{t: t, st: st, user: u, ui: &testUI{}}
	h.mw = newMainWindow(a, Options{ProfileDir: dir})
	h.mw.win.Resize(fyne.NewSize(1100, 700))
	ctx, cancel := context.WithCancel(context.Background())
	h.mw.ui = newUIContext(ctx, h.ui.do)
	queue := event.NewQueue(h.ui.do, h.mw.handleEvents, 10*time.Millisecond)
	eng, err := mailcore.Open(mailcore.Options{ProfileDir: dir, Secrets: secret.NewSessionStore(), TLS: tlsOpts,
		Sink: queue.Sink(), DebugDir: filepath.Join(dir, "logs")})
	if err != nil {
		t.Fatal(err)
	}
	h.eng = eng
	t.Cleanup(func() {
		cancel()
		eng.Close()
		h.mw.ui.wg.Wait()
		h.mw.win.Close()
	})
	h.acct, err = eng.AddAccount(acct, password, "")
	if err != nil {
		t.Fatal(err)
	}
	h.mw.engineReady(eng, nil)
	if h.mw.mv == nil {
		t.Fatal("the mail view is not shown although an account exists")
	}
	return h
}

// The accounts tab shows the first account's settings at once; an
// identity can be added (name, address and signature each labelled) and
// taken away again, the account's first one cannot.
func TestSettingsIdentities(t *testing.T) {
	h, sw := settingsHarness(t)
	if sw.selected != 0 || findButton(sw.detail, "Add identity") == nil {
		t.Fatalf("the account's settings are not shown at once (selected %d)", sw.selected)
	}
	if findButton(sw.detail, "Remove identity") != nil {
		t.Fatal("the account's only identity can be removed")
	}
	addressEntries := func() []*widget.Entry {
		var out []*widget.Entry
		for _, o := range test.LaidOutObjects(sw.detail) {
			if e, ok := o.(*widget.Entry); ok && e.PlaceHolder == "you@example.com" {
				out = append(out, e)
			}
		}
		return out
	}
	var labels []string
	for _, o := range test.LaidOutObjects(sw.detail) {
		if f, ok := o.(*widget.Form); ok {
			for _, it := range f.Items {
				labels = append(labels, it.Text)
			}
		}
	}
	for _, l := range []string{"Name", "Address", "Signature"} {
		if !contains(labels, l) {
			t.Errorf("identity fields unlabelled: no %q in %q", l, labels)
		}
	}
	// Called as the button calls it: the test driver's Tap takes the
	// focus away afterwards, the desktop driver does not.
	sw.tabs.SelectIndex(1)
	findButton(sw.detail, "Add identity").OnTapped()
	addrs := addressEntries()
	if len(addrs) != 2 {
		t.Fatalf("%d identities shown after adding one, want 2", len(addrs))
	}
	if e, ok := sw.win.Canvas().Focused().(*widget.Entry); !ok || e.PlaceHolder != "Your name, as recipients see it" || e.Text != "" {
		t.Fatalf("after Add identity %T has the focus, want the new identity's name", sw.win.Canvas().Focused())
	}
	addrs[1].SetText("alias@example.org")
	test.Tap(findButton(sw.detail, "Save"))
	h.ui.waitFor(t, "two identities saved, and said so", func() bool {
		a, _ := h.eng.Account(h.acct.ID)
		return len(a.Identities) == 2 && a.Identities[1].Address == "alias@example.org" &&
			sw.saved != nil && sw.saved.Visible() && sw.saved.Text == "Saved."
	})
	// With more identities than the window holds, the one added last is
	// scrolled fully into view, its Remove button too.
	sw.win.Resize(fyne.NewSize(720, 420))
	for i := 0; i < 3; i++ {
		findButton(sw.detail, "Add identity").OnTapped()
	}
	var scroll *container.Scroll
	for _, o := range test.LaidOutObjects(sw.detail) {
		if sc, ok := o.(*container.Scroll); ok && scroll == nil {
			scroll = sc
		}
	}
	if scroll == nil {
		t.Fatal("no scroll in the account form")
	}
	if end := scroll.Offset.Y + scroll.Size().Height; end < scroll.Content.MinSize().Height-1 || scroll.Content.MinSize().Height <= scroll.Size().Height {
		t.Fatalf("scrolled to %v of %v (viewport %v): the new identity is cut off", end, scroll.Content.MinSize().Height, scroll.Size().Height)
	}
	for i := 0; i < 3; i++ {
		test.Tap(findButton(sw.detail, "Remove identity"))
	}
	test.Tap(findButton(sw.detail, "Remove identity"))
	if n := len(addressEntries()); n != 1 {
		t.Fatalf("%d identities shown after removing one, want 1", n)
	}
	test.Tap(findButton(sw.detail, "Save"))
	h.ui.waitFor(t, "one identity left", func() bool {
		a, _ := h.eng.Account(h.acct.ID)
		return len(a.Identities) == 1 && a.Identities[0].Address == h.user.Address
	})
}
