package store

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"
)

type tmsg struct {
	folder  int64
	uid     uint32
	id      string
	irt     string
	refs    string
	subject string
	day     int
	seen    bool
}

func putT(t *testing.T, s *Store, ms ...tmsg) {
	t.Helper()
	for _, m := range ms {
		var fl Flags
		if m.seen {
			fl = Seen
		}
		sum := Summary{UID: m.uid, MessageID: m.id, InReplyTo: m.irt, References: strings.Fields(m.refs),
			Subject: m.subject, Flags: fl, From: Address{Name: "N" + m.id, Addr: m.id + "@x"},
			Date: time.Date(2024, 1, 1+m.day, 0, 0, 0, 0, time.UTC)}
		if err := s.PutSummaries(context.Background(), m.folder, []Summary{sum}); err != nil {
			t.Fatal(err)
		}
	}
}

// groups returns the partition of message ids (by Message-ID) into threads,
// as a canonical string.
func groups(t *testing.T, s *Store) string {
	t.Helper()
	rows, err := s.DB().Query(`SELECT thread_id, message_id FROM messages ORDER BY message_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	by := map[int64][]string{}
	for rows.Next() {
		var th int64
		var id string
		if err := rows.Scan(&th, &id); err != nil {
			t.Fatal(err)
		}
		if th == 0 {
			t.Fatalf("message %s not threaded", id)
		}
		by[th] = append(by[th], id)
	}
	var gs []string
	for _, g := range by {
		sort.Strings(g)
		gs = append(gs, strings.Join(g, " "))
	}
	sort.Strings(gs)
	return strings.Join(gs, " | ")
}

func threadSetup(t *testing.T) (*Store, int64, int64, int64) {
	ctx := context.Background()
	s := openTest(t)
	inbox, _ := s.UpsertFolder(ctx, Folder{Account: "a", Name: "INBOX", Role: RoleInbox})
	sent, _ := s.UpsertFolder(ctx, Folder{Account: "a", Name: "Sent", Role: RoleSent})
	other, _ := s.UpsertFolder(ctx, Folder{Account: "b", Name: "INBOX", Role: RoleInbox})
	return s, inbox, sent, other
}

func TestThreading(t *testing.T) {
	ctx := context.Background()
	s, inbox, sent, other := threadSetup(t)
	// Arrival order is scrambled on purpose; ThreadNew runs between batches.
	putT(t, s,
		tmsg{folder: inbox, uid: 3, id: "c", irt: "b", refs: "<a> <b>", subject: "Re: Plan", day: 3}, // parent b missing for now
		tmsg{folder: inbox, uid: 9, id: "x", refs: "<ghost>", subject: "Re: Other", day: 1},          // parent never arrives
		tmsg{folder: inbox, uid: 10, id: "y", irt: "<ghost>", subject: "Re: Other", day: 2},          // sibling via the missing parent
		tmsg{folder: inbox, uid: 20, id: "s1", subject: "Re: 季度报告", day: 5},                          // subject only, original missing
		tmsg{folder: other, uid: 1, id: "b2", irt: "a", subject: "Re: Plan", day: 2},                 // other account: not joined
		tmsg{folder: inbox, uid: 30, id: "n1", subject: "Invoice", day: 1},                           // two originals, same subject:
		tmsg{folder: inbox, uid: 31, id: "n2", subject: "Invoice", day: 2},                           // stay apart
		tmsg{folder: inbox, uid: 40, id: "lost", subject: "Lunch", day: 1},
	)
	if n, err := s.ThreadNew(ctx); err != nil || n != 8 {
		t.Fatalf("ThreadNew: %d %v", n, err)
	}
	putT(t, s,
		tmsg{folder: sent, uid: 1, id: "b", irt: "a", refs: "<a>", subject: "Re: Plan", day: 2}, // my reply, in Sent
		tmsg{folder: inbox, uid: 1, id: "a", subject: "Plan", day: 1},                           // the original, last
		tmsg{folder: inbox, uid: 21, id: "s0", subject: "季度报告", day: 4},                         // original of s1 arrives
		tmsg{folder: inbox, uid: 22, id: "s2", subject: "回复：季度报告", day: 6},                      // Chinese reply prefix
		tmsg{folder: inbox, uid: 23, id: "s3", subject: "[team] Fwd: RE: 季度报告", day: 7},
		tmsg{folder: inbox, uid: 32, id: "n3", subject: "Re: Invoice", day: 3}, // joins the latest Invoice
	)
	if n, err := s.ThreadNew(ctx); err != nil || n != 6 {
		t.Fatalf("ThreadNew: %d %v", n, err)
	}
	want := "a b c | b2 | lost | n1 | n2 n3 | s0 s1 s2 s3 | x y"
	if got := groups(t, s); got != want {
		t.Fatalf("incremental threads\n got %s\nwant %s", got, want)
	}
	// A late message linking two threads merges them.
	putT(t, s, tmsg{folder: inbox, uid: 50, id: "z", refs: "<lost> <a>", subject: "Re: Lunch", day: 8})
	if _, err := s.ThreadNew(ctx); err != nil {
		t.Fatal(err)
	}
	want = "a b c lost z | b2 | n1 | n2 n3 | s0 s1 s2 s3 | x y"
	if got := groups(t, s); got != want {
		t.Fatalf("after merge\n got %s\nwant %s", got, want)
	}
	// A full recompute gives the same partition.
	if _, err := s.ThreadAll(ctx); err != nil {
		t.Fatal(err)
	}
	if got := groups(t, s); got != want {
		t.Fatalf("ThreadAll\n got %s\nwant %s", got, want)
	}

	// Conversations of the inbox: the reply in Sent counts, newest first.
	convs, err := s.Conversations(ctx, []int64{inbox}, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, c := range convs {
		lines = append(lines, fmt.Sprintf("%s:%d:%s", c.Subject, c.Count, strings.Join(c.Participants, ",")))
	}
	got := strings.Join(lines, " ; ")
	// "lost" and "a" share a date; the earlier stored comes first.
	wantC := "Lunch:5:Nlost,Na,Nb,Nc,Nz ; 季度报告:4:Ns0,Ns1,Ns2,Ns3 ; Invoice:2:Nn2,Nn3 ; Re: Other:2:Nx,Ny ; Invoice:1:Nn1"
	if got != wantC {
		t.Fatalf("conversations\n got %s\nwant %s", got, wantC)
	}
	if convs[0].Unread != 5 || convs[0].LatestDate.Day() != 9 {
		t.Fatalf("plan conversation: %+v", convs[0])
	}
	z, _ := s.MessageByUID(ctx, inbox, 50)
	if convs[0].LatestMessageID != z.ID {
		t.Fatalf("latest id %d want %d", convs[0].LatestMessageID, z.ID)
	}
	// Paging.
	p2, err := s.Conversations(ctx, []int64{inbox}, 1, 2)
	if err != nil || len(p2) != 2 || p2[0].ThreadID != convs[1].ThreadID || p2[1].ThreadID != convs[2].ThreadID {
		t.Fatalf("page: %+v %v", p2, err)
	}
	msgs, err := s.ThreadMessages(ctx, convs[0].ThreadID)
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, m := range msgs {
		order = append(order, m.MessageID)
	}
	if strings.Join(order, ",") != "lost,a,b,c,z" {
		t.Fatalf("thread order %v", order)
	}
}

func TestBaseSubject(t *testing.T) {
	for in, want := range map[string]string{
		"Re: Plan":              "plan*",
		"RE[2]: re: Plan":       "plan*",
		"Fwd:Plan":              "plan*",
		"回复：会议":                 "会议*",
		"转发: 回复: 会议":            "会议*",
		"[list] Re:  Plan  now": "plan now*",
		"Plan":                  "plan",
		"Reply needed":          "reply needed",
		"":                      "",
	} {
		b, r := BaseSubject(in)
		if r {
			b += "*"
		}
		if b != want {
			t.Errorf("BaseSubject(%q) = %q, want %q", in, b, want)
		}
	}
}
