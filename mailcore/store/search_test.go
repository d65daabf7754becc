package store

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

func ftsIDs(t *testing.T, s *Store, table, expr string) []int64 {
	t.Helper()
	// Writers only queue rows; index them as the engine's background
	// indexer (or a search) would.
	if err := s.IndexAllPending(context.Background()); err != nil {
		t.Fatal(err)
	}
	rows, err := s.DB().Query(`SELECT rowid FROM `+table+` WHERE `+table+` MATCH ? ORDER BY rowid`, expr)
	if err != nil {
		t.Fatalf("%s MATCH %q: %v", table, expr, err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		out = append(out, id)
	}
	return out
}

const testRaw = "From: Zhang <z@example.cn>\r\nTo: b@example.com\r\nSubject: plan\r\n" +
	"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n" +
	"--XX\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n明天下午开会讨论预算 kiwifruit\r\n" +
	"--XX\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"quarterly-figures.pdf\"\r\n" +
	"Content-Transfer-Encoding: base64\r\n\r\nAAAA\r\n--XX--\r\n"

func TestSearchIndexFollowsWrites(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	fid, err := s.UpsertFolder(ctx, Folder{Account: "a", Name: "INBOX", Role: RoleInbox})
	if err != nil {
		t.Fatal(err)
	}
	err = s.PutSummaries(ctx, fid, []Summary{
		{UID: 1, Subject: "会议纪要", From: Address{Name: "王伟", Addr: "wang@example.cn"},
			To: []Address{{Name: "Bob", Addr: "bob@hotmail.example"}}, Preview: "pineapple tart", Date: time.Unix(1000, 0)},
		{UID: 2, Subject: "Budget", From: Address{Addr: "c@example.org"}, Date: time.Unix(2000, 0)},
	})
	if err != nil {
		t.Fatal(err)
	}
	m1, _ := s.MessageByUID(ctx, fid, 1)
	m2, _ := s.MessageByUID(ctx, fid, 2)
	want := func(table, expr string, ids ...int64) {
		t.Helper()
		got := ftsIDs(t, s, table, expr)
		if fmt.Sprint(got) != fmt.Sprint(ids) {
			t.Fatalf("%s MATCH %s = %v, want %v", table, expr, got, ids)
		}
	}
	want("search_text", `"会议"`, m1.ID)                  // two-character word: one bigram token
	want("search_text", `"会议 议纪"`, m1.ID)               // three characters: phrase of bigrams
	want("search_text", `"要" *`, m1.ID)                 // single character: prefix
	want("search_hdr", `"会议纪"`, m1.ID)                  // trigram substring
	want("search_hdr", `recipients : "hotmail"`, m1.ID) // substring of an address
	want("search_text", `"pineapple"`, m1.ID)           // preview stands in for the body
	want("search_text", `sender : "王伟"`, m1.ID)
	want("search_text", `"budget"`, m2.ID)

	// A cached body replaces the preview and adds attachment names.
	if err := s.SetBody(ctx, m1.ID, []byte(testRaw), "明天下午开会"); err != nil {
		t.Fatal(err)
	}
	want("search_text", `"pineapple"`)
	want("search_text", `"预算"`, m1.ID)
	want("search_text", `"kiwifruit"`, m1.ID)
	want("search_hdr", `attach : "figures"`, m1.ID)
	want("search_text", `attach : "quarterly"`, m1.ID)

	// A changed envelope is re-indexed, keeping the body.
	if err := s.PutSummaries(ctx, fid, []Summary{{UID: 1, Subject: "Renamed topic", Date: time.Unix(1000, 0)}}); err != nil {
		t.Fatal(err)
	}
	want("search_text", `"会议"`)
	want("search_text", `"renamed"`, m1.ID)
	want("search_text", `"kiwifruit"`, m1.ID)

	// Deletes leave nothing behind.
	if err := s.DeleteUIDs(ctx, fid, []uint32{1}); err != nil {
		t.Fatal(err)
	}
	want("search_text", `"kiwifruit"`)
	want("search_hdr", `"figures"`)
	if err := s.DeleteFolder(ctx, fid); err != nil {
		t.Fatal(err)
	}
	want("search_text", `"budget"`)

	// AddLocal (POP3) indexes summary and body in one transaction.
	lf, _ := s.UpsertFolder(ctx, Folder{Account: "p", Name: "Inbox", Local: true})
	id, _, err := s.AddLocal(ctx, lf, Summary{Subject: "local"}, []byte(testRaw))
	if err != nil {
		t.Fatal(err)
	}
	want("search_text", `"kiwifruit"`, id)
	n, err := s.RebuildSearchIndex(ctx)
	if err != nil || n != 1 {
		t.Fatalf("rebuild: %d %v", n, err)
	}
	want("search_text", `"kiwifruit"`, id)
	want("search_hdr", `"figures"`, id)
}

func TestSearchSegment(t *testing.T) {
	for in, want := range map[string]string{
		"hello world": "hello world",
		"会议纪要":        " 会议 议纪 纪要 要 ",
		"Q3报告ok":      "Q3 报告 告 ok",
		"会":           " 会 ",
	} {
		if got := SearchSegment(in); strings.Join(strings.Fields(got), " ") != strings.Join(strings.Fields(want), " ") {
			t.Errorf("SearchSegment(%q) = %q, want %q", in, got, want)
		}
	}
	toks, single := SearchQuerySegment("Q3报告")
	if fmt.Sprint(toks) != "[Q3 报告]" || single {
		t.Errorf("query segment: %v %v", toks, single)
	}
	toks, single = SearchQuerySegment("会")
	if fmt.Sprint(toks) != "[会]" || !single {
		t.Errorf("query segment: %v %v", toks, single)
	}
}

func TestSearchIndexQueue(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	fid, _ := s.UpsertFolder(ctx, Folder{Account: "a", Name: "INBOX"})
	if err := s.PutSummaries(ctx, fid, []Summary{{UID: 1, Subject: "alpha"}, {UID: 2, Subject: "beta"}}); err != nil {
		t.Fatal(err)
	}
	// The same rows written again are queued once.
	if err := s.PutSummaries(ctx, fid, []Summary{{UID: 1, Subject: "alpha two"}}); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.PendingIndex(ctx); n != 2 {
		t.Fatalf("pending %d, want 2", n)
	}
	if n, err := s.IndexPending(ctx, 1); err != nil || n != 1 {
		t.Fatalf("first batch %d %v", n, err)
	}
	if err := s.IndexAllPending(ctx); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.PendingIndex(ctx); n != 0 {
		t.Fatalf("pending %d after draining", n)
	}
	m, _ := s.MessageByUID(ctx, fid, 1)
	if got := ftsIDs(t, s, "search_text", `"two"`); len(got) != 1 || got[0] != m.ID {
		t.Fatalf("updated subject not indexed: %v", got)
	}
	// A cached body queues the row again; deleting it removes it at once.
	if err := s.SetBody(ctx, m.ID, []byte("Subject: x\r\n\r\nzebra crossing\r\n"), ""); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.PendingIndex(ctx); n != 1 {
		t.Fatalf("pending %d after a body", n)
	}
	if got := ftsIDs(t, s, "search_text", `"zebra"`); len(got) != 1 {
		t.Fatalf("body not indexed: %v", got)
	}
	if err := s.DeleteMessage(ctx, m.ID); err != nil {
		t.Fatal(err)
	}
	if got := ftsIDs(t, s, "search_text", `"zebra"`); len(got) != 0 {
		t.Fatalf("deleted message still found: %v", got)
	}
	if n, _ := s.PendingIndex(ctx); n != 0 {
		t.Fatalf("pending %d after delete", n)
	}
}
