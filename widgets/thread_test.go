package widgets

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

func TestThreadViewExpandsNewestAndTogglesOnTap(t *testing.T) {
	test.NewTempApp(t)
	v := NewThreadView()
	w := test.NewWindow(v)
	defer w.Close()
	w.Resize(fyne.NewSize(600, 800))
	var asked []int64
	v.OnExpand = func(i int, id int64) { asked = append(asked, id) }
	v.SetThread("Trip", []ThreadMessage{
		{ID: 1, From: "Ann", Date: "2024-04-01", Snippet: "Shall we"},
		{ID: 2, From: "Bob", Date: "2024-04-02", Snippet: "June works"},
		{ID: 3, From: "Ann", Date: "2024-04-03", Snippet: "Booked", Unread: true},
	})
	if v.Len() != 3 || len(asked) != 1 || asked[0] != 3 {
		t.Fatalf("%d messages, bodies asked for %v; want the newest only", v.Len(), asked)
	}
	for i := 0; i < 3; i++ {
		if v.Expanded(i) != (i == 2) || v.Header(i).Expanded() != (i == 2) {
			t.Fatalf("message %d expanded=%v", i, v.Expanded(i))
		}
	}
	mv := v.SetBody(2, &MessageViewModel{Subject: "Re: Trip", From: "Ann"})
	if mv == nil || v.MessageView(2) != mv || mv.Model().Subject != "Re: Trip" {
		t.Fatal("the body of the newest message is not shown")
	}
	if h := v.box.Objects[5]; !h.Visible() || h.MinSize().Height < threadBodyHeight {
		t.Fatalf("the expanded body is hidden or squeezed (%v)", h.MinSize())
	}
	// Tapping a collapsed header asks for its body once; collapsing and
	// expanding again does not ask again once it is there.
	test.Tap(v.Header(0))
	if !v.Expanded(0) || len(asked) != 2 || asked[1] != 1 {
		t.Fatalf("tap: expanded=%v asked=%v", v.Expanded(0), asked)
	}
	v.SetBody(0, &MessageViewModel{Subject: "Trip"})
	test.Tap(v.Header(0))
	test.Tap(v.Header(0))
	if !v.Expanded(0) || len(asked) != 2 {
		t.Fatalf("re-expand: expanded=%v asked=%v", v.Expanded(0), asked)
	}
	// A failed load shows a note; the header texts are what was given.
	test.Tap(v.Header(1))
	v.SetNote(1, "offline")
	if from, date, snip := v.Header(1).Text(); from != "Bob" || date != "2024-04-02" || snip != "June works" {
		t.Fatalf("header %q %q %q", from, date, snip)
	}
	if v.MessageView(1) != nil || v.Message(1).ID != 2 || v.Message(7).ID != 0 || v.Header(-1) != nil {
		t.Fatal("out-of-range or failed messages misreported")
	}
	// Out-of-range calls are ignored.
	v.Toggle(9)
	v.SetBody(9, nil)
	v.SetNote(-1, "x")
	// A new thread replaces the old one.
	v.SetThread("", nil)
	if v.Len() != 0 {
		t.Fatal("the old thread is still shown")
	}
}

func TestThreadRowShowsCounts(t *testing.T) {
	test.NewTempApp(t)
	r := NewThreadRow()
	w := test.NewWindow(r)
	defer w.Close()
	tapped := -1
	r.OnTapped = func(i int) { tapped = i }
	r.SetData(4, ThreadRowData{ThreadID: 9, Participants: "Ann, Bob", Subject: "Trip", Date: "14:05", Count: 3, Unread: 1, CountText: "3 messages · 1 unread"})
	test.Tap(r)
	if tapped != 4 || r.Data().Count != 3 {
		t.Fatalf("tap reported %d", tapped)
	}
	rr := test.WidgetRenderer(r).(*threadRowRenderer)
	if rr.who.Text != "Ann, Bob" || rr.subject.Text != "Trip" || rr.count.Text != "3 messages · 1 unread" || !rr.dot.Visible() || !rr.who.TextStyle.Bold {
		t.Fatalf("row draws %q %q %q dot=%v", rr.who.Text, rr.subject.Text, rr.count.Text, rr.dot.Visible())
	}
	r.SetData(4, ThreadRowData{ThreadID: 9, Participants: "Ann", Subject: "Trip", Count: 1})
	if rr.dot.Visible() || rr.who.TextStyle.Bold {
		t.Fatal("a read conversation still looks unread")
	}
}

// Replies stand indented under what they answer, bodies with their
// headers.
func TestThreadViewIndentsReplies(t *testing.T) {
	test.NewTempApp(t)
	v := NewThreadView()
	w := test.NewWindow(v)
	defer w.Close()
	w.Resize(fyne.NewSize(600, 800))
	v.SetThread("s", []ThreadMessage{{ID: 1, From: "a"}, {ID: 2, From: "b", Depth: 1}, {ID: 3, From: "c", Depth: 2}})
	x := func(o fyne.CanvasObject) float32 {
		return fyne.CurrentApp().Driver().AbsolutePositionForObject(o).X
	}
	x0, x1, x2 := x(v.Header(0)), x(v.Header(1)), x(v.Header(2))
	if x1-x0 < ThreadIndent || x2-x1 < ThreadIndent {
		t.Fatalf("headers at x %v, %v, %v: not indented by depth", x0, x1, x2)
	}
	// The newest message starts expanded: its body lies under its header.
	if !v.Expanded(2) || x(v.items[2].body) != x2 {
		t.Fatalf("body of the reply at x %v, its header at %v", x(v.items[2].body), x2)
	}
}
