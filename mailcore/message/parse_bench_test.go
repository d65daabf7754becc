package message

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"testing"
)

// genMessage builds a realistic multipart/alternative message with a
// reply-quoted plain part and an HTML part, seeded for repeatability.
func genMessage(r *rand.Rand, i int) []byte {
	words := []string{"meeting", "report", "鸿雁", "budget", "邮件", "schedule", "update", "review", "quarterly", "计划"}
	para := func(n int) string {
		var b bytes.Buffer
		for j := 0; j < n; j++ {
			b.WriteString(words[r.IntN(len(words))])
			b.WriteByte(' ')
		}
		return b.String()
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: =?UTF-8?B?%s?= <sender%d@example.org>\r\n", base64.StdEncoding.EncodeToString([]byte("发件人")), i)
	fmt.Fprintf(&b, "To: a@example.org, b@example.org\r\nSubject: =?UTF-8?Q?Re:_%s?=\r\n", "update")
	fmt.Fprintf(&b, "Date: Tue, 14 Jan 2025 10:%02d:00 +0800\r\nMessage-ID: <m%d@example.org>\r\n", i%60, i)
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"alt\"\r\n\r\n--alt\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
	for j := 0; j < 5; j++ {
		b.WriteString(para(20) + "\r\n")
	}
	b.WriteString("> " + para(15) + "\r\n")
	b.WriteString("--alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body>")
	for j := 0; j < 5; j++ {
		fmt.Fprintf(&b, "<p>%s<b>%s</b><a href=\"https://example.org/%d\">link</a></p>", para(15), para(3), j)
	}
	b.WriteString(`<img src="https://tracker.example/p.gif" width="1" height="1"></body></html>` + "\r\n--alt--\r\n")
	return b.Bytes()
}

func BenchmarkParse(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	msgs := make([][]byte, 100)
	size := 0
	for i := range msgs {
		msgs[i] = genMessage(r, i)
		size += len(msgs[i])
	}
	b.SetBytes(int64(size / len(msgs)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Parse(msgs[i%len(msgs)]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseHeaderSummary(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	msg := genMessage(r, 1)
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		ParseHeaderSummary(msg)
	}
}

// bigMessage has a 200 KB HTML body and a 5 MB base64 attachment.
func bigMessage() []byte {
	var b bytes.Buffer
	b.WriteString("From: a@example.org\r\nSubject: big\r\nContent-Type: multipart/mixed; boundary=\"big\"\r\n\r\n--big\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body>")
	for b.Len() < 200<<10 {
		b.WriteString("<p>Row of <b>newsletter</b> text with a <a href=\"https://example.org/x\">link</a> and <img src=\"https://cdn.example/i.png\" alt=\"pic\"></p>\n")
	}
	b.WriteString("</body></html>\r\n--big\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"data.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	data := make([]byte, 5<<20)
	r := rand.New(rand.NewPCG(3, 4))
	for i := range data {
		data[i] = byte(r.Uint32())
	}
	enc := base64.StdEncoding.EncodeToString(data)
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n--big--\r\n")
	return b.Bytes()
}

func BenchmarkParseLarge(b *testing.B) {
	msg := bigMessage()
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m, err := Parse(msg)
		if err != nil || len(m.Attachments) != 1 || m.Attachments[0].Size != 5<<20 {
			b.Fatalf("bad parse: %v", err)
		}
	}
}

func BenchmarkAttachmentDataLarge(b *testing.B) {
	m, _ := Parse(bigMessage())
	b.SetBytes(5 << 20)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := m.AttachmentData(0); err != nil {
			b.Fatal(err)
		}
	}
}

func TestLargeMessage(t *testing.T) {
	m, err := Parse(bigMessage())
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Attachments) != 1 || m.Attachments[0].Size != 5<<20 || m.Attachments[0].Name != "data.bin" {
		t.Fatalf("attachments %+v", m.Attachments)
	}
	data, err := m.AttachmentData(0)
	if err != nil || len(data) != 5<<20 {
		t.Fatalf("data %d bytes, %v", len(data), err)
	}
	if m.RemoteBlocked < 1000 || len(m.Blocks()) < 1000 {
		t.Errorf("RemoteBlocked=%d blocks=%d", m.RemoteBlocked, len(m.Blocks()))
	}
}
