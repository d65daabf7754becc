package composebench

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
)

func TestQuotedReplySizeAndMeasurements(t *testing.T) {
	q := QuotedReply()
	if len(q) < QuoteBytes || !strings.Contains(q, "\n> Line of the original") {
		t.Fatalf("quoted reply of %d bytes", len(q))
	}
	if ms := KeystrokeMs(5); ms <= 0 {
		t.Fatalf("keystroke measured %v ms", ms)
	}
	ms, err := OpenMs()
	if err != nil || ms <= 0 {
		t.Fatalf("open measured %v ms: %v", ms, err)
	}
}

func BenchmarkComposeKeystroke(b *testing.B) {
	b.ReportMetric(KeystrokeMs(max(b.N, 25)), "ms/keystroke")
}

func BenchmarkEntryKeystrokeWrapWord(b *testing.B) {
	b.ReportMetric(EntryKeystrokeMs(max(b.N, 9), fyne.TextWrapWord), "ms/keystroke")
}

func BenchmarkEntryKeystrokeWrapOff(b *testing.B) {
	b.ReportMetric(EntryKeystrokeMs(max(b.N, 9), fyne.TextWrapOff), "ms/keystroke")
}

func BenchmarkComposeOpen(b *testing.B) {
	for i := 0; i < b.N; i++ {
		ms, err := OpenMs()
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(ms, "ms/open")
	}
}
