package pop3

import (
	"bufio"
	"errors"
	"io"
	"math/rand/v2"
	"net/textproto"
	"strings"
	"testing"
)

// viaDotReader is the reference: textproto's DotReader, then restoreCRLF.
func viaDotReader(wire string, size int) (string, string, error) {
	r := textproto.NewReader(bufio.NewReaderSize(strings.NewReader(wire), size))
	got, err := io.ReadAll(r.DotReader())
	if err != nil {
		return "", "", err
	}
	rest, _ := io.ReadAll(r.R)
	return string(restoreCRLF(got)), string(rest), nil
}

func viaReadDotBody(wire string, size int) (string, string, error) {
	br := bufio.NewReaderSize(strings.NewReader(wire), size)
	got, err := readDotBody(br, MaxMessageSize)
	if err != nil {
		return "", "", err
	}
	rest, _ := io.ReadAll(br)
	return string(got), string(rest), nil
}

// readDotBody decodes exactly as DotReader plus restoreCRLF do, on
// hand-picked and random wire bytes, whatever the buffer size (lines
// longer than the buffer, a CR and its LF split across two reads), and
// leaves the reader just after the terminator.
func TestReadDotBodyMatchesDotReader(t *testing.T) {
	cases := []string{
		"Subject: dots\r\n\r\n..leading dot\r\n...two dots\r\n..\r\nbare\rCR\r\n.\r\n+OK next\r\n",
		".\r\n+OK empty\r\n",
		".\n+OK bare LF terminator\r\n",
		"bare LF lines\nsecond\n.\n",
		"cr cr lf\r\r\nx\r\n.\r\n",
		".\rX\r\nafter\r\n.\r\n",
		"..\n.\r\n",
		"ends in CR\r.\r\n.\r\n",
		strings.Repeat("y", 100) + "\r\n." + strings.Repeat("z", 70) + "\r\n.\r\nrest",
	}
	alphabet := []string{"a", "b", ".", "\r", "\n", "\r\n", ".\r\n", "..", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 3000; i++ {
		var b strings.Builder
		for n := rng.IntN(60); n > 0; n-- {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		// Always end the body and then add a following response.
		b.WriteString("\r\n.\r\n+OK after\r\n")
		cases = append(cases, b.String())
	}
	for _, wire := range cases {
		if strings.HasPrefix(wire, "\n") || strings.Contains(wire, "\n\n") {
			// DotReader does not count an empty line ended by a bare LF
			// as a line end, so a "." after it is neither unstuffed nor
			// a terminator (see TestReadDotBodyEmptyBareLFLine).
			continue
		}
		for _, size := range []int{16, 17, 19, 23, 64, 4096} {
			want, wantRest, werr := viaDotReader(wire, size)
			got, gotRest, gerr := viaReadDotBody(wire, size)
			if (werr != nil) != (gerr != nil) || got != want || gotRest != wantRest {
				t.Fatalf("buffer %d, wire %q:\n got %q rest %q (%v)\nwant %q rest %q (%v)",
					size, wire, got, gotRest, gerr, want, wantRest, werr)
			}
		}
	}
}

// Every LF ends a line, an empty one too: the terminator after an empty
// bare-LF line is found (DotReader would read on into the next response).
func TestReadDotBodyEmptyBareLFLine(t *testing.T) {
	got, rest, err := viaReadDotBody("a\n\n..b\n\n.\r\n+OK next\r\n", 16)
	if err != nil || got != "a\r\n\r\n.b\r\n\r\n" || rest != "+OK next\r\n" {
		t.Fatalf("got %q rest %q (%v)", got, rest, err)
	}
}

func TestReadDotBodyErrors(t *testing.T) {
	for _, wire := range []string{"", "no terminator\r\n", "half\r\n.", "half\r\n.\r"} {
		_, err := readDotBody(bufio.NewReaderSize(strings.NewReader(wire), 16), MaxMessageSize)
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("%q: %v, want unexpected EOF", wire, err)
		}
	}
	// The limit counts as DotReader does: one byte per line end.
	body := "12345\r\n1234\r\n.\r\n" // 11 bytes decoded with LF endings
	if _, err := readDotBody(bufio.NewReader(strings.NewReader(body)), 11); err != nil {
		t.Errorf("body at the limit: %v", err)
	}
	if _, err := readDotBody(bufio.NewReader(strings.NewReader(body)), 10); !errors.Is(err, errBodyTooLarge) {
		t.Errorf("body over the limit: %v", err)
	}
}

// The announced size only sizes the buffer: too small, exact, too large or
// absurd, the body read is the same and a false claim reserves at most
// sizeHintCap bytes.
func TestReadDotBodySizeHint(t *testing.T) {
	wire := "Subject: x\r\n\r\n..dot\r\n" + strings.Repeat("line of text\r\n", 200) + ".\r\n"
	want, _, err := viaReadDotBody(wire, 4096)
	if err != nil {
		t.Fatal(err)
	}
	for _, hint := range []int64{0, 1, int64(len(want)), int64(len(want)) * 3, 1 << 40} {
		got, err := readDotBodySized(bufio.NewReaderSize(strings.NewReader(wire), 4096), MaxMessageSize, hint)
		if err != nil {
			t.Fatalf("hint %d: %v", hint, err)
		}
		if string(got) != want {
			t.Fatalf("hint %d: body differs", hint)
		}
		if int64(cap(got)) > max(sizeHintCap, int64(len(want))*2) {
			t.Fatalf("hint %d: buffer of %d bytes", hint, cap(got))
		}
	}
}

func TestOctets(t *testing.T) {
	for status, want := range map[string]int64{
		"1234 octets": 1234, "99": 99, "": 0, "message follows": 0, "-5 octets": 0, "12x octets": 0,
	} {
		if got := octets(status); got != want {
			t.Errorf("octets(%q) = %d, want %d", status, got, want)
		}
	}
}
