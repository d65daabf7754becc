package app

import (
	"context"
	"fmt"
	"mime"
	"sort"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"hongyan/internal/mailtest"
	"hongyan/mailcore/account"
	"hongyan/mailcore/netsec"
	"hongyan/mailcore/store"
)

// testMail is one hand-written test message.
type testMail struct {
	from, to, subject, body string
	date                    time.Time
	id, inReplyTo           string
	attach                  bool
}

func (m testMail) raw() []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s>\r\nMIME-Version: 1.0\r\n",
		m.from, m.to, mimeWord(m.subject), m.date.Format(time.RFC1123Z), m.id)
	if m.inReplyTo != "" {
		fmt.Fprintf(&b, "In-Reply-To: <%s>\r\nReferences: <%s>\r\n", m.inReplyTo, m.inReplyTo)
	}
	if !m.attach {
		fmt.Fprintf(&b, "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n%s\r\n", m.body)
		return []byte(b.String())
	}
	fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\n"+
		"Content-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n--b1\r\n"+
		"Content-Type: application/pdf; name=\"report.pdf\"\r\nContent-Disposition: attachment; filename=\"report.pdf\"\r\n"+
		"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b1--\r\n", m.body)
	return []byte(b.String())
}

// mimeWord encodes a non-ASCII subject as an RFC 2047 word.
func mimeWord(s string) string { return mime.BEncoding.Encode("UTF-8", s) }

// newMailHarness is newHarness with hand-written messages and a choice of
// protocol (POP3 caches whole messages, IMAP only headers until read).
func newMailHarness(t *testing.T, msgs []testMail, proto string) *harness {
	t.Helper()
	st := mailtest.Shared(t)
	u := st.AddUser(t)
	raws := make([][]byte, len(msgs))
	for i, m := range msgs {
		raws[i] = m.raw()
	}
	if err := st.Seed(u, "INBOX", raws); err != nil {
		t.Fatal(err)
	}
	acct := testAccount(st, u)
	if proto == account.ProtocolIMAP {
		acct.DisplayName = "Test IMAP"
		acct.Incoming.Protocol = account.ProtocolIMAP
		acct.Incoming.Port = st.IMAPSPort
	}
	return startHarness(t, st, u, acct, u.Password, netsec.Options{RootCAs: st.CAPool})
}

// searchFor types q into an empty search field and waits until its
// results are in the list; it returns their subjects in list order.
func (h *harness) searchFor(q string) []string {
	h.t.Helper()
	mv := h.mw.mv
	mv.searchEntry.SetText("")
	h.ui.pump()
	test.Type(mv.searchEntry, q)
	h.ui.waitFor(h.t, "the results of "+q, func() bool {
		_, ok := mv.list.src.(searchSource)
		if !ok || mv.srch.last != q || mv.list.total != mv.srch.count {
			return false
		}
		if mv.list.total == 0 {
			return true
		}
		_, loaded := mv.list.peek(mv.list.total - 1)
		return loaded
	})
	var out []string
	for i := 0; i < mv.list.total; i++ {
		m, _ := mv.list.peek(i)
		out = append(out, m.Subject)
	}
	return out
}

var searchMails = []testMail{
	{from: "Ann Lee <ann@example.org>", to: "team@example.org", subject: "Quarterly budget review",
		body: "The numbers are in the attached report.", date: time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC), id: "s1@example.org", attach: true},
	{from: "Bob <bob@example.org>", to: "Carol <carol@example.org>", subject: "Lunch plans",
		body: "How about noodles on Friday?", date: time.Date(2024, 5, 10, 12, 0, 0, 0, time.UTC), id: "s2@example.org"},
	{from: "王芳 <wang@example.cn>", to: "team@example.org", subject: "会议安排",
		body: "明天下午开会讨论预算。", date: time.Date(2024, 6, 1, 8, 0, 0, 0, time.UTC), id: "s3@example.cn"},
	{from: "Dan <dan@example.org>", to: "team@example.org", subject: "Old notes",
		body: "Filed for later.", date: time.Date(2023, 12, 1, 8, 0, 0, 0, time.UTC), id: "s4@example.org"},
}

func TestSearchAsYouTypeWithOperators(t *testing.T) {
	useEnglish(t)
	h := newMailHarness(t, searchMails, account.ProtocolPOP3)
	inbox := h.waitInbox(len(searchMails))
	mv := h.mw.mv
	ctx := context.Background()
	// Bob's message is read, Dan's flagged.
	page, err := h.eng.Store().Page(ctx, inbox, store.ByDateDesc, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	byFrom := map[string]int64{}
	for _, m := range page {
		byFrom[m.From.Addr] = m.ID
	}
	if err := h.eng.SetFlags(ctx, []int64{byFrom["bob@example.org"]}, store.Seen, 0); err != nil {
		t.Fatal(err)
	}
	if err := h.eng.SetFlags(ctx, []int64{byFrom["dan@example.org"]}, store.Flagged, 0); err != nil {
		t.Fatal(err)
	}

	// Typing shows matching rows, drawn in the list, and a count.
	got := h.searchFor("noodles")
	if strings.Join(got, "|") != "Lunch plans" {
		t.Fatalf("noodles: %q", got)
	}
	h.ui.waitFor(t, "the row to be drawn", func() bool {
		for _, r := range h.rows() {
			if r.Data().Subject == "Lunch plans" {
				return true
			}
		}
		return false
	})
	if mv.srch.info.Text != "1 result" || !mv.srch.info.Visible() {
		t.Fatalf("count label %q", mv.srch.info.Text)
	}

	cases := []struct{ q, want string }{
		{"from:ann", "Quarterly budget review"},
		{"to:carol", "Lunch plans"},
		{"subject:lunch", "Lunch plans"},
		{"has:attachment", "Quarterly budget review"},
		{"is:unread", "会议安排|Quarterly budget review|Old notes"},
		{"is:flagged", "Old notes"},
		{"before:2024-01-01", "Old notes"},
		{"after:2024-05-15", "会议安排"},
		{"in:inbox budget", "Quarterly budget review"},
		{"in:sent budget", ""},
		{"account:" + h.acct.ID + " from:dan", "Old notes"},
		// A two-character Chinese word, in the subject and in the body.
		{"会议", "会议安排"},
		{"预算", "会议安排"},
		{"-from:ann is:unread", "会议安排|Old notes"},
	}
	for _, c := range cases {
		if got := strings.Join(h.searchFor(c.q), "|"); got != c.want {
			t.Errorf("%s: got %q, want %q", c.q, got, c.want)
		}
	}

	// A query that does not parse says so under the field, without a dialog.
	mv.searchEntry.SetText("")
	h.ui.pump()
	test.Type(mv.searchEntry, "before:yesterday")
	h.ui.waitFor(t, "the parse error", func() bool {
		return mv.srch.info.Visible() && strings.Contains(mv.srch.info.Text, "yesterday")
	})

	// Clearing the field goes back to the folder.
	mv.searchEntry.SetText("")
	h.ui.waitFor(t, "the folder again", func() bool {
		fs, ok := mv.list.src.(folderSource)
		return ok && len(fs.ids) == 1 && fs.ids[0] == inbox && mv.list.total == len(searchMails) && !mv.srch.info.Visible()
	})

	// A new key cancels the pending search: only the last text runs.
	runs := 0
	mv.srch.onDone = func() { runs++ }
	test.Type(mv.searchEntry, "budget")
	h.ui.waitFor(t, "the search of the whole word", func() bool { return mv.srch.last == "budget" })
	if runs != 1 {
		t.Fatalf("%d searches finished for one burst of typing, want 1", runs)
	}
	mv.srch.onDone = nil

	// Deleted mail leaves the results unless the query asks for Trash;
	// the count line says how much is there.
	if err := h.eng.Delete(ctx, []int64{byFrom["dan@example.org"]}); err != nil {
		t.Fatal(err)
	}
	if got := h.searchFor("notes"); len(got) != 0 {
		t.Fatalf("notes after the delete: %q", got)
	}
	if want := "0 results · 1 more in Trash or Junk: add in:anywhere to include it"; mv.srch.info.Text != want {
		t.Fatalf("count label %q, want %q", mv.srch.info.Text, want)
	}
	for _, q := range []string{"notes in:anywhere", "in:trash notes"} {
		if got := strings.Join(h.searchFor(q), "|"); got != "Old notes" {
			t.Errorf("%s: got %q, want the deleted message", q, got)
		}
	}
	if mv.srch.info.Text != "1 result" {
		t.Fatalf("count label with in:trash %q", mv.srch.info.Text)
	}

	// Deleting from the results counts again: the line follows the list.
	if got := h.searchFor("is:unread"); len(got) != 2 {
		t.Fatalf("is:unread: %q", got)
	}
	mv.list.selected = map[int64]bool{byFrom["ann@example.org"]: true}
	mv.deleteSelected()
	h.ui.waitFor(t, "the count after a delete", func() bool {
		return mv.list.total == 1 && mv.srch.info.Text == "1 result · 2 more in Trash or Junk: add in:anywhere to include them"
	})

	// Escape in the field clears the search and leaves the field.
	c := h.mw.win.Canvas()
	c.Focus(mv.searchEntry)
	mv.searchEntry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	h.ui.waitFor(t, "the folder after Escape", func() bool {
		_, ok := mv.list.src.(folderSource)
		return ok && mv.searchEntry.Text == "" && c.Focused() == nil && !mv.srch.info.Visible()
	})
}

func TestServerResultsMarkedInList(t *testing.T) {
	useEnglish(t)
	msgs := []testMail{
		{from: "Eve <eve@example.org>", to: "team@example.org", subject: "Photos",
			body: "The wombatstew recipe is inside.", date: time.Date(2024, 7, 1, 9, 0, 0, 0, time.UTC), id: "v1@example.org"},
		{from: "Fay <fay@example.org>", to: "team@example.org", subject: "Dinner",
			body: "Wombatstew again tonight.", date: time.Date(2024, 7, 2, 9, 0, 0, 0, time.UTC), id: "v2@example.org"},
		{from: "Gus <gus@example.org>", to: "team@example.org", subject: "Other",
			body: "Nothing here.", date: time.Date(2024, 7, 3, 9, 0, 0, 0, time.UTC), id: "v3@example.org"},
	}
	h := newMailHarness(t, msgs, account.ProtocolIMAP)
	h.waitInbox(len(msgs))
	mv := h.mw.mv
	h.ui.waitFor(t, "the account online", h.eng.CanSearchServer)
	// The bodies are not cached: only the server finds the word.
	got := h.searchFor("wombatstew")
	sort.Strings(got)
	if strings.Join(got, "|") != "Dinner|Photos" {
		t.Fatalf("server search in the list: %q", got)
	}
	if want := T("search.count_server", map[string]any{"Count": 2, "Server": 2}); mv.srch.info.Text != want {
		t.Fatalf("count label %q, want %q", mv.srch.info.Text, want)
	}
	h.ui.waitFor(t, "marked rows drawn", func() bool {
		n := 0
		for _, r := range h.rows() {
			if strings.HasPrefix(r.Data().Secondary, T("search.server_mark")) {
				n++
			}
		}
		return n == 2
	})
	// A server result opens like any other message.
	h.click(0, 0)
	h.ui.waitFor(t, "the message in the view", func() bool {
		s := mv.view.shownSubject()
		return s == "Dinner" || s == "Photos"
	})
}
