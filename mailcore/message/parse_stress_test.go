package message

import (
	"bytes"
	"fmt"
	"runtime"
	"strings"
	"testing"
)

func TestDeepNesting(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("Subject: deep\r\nContent-Type: multipart/mixed; boundary=\"b0\"\r\n\r\n")
	const depth = 1000
	for i := 0; i < depth; i++ {
		fmt.Fprintf(&b, "--b%d\r\nContent-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n", i, i+1)
	}
	fmt.Fprintf(&b, "--b%d\r\nContent-Type: text/plain\r\n\r\ninnermost\r\n", depth)
	for i := depth; i >= 0; i-- {
		fmt.Fprintf(&b, "--b%d--\r\n", i)
	}
	m, err := Parse(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != "deep" {
		t.Errorf("Subject = %q", m.Subject)
	}
	if !hasWarning(m, "nesting") {
		t.Errorf("no nesting warning: %q", m.Warnings)
	}
	// The part cut off at the depth limit is offered as an attachment.
	if len(m.Attachments) != 1 {
		t.Errorf("attachments = %d", len(m.Attachments))
	}
}

func TestManyParts(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("Subject: many\r\nContent-Type: multipart/mixed; boundary=\"p\"\r\n\r\n")
	for i := 0; i < 10000; i++ {
		fmt.Fprintf(&b, "--p\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"f%d.bin\"\r\n\r\nx\r\n", i)
	}
	b.WriteString("--p--\r\n")
	m, err := Parse(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Attachments) >= 10000 || len(m.Attachments) < MaxParts-2 {
		t.Errorf("attachments = %d, want about %d", len(m.Attachments), MaxParts)
	}
	if !hasWarning(m, "MIME parts") {
		t.Errorf("no part-limit warning: %q", m.Warnings)
	}
	if m.Attachments[0].Name != "f0.bin" {
		t.Errorf("first attachment %+v", m.Attachments[0])
	}
}

func TestHugeHeaderLine(t *testing.T) {
	big := strings.Repeat("A", 1<<20)
	raw := "Subject: " + big + "\r\nX-Junk: " + big + "\r\nFrom: a@example.org\r\n\r\nbody text\r\n"
	m, err := Parse([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Subject) != 1<<20 {
		t.Errorf("subject length %d", len(m.Subject))
	}
	if m.Text != "body text\n" || len(m.From) != 1 {
		t.Errorf("Text=%q From=%v", m.Text, m.From)
	}
	// A multipart delimiter line of 1 MB is not a delimiter and does not stop parsing.
	raw2 := "Content-Type: multipart/mixed; boundary=q\r\n\r\n--q\r\nContent-Type: text/plain\r\n\r\nstart\r\n--q" + big + "\r\nmore\r\n--q--\r\n"
	m2, _ := Parse([]byte(raw2))
	if !strings.HasPrefix(m2.Text, "start") || !strings.HasSuffix(m2.Text, "more") {
		t.Errorf("Text = %.60q...", m2.Text)
	}
}

func TestBrokenInputsNeverPanic(t *testing.T) {
	cases := map[string]string{
		"only garbage":       "\x00\x01\x02\xff\xfe",
		"continuation first": " folded\r\n\r\nbody",
		"boundary only":      "Content-Type: multipart/mixed; boundary=x\r\n\r\n--x",
		"empty boundary":     "Content-Type: multipart/mixed; boundary=\"\"\r\n\r\n--\r\n",
		"base64 1 char":      "Content-Transfer-Encoding: base64\r\n\r\nQ",
		"qp trailing =":      "Content-Transfer-Encoding: quoted-printable\r\n\r\nabc=",
		"bad params":         "Content-Type: text/plain; ;;; charset*0*=x''%ZZ; name*=; =;\r\n\r\nok",
		"rfc822 no body":     "Content-Type: message/rfc822\r\n\r\n",
		"html garbage":       "Content-Type: text/html\r\n\r\n<<<<img src=\"http://x<</a></b></table></blockquote><li><li></ol>",
		"nested broken":      "Content-Type: multipart/mixed; boundary=a\r\n\r\n--a\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/html\r\n\r\n<p>x",
	}
	for name, raw := range cases {
		t.Run(name, func(t *testing.T) {
			m, _ := Parse([]byte(raw))
			if m == nil {
				t.Fatal("nil message")
			}
			for i := range m.Attachments {
				m.AttachmentData(i)
			}
			HTMLToBlocks(m.HTML)
			ParseHeaderSummary([]byte(raw))
			SanitizedHTMLDocument(m, false)
		})
	}
	m, _ := Parse([]byte("Content-Type: multipart/mixed; boundary=a\r\n\r\n--a\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/html\r\n\r\n<p>x"))
	if !strings.Contains(m.Text, "x") || len(m.Warnings) == 0 {
		t.Errorf("nested broken: Text=%q warnings=%q", m.Text, m.Warnings)
	}
}

// TestBoundedAllocation checks that a small hostile message cannot make the
// parser allocate far more than its own size.
func TestBoundedAllocation(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("Content-Type: multipart/mixed; boundary=z\r\n\r\n")
	for i := 0; i < 20000; i++ {
		b.WriteString("--z\r\n\r\n")
	}
	raw := b.Bytes()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	m, _ := Parse(raw)
	runtime.ReadMemStats(&after)
	if m == nil {
		t.Fatal("nil message")
	}
	allocated := after.TotalAlloc - before.TotalAlloc
	if allocated > 64<<20 {
		t.Errorf("parsing %d bytes allocated %d bytes", len(raw), allocated)
	}
}

func hasWarning(m *Message, sub string) bool {
	for _, w := range m.Warnings {
		if strings.Contains(w, sub) {
			return true
		}
	}
	return false
}
