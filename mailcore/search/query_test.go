package search

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"hongyan/mailcore/store"
)

func TestParse(t *testing.T) {
	day := func(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }
	got, err := ParseIn(`budget "quarterly report" -draft From:"Alice Smith" to:bob subject:会议 has:attachment is:unread is:flagged after:2024-01-02 before:2024/3/4 in:Sent account:work http://x.example 10:30`, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	want := Query{
		Terms: []Term{
			{Text: "budget"}, {Text: "quarterly report", Phrase: true}, {Text: "draft", Not: true},
			{Field: FieldFrom, Text: "Alice Smith", Phrase: true}, {Field: FieldTo, Text: "bob"},
			{Field: FieldSubject, Text: "会议"}, {Text: "http://x.example"}, {Text: "10:30"},
		},
		HasAttachment: true, Unread: Yes, Flagged: Yes,
		After: day(2024, 1, 2), Before: day(2024, 3, 4),
		Folders: []string{"Sent"}, Accounts: []string{"work"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
	if q, err := Parse("is:read"); err != nil || q.Unread != No {
		t.Fatalf("is:read: %+v %v", q, err)
	}
	if q, err := Parse(`"unterminated phrase`); err != nil || len(q.Terms) != 1 || q.Terms[0].Text != "unterminated phrase" {
		t.Fatalf("unterminated: %+v %v", q, err)
	}
	if q, err := Parse("in:ANYWHERE budget"); err != nil || !q.Anywhere || len(q.Folders) != 0 || q.SkipsTrashAndJunk() {
		t.Fatalf("in:anywhere: %+v %v", q, err)
	}
	if q, _ := Parse("budget"); !q.SkipsTrashAndJunk() {
		t.Fatal("a query without in: keeps Trash and Junk")
	}
	if q, _ := Parse("   "); !q.Empty() {
		t.Fatalf("blank query not empty: %+v", q)
	}
}

func TestParseErrors(t *testing.T) {
	for q, wantTok := range map[string]string{
		"before:2024-13-01":    "before:2024-13-01",
		"x after:yesterday":    "after:yesterday",
		"after:":               "after:",
		"is:maybe":             "is:maybe",
		"has:wings":            "has:wings",
		"from:":                "from:",
		"in:":                  "in:",
		"-is:unread":           "-is:unread",
		"before:0001-01-01 ok": "before:0001-01-01",
	} {
		_, err := Parse(q)
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("%q: want *ParseError, got %v", q, err)
			continue
		}
		if pe.Token != wantTok || !strings.Contains(pe.Error(), wantTok) || q[pe.Pos:pe.Pos+len(pe.Token)] != pe.Token {
			t.Errorf("%q: error %v (token %q at %d)", q, pe, pe.Token, pe.Pos)
		}
	}
}

func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{"", "budget", `"a b" -c`, "from:x to:\"y z\" subject:会议", "before:2024-02-30",
		"in:inbox account:a is:unread has:attachment", "-", `"`, "：", "\xff\xfe", "a:b:c:", "after:9999-12-31"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := ParseIn(s, time.UTC)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Pos < 0 || pe.Pos > len(s) {
				t.Fatalf("bad error %v", err)
			}
			return
		}
		for _, term := range q.Terms {
			termExprs(term) // must not panic
		}
		_ = IMAPCriteria(q)
	})
}

// Every query the parser accepts runs without an FTS5 syntax error.
func TestOddQueriesRun(t *testing.T) {
	c := newCorpus(t, 30, 3)
	for _, q := range []string{`"`, `-`, `*`, `a*b`, `"x" OR y`, `NEAR(a b)`, `from:"`, `(`, `)`, `^`, `:`, `col:`,
		`subject:"a""b"`, `会`, `a`, `ab`, `abc`, `"会议 预算"`, `-会议`, `{subject}`, `@@@`, `'`} {
		pq, err := Parse(q)
		if err != nil {
			continue
		}
		if _, err := c.eng.Search(context.Background(), pq, 0, 10); err != nil {
			t.Errorf("%q: %v", q, err)
		}
		if _, err := c.eng.Count(context.Background(), pq); err != nil {
			t.Errorf("%q count: %v", q, err)
		}
	}
}

func TestIMAPCriteria(t *testing.T) {
	q, err := ParseIn(`budget from:alice to:bob subject:plan -spam is:unread is:flagged after:2024-01-02 before:2024-02-01`, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	c := IMAPCriteria(q)
	h := func(k, v string) imap.SearchCriteriaHeaderField {
		return imap.SearchCriteriaHeaderField{Key: k, Value: v}
	}
	want := imap.SearchCriteria{
		Text:   []string{"budget"},
		Header: []imap.SearchCriteriaHeaderField{h("From", "alice"), h("Subject", "plan")},
		Or: [][2]imap.SearchCriteria{{
			{Header: []imap.SearchCriteriaHeaderField{h("To", "bob")}},
			{Header: []imap.SearchCriteriaHeaderField{h("Cc", "bob")}},
		}},
		Not:        []imap.SearchCriteria{{Text: []string{"spam"}}},
		NotFlag:    []imap.Flag{imap.FlagSeen},
		Flag:       []imap.Flag{imap.FlagFlagged},
		SentSince:  time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC),
		SentBefore: time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC),
	}
	if !reflect.DeepEqual(c, want) {
		t.Fatalf("got  %+v\nwant %+v", c, want)
	}
}

type fakeServer struct {
	hits map[string][]store.Summary
	fail map[string]error
}

func (f fakeServer) Search(ctx context.Context, account string, q Query) ([]store.Summary, error) {
	return f.hits[account], f.fail[account]
}

func TestSearchMerged(t *testing.T) {
	ctx := context.Background()
	c := newCorpus(t, 60, 4)
	q, _ := Parse("apricot")
	local, err := c.eng.Search(ctx, q, 0, 100)
	if err != nil || len(local) < 2 {
		t.Fatalf("local: %d %v", len(local), err)
	}
	dupByUID := store.Summary{FolderID: local[0].FolderID, UID: local[0].UID, Subject: "server copy", Date: local[0].Date}
	old := store.Summary{FolderID: local[1].FolderID, UID: 99999, MessageID: "<old@x>", Subject: "old", Date: time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)}
	dupOld := store.Summary{FolderID: 77, UID: 5, MessageID: "old@x", Date: old.Date}
	srv := fakeServer{
		hits: map[string][]store.Summary{"a": {dupByUID, old}, "b": {dupOld}},
		fail: map[string]error{"b": errors.New("b unreachable")},
	}
	res, err := c.eng.SearchMerged(ctx, q, srv, 1000)
	if err == nil || !strings.Contains(err.Error(), "b unreachable") {
		t.Fatalf("want the server error, got %v", err)
	}
	if len(res) != len(local)+1 {
		t.Fatalf("merged %d, local %d", len(res), len(local))
	}
	last := res[len(res)-1]
	if !last.FromServer || last.Subject != "old" {
		t.Fatalf("last %+v", last)
	}
	for _, r := range res[:len(res)-1] {
		if r.FromServer {
			t.Fatalf("local hit marked as server: %+v", r)
		}
	}
	if res[0].Subject == "server copy" {
		t.Fatal("server duplicate replaced the local summary")
	}
	_ = fmt.Sprint
}
