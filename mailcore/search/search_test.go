package search

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"hongyan/mailcore/store"
)

func TestSearchCorpus(t *testing.T) {
	c := newCorpus(t, 300, 1)
	check := func(q string, ok func(doc) bool) {
		t.Helper()
		got, want := c.run(t, q), c.expect(ok)
		if len(want) == 0 {
			t.Fatalf("%q: corpus has no expected match, test is vacuous", q)
		}
		if !c.sameOrder(got, want) {
			t.Fatalf("%q: got %d results %v\nwant %d %v", q, len(got), got, len(want), want)
		}
	}
	for _, w := range latinWords {
		check(w, func(d doc) bool { return d.has(AnyField, w) })
		check(strings.ToUpper(w[:1])+w[1:], func(d doc) bool { return d.has(AnyField, w) })
	}
	for _, w := range cjkWords { // two- and three-character Chinese words
		check(w, func(d doc) bool { return d.has(AnyField, w) })
	}
	// Prefix of a word while typing.
	check("pelic", func(d doc) bool { return d.has(AnyField, "pelican") })
	// Two words: both must match, anywhere.
	check("apricot 会议", func(d doc) bool { return d.has(AnyField, "apricot") && d.has(AnyField, "会议") })
	// Phrases: adjacent words only.
	check(`"cobalt dolphin"`, func(d doc) bool { return d.has(AnyField, "cobalt dolphin") })
	check(`-cobalt dolphin`, func(d doc) bool { return !d.has(AnyField, "cobalt") && d.has(AnyField, "dolphin") })
	// Fields.
	check("from:alice", func(d doc) bool { return d.from.Addr == "alice@example.com" })
	check("from:王伟", func(d doc) bool { return d.from.Name == "王伟" })
	check(`from:"Bob Jones"`, func(d doc) bool { return d.from.Name == "Bob Jones" })
	check("to:hotmail", func(d doc) bool { return d.to[0].Addr == "carol@hotmail.example" }) // substring of an address
	check("to:otmail", func(d doc) bool { return d.to[0].Addr == "carol@hotmail.example" })  // inside a word: trigram
	check("otmail", func(d doc) bool { return d.has(AnyField, "otmail") })
	check("subject:fjord", func(d doc) bool { return d.has(FieldSubject, "fjord") })
	check("subject:预算", func(d doc) bool { return d.has(FieldSubject, "预算") })
	// Attachment names and flags.
	check("figures", func(d doc) bool { return d.has(AnyField, "figures") })
	check("合同草稿", func(d doc) bool { return d.has(AnyField, "合同草稿") })
	check("has:attachment", func(d doc) bool { return d.hasAttach })
	check("is:unread", func(d doc) bool { return d.flags&store.Seen == 0 })
	check("is:read kettle", func(d doc) bool { return d.flags&store.Seen != 0 && d.has(AnyField, "kettle") })
	check("is:flagged", func(d doc) bool { return d.flags&store.Flagged != 0 })
	// Dates: after is inclusive, before exclusive.
	cut := time.Date(2024, 4, 15, 0, 0, 0, 0, time.UTC)
	check("after:2024-04-15", func(d doc) bool { return !d.date.Before(cut) })
	check("before:2024-04-15 nutmeg", func(d doc) bool { return d.date.Before(cut) && d.has(AnyField, "nutmeg") })
	// Folders by role and name, accounts.
	check("in:inbox", func(d doc) bool { return d.folder == "INBOX" })
	check("in:sent orchid", func(d doc) bool { return (d.folder == "Sent" || d.folder == "已发送") && d.has(AnyField, "orchid") })
	check("in:projects", func(d doc) bool { return d.folder == "Work/Projects" })
	check("account:b in:inbox", func(d doc) bool { return d.account == "b" && d.folder == "INBOX" })
	check("account:A lantern", func(d doc) bool { return d.account == "a" && d.has(AnyField, "lantern") })

	// Nothing matches an unknown folder.
	if ids := c.run(t, "in:nowhere"); len(ids) != 0 {
		t.Fatalf("in:nowhere found %v", ids)
	}
}

func TestSearchPaging(t *testing.T) {
	c := newCorpus(t, 300, 2)
	ctx := context.Background()
	q, _ := Parse("jasmine")
	all, err := c.eng.Search(ctx, q, 0, MaxLimit)
	if err != nil || len(all) < 20 {
		t.Fatalf("all: %d %v", len(all), err)
	}
	var paged []int64
	for off := 0; ; off += 7 {
		page, err := c.eng.Search(ctx, q, off, 7)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range page {
			paged = append(paged, m.ID)
		}
		if len(page) < 7 {
			break
		}
	}
	var want []int64
	for _, m := range all {
		want = append(want, m.ID)
	}
	if fmt.Sprint(paged) != fmt.Sprint(want) {
		t.Fatalf("pages differ from one query:\n%v\n%v", paged, want)
	}
	for i := 1; i < len(all); i++ {
		if all[i].Date.After(all[i-1].Date) {
			t.Fatalf("not newest first at %d", i)
		}
	}
}

// Messages with the same date are ranked by relevance, also across a page
// boundary.
func TestSearchTiesRankedByRelevance(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(t.TempDir() + "/c.db")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	fid, _ := st.UpsertFolder(ctx, store.Folder{Account: "a", Name: "INBOX", Role: store.RoleInbox})
	same := time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC)
	filler := strings.Repeat("words about other things ", 30)
	msgs := []store.Summary{
		{UID: 1, Date: same, Subject: "walrus walrus report", Preview: "walrus season"},   // strongest
		{UID: 2, Date: same, Subject: "misc", Preview: filler + "walrus"},                 // weakest
		{UID: 3, Date: same.Add(time.Hour), Subject: "later", Preview: filler + "walrus"}, // newest
		{UID: 4, Date: same, Subject: "walrus notes", Preview: "text"},                    // middle
		{UID: 5, Date: same.Add(-time.Hour), Subject: "walrus", Preview: "walrus walrus"}, // oldest
	}
	if err := st.PutSummaries(ctx, fid, msgs); err != nil {
		t.Fatal(err)
	}
	eng := New(st)
	q, _ := Parse("walrus")
	uids := func(off, lim int) string {
		res, err := eng.Search(ctx, q, off, lim)
		if err != nil {
			t.Fatal(err)
		}
		var s []string
		for _, m := range res {
			s = append(s, fmt.Sprint(m.UID))
		}
		return strings.Join(s, ",")
	}
	if got := uids(0, 10); got != "3,1,4,2,5" {
		t.Fatalf("order %s", got)
	}
	// Pages cutting through the tied group give the same order.
	if got := uids(0, 2) + "|" + uids(2, 2) + "|" + uids(4, 2); got != "3,1|4,2|5" {
		t.Fatalf("pages %s", got)
	}
	if got := uids(1, 1) + "|" + uids(2, 1) + "|" + uids(3, 1); got != "1|4|2" {
		t.Fatalf("single rows %s", got)
	}
}

// Chinese words of two characters are found in subjects, bodies and names;
// a single character works as a prefix.
func TestSearchChineseShortWords(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(t.TempDir() + "/c.db")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	fid, _ := st.UpsertFolder(ctx, store.Folder{Account: "a", Name: "INBOX"})
	err = st.PutSummaries(ctx, fid, []store.Summary{
		{UID: 1, Date: time.Unix(100, 0), Subject: "明天的会议改到下午", Preview: "请准时参加"},
		{UID: 2, Date: time.Unix(200, 0), Subject: "午餐", Preview: "今天开会吗"},
		{UID: 3, Date: time.Unix(300, 0), Subject: "Re: 议程", From: store.Address{Name: "李娜", Addr: "li@example.cn"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	eng := New(st)
	for q, want := range map[string]string{
		"会议":      "1",
		"开会":      "2",
		"议程":      "3",
		"会":       "2,1", // single character: any word containing it
		"参加":      "1",
		"from:李娜": "3",
		"下午 准时":   "1",
		"会议改":     "1",
	} {
		pq, err := Parse(q)
		if err != nil {
			t.Fatal(err)
		}
		res, err := eng.Search(ctx, pq, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		var s []string
		for _, m := range res {
			s = append(s, fmt.Sprint(m.UID))
		}
		if got := strings.Join(s, ","); got != want {
			t.Errorf("%q: got %q want %q", q, got, want)
		}
	}
}

// A query that names no folder leaves Trash and Junk out; in:trash,
// in:junk and in:anywhere bring them back.
func TestSearchSkipsTrashAndJunk(t *testing.T) {
	ctx := context.Background()
	c := &corpus{}
	st, err := store.Open(t.TempDir() + "/cache.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c.st, c.eng = st, New(st)
	ids := map[string]int64{}
	for i, f := range []struct{ name, role string }{{"INBOX", store.RoleInbox}, {"Deleted Items", store.RoleTrash}, {"Spam", store.RoleJunk}, {"Notes", ""}} {
		fid, err := st.UpsertFolder(ctx, store.Folder{Account: "a", Name: f.name, Delim: "/", Role: f.role})
		if err != nil {
			t.Fatal(err)
		}
		sum := store.Summary{UID: 1, Date: time.Date(2024, 5, 1+i, 0, 0, 0, 0, time.UTC), Subject: "marmalade " + f.name,
			From: store.Address{Addr: "x@example.org"}}
		if err := st.PutSummaries(ctx, fid, []store.Summary{sum}); err != nil {
			t.Fatal(err)
		}
		m, err := st.MessageByUID(ctx, fid, 1)
		if err != nil {
			t.Fatal(err)
		}
		ids[f.name] = m.ID
	}
	for _, tc := range []struct {
		q    string
		want []string // newest first
	}{
		{"marmalade", []string{"Notes", "INBOX"}},
		{"is:unread", []string{"Notes", "INBOX"}},
		{"marmalade in:trash", []string{"Deleted Items"}},
		{"in:spam marmalade", []string{"Spam"}},
		{"in:junk in:inbox marmalade", []string{"Spam", "INBOX"}},
		{"marmalade in:anywhere", []string{"Notes", "Spam", "Deleted Items", "INBOX"}},
		{"in:Anywhere is:unread", []string{"Notes", "Spam", "Deleted Items", "INBOX"}},
	} {
		var want []int64
		for _, name := range tc.want {
			want = append(want, ids[name])
		}
		if got := c.run(t, tc.q); !reflect.DeepEqual(got, want) {
			t.Errorf("%q: got %v, want %v (%v)", tc.q, got, want, ids)
		}
	}
	// What a query leaves out is counted in those folders alone.
	for q, want := range map[string]int{"marmalade": 2, "marmalade in:inbox": 0, "marmalade in:anywhere": 0} {
		pq, _ := Parse(q)
		if n, err := c.eng.CountSkipped(ctx, pq); err != nil || n != want {
			t.Errorf("CountSkipped(%q) = %d, %v; want %d", q, n, err, want)
		}
	}
}
