package message

import (
	"reflect"
	"testing"
)

func TestDecodeFlowed(t *testing.T) {
	cases := []struct {
		in    string
		delSp bool
		want  string
	}{
		{"Hello \nworld\n", false, "Hello world"},
		{"Hello \nworld\n", true, "Helloworld"},
		{"one \ntwo \nthree\n\nnext\n", false, "one two three\n\nnext"},
		{"> quoted \n> text\nown\n", false, "> quoted text\nown"},
		{">> a \n> b\n", false, ">> a \n> b"},
		{" From space-stuffed\n", false, "From space-stuffed"},
		{"-- \nsig\n", false, "-- \nsig"},
		{"line\r\nline2\r\n", false, "line\nline2"},
		{"", false, ""},
	}
	for _, c := range cases {
		if got := DecodeFlowed(c.in, c.delSp); got != c.want {
			t.Errorf("DecodeFlowed(%q, %v) = %q, want %q", c.in, c.delSp, got, c.want)
		}
	}
}

func TestSplitQuotes(t *testing.T) {
	in := "Hi Bob,\nsee below.\n\nOn Monday Bob wrote:\n> first\n>> nested\n> > also nested\n> back\nthanks"
	got := SplitQuotes(in)
	want := []TextBlock{
		{0, "Hi Bob,\nsee below.\n\nOn Monday Bob wrote:"},
		{1, "first"},
		{2, "nested\nalso nested"},
		{1, "back"},
		{0, "thanks"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("SplitQuotes = %#v", got)
	}
	if got := SplitQuotes(""); len(got) != 1 || got[0].Text != "" {
		t.Errorf("empty: %#v", got)
	}
	blocks := TextToBlocks(in)
	if len(blocks) != 6 || blocks[2].Kind != BlockQuote || blocks[3].QuoteDepth != 2 {
		t.Errorf("TextToBlocks = %+v", blocks)
	}
}
