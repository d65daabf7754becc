package readbench

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"hongyan/mailcore/message"
)

func TestLargeMessageOpens(t *testing.T) {
	v, w, err := Open(largeOnce())
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	chips := v.AttachmentChips()
	if len(chips) != 1 || chips[0].Attachment.Size != LargeAttachmentBytes {
		t.Fatalf("attachment chips %+v", chips)
	}
	text := rendered(w.Canvas().Content())
	for _, want := range []string{"Large report", "Section 0", "Paragraph 1 of the report", "data.bin", "5.0 MB"} {
		if !containsText(text, want) {
			t.Errorf("%q not rendered", want)
		}
	}
	if !v.HasQuoted() || v.QuotedShown() {
		t.Errorf("quotations should start collapsed")
	}
	// The body is laid out page by page: scrolling towards the end loads
	// more, and LoadAll reaches the last section.
	if !v.Pending() {
		t.Fatal("a 200 KB body was laid out at once")
	}
	before := len(rendered(w.Canvas().Content()))
	for i := 0; i < 3; i++ {
		test.Scroll(w.Canvas(), fyne.NewPos(450, 500), 0, -100000)
	}
	if after := len(rendered(w.Canvas().Content())); after <= before {
		t.Errorf("scrolling to the end did not load more text (%d -> %d bytes)", before, after)
	}
	v.LoadAll()
	if v.Pending() {
		t.Fatal("LoadAll left blocks pending")
	}
	text = rendered(w.Canvas().Content())
	last := lastSection(t)
	if !containsText(text, last) {
		t.Errorf("%q not rendered after LoadAll", last)
	}
}

// lastSection is the last heading of the large message's body.
func lastSection(t *testing.T) string {
	m, err := message.Parse(largeOnce())
	if err != nil {
		t.Fatal(err)
	}
	blocks := m.Blocks()
	for i := len(blocks) - 1; i >= 0; i-- {
		if blocks[i].Kind == message.BlockHeading {
			return blocks[i].Text()
		}
	}
	t.Fatal("no heading in the large message")
	return ""
}

// BenchmarkOpenLarge is message.open_large: a 200 KB HTML body and a 5 MB
// attachment, from raw bytes to a rendered view.
func BenchmarkOpenLarge(b *testing.B) {
	raw := largeOnce()
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		_, w, err := Open(raw)
		if err != nil {
			b.Fatal(err)
		}
		w.Close()
	}
}

func TestOpenLargeMs(t *testing.T) {
	ms, err := OpenLargeMs()
	if err != nil {
		t.Fatal(err)
	}
	if ms <= 0 {
		t.Errorf("OpenLargeMs = %v", ms)
	}
}
