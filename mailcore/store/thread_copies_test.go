package store

import (
	"context"
	"testing"
	"time"
)

func TestThreadCopiesIn(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	inbox, _ := s.UpsertFolder(ctx, Folder{Account: "a", Name: "INBOX", Role: RoleInbox})
	archive, _ := s.UpsertFolder(ctx, Folder{Account: "a", Name: "Archive", Role: RoleArchive})
	sent, _ := s.UpsertFolder(ctx, Folder{Account: "a", Name: "Sent", Role: RoleSent})
	base := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.PutSummaries(ctx, inbox, []Summary{{UID: 1, Subject: "Plan", MessageID: "root@x", Date: base}}))
	// The same message filed twice, and a reply in Sent.
	must(s.PutSummaries(ctx, archive, []Summary{{UID: 1, Subject: "Plan", MessageID: "root@x", Date: base}}))
	must(s.PutSummaries(ctx, sent, []Summary{{UID: 1, Subject: "Re: Plan", MessageID: "reply@x", InReplyTo: "root@x",
		References: []string{"root@x"}, Date: base.Add(time.Hour)}}))
	if _, err := s.ThreadAll(ctx); err != nil {
		t.Fatal(err)
	}
	m, _ := s.MessageByUID(ctx, inbox, 1)
	if m.ThreadID == 0 {
		t.Fatal("not threaded")
	}
	read, err := s.ThreadMessages(ctx, m.ThreadID)
	if err != nil || len(read) != 2 {
		t.Fatalf("reading view: %d messages, %v", len(read), err)
	}
	copies, err := s.ThreadCopiesIn(ctx, m.ThreadID, []int64{inbox, archive})
	if err != nil || len(copies) != 2 || copies[0].FolderID == copies[1].FolderID {
		t.Fatalf("copies in inbox and archive: %+v %v", copies, err)
	}
	only, _ := s.ThreadCopiesIn(ctx, m.ThreadID, []int64{sent})
	if len(only) != 1 || only[0].MessageID != "reply@x" {
		t.Fatalf("copies in sent: %+v", only)
	}
	if none, _ := s.ThreadCopiesIn(ctx, m.ThreadID, nil); none != nil {
		t.Fatal("no folders must give nothing")
	}
}
