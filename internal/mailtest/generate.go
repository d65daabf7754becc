package mailtest

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math"
	"math/rand/v2"
	"mime"
	"strings"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"
)

var (
	genFirst = []string{"Alice", "Bob", "Carol", "David", "Erin", "Frank", "Grace", "Heidi",
		"Ivan", "Judy", "Mallory", "Niaj", "Olivia", "Peggy", "Rupert", "Sybil", "Trent", "Victor", "Walter"}
	genLast = []string{"Smith", "Jones", "Garcia", "Müller", "Rossi", "Dubois", "Kowalski", "Tanaka",
		"Nguyen", "Okafor", "Silva", "Larsen"}
	genChineseNames = []string{"王伟", "李娜", "张敏", "刘洋", "陈静", "杨磊", "赵丽", "黄强"}
	genDomains      = []string{"example.com", "example.org", "example.net", "mail.example.cn", "lists.example.edu"}
	genTopics       = []string{"Quarterly report", "Lunch on Friday?", "Release planning", "Invoice",
		"Trip photos", "Meeting notes", "Budget review", "Server maintenance window", "Welcome aboard",
		"Re-scheduling our call", "Draft proposal", "Conference travel", "Book club", "Bug triage",
		"Family dinner", "Tax documents", "Newsletter", "Password policy update", "Weekend hike"}
	genChineseTopics = []string{"会议纪要", "季度报告", "周末聚餐", "项目进度更新", "请查收附件",
		"关于下周的安排", "新年快乐", "合同草案", "旅行计划", "服务器维护通知"}
	genWords = strings.Fields(`the a of to and in is it you that for on was with as have be at
		this from or by not but what all were when we there can an your which their said if
		do will each about how up out them then she many some so these would other into has
		more her two like him see time could no make than first been its who now people my
		made over did down only way find use may water long little very after words called
		just where most know get through back much go good new write our me man too any day
		same right look think also around another came come work three must because does part
		project schedule release budget meeting review server mailbox message attachment
		customer invoice travel weekend proposal deadline status report update thanks regards`)
	genAttachments = []struct{ name, ctype string }{
		{"report.pdf", "application/pdf"}, {"photo.jpg", "image/jpeg"}, {"data.csv", "text/csv"},
		{"slides.pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
		{"archive.zip", "application/zip"}, {"合同.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
	}
)

type genMsg struct {
	id, subject string
	refs        []string
	from        string
}

// GenerateMessages returns n realistic RFC 5322 messages (CRLF line endings),
// the same for the same seed: text bodies of 1–50 KB (log-uniform), about 12% with a
// base64 attachment, some subjects and names in Chinese (subjects as GBK
// RFC 2047 words), reply threads linked by In-Reply-To/References, distinct
// Message-IDs and dates spread over several years in ascending order.
func GenerateMessages(n int, seed int64) [][]byte {
	if n <= 0 {
		return nil
	}
	rng := rand.New(rand.NewPCG(uint64(seed), uint64(seed)^0x9e3779b97f4a7c15))
	start := time.Date(2019, 1, 1, 8, 0, 0, 0, time.UTC)
	span := 6 * 365 * 24 * time.Hour
	step := span / time.Duration(n)

	out := make([][]byte, 0, n)
	made := make([]genMsg, 0, n)
	for i := 0; i < n; i++ {
		var b bytes.Buffer
		date := start.Add(step*time.Duration(i) + time.Duration(rng.Int64N(int64(step)+1)))
		date = date.In(time.FixedZone("", (rng.IntN(25)-12)*3600))
		m := genMsg{
			id:   fmt.Sprintf("<%d.%d.%x@gen.hongyan.test>", seed, i, rng.Uint32()),
			from: genAddress(rng),
		}
		to := genAddress(rng)

		// About a third of the messages answer an earlier one.
		var parent *genMsg
		if len(made) > 0 && rng.IntN(3) == 0 {
			lo := max(0, len(made)-50)
			parent = &made[lo+rng.IntN(len(made)-lo)]
		}
		var subjectHeader string
		if parent != nil {
			m.subject = parent.subject
			m.refs = append(append([]string{}, parent.refs...), parent.id)
			if len(m.refs) > 20 {
				m.refs = m.refs[len(m.refs)-20:]
			}
			to = parent.from
		} else if rng.IntN(6) == 0 {
			m.subject = genChineseTopics[rng.IntN(len(genChineseTopics))]
		} else {
			m.subject = genTopics[rng.IntN(len(genTopics))]
			if rng.IntN(2) == 0 {
				m.subject += fmt.Sprintf(" #%d", rng.IntN(1000))
			}
		}
		subj := m.subject
		if parent != nil {
			subj = "Re: " + subj
		}
		subjectHeader = encodeSubject(subj)

		hdr := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
		hdr("Return-Path", "<"+addrSpec(m.from)+">")
		hdr("Date", date.Format("Mon, 02 Jan 2006 15:04:05 -0700"))
		hdr("From", m.from)
		hdr("To", to)
		if rng.IntN(5) == 0 {
			hdr("Cc", genAddress(rng))
		}
		hdr("Subject", subjectHeader)
		hdr("Message-ID", m.id)
		if parent != nil {
			hdr("In-Reply-To", parent.id)
			hdr("References", strings.Join(m.refs, "\r\n "))
		}
		hdr("MIME-Version", "1.0")
		hdr("X-Mailer", "Hongyan test generator")

		// Log-uniform between 1 and 50 KB: mostly short mails, some long,
		// as in real mailboxes.
		bodyLen := int(1024 * math.Pow(50, rng.Float64()))
		body := genBody(rng, bodyLen, subj)
		if rng.IntN(100) < 12 {
			boundary := fmt.Sprintf("=_hongyan_%x", rng.Uint64())
			att := genAttachments[rng.IntN(len(genAttachments))]
			hdr("Content-Type", `multipart/mixed; boundary="`+boundary+`"`)
			b.WriteString("\r\nThis is a multi-part message in MIME format.\r\n")
			fmt.Fprintf(&b, "--%s\r\n", boundary)
			b.WriteString("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
			b.WriteString(body)
			fmt.Fprintf(&b, "--%s\r\n", boundary)
			fname := mime.QEncoding.Encode("utf-8", att.name)
			fmt.Fprintf(&b, "Content-Type: %s; name=\"%s\"\r\n", att.ctype, fname)
			b.WriteString("Content-Transfer-Encoding: base64\r\n")
			fmt.Fprintf(&b, "Content-Disposition: attachment; filename=\"%s\"\r\n\r\n", fname)
			payload := make([]byte, 2048+rng.IntN(30*1024))
			for j := range payload {
				payload[j] = byte(rng.Uint32())
			}
			writeBase64Lines(&b, payload)
			fmt.Fprintf(&b, "--%s--\r\n", boundary)
		} else {
			hdr("Content-Type", "text/plain; charset=utf-8")
			hdr("Content-Transfer-Encoding", "8bit")
			b.WriteString("\r\n")
			b.WriteString(body)
		}
		out = append(out, b.Bytes())
		made = append(made, m)
	}
	return out
}

// genAddress returns a display-name address; Chinese names are RFC 2047
// encoded in UTF-8.
func genAddress(rng *rand.Rand) string {
	dom := genDomains[rng.IntN(len(genDomains))]
	if rng.IntN(5) == 0 {
		name := genChineseNames[rng.IntN(len(genChineseNames))]
		return fmt.Sprintf("%s <user%d@%s>", mime.BEncoding.Encode("utf-8", name), rng.IntN(500), dom)
	}
	first := genFirst[rng.IntN(len(genFirst))]
	last := genLast[rng.IntN(len(genLast))]
	local := strings.ToLower(first) + "." + strings.ToLower(strings.ReplaceAll(last, "ü", "ue"))
	display := first + " " + last
	if strings.ContainsRune(display, 'ü') {
		display = mime.QEncoding.Encode("utf-8", display)
	}
	return fmt.Sprintf("%s <%s@%s>", display, local, dom)
}

func addrSpec(addr string) string {
	if i := strings.LastIndexByte(addr, '<'); i >= 0 {
		return strings.TrimSuffix(addr[i+1:], ">")
	}
	return addr
}

// encodeSubject leaves ASCII subjects alone and encodes others as GBK
// RFC 2047 B-words. The standard library's encoder only splits UTF-8 text
// into short words, so GBK words are built here, breaking between
// characters to keep each word within 75 octets.
func encodeSubject(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	enc := simplifiedchinese.GBK.NewEncoder()
	const prefix, suffix = "=?GBK?B?", "?="
	maxRaw := (75 - len(prefix) - len(suffix)) / 4 * 3
	var words []string
	var chunk []byte
	for _, r := range s {
		cb, err := enc.Bytes([]byte(string(r)))
		if err != nil {
			cb = []byte("?")
		}
		if len(chunk)+len(cb) > maxRaw {
			words = append(words, prefix+base64.StdEncoding.EncodeToString(chunk)+suffix)
			chunk = nil
		}
		chunk = append(chunk, cb...)
	}
	if len(chunk) > 0 {
		words = append(words, prefix+base64.StdEncoding.EncodeToString(chunk)+suffix)
	}
	return strings.Join(words, "\r\n ")
}

// genBody makes roughly size bytes of paragraphs wrapped at 72 columns.
func genBody(rng *rand.Rand, size int, subject string) string {
	var b strings.Builder
	b.Grow(size + 128)
	fmt.Fprintf(&b, "Hello,\r\n\r\nAbout %q:\r\n\r\n", subject)
	col := 0
	for b.Len() < size {
		w := genWords[rng.IntN(len(genWords))]
		if col+len(w)+1 > 72 {
			b.WriteString("\r\n")
			col = 0
			if rng.IntN(8) == 0 {
				b.WriteString("\r\n")
			}
		} else if col > 0 {
			b.WriteByte(' ')
			col++
		}
		b.WriteString(w)
		col += len(w)
	}
	b.WriteString("\r\n\r\nRegards,\r\n-- \r\nSent by the Hongyan test generator\r\n")
	return b.String()
}

func writeBase64Lines(b *bytes.Buffer, data []byte) {
	enc := base64.StdEncoding.EncodeToString(data)
	for len(enc) > 76 {
		b.WriteString(enc[:76])
		b.WriteString("\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc)
	b.WriteString("\r\n")
}
