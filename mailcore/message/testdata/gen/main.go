// Command gen writes the test corpus of messages in ../corpus. The corpus is
// committed; run this again only to change it:
//
//	go run ./mailcore/message/testdata/gen
package main

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"mime/quotedprintable"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
)

func enc(e encoding.Encoding, s string) string {
	b, err := e.NewEncoder().Bytes([]byte(s))
	if err != nil {
		panic(fmt.Sprintf("%q: %v", s, err))
	}
	return string(b)
}

func b64(s string) string {
	e := base64.StdEncoding.EncodeToString([]byte(s))
	var b strings.Builder
	for len(e) > 76 {
		b.WriteString(e[:76] + "\r\n")
		e = e[76:]
	}
	b.WriteString(e)
	return b.String()
}

func qp(s string) string {
	var b bytes.Buffer
	w := quotedprintable.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.String()
}

func crlf(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\n", "\r\n")
}

const std = "From: Alice Example <alice@example.org>\nTo: Bob <bob@example.net>\nDate: Tue, 14 Jan 2025 10:30:00 +0800\nMessage-ID: <%s@example.org>\nMIME-Version: 1.0\n"

func head(id, subject string) string { return fmt.Sprintf(std, id) + "Subject: " + subject + "\n" }

var gif = "GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"

func main() {
	gbk := simplifiedchinese.GBK
	m := map[string]string{}

	m["plain-ascii"] = head("a1", "Hello plain") + "Content-Type: text/plain; charset=us-ascii\n\nJust a plain message.\nSecond line.\n"
	m["utf8-8bit"] = head("a2", "Grüße aus Köln") + "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\nHallo Bob, schöne Grüße – Alice\n"
	m["gbk-qp"] = head("a3", "=?GBK?B?"+base64.StdEncoding.EncodeToString([]byte(enc(gbk, "会议通知")))+"?=") +
		"Content-Type: text/plain; charset=GBK\nContent-Transfer-Encoding: quoted-printable\n\n" + qp(enc(gbk, "各位同事：明天上午十点开会。\n"))
	m["gb2312-base64"] = head("a4", "=?gb2312?B?"+base64.StdEncoding.EncodeToString([]byte(enc(gbk, "你好，世界")))+"?=") +
		"Content-Type: text/plain; charset=\"gb2312\"\nContent-Transfer-Encoding: base64\n\n" + b64(enc(gbk, "鸿雁传书，千里寄情。\n"))
	m["gb18030-body"] = head("a5", "=?GB18030?B?"+base64.StdEncoding.EncodeToString([]byte(enc(simplifiedchinese.GB18030, "生僻字𠀀测试")))+"?=") +
		"Content-Type: text/plain; charset=GB18030\nContent-Transfer-Encoding: base64\n\n" + b64(enc(simplifiedchinese.GB18030, "扩展汉字：𠀀𠀁，欧元符号€。\n"))
	m["gb2312-mislabelled-gbk"] = head("a6", "=?gb2312?B?"+base64.StdEncoding.EncodeToString([]byte(enc(gbk, "王喆的报告")))+"?=") +
		"Content-Type: text/plain; charset=gb2312\nContent-Transfer-Encoding: 8bit\n\n" + enc(gbk, "作者：王喆（GBK 独有字）\n")
	m["big5-base64"] = head("a7", "=?big5?B?"+base64.StdEncoding.EncodeToString([]byte(enc(traditionalchinese.Big5, "繁體中文郵件")))+"?=") +
		"Content-Type: text/plain; charset=big5\nContent-Transfer-Encoding: base64\n\n" + b64(enc(traditionalchinese.Big5, "您好，這是一封繁體中文郵件。\n"))
	m["big5-subject-q"] = head("a8", "=?Big5?Q?"+strings.ReplaceAll(strings.TrimRight(qp(enc(traditionalchinese.Big5, "臺灣")), "\r\n"), " ", "_")+"?=") +
		"Content-Type: text/plain; charset=Big5\n\n" + enc(traditionalchinese.Big5, "臺北見。\n")
	m["iso-2022-jp"] = head("a9", "=?ISO-2022-JP?B?"+base64.StdEncoding.EncodeToString([]byte(enc(japanese.ISO2022JP, "日本語の件名")))+"?=") +
		"Content-Type: text/plain; charset=ISO-2022-JP\nContent-Transfer-Encoding: 7bit\n\n" + enc(japanese.ISO2022JP, "こんにちは、世界。\n")
	m["shift-jis"] = head("a10", "=?Shift_JIS?B?"+base64.StdEncoding.EncodeToString([]byte(enc(japanese.ShiftJIS, "お知らせ")))+"?=") +
		"Content-Type: text/plain; charset=Shift_JIS\nContent-Transfer-Encoding: base64\n\n" + b64(enc(japanese.ShiftJIS, "カタカナとひらがな。\n"))
	m["euc-jp"] = head("a11", "EUC test") + "Content-Type: text/plain; charset=euc-jp\n\n" + enc(japanese.EUCJP, "東京タワー\n")
	m["euc-kr"] = head("a12", "=?EUC-KR?B?"+base64.StdEncoding.EncodeToString([]byte(enc(korean.EUCKR, "안녕하세요")))+"?=") +
		"Content-Type: text/plain; charset=ks_c_5601-1987\n\n" + enc(korean.EUCKR, "한국어 본문\n")
	m["koi8-r"] = head("a13", "=?koi8-r?Q?"+strings.TrimRight(qp(enc(charmap.KOI8R, "Привет")), "\r\n")+"?=") +
		"Content-Type: text/plain; charset=koi8-r\n\n" + enc(charmap.KOI8R, "Добрый день\n")
	m["windows-1251"] = head("a14", "Cyrillic") + "Content-Type: text/plain; charset=windows-1251\nContent-Transfer-Encoding: quoted-printable\n\n" + qp(enc(charmap.Windows1251, "Москва\n"))
	m["iso-8859-1-qp"] = head("a15", "=?ISO-8859-1?Q?Caf=E9_cr=E8me?=") + "Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\n" + qp(enc(charmap.ISO8859_1, "Un café, s'il vous plaît.\n"))
	m["windows-1252"] = head("a16", "Quotes") + "Content-Type: text/plain; charset=windows-1252\n\n" + enc(charmap.Windows1252, "“Smart quotes” — and €5\n")
	m["unknown-charset-body"] = head("a17", "Unknown charset") + "Content-Type: text/plain; charset=x-no-such-charset\n\nReadable ASCII text survives.\n"
	m["unknown-charset-subject"] = head("a18", "=?x-bogus?Q?Hello_there?=") + "Content-Type: text/plain\n\nbody\n"
	m["no-charset-latin1"] = head("a19", "No charset") + "Content-Type: text/plain\n\nna\xefve caf\xe9\n"
	m["rfc2047-multiword"] = head("a20", "=?UTF-8?B?"+base64.StdEncoding.EncodeToString([]byte("鸿雁"))+"?=\n =?UTF-8?Q?_=E4=BC=A0=E4=B9=A6?= done") + "Content-Type: text/plain; charset=utf-8\n\nx\n"
	m["rfc2047-q-underscore"] = head("a21", "=?utf-8?q?hello_world=21?=") + "\nplain\n"
	m["rfc2047-broken-word"] = head("a22", "Good =?utf-8?B?!!!notbase64?= and =?utf-8?q?fine?=") + "\nbody\n"
	m["raw-8bit-gbk-header"] = fmt.Sprintf(std, "a23") + "Subject: " + enc(gbk, "未编码的标题") + "\nContent-Type: text/plain; charset=gbk\n\n" + enc(gbk, "正文\n")

	att := func(id, subject, disp, ctype, data string) string {
		return head(id, subject) + "Content-Type: multipart/mixed; boundary=\"BND\"\n\n--BND\nContent-Type: text/plain; charset=utf-8\n\nSee attachment.\n--BND\n" +
			"Content-Type: " + ctype + "\nContent-Disposition: " + disp + "\nContent-Transfer-Encoding: base64\n\n" + b64(data) + "\n--BND--\n"
	}
	m["rfc2231-utf8"] = att("b1", "2231 utf8", "attachment; filename*=UTF-8''%E6%8A%A5%E5%91%8A.pdf", "application/pdf", "%PDF-1.4 fake")
	gbName := ""
	for _, c := range []byte(enc(gbk, "年度预算.xls")) {
		gbName += fmt.Sprintf("%%%02X", c)
	}
	m["rfc2231-gbk"] = att("b2", "2231 gbk", "attachment; filename*=gbk''"+gbName, "application/vnd.ms-excel", "xls data")
	m["rfc2231-continuation"] = att("b3", "2231 cont", "attachment;\n filename*0*=UTF-8''%E9%95%BF%E6%96%87;\n filename*1*=%E4%BB%B6%E5%90%8D;\n filename*2=\".txt\"", "text/plain; charset=utf-8", "long name file")
	m["rfc2047-filename"] = att("b4", "2047 name", "attachment; filename=\"=?UTF-8?B?"+base64.StdEncoding.EncodeToString([]byte("合同 草稿.docx"))+"?=\"", "application/octet-stream", "docx")
	m["name-in-content-type"] = att("b5", "ctype name", "attachment", "image/png; name=\"photo.png\"", "\x89PNG fake")
	m["path-traversal-name"] = att("b6", "evil name", "attachment; filename=\"../../etc/passwd\"", "text/plain", "root:x:0:0")
	m["device-name"] = att("b7", "device", "attachment; filename=\"CON.txt\"", "text/plain", "con")
	m["attachment-no-name"] = att("b8", "no name", "attachment", "application/pdf", "%PDF")
	m["calendar-invite"] = head("b9", "Invitation") + "Content-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: text/plain\n\nYou are invited.\n--x\nContent-Type: text/calendar; method=REQUEST; name=invite.ics\n\nBEGIN:VCALENDAR\nEND:VCALENDAR\n--x--\n"

	m["html-only"] = head("c1", "HTML only") + "Content-Type: text/html; charset=utf-8\n\n<html><body><h1>Title</h1><p>Hello <b>bold</b> and <a href=\"https://example.org/x\">a link</a>.</p><ul><li>one</li><li>two</li></ul></body></html>\n"
	m["alternative"] = head("c2", "Alternative") + "Content-Type: multipart/alternative; boundary=\"alt\"\n\n--alt\nContent-Type: text/plain; charset=utf-8\n\nPlain version.\n--alt\nContent-Type: text/html; charset=utf-8\n\n<p>HTML <i>version</i>.</p>\n--alt--\n"
	m["newsletter-tracking"] = head("c3", "Weekly news") + "Content-Type: multipart/alternative; boundary=\"nl\"\n\n--nl\nContent-Type: text/plain\n\nNews text.\n--nl\nContent-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n" +
		qp(`<html><head><link rel="stylesheet" href="https://tracker.example.com/style.css"><style>@import url("https://tracker.example.com/import.css"); body{background:url(https://tracker.example.com/bg.png)} @font-face{font-family:x;src:url(https://tracker.example.com/font.woff)}</style></head><body>`+
			`<div style="background-image:url('https://tracker.example.com/div.png')"><h2>This week</h2><p>Read <a href="https://news.example.com/article">the article</a>.</p>`+
			`<img src="https://news.example.com/hero.jpg" alt="Hero picture"><img src="https://tracker.example.com/open.gif?u=123" width="1" height="1"></div></body></html>`) + "\n--nl--\n"
	m["cid-image"] = head("c4", "Inline picture") + "Content-Type: multipart/related; boundary=\"rel\"\n\n--rel\nContent-Type: text/html; charset=utf-8\n\n<p>Logo:</p><img src=\"cid:logo@example.org\" alt=\"Logo\">\n--rel\nContent-Type: image/gif\nContent-ID: <logo@example.org>\nContent-Transfer-Encoding: base64\nContent-Disposition: inline; filename=logo.gif\n\n" + b64(gif) + "\n--rel--\n"
	m["nested-multipart"] = head("c5", "Nested") + "Content-Type: multipart/mixed; boundary=\"outer\"\n\n--outer\nContent-Type: multipart/alternative; boundary=\"mid\"\n\n--mid\nContent-Type: text/plain; charset=utf-8\n\nNested plain.\n--mid\nContent-Type: multipart/related; boundary=\"inner\"\n\n--inner\nContent-Type: text/html; charset=utf-8\n\n<p>Nested <b>html</b> <img src=\"cid:pic1\"></p>\n--inner\nContent-Type: image/gif\nContent-ID: <pic1>\nContent-Transfer-Encoding: base64\n\n" + b64(gif) + "\n--inner--\n--mid--\n--outer\nContent-Type: application/zip\nContent-Disposition: attachment; filename=\"archive.zip\"\nContent-Transfer-Encoding: base64\n\n" + b64("PK\x03\x04zip") + "\n--outer--\n"
	inner := crlf(head("inner1", "Forwarded original") + "Content-Type: text/plain; charset=utf-8\n\nOriginal body.\n")
	m["rfc822-attachment"] = head("c6", "Fwd: Forwarded original") + "Content-Type: multipart/mixed; boundary=\"fw\"\n\n--fw\nContent-Type: text/plain\n\nSee forwarded message.\n--fw\nContent-Type: message/rfc822\nContent-Disposition: attachment\n\n" + inner + "\n--fw--\n"
	m["digest"] = head("c7", "Digest") + "Content-Type: multipart/digest; boundary=\"dg\"\n\n--dg\n\n" + head("d1", "First digest item") + "\nItem one.\n--dg\n\n" + head("d2", "Second digest item") + "\nItem two.\n--dg--\n"
	m["flowed"] = head("c8", "Flowed") + "Content-Type: text/plain; charset=utf-8; format=flowed\n\nThis is a long line that was \nwrapped by the sender's \nclient.\n\n>> Quoted text that is \n>> flowed too.\n-- \nSig\n"
	m["flowed-delsp"] = head("c9", "DelSp") + "Content-Type: text/plain; charset=utf-8; format=flowed; delsp=yes\n\n日本語の長い \n文章です。\n"
	m["quoted-reply"] = head("c10", "Re: Plans") + "In-Reply-To: <orig@example.org>\nReferences: <root@example.org> <orig@example.org>\nContent-Type: text/plain\n\nSounds good.\n\nOn Monday Bob wrote:\n> Shall we meet?\n> > Earlier question\n> Thanks\n"
	m["html-xss"] = head("c11", "XSS") + "Content-Type: text/html\n\n<p onclick=\"alert(1)\">Hi</p><script>alert('x')</script><iframe src=\"https://evil.example/\"></iframe><form action=\"https://evil.example/\"><input name=p></form><a href=\"javascript:alert(1)\">js link</a><img src=x onerror=alert(1)>\n"
	m["html-meta-charset"] = head("c12", "Meta charset") + "Content-Type: text/html\n\n<html><head><meta charset=\"gbk\"></head><body><p>" + enc(gbk, "网页编码") + "</p></body></html>\n"
	m["html-table"] = head("c13", "Table") + "Content-Type: text/html; charset=utf-8\n\n<table><tr><th>Name</th><th>Qty</th></tr><tr><td>Apples</td><td>3</td></tr></table><blockquote><p>Quoted para</p></blockquote><pre>code  block</pre><hr><ol><li>first</li><li>second</li></ol>\n"

	m["missing-final-boundary"] = head("d1", "Truncated") + "Content-Type: multipart/mixed; boundary=\"cut\"\n\n--cut\nContent-Type: text/plain\n\nFirst part survives.\n--cut\nContent-Type: application/pdf\nContent-Disposition: attachment; filename=\"cut.pdf\"\nContent-Transfer-Encoding: base64\n\n" + b64("%PDF-1.4 cut off") + "\n"
	m["bad-base64"] = head("d2", "Bad base64") + "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n" + base64.StdEncoding.EncodeToString([]byte("Recovered ")) + "!!**##" + base64.StdEncoding.EncodeToString([]byte("text after junk")) + "\n"
	m["bad-qp"] = head("d3", "Bad QP") + "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\nPrice =ZZ 100 caf=C3=A9 and =\nsoft break\n"
	m["no-boundary-param"] = head("d4", "No boundary") + "Content-Type: multipart/mixed\n\nText without any boundary.\n"
	m["wrong-boundary"] = head("d5", "Wrong boundary") + "Content-Type: multipart/mixed; boundary=\"expected\"\n\n--other\nContent-Type: text/plain\n\nBody under a different boundary.\n--other--\n"
	m["malformed-header-line"] = head("d6", "Malformed header") + "This line has no colon\nContent-Type: text/html\n\nstill here\n"
	m["lf-only-multipart"] = head("d7", "LF only") + "Content-Type: multipart/alternative; boundary=lf\n\npreamble\n--lf\nContent-Type: text/plain\n\nLF plain.\n--lf--\nepilogue\n"
	m["mbox-from-line"] = "From alice@example.org Tue Jan 14 10:30:00 2025\n" + head("d8", "Mbox") + "\nbody after From line\n"
	m["empty-body"] = head("d9", "Empty body") + "Content-Type: text/plain\n\n"
	m["headers-only"] = head("d10", "Headers only")
	m["bad-date"] = strings.Replace(head("d11", "Bad date"), "Tue, 14 Jan 2025 10:30:00 +0800", "sometime last week", 1) + "\nbody\n"
	m["broken-addresses"] = "From: \"Unclosed <broken@example.org>\nTo: a@example.org, =?UTF-8?B?" + base64.StdEncoding.EncodeToString([]byte("张三")) + "?= <zhang@example.cn>; c@example.org\nSubject: Broken addresses\nDate: 14 Jan 2025 10:30:00 +0800\n\nbody\n"
	m["longer-boundary-prefix"] = head("d12", "Boundary prefix") + "Content-Type: multipart/mixed; boundary=\"abc\"\n\n--abc\nContent-Type: text/plain\n\nline\n--abcdef is not a delimiter\nend\n--abc--\n"
	m["uppercase-cte"] = head("d13", "Upper CTE") + "Content-Type: TEXT/PLAIN; CHARSET=UTF-8\nContent-Transfer-Encoding: BASE64\n\n" + b64("upper case works\n")
	m["unknown-cte"] = head("d14", "Unknown CTE") + "Content-Type: text/plain\nContent-Transfer-Encoding: x-uuencode\n\nshown as is\n"
	m["bidi-filename"] = att("d15", "bidi", "attachment; filename=\"invoice\u202Efdp.exe\"", "application/octet-stream", "MZ")

	_, self, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(self), "..", "corpus")
	os.MkdirAll(dir, 0o755)
	for name, body := range m {
		if name == "lf-only-multipart" || name == "mbox-from-line" {
			os.WriteFile(filepath.Join(dir, name+".eml"), []byte(body), 0o644)
			continue
		}
		os.WriteFile(filepath.Join(dir, name+".eml"), []byte(crlf(body)), 0o644)
	}
	fmt.Println(len(m), "messages")
}
