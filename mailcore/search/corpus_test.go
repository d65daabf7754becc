package search

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"hongyan/mailcore/store"
)

// The generated corpus: words chosen so that none is a prefix or substring
// of another, and Chinese words whose characters are used by no other word,
// so that "message contains w" computed with strings.Contains is exactly
// what a search for w must return.
var (
	latinWords = []string{"apricot", "birchwood", "cobalt", "dolphin", "emberly", "fjord", "gazebo",
		"harpoon", "igloo", "jasmine", "kettle", "lantern", "mosaic", "nutmeg", "orchid", "pelican"}
	cjkWords = []string{"会议", "预算", "合同", "旅行", "报告", "服务器", "季度末", "聚餐厅"}
	people   = []store.Address{
		{Name: "Alice Smith", Addr: "alice@example.com"}, {Name: "Bob Jones", Addr: "bob@corp.example"},
		{Name: "王伟", Addr: "wang@example.cn"}, {Name: "Carol Dubois", Addr: "carol@hotmail.example"},
	}
	attachNames = []string{"quarterly-figures.pdf", "holiday-photo.jpg", "合同草稿.docx"}
)

type doc struct {
	id        int64
	account   string
	folder    string
	date      time.Time
	subject   string
	from      store.Address
	to        []store.Address
	body      string // body text (cached body) or preview
	attach    string
	flags     store.Flags
	hasAttach bool
}

func (d doc) fields() map[Field][]string {
	addr := func(as ...store.Address) string {
		var b []string
		for _, a := range as {
			b = append(b, a.Name+" "+a.Addr)
		}
		return strings.Join(b, " ")
	}
	return map[Field][]string{
		FieldSubject: {d.subject},
		FieldFrom:    {addr(d.from)},
		FieldTo:      {addr(d.to...)},
		AnyField:     {d.subject, addr(d.from), addr(d.to...), d.body, d.attach},
	}
}

func (d doc) has(f Field, s string) bool {
	for _, v := range d.fields()[f] {
		if strings.Contains(strings.ToLower(v), strings.ToLower(s)) {
			return true
		}
	}
	return false
}

type corpus struct {
	st   *store.Store
	eng  *Engine
	docs []doc
}

var folderSpec = []struct{ account, name, role string }{
	{"a", "INBOX", store.RoleInbox}, {"a", "Sent", store.RoleSent}, {"a", "Work/Projects", ""},
	{"b", "INBOX", store.RoleInbox}, {"b", "已发送", store.RoleSent},
}

func rawMessage(d doc) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\nSubject: %s\r\nMIME-Version: 1.0\r\n", d.from.Addr, "x")
	if d.attach != "" {
		b.WriteString("Content-Type: multipart/mixed; boundary=BB\r\n\r\n--BB\r\n")
		b.WriteString("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
		b.WriteString(d.body + "\r\n--BB\r\n")
		fmt.Fprintf(&b, "Content-Type: application/octet-stream\r\nContent-Disposition: attachment; filename*=UTF-8''%s\r\n", pctEncode(d.attach))
		b.WriteString("Content-Transfer-Encoding: base64\r\n\r\nAAECAw==\r\n--BB--\r\n")
	} else {
		b.WriteString("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
		b.WriteString(d.body + "\r\n")
	}
	return []byte(b.String())
}

func pctEncode(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if c < 0x80 && c != '%' && c != '\'' && c != ' ' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

func textOf(r *rand.Rand, n int) string {
	var parts []string
	for range n {
		if r.IntN(3) == 0 {
			// Chinese words run together without spaces, as in real text.
			parts = append(parts, pick(r, cjkWords)+pick(r, cjkWords))
		} else {
			parts = append(parts, pick(r, latinWords))
		}
	}
	return strings.Join(parts, " ")
}

// newCorpus builds n messages spread over two accounts and five folders.
// Every third message has its body cached (with an attachment for some);
// the others are indexed from their preview.
func newCorpus(t testing.TB, n int, seed uint64) *corpus {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(filepath.Join(t.TempDir(), "cache.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	fids := map[string]int64{}
	for _, f := range folderSpec {
		id, err := st.UpsertFolder(ctx, store.Folder{Account: f.account, Name: f.name, Delim: "/", Role: f.role})
		if err != nil {
			t.Fatal(err)
		}
		fids[f.account+"/"+f.name] = id
	}
	r := rand.New(rand.NewPCG(seed, 7))
	base := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	c := &corpus{st: st, eng: New(st)}
	for i := range n {
		f := pick(r, folderSpec)
		d := doc{
			account: f.account, folder: f.name,
			// Hours apart, with some exact ties to exercise ranking.
			date:    base.Add(time.Duration(i-r.IntN(2)) * 7 * time.Hour),
			subject: textOf(r, 1+r.IntN(2)),
			from:    pick(r, people),
			to:      []store.Address{pick(r, people)},
			body:    textOf(r, 3+r.IntN(8)),
			flags:   store.Flags(r.IntN(8)) & (store.Seen | store.Flagged),
		}
		cached := i%3 == 0
		if cached && r.IntN(2) == 0 {
			d.attach = pick(r, attachNames)
			d.hasAttach = true
		}
		sum := store.Summary{UID: uint32(i + 1), Date: d.date, Subject: d.subject, From: d.from, To: d.to,
			Flags: d.flags, HasAttachments: d.hasAttach, Preview: d.body}
		if cached {
			sum.Preview = "" // the body, not the preview, must be what is found
		}
		fid := fids[f.account+"/"+f.name]
		if err := st.PutSummaries(ctx, fid, []store.Summary{sum}); err != nil {
			t.Fatal(err)
		}
		m, err := st.MessageByUID(ctx, fid, sum.UID)
		if err != nil {
			t.Fatal(err)
		}
		d.id = m.ID
		if cached {
			if err := st.SetBody(ctx, m.ID, rawMessage(d), ""); err != nil {
				t.Fatal(err)
			}
		}
		c.docs = append(c.docs, d)
	}
	return c
}

// expect returns the ids of docs satisfying ok, newest first (ties by id
// descending; tests of tie ranking compare sets within a date).
func (c *corpus) expect(ok func(doc) bool) []int64 {
	var ds []doc
	for _, d := range c.docs {
		if ok(d) {
			ds = append(ds, d)
		}
	}
	sort.Slice(ds, func(i, j int) bool {
		if !ds[i].date.Equal(ds[j].date) {
			return ds[i].date.After(ds[j].date)
		}
		return ds[i].id > ds[j].id
	})
	ids := make([]int64, len(ds))
	for i, d := range ds {
		ids[i] = d.id
	}
	return ids
}

// sameOrder compares result ids with want, allowing any order inside a group
// of equal dates (that order is relevance, tested separately).
func (c *corpus) sameOrder(got, want []int64) bool {
	if len(got) != len(want) {
		return false
	}
	date := map[int64]int64{}
	for _, d := range c.docs {
		date[d.id] = d.date.Unix()
	}
	key := func(ids []int64) string {
		var b strings.Builder
		for i := 0; i < len(ids); {
			j := i
			var grp []int64
			for j < len(ids) && date[ids[j]] == date[ids[i]] {
				grp = append(grp, ids[j])
				j++
			}
			sort.Slice(grp, func(a, b int) bool { return grp[a] < grp[b] })
			fmt.Fprint(&b, date[ids[i]], grp, ";")
			i = j
		}
		return b.String()
	}
	return key(got) == key(want)
}

func (c *corpus) run(t *testing.T, q string) []int64 {
	t.Helper()
	pq, err := ParseIn(q, time.UTC)
	if err != nil {
		t.Fatalf("parse %q: %v", q, err)
	}
	res, err := c.eng.Search(context.Background(), pq, 0, MaxLimit)
	if err != nil {
		t.Fatalf("search %q: %v", q, err)
	}
	n, err := c.eng.Count(context.Background(), pq)
	if err != nil || n != len(res) {
		t.Fatalf("count %q = %d (%v), results %d", q, n, err, len(res))
	}
	ids := make([]int64, len(res))
	for i, m := range res {
		ids[i] = m.ID
	}
	return ids
}
