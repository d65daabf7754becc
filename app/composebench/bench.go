// Package composebench measures the compose window in Fyne's test driver.
// The benchmark harness calls KeystrokeMs for the compose.keystroke metric
// (goal at most 50 ms) and OpenMs for compose.open (goal at most 150 ms).
package composebench

import (
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"hongyan/app"
	"hongyan/mailcore"
	"hongyan/mailcore/account"
	"hongyan/mailcore/message"
	"hongyan/mailcore/secret"
	"hongyan/widgets"
)

// QuoteBytes is the size of the quoted original in the measured reply.
const QuoteBytes = 50 << 10

// QuotedReply is a reply body quoting QuoteBytes of text, as
// message.ReplyDraft makes it. The content is deterministic.
func QuotedReply() string {
	var b strings.Builder
	for i := 0; b.Len() < QuoteBytes; i++ {
		b.WriteString("Line of the original message, with some words to wrap and 鸿雁传书 in it, number ")
		b.WriteString(strings.Repeat("x", i%17))
		b.WriteString("\n")
		if i%9 == 8 {
			b.WriteString("\n")
		}
	}
	return "\n\nOn Mon, 2 Jan 2006 at 15:04, Someone <someone@example.org> wrote:\n" + message.QuoteText(b.String()) + "\n"
}

var quoted = sync.OnceValue(QuotedReply)

// median of durations in milliseconds.
func median(d []time.Duration) float64 {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return float64(d[len(d)/2].Microseconds()) / 1000
}

// relayout does what the driver does for a refreshed widget before
// painting: compute its minimum size and lay its renderer out.
func relayout(o fyne.Widget) {
	o.MinSize()
	test.WidgetRenderer(o).Layout(o.Size())
}

// KeystrokeMs types n characters (at least 5) into the compose body
// editor holding QuotedReply, in a 760×620 window of the test driver, and
// returns the median milliseconds from the key event to the edited block
// laid out again (the GL painting of a real window is not included).
func KeystrokeMs(n int) float64 {
	if n < 5 {
		n = 5
	}
	test.NewApp()
	ed := widgets.NewBodyEditor()
	ed.SetText(quoted())
	w := test.NewWindow(ed)
	defer w.Close()
	w.Resize(fyne.NewSize(760, 620))
	ed.FocusStart(w.Canvas())
	blk := ed.Block(0)
	times := make([]time.Duration, 0, n)
	for i := 0; i < n; i++ {
		start := time.Now()
		blk.TypedRune('a' + rune(i%26))
		relayout(blk)
		times = append(times, time.Since(start))
	}
	return median(times)
}

// EntryKeystrokeMs is the same measurement on a plain multi-line
// widget.Entry holding the whole text, with the given wrapping: the
// baseline the block editor is compared with.
func EntryKeystrokeMs(n int, wrap fyne.TextWrap) float64 {
	if n < 5 {
		n = 5
	}
	test.NewApp()
	e := widget.NewMultiLineEntry()
	e.Wrapping = wrap
	e.SetText(quoted())
	w := test.NewWindow(e)
	defer w.Close()
	w.Resize(fyne.NewSize(760, 620))
	w.Canvas().Focus(e)
	times := make([]time.Duration, 0, n)
	for i := 0; i < n; i++ {
		start := time.Now()
		e.TypedRune('a' + rune(i%26))
		relayout(e)
		times = append(times, time.Since(start))
	}
	return median(times)
}

// OpenMs opens a compose window with a reply quoting QuoteBytes, on an
// engine with one account, and returns the milliseconds until its content
// is laid out. The engine and profile are set up outside the timing.
func OpenMs() (float64, error) {
	dir, err := os.MkdirTemp("", "hongyan-composebench-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	eng, err := mailcore.Open(mailcore.Options{ProfileDir: dir, Secrets: secret.NewSessionStore()})
	if err != nil {
		return 0, err
	}
	defer eng.Close()
	a := account.New()
	a.DisplayName, a.Email = "Bench", "bench@example.org"
	a.Incoming = account.IncomingServer{Protocol: account.ProtocolPOP3, Host: "127.0.0.1", Port: 1, Username: "bench"}
	a.Outgoing = account.OutgoingServer{Host: "127.0.0.1", Port: 1}
	a.Identities = []account.Identity{{Name: "Bench", Address: "bench@example.org", Signature: "Bench"}}
	if a, err = eng.AddAccount(a, "unused", ""); err != nil {
		return 0, err
	}
	fa := test.NewApp()
	d := &message.Draft{To: []message.Address{{Name: "Someone", Email: "someone@example.org"}},
		Subject: "Re: the long report", Text: quoted(), InReplyTo: "x@example.org"}
	start := time.Now()
	c := app.OpenCompose(fa, eng, a.ID, d, 0)
	c.Win.Content().Refresh()
	elapsed := time.Since(start)
	c.Win.Close()
	return float64(elapsed.Microseconds()) / 1000, nil
}
