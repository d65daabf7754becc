package message

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"strings"
	"testing"
	"time"
)

func testDraft() *Draft {
	return &Draft{
		From:    Address{Name: "张三", Email: "zhang@example.org"},
		To:      []Address{{Name: "李四 (Li)", Email: "li@example.org"}, {Email: "bob@bücher.example"}},
		Cc:      []Address{{Name: "Carol, C.", Email: "carol@example.org"}},
		Bcc:     []Address{{Name: "Hidden", Email: "secret@example.org"}},
		Subject: "你好 — quarterly report",
		Text:    strings.Repeat("这是一段很长的中文文本，用于测试自动换行。 ", 8) + "\n\n> quoted line\nFrom the start\n end",
		Date:    time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC),
	}
}

func TestBuildHeadersAndBcc(t *testing.T) {
	d := testDraft()
	raw, err := d.Build()
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte("secret@example.org")) || bytes.Contains(bytes.ToLower(raw), []byte("\nbcc:")) {
		t.Fatalf("Bcc leaked into the message:\n%s", raw)
	}
	hdr, _, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
	for _, line := range strings.Split(string(hdr), "\r\n") {
		for _, r := range line {
			if r >= 0x80 {
				t.Fatalf("raw 8-bit in header line %q", line)
			}
		}
	}
	if !strings.Contains(string(hdr), "xn--bcher-kva.example") {
		t.Fatalf("IDN domain not converted:\n%s", hdr)
	}
	if d.MessageID == "" || !strings.HasSuffix(d.MessageID, "@example.org") {
		t.Fatalf("message id %q", d.MessageID)
	}
	m, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != d.Subject {
		t.Fatalf("subject %q", m.Subject)
	}
	if len(m.From) != 1 || m.From[0].Name != "张三" || m.From[0].Email != "zhang@example.org" {
		t.Fatalf("from %+v", m.From)
	}
	if len(m.To) != 2 || m.To[0].Name != "李四 (Li)" || len(m.Cc) != 1 || m.Cc[0].Name != "Carol, C." {
		t.Fatalf("to %+v cc %+v", m.To, m.Cc)
	}
	if m.MessageID != d.MessageID || !m.Date.Equal(d.Date) {
		t.Fatalf("id %q date %v", m.MessageID, m.Date)
	}
	rcpts, err := d.Recipients()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rcpts, ",") != "li@example.org,bob@xn--bcher-kva.example,carol@example.org,secret@example.org" {
		t.Fatalf("recipients %v", rcpts)
	}
}

func TestFlowedRoundTrip(t *testing.T) {
	d := testDraft()
	raw, err := d.Build()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(raw, []byte("format=flowed")) {
		t.Fatal("no format=flowed")
	}
	m, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.TrimRight(d.Text, " ")
	// trailing spaces typed by the user are dropped on purpose
	want = strings.ReplaceAll(want, "。 \n", "。\n")
	if strings.TrimRight(m.Text, "\n") != want {
		t.Fatalf("text changed:\n got %q\nwant %q", m.Text, want)
	}
	enc := EncodeFlowed(d.Text)
	for _, l := range strings.Split(enc, "\n") {
		if len(l) > 78 {
			t.Fatalf("line not wrapped (%d bytes): %q", len(l), l)
		}
	}
	if !strings.Contains(enc, "\n From the start\n") || !strings.Contains(enc, "\n  end") {
		t.Fatalf("space-stuffing missing:\n%s", enc)
	}
}

func TestEncodeFlowedCases(t *testing.T) {
	cases := []struct{ in, want string }{
		{"short", "short\n"},
		{"trailing   ", "trailing\n"},
		{"-- \nsig", "-- \nsig\n"},
		{">>deep\n>\n> x", ">> deep\n>\n> x\n"},
		{" lead", "  lead\n"},
	}
	for _, c := range cases {
		if got := EncodeFlowed(c.in); got != c.want {
			t.Errorf("EncodeFlowed(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	long := strings.Repeat("word ", 40) + "end"
	got := EncodeFlowed(long)
	if DecodeFlowed(got, false) != long {
		t.Fatalf("round trip: %q", DecodeFlowed(got, false))
	}
	for _, l := range strings.Split(strings.TrimSuffix(got, "\n"), "\n")[:1] {
		if !strings.HasSuffix(l, " ") {
			t.Fatalf("soft break without trailing space: %q", l)
		}
	}
}

func TestAttachmentsRFC2231AndStructure(t *testing.T) {
	bin := make([]byte, 3000)
	for i := range bin {
		bin[i] = byte(i * 7)
	}
	d := testDraft()
	d.HTML = `<p>Hello <img src="cid:logo@x"></p>`
	d.Attachments = []DraftAttachment{
		{Data: bin, Name: "报告 2024 – final.bin"},
		{Data: []byte("\x89PNGfake"), Name: "logo.png", ContentType: "image/png", Inline: true, ContentID: "logo@x"},
	}
	raw, err := d.Build()
	if err != nil {
		t.Fatal(err)
	}
	s := string(raw)
	if !strings.Contains(s, "filename*=utf-8''") {
		t.Fatalf("non-ASCII file name not RFC 2231 encoded:\n%s", s)
	}
	if strings.Contains(s, "filename=\"=?") {
		t.Fatal("RFC 2047 word inside a parameter")
	}
	for _, ct := range []string{"multipart/mixed", "multipart/alternative", "multipart/related", "text/html", "Content-Id: <logo@x>"} {
		if !strings.Contains(s, ct) {
			t.Fatalf("missing %s:\n%s", ct, s)
		}
	}
	m, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for i, a := range m.Attachments {
		if a.Name == "报告 2024 – final.bin" {
			data, err := m.AttachmentData(i)
			if err != nil {
				t.Fatal(err)
			}
			if sha256.Sum256(data) != sha256.Sum256(bin) {
				t.Fatal("attachment bytes changed")
			}
			found = true
		}
	}
	if !found {
		t.Fatalf("attachment not found: %+v", m.Attachments)
	}
	if m.AttachmentByContentID("logo@x") < 0 {
		t.Fatalf("inline image not found by cid: %+v", m.Attachments)
	}
}

func TestHeaderInjectionRejected(t *testing.T) {
	mut := []func(d *Draft){
		func(d *Draft) { d.Subject = "hi\r\nBcc: victim@example.org" },
		func(d *Draft) { d.Subject = "hi\nX: y" },
		func(d *Draft) { d.Subject = "nul\x00" },
		func(d *Draft) { d.From.Name = "Eve\r\nBcc: x@example.org" },
		func(d *Draft) { d.To[0].Name = "Li\nX-Evil: 1" },
		func(d *Draft) { d.To[0].Email = "li@example.org\r\nBcc: x@example.org" },
		func(d *Draft) { d.From.Email = "zhang@example.org\n" },
		func(d *Draft) { d.InReplyTo = "<a@b>\r\nX: y" },
		func(d *Draft) { d.References = []string{"<a@b>\nX: y"} },
		func(d *Draft) { d.MessageID = "x@y\r\nBcc: z@example.org" },
		func(d *Draft) {
			d.Attachments = []DraftAttachment{{Data: []byte("x"), Name: "a\r\nContent-Type: text/html"}}
		},
	}
	for i, f := range mut {
		d := testDraft()
		f(d)
		raw, err := d.Build()
		var fe *FieldError
		if !errors.As(err, &fe) {
			t.Errorf("case %d: want FieldError, got %v (%d bytes)", i, err, len(raw))
			continue
		}
		if raw != nil {
			t.Errorf("case %d: bytes returned with an error", i)
		}
		if !strings.Contains(fe.Error(), "line break") && !strings.Contains(fe.Error(), "NUL") {
			t.Errorf("case %d: unclear error %v", i, fe)
		}
	}
}

func TestValidateAddress(t *testing.T) {
	good := map[string]string{
		"a@example.org":              "a@example.org",
		"First.Last+tag@EXAMPLE.org": "First.Last+tag@example.org",
		"用户@例子.中国":                   "用户@xn--fsqu00a.xn--fiqs8s",
		"x@bücher.example":           "x@xn--bcher-kva.example",
	}
	for in, want := range good {
		got, err := ValidateAddress(in)
		if err != nil || got != want {
			t.Errorf("ValidateAddress(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "noat", "@example.org", "a@", "a..b@example.org", "a b@example.org", "a@nodot", "a@exa mple.org", "a@-bad-.org"} {
		if _, err := ValidateAddress(in); err == nil {
			t.Errorf("ValidateAddress(%q) accepted", in)
		}
	}
	d := testDraft()
	d.To, d.Cc, d.Bcc = nil, nil, nil
	if _, err := d.Build(); !errors.Is(err, ErrNoRecipients) {
		t.Fatalf("no recipients: %v", err)
	}
}

func TestSubjectPrefixes(t *testing.T) {
	for in, want := range map[string]string{
		"hello":         "Re: hello",
		"Re: hello":     "Re: hello",
		"Re: Re: hello": "Re: hello",
		"RE: re:hello":  "Re: hello",
		"回复：你好":         "Re: 你好",
		"Re[2]: x":      "Re: x",
		"Fwd: x":        "Re: Fwd: x",
		"Reading list":  "Re: Reading list",
	} {
		if got := ReplySubject(in); got != want {
			t.Errorf("ReplySubject(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"x":            "Fwd: x",
		"Fwd: Fw: x":   "Fwd: x",
		"转发：报告":        "Fwd: 报告",
		"FW: Re: x":    "Fwd: Re: x",
		"Forward plan": "Fwd: Forward plan",
	} {
		if got := ForwardSubject(in); got != want {
			t.Errorf("ForwardSubject(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestReplyDraft(t *testing.T) {
	me := []Address{{Name: "Me", Email: "me@example.org"}, {Name: "Me Alt", Email: "alt@example.org"}}
	o := Original{
		From:       []Address{{Name: "Ann", Email: "ann@example.org"}},
		To:         []Address{{Email: "ALT@example.org"}, {Email: "bob@example.org"}},
		Cc:         []Address{{Email: "me@example.org"}, {Email: "cat@example.org"}, {Email: "bob@example.org"}},
		Subject:    "RE: Re: plan",
		Date:       time.Date(2024, 1, 2, 3, 4, 0, 0, time.UTC),
		MessageID:  "<m2@example.org>",
		References: []string{"<m0@example.org>", "<m1@example.org>"},
		Text:       "line one\n> earlier\n",
	}
	d := ReplyDraft(o, me, false)
	if d.Subject != "Re: plan" || len(d.To) != 1 || d.To[0].Email != "ann@example.org" || len(d.Cc) != 0 {
		t.Fatalf("reply: %+v", d)
	}
	if d.From.Email != "alt@example.org" {
		t.Fatalf("identity not chosen from recipients: %+v", d.From)
	}
	if d.InReplyTo != "m2@example.org" || strings.Join(d.References, " ") != "m0@example.org m1@example.org m2@example.org" {
		t.Fatalf("threading: %q %v", d.InReplyTo, d.References)
	}
	if !strings.Contains(d.Text, "On Tue, 2 Jan 2024 at 03:04, Ann <ann@example.org> wrote:\n> line one\n>> earlier") {
		t.Fatalf("quote: %q", d.Text)
	}
	all := ReplyDraft(o, me, true)
	var cc []string
	for _, a := range all.Cc {
		cc = append(cc, a.Email)
	}
	if strings.Join(cc, ",") != "bob@example.org,cat@example.org" {
		t.Fatalf("reply-all cc %v", cc)
	}
	o.ReplyTo = []Address{{Email: "list@example.org"}}
	rt := ReplyDraft(o, me, true)
	if rt.To[0].Email != "list@example.org" || !containsAddr(rt.Cc, Address{Email: "ann@example.org"}) {
		t.Fatalf("reply-to: %+v", rt)
	}
	if _, err := rt.Build(); err != nil {
		t.Fatal(err)
	}
}

func TestForwardDraft(t *testing.T) {
	orig := testDraft()
	raw, err := orig.Build()
	if err != nil {
		t.Fatal(err)
	}
	o := Original{From: []Address{orig.From}, To: orig.To, Subject: "Fw: " + orig.Subject, Date: orig.Date,
		MessageID: orig.MessageID, Text: "body text", Raw: raw}
	me := Address{Name: "Me", Email: "me@example.org"}
	in := ForwardDraft(o, me, false)
	if in.Subject != "Fwd: "+orig.Subject || !strings.Contains(in.Text, "---------- Forwarded message ----------\nFrom: 张三 <zhang@example.org>") || !strings.Contains(in.Text, "body text") {
		t.Fatalf("inline forward: %+v", in)
	}
	att := ForwardDraft(o, me, true)
	att.To = []Address{{Email: "x@example.org"}}
	out, err := att.Build()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(out, []byte("Content-Type: message/rfc822")) {
		t.Fatalf("no message/rfc822 part:\n%s", out)
	}
	m, err := Parse(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Attachments) != 1 {
		t.Fatalf("attachments %+v", m.Attachments)
	}
	inner, err := m.AttachmentData(0)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(bytes.TrimRight(inner, "\r\n"), bytes.TrimRight(raw, "\r\n")) {
		t.Fatalf("forwarded source changed")
	}
}

// A reply and an inline forward written in another language carry that
// language's lines; what a wording leaves out is English; placeholders in
// a sender's name stay as they are.
func TestWordingOfReplyAndForward(t *testing.T) {
	zh := Wording{
		Wrote: "{date}，{who} 写道：", Undated: "{who} 写道：", Someone: "某人", DateLayout: "2006年1月2日 15:04",
		Forwarded: "---------- 转发的邮件 ----------", From: "发件人：", Date: "日期：", Subject: "主题：", To: "收件人：",
		ForwardDateLayout: "2006年1月2日 15:04:05 -0700",
	}
	o := Original{From: []Address{{Name: "李四 {date}", Email: "li@example.org"}}, To: []Address{{Email: "me@example.org"}},
		Cc: []Address{{Email: "cat@example.org"}}, Subject: "计划", Date: time.Date(2026, 11, 28, 9, 43, 5, 0, time.UTC), Text: "正文\n"}
	r := zh.ReplyDraft(o, []Address{{Email: "me@example.org"}}, false)
	if want := "\n\n2026年11月28日 09:43，李四 {date} <li@example.org> 写道：\n> 正文\n"; r.Text != want {
		t.Errorf("reply body %q, want %q", r.Text, want)
	}
	f := zh.ForwardDraft(o, Address{Email: "me@example.org"}, false)
	want := "\n\n---------- 转发的邮件 ----------\n发件人：李四 {date} <li@example.org>\n日期：2026年11月28日 09:43:05 +0000\n" +
		"主题：计划\n收件人：me@example.org\nCc: cat@example.org\n\n正文\n"
	if f.Text != want {
		t.Errorf("forward body %q, want %q", f.Text, want)
	}
	undated := o
	undated.Date, undated.From = time.Time{}, nil
	if got := zh.Attribution(undated); got != "某人 写道：" {
		t.Errorf("undated, no sender: %q", got)
	}
	if got, want := (Wording{}).Attribution(o), English.Attribution(o); got != want {
		t.Errorf("zero wording %q, English %q", got, want)
	}
}
