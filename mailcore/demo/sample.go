package demo

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
)

// Folder is one demo mailbox with its RFC 6154 special use ("" for none).
type Folder struct {
	Name       string
	SpecialUse imap.MailboxAttr
}

// Folders of the demo account, in display order.
var Folders = []Folder{
	{"INBOX", ""},
	{"Drafts", imap.MailboxAttrDrafts},
	{"Sent", imap.MailboxAttrSent},
	{"Archive", imap.MailboxAttrArchive},
	{"Junk", imap.MailboxAttrJunk},
	{"Trash", imap.MailboxAttrTrash},
}

// Sample is one generated message and where it is filed.
type Sample struct {
	Folder string
	Raw    []byte
	Flags  []imap.Flag
	Date   time.Time
}

// Messages returns the demo mail, sorted by folder order and date. The
// result depends only on now (dates are relative to it): the same now
// gives the same bytes.
func Messages(now time.Time) []Sample {
	g := &gen{r: rand.New(rand.NewPCG(0x686f6e67, 0x79616e)), now: now.Truncate(time.Minute)}
	g.threads()
	g.singles(110)
	g.newsletters(14)
	g.notifications(24)
	g.longMessage()
	g.inlineImage()
	g.junk()
	g.drafts()
	order := map[string]int{}
	for i, f := range Folders {
		order[f.Name] = i
	}
	sort.SliceStable(g.out, func(i, j int) bool {
		a, b := g.out[i], g.out[j]
		if a.Folder != b.Folder {
			return order[a.Folder] < order[b.Folder]
		}
		return a.Date.Before(b.Date)
	})
	return g.out
}

type gen struct {
	r   *rand.Rand
	now time.Time
	n   int
	out []Sample
}

func (g *gen) msgID(from person) string {
	g.n++
	return fmt.Sprintf("%05d.%x@%s", g.n, g.r.Uint32(), from.Addr[strings.IndexByte(from.Addr, '@')+1:])
}

func (g *gen) pick(n int) int { return g.r.IntN(n) }

// ago returns a time within the last maxDays days, biased to recent ones.
func (g *gen) ago(maxDays int) time.Time {
	f := g.r.Float64()
	d := time.Duration(f * f * float64(maxDays) * float64(24*time.Hour))
	return g.now.Add(-d - time.Duration(10+g.pick(600))*time.Minute)
}

// readFlags decides \Seen and \Flagged for received mail of a given date.
func (g *gen) readFlags(date time.Time) []imap.Flag {
	var flags []imap.Flag
	unread := 0.08
	if g.now.Sub(date) < 48*time.Hour {
		unread = 0.7
	}
	if g.r.Float64() >= unread {
		flags = append(flags, imap.FlagSeen)
	}
	if g.r.Float64() < 0.06 {
		flags = append(flags, imap.FlagFlagged)
	}
	return flags
}

func (g *gen) add(folder string, env envelope, body *part, flags []imap.Flag) {
	g.out = append(g.out, Sample{Folder: folder, Raw: render(env, body), Flags: flags, Date: env.Date})
}

func signature(zh bool) string {
	if zh {
		return "\n\n-- \n演示 Demo\n鸿雁演示账户"
	}
	return "\n\n-- \nDemo\nHongyan demo account"
}

func quote(text string) string {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, ">") {
			lines[i] = ">" + l
		} else {
			lines[i] = "> " + l
		}
	}
	return strings.Join(lines, "\n")
}

func attribution(zh bool, who person, at time.Time) string {
	if zh {
		return fmt.Sprintf("在 %d年%d月%d日 %s，%s 写道：", at.Year(), int(at.Month()), at.Day(), at.Format("15:04"), who.Name)
	}
	return fmt.Sprintf("On %s, %s wrote:", at.Format("Mon, 2 Jan 2006 at 15:04"), who.Name)
}

// threads writes every topic as a conversation between the demo account
// and one to three others. Replies quote the previous message. Messages
// the demo account wrote go to Sent; old conversations are archived.
func (g *gen) threads() {
	for round := 0; round < 2; round++ {
		for ti, t := range topics {
			if round == 1 && ti%2 == 1 {
				continue
			}
			pool := peopleEN
			if t.zh {
				pool = peopleZH
			}
			others := []person{pool[(ti+round*3)%len(pool)]}
			for k := 0; k < g.pick(3); k++ {
				others = append(others, pool[(ti+round*3+k+1+g.pick(3))%len(pool)])
			}
			others = dedupe(others)
			subject := t.subject
			if round == 1 {
				if t.zh {
					subject += "（续）"
				} else {
					subject += " (follow-up)"
				}
			}
			g.thread(t, subject, others, round == 1)
		}
	}
}

func dedupe(ps []person) []person {
	var out []person
	seen := map[string]bool{}
	for _, p := range ps {
		if !seen[p.Addr] {
			seen[p.Addr] = true
			out = append(out, p)
		}
	}
	return out
}

func (g *gen) thread(t topic, subject string, others []person, older bool) {
	maxDays := 40
	if older {
		maxDays = 90
	}
	n := len(t.lines) + g.pick(3)
	at := g.ago(maxDays)
	cs := utf8Charset
	if t.zh && g.r.Float64() < 0.4 {
		cs = gbkCharset
	}
	// The opener is sometimes the demo account itself.
	demoStarts := g.r.Float64() < 0.3
	var refs []string
	var prevText string
	var prevFrom person
	var prevAt time.Time
	var prevSample = -1
	for i := 0; i < n; i++ {
		if i > 0 {
			at = at.Add(time.Duration(20+g.pick(18*60)) * time.Minute)
			if !at.Before(g.now) {
				break
			}
		}
		fromDemo := (i%2 == 0) == demoStarts
		var from person
		var to []person
		if fromDemo {
			from = me
			to = others
		} else {
			from = others[(i/2)%len(others)]
			to = []person{me}
			for _, o := range others {
				if o != from {
					to = append(to, o)
				}
			}
		}
		var text string
		switch {
		case i < len(t.lines):
			text = t.lines[i]
		case t.zh:
			text = repliesZH[g.pick(len(repliesZH))]
		default:
			text = repliesEN[g.pick(len(repliesEN))]
		}
		if fromDemo {
			text += signature(t.zh)
		} else {
			text += "\n\n" + from.Name
		}
		body := text
		subj := subject
		if i > 0 {
			body = text + "\n\n" + attribution(t.zh, prevFrom, prevAt) + "\n" + quote(prevText)
			if t.zh {
				subj = "回复：" + subject
			} else {
				subj = "Re: " + subject
			}
		}
		env := envelope{From: from, To: to[:1], Cc: to[1:], Subject: subj, Date: at,
			MessageID: g.msgID(from), Charset: cs}
		if len(refs) > 0 {
			env.InReplyTo = refs[len(refs)-1]
			env.Refs = append([]string(nil), refs...)
		}
		refs = append(refs, env.MessageID)
		folder := "INBOX"
		var flags []imap.Flag
		if fromDemo {
			folder = "Sent"
			flags = []imap.Flag{imap.FlagSeen}
			if prevSample >= 0 {
				g.out[prevSample].Flags = appendFlag(g.out[prevSample].Flags, imap.FlagAnswered)
			}
		} else {
			if older {
				folder = "Archive"
			}
			flags = g.readFlags(at)
		}
		g.add(folder, env, textPart("plain", body, cs), flags)
		if fromDemo {
			prevSample = -1
		} else {
			prevSample = len(g.out) - 1
		}
		prevText, prevFrom, prevAt = text, from, at
	}
}

func appendFlag(flags []imap.Flag, f imap.Flag) []imap.Flag {
	for _, x := range flags {
		if x == f {
			return flags
		}
	}
	return append(flags, f)
}

// singles writes stand-alone messages: notes, photos, documents,
// spreadsheets, invitations and Chinese office mail, some with attachments.
// A few old ones go to Archive and Trash.
func (g *gen) singles(count int) {
	for i := 0; i < count; i++ {
		at := g.ago(60)
		folder := "INBOX"
		switch {
		case i%11 == 5:
			folder = "Trash"
		case i%7 == 3 && g.now.Sub(at) > 10*24*time.Hour:
			folder = "Archive"
		}
		var env envelope
		var body *part
		switch i % 6 {
		case 0: // photos
			from := peopleEN[g.pick(len(peopleEN))]
			place := places[g.pick(len(places))]
			kids := []*part{textPart("plain", fmt.Sprintf("Hi!\n\nHere are a few pictures from %s. %s\n\n%s", place,
				paragraphsEN[g.pick(len(paragraphsEN))], from.Name), utf8Charset)}
			for k := 0; k <= g.pick(3); k++ {
				kids = append(kids, attachmentPart("image/png", fmt.Sprintf("photo-%d.png", k+1), samplePNG(i*7+k, 96, 64)))
			}
			env = envelope{From: from, To: []person{me}, Subject: "Photos from " + place, Date: at}
			body = multipart("mixed", kids...)
		case 1: // document to review
			from := peopleEN[g.pick(len(peopleEN))]
			doc := documents[g.pick(len(documents))]
			text := fmt.Sprintf("Hello,\n\nPlease find the %s attached. %s\n\n%s\n\nBest,\n%s", strings.ToLower(doc),
				paragraphsEN[g.pick(len(paragraphsEN))], paragraphsEN[g.pick(len(paragraphsEN))], from.Name)
			pdf := samplePDF(doc, []string{"Prepared for the Hongyan demo.", "Version " + fmt.Sprint(1+g.pick(4)), "This document is sample data."})
			env = envelope{From: from, To: []person{me}, Subject: doc + " for review", Date: at}
			body = multipart("mixed", textPart("plain", text, utf8Charset),
				attachmentPart("application/pdf", strings.ReplaceAll(strings.ToLower(doc), " ", "-")+".pdf", pdf))
		case 2: // quick question, no attachment
			from := peopleEN[g.pick(len(peopleEN))]
			q := questions[g.pick(len(questions))]
			env = envelope{From: from, To: []person{me}, Subject: "Quick question about " + q, Date: at}
			body = textPart("plain", fmt.Sprintf("Hi,\n\ndo you know anything about %s? %s\n\nCheers,\n%s", q,
				paragraphsEN[g.pick(len(paragraphsEN))], from.Name), utf8Charset)
		case 3: // Chinese office mail, GBK or UTF-8, sometimes with a text attachment
			from := peopleZH[g.pick(len(peopleZH))]
			cs := utf8Charset
			if g.r.Float64() < 0.45 {
				cs = gbkCharset
			}
			subj := zhSubjects[g.pick(len(zhSubjects))]
			text := "各位好：\n\n" + zhBodies[g.pick(len(zhBodies))] + "\n\n谢谢！\n" + from.Name
			env = envelope{From: from, To: []person{me}, Subject: subj, Date: at, Charset: cs}
			if strings.HasPrefix(subj, "会议纪要") {
				notes := "会议纪要\n\n时间：本周一上午十点\n地点：三楼会议室\n\n一、上周工作回顾\n二、本周计划\n三、其他事项\n"
				body = multipart("mixed", textPart("plain", text, cs), attachmentPart("text/plain; charset=UTF-8", "会议纪要.txt", []byte(notes)))
			} else {
				body = textPart("plain", text, cs)
			}
		case 4: // spreadsheet
			from := peopleEN[g.pick(len(peopleEN))]
			var csv strings.Builder
			csv.WriteString("month,visitors,signups\r\n")
			for m := 1; m <= 6; m++ {
				fmt.Fprintf(&csv, "2024-%02d,%d,%d\r\n", m, 1000+g.pick(9000), 10+g.pick(300))
			}
			env = envelope{From: from, To: []person{me}, Cc: []person{peopleEN[g.pick(len(peopleEN))]}, Subject: "Numbers for the " + documents[g.pick(len(documents))], Date: at}
			body = multipart("mixed", textPart("plain", "Hi,\n\nthe figures are in the attached CSV.\n\n"+from.Name, utf8Charset),
				attachmentPart("text/csv", "figures.csv", []byte(csv.String())))
		case 5: // invitation with a calendar file
			from := peopleEN[g.pick(len(peopleEN))]
			// at ten in the morning in New York, where the organizer is:
			// outside that zone the card also says the time there
			ny, err := time.LoadLocation("America/New_York")
			if err != nil {
				ny = time.UTC
			}
			day := at.In(ny).AddDate(0, 0, 1+g.pick(14))
			start := time.Date(day.Year(), day.Month(), day.Day(), 10, 0, 0, 0, ny)
			ics := fmt.Sprintf("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Hongyan demo//EN\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\n"+
				"UID:demo-%d@hongyan.demo\r\nDTSTAMP:%s\r\nDTSTART;TZID=%s:%s\r\nDURATION:PT1H\r\nSUMMARY:Catch-up\r\nLOCATION:Room 3\r\n"+
				"ORGANIZER;CN=%s:mailto:%s\r\nATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:%s\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
				i, at.UTC().Format("20060102T150405Z"), ny.String(), start.Format("20060102T150405"), from.Name, from.Addr, me.Addr)
			env = envelope{From: from, To: []person{me}, Subject: "Invitation: catch-up on " + start.Format("Mon 2 Jan"), Date: at}
			body = multipart("mixed", textPart("plain", "You are invited to a one hour catch-up.\n\n"+from.Name, utf8Charset),
				attachmentPart("text/calendar", "invite.ics", []byte(ics)))
		}
		env.MessageID = g.msgID(env.From)
		flags := g.readFlags(at)
		if folder == "Trash" {
			flags = appendFlag(flags, imap.FlagSeen)
		}
		g.add(folder, env, body, flags)
	}
}

// newsletters writes HTML newsletters whose images live on a host that
// can never resolve (.invalid), to show remote content blocking.
func (g *gen) newsletters(count int) {
	from := person{"Hongyan Weekly", "weekly@news.example.com"}
	fromZH := person{"开发者周刊", "digest@news.example.org"}
	for i := 0; i < count; i++ {
		at := g.now.Add(-time.Duration(i*7*24+g.pick(10)) * time.Hour).Add(-time.Duration(30+g.pick(300)) * time.Minute)
		zh := i%3 == 2
		issue := count - i
		var subj, title, intro string
		sender := from
		if zh {
			sender = fromZH
			subj = fmt.Sprintf("开发者周刊 第%d期：本周精选文章", issue)
			title = "开发者周刊"
			intro = "本期为您精选了五篇关于网络协议、数据库和桌面应用开发的文章。"
		} else {
			subj = fmt.Sprintf("Hongyan Weekly #%d: what's new in mail", issue)
			title = "Hongyan Weekly"
			intro = "This week: faster search, offline drafts, and a look at how IMAP IDLE keeps your inbox fresh."
		}
		img := fmt.Sprintf("http://img.newsletter.invalid/issue-%d", issue)
		html := fmt.Sprintf(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>%[1]s</title>
<style>body{font-family:sans-serif;background:#f4f4f4} .box{background:#fff;max-width:600px;margin:auto;padding:16px}</style></head>
<body><div class="box">
<img src="%[2]s/banner.png" width="600" height="120" alt="%[1]s">
<h1>%[1]s #%[3]d</h1>
<p>%[4]s</p>
<table><tr><td><img src="%[2]s/story-1.jpg" width="180" alt=""></td><td><a href="https://newsletter.invalid/%[3]d/1">Read the first story</a></td></tr>
<tr><td><img src="%[2]s/story-2.jpg" width="180" alt=""></td><td><a href="https://newsletter.invalid/%[3]d/2">Read the second story</a></td></tr></table>
<p style="color:#888;font-size:12px"><a href="https://newsletter.invalid/unsubscribe">Unsubscribe</a></p>
<img src="http://track.newsletter.invalid/open.gif?issue=%[3]d" width="1" height="1" alt="">
</div></body></html>
`, title, img, issue, intro)
		text := fmt.Sprintf("%s #%d\n\n%s\n\nRead online: https://newsletter.invalid/%d\n", title, issue, intro, issue)
		env := envelope{From: sender, To: []person{me}, Subject: subj, Date: at, MessageID: g.msgID(sender),
			Extra: []string{"List-Unsubscribe: <https://newsletter.invalid/unsubscribe>", "Precedence: bulk"}}
		flags := g.readFlags(at)
		g.add("INBOX", env, multipart("alternative", textPart("plain", text, utf8Charset), textPart("html", html, utf8Charset)), flags)
	}
}

// notifications writes short automatic mail.
func (g *gen) notifications(count int) {
	ci := person{"CI", "ci@build.example.com"}
	shop := person{"Example Shop", "orders@shop.example.net"}
	bank := person{"示例银行", "service@bank.example.org"}
	for i := 0; i < count; i++ {
		at := g.ago(30)
		var env envelope
		var body *part
		switch i % 4 {
		case 0, 1:
			n := 1200 + i*3
			state := "passed"
			if i%5 == 1 {
				state = "failed"
			}
			env = envelope{From: ci, To: []person{me}, Subject: fmt.Sprintf("[hongyan] Build #%d %s on main", n, state), Date: at}
			body = textPart("plain", fmt.Sprintf("Build #%d %s.\n\nCommit: %07x\nDuration: %dm %ds\n", n, state, g.r.Uint32()&0xfffffff, 2+g.pick(9), g.pick(60)), utf8Charset)
		case 2:
			env = envelope{From: shop, To: []person{me}, Subject: fmt.Sprintf("Your order #%d has shipped", 50000+i*17), Date: at}
			body = textPart("plain", "Good news! Your order is on its way and should arrive within three working days.\n", utf8Charset)
		case 3:
			env = envelope{From: bank, To: []person{me}, Subject: fmt.Sprintf("账单提醒：您的%d月信用卡账单已出", int(at.Month())), Date: at, Charset: gbkCharset}
			body = textPart("plain", "尊敬的客户：\n\n您本期信用卡账单已出，请于到期还款日前按时还款。\n\n本邮件由系统自动发送，请勿回复。", gbkCharset)
		}
		env.MessageID = g.msgID(env.From)
		g.add("INBOX", env, body, g.readFlags(at))
	}
}

// longMessage writes one long plain-text message (release notes).
func (g *gen) longMessage() {
	from := peopleEN[0]
	var b strings.Builder
	b.WriteString("Hi,\n\nHere is the full draft of the release notes. It's long, sorry!\n\n")
	for i := 1; i <= 300; i++ {
		fmt.Fprintf(&b, "%d. %s\n", i, paragraphsEN[i%len(paragraphsEN)])
	}
	b.WriteString("\nAlice\n")
	at := g.ago(5)
	env := envelope{From: from, To: []person{me}, Subject: "Release notes draft (long)", Date: at, MessageID: g.msgID(from)}
	g.add("INBOX", env, textPart("plain", b.String(), utf8Charset), g.readFlags(at))
}

// inlineImage writes an HTML message with an embedded (cid:) picture.
func (g *gen) inlineImage() {
	from := peopleEN[6]
	at := g.now.Add(-3 * time.Hour)
	html := `<html><body><p>Hi!</p><p>What do you think of the new logo?</p><p><img src="cid:logo@hongyan.demo" alt="logo"></p><p>Grace</p></body></html>`
	body := multipart("related", textPart("html", html, utf8Charset),
		inlineImagePart("image/png", "logo@hongyan.demo", "logo.png", samplePNG(99, 120, 120)))
	env := envelope{From: from, To: []person{me}, Subject: "New logo, inline preview", Date: at, MessageID: g.msgID(from)}
	g.add("INBOX", env, body, nil)
}

func (g *gen) junk() {
	for i, s := range spamSubjects {
		from := person{"", fmt.Sprintf("promo%d@spam.example.net", i)}
		at := g.ago(20)
		cs := utf8Charset
		text := "Click the link below to claim your reward: http://claim.spam.invalid/\n"
		if !isASCII(s) {
			cs = gbkCharset
			text = "点击下方链接立即领取：http://claim.spam.invalid/\n"
		}
		env := envelope{From: from, To: []person{me}, Subject: s, Date: at, MessageID: g.msgID(from), Charset: cs}
		g.add("Junk", env, textPart("plain", text, cs), []imap.Flag{"$Junk"})
	}
}

func (g *gen) drafts() {
	drafts := []struct {
		to      person
		subject string
		text    string
	}{
		{peopleEN[1], "Ideas for the spring party", "Hi Bob,\n\nA few ideas so far:\n- picnic in the park\n- board games\n"},
		{peopleZH[0], "下周的安排", "张伟你好，\n\n下周我可能要请两天假，"},
		{peopleEN[3], "Re: Conference talk proposal", "David,\n\nI've started on the abstract: \"Offline first mail\"..."},
	}
	for i, d := range drafts {
		at := g.now.Add(-time.Duration(1+i*20) * time.Hour)
		env := envelope{From: me, To: []person{d.to}, Subject: d.subject, Date: at, MessageID: g.msgID(me)}
		g.add("Drafts", env, textPart("plain", d.text, utf8Charset), []imap.Flag{imap.FlagSeen, imap.FlagDraft})
	}
}
