package search

import (
	"github.com/emersion/go-imap/v2"
)

// IMAPCriteria converts q into an IMAP UID SEARCH for one folder, so that
// an IMAP engine can implement ServerSearcher in a few lines. Folder and
// account filters are not part of it: the caller chooses the mailboxes
// (q.Folders, q.Accounts). Server search matches substrings without
// relevance, so results may differ slightly from local search.
func IMAPCriteria(q Query) imap.SearchCriteria {
	var c imap.SearchCriteria
	for _, t := range q.Terms {
		var one imap.SearchCriteria
		switch t.Field {
		case FieldFrom:
			one.Header = []imap.SearchCriteriaHeaderField{{Key: "From", Value: t.Text}}
		case FieldTo:
			// To or Cc, as in local search.
			one.Or = [][2]imap.SearchCriteria{{
				{Header: []imap.SearchCriteriaHeaderField{{Key: "To", Value: t.Text}}},
				{Header: []imap.SearchCriteriaHeaderField{{Key: "Cc", Value: t.Text}}},
			}}
		case FieldSubject:
			one.Header = []imap.SearchCriteriaHeaderField{{Key: "Subject", Value: t.Text}}
		default:
			one.Text = []string{t.Text}
		}
		if t.Not {
			c.Not = append(c.Not, one)
			continue
		}
		c.Header = append(c.Header, one.Header...)
		c.Text = append(c.Text, one.Text...)
		c.Or = append(c.Or, one.Or...)
	}
	if q.HasAttachment {
		// IMAP has no attachment criterion; multipart/mixed is the usual sign.
		c.Header = append(c.Header, imap.SearchCriteriaHeaderField{Key: "Content-Type", Value: "multipart/mixed"})
	}
	switch q.Unread {
	case Yes:
		c.NotFlag = append(c.NotFlag, imap.FlagSeen)
	case No:
		c.Flag = append(c.Flag, imap.FlagSeen)
	}
	switch q.Flagged {
	case Yes:
		c.Flag = append(c.Flag, imap.FlagFlagged)
	case No:
		c.NotFlag = append(c.NotFlag, imap.FlagFlagged)
	}
	// Local search filters on the Date header; SENTSINCE/SENTBEFORE match it.
	if !q.After.IsZero() {
		c.SentSince = q.After
	}
	if !q.Before.IsZero() {
		c.SentBefore = q.Before
	}
	return c
}
