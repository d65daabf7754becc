package imap

import (
	"strings"

	imapv2 "github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"hongyan/mailcore/store"
)

var flagBits = []struct {
	f   imapv2.Flag
	bit store.Flags
}{
	{imapv2.FlagSeen, store.Seen}, {imapv2.FlagAnswered, store.Answered},
	{imapv2.FlagFlagged, store.Flagged}, {imapv2.FlagDeleted, store.Deleted},
	{imapv2.FlagDraft, store.Draft}, {imapv2.FlagForwarded, store.Forwarded},
	{imapv2.FlagJunk, store.Junk}, {imapv2.FlagNotJunk, store.NotJunk},
}

// FromIMAPFlags splits server flags into the store's bits and the other
// keywords.
func FromIMAPFlags(flags []imapv2.Flag) (store.Flags, []string) {
	var out store.Flags
	var kw []string
	for _, f := range flags {
		addFlag(&out, &kw, string(f))
	}
	return out, kw
}

// addFlag adds one server flag: a system flag to bits, anything else but
// \Recent to the keywords.
func addFlag(bits *store.Flags, kw *[]string, f string) {
	for _, fb := range flagBits {
		if strings.EqualFold(f, string(fb.f)) {
			*bits |= fb.bit
			return
		}
	}
	if f != `\Recent` && f != "" {
		*kw = append(*kw, f)
	}
}

// ToIMAPFlags lists the server flags of a bit set.
func ToIMAPFlags(f store.Flags) []imapv2.Flag {
	var out []imapv2.Flag
	for _, fb := range flagBits {
		if f&fb.bit != 0 {
			out = append(out, fb.f)
		}
	}
	return out
}

func storeAddr(a imapv2.Address) store.Address {
	return store.Address{Name: strings.ToValidUTF8(a.Name, "\uFFFD"), Addr: strings.ToValidUTF8(a.Addr(), "\uFFFD")}
}

func storeAddrs(as []imapv2.Address) []store.Address {
	var out []store.Address
	for _, a := range as {
		if a.IsGroupStart() || a.IsGroupEnd() {
			continue
		}
		out = append(out, storeAddr(a))
	}
	return out
}

// hasAttachments tells from a BODYSTRUCTURE whether a message carries
// attachments: a part marked as attachment, or a named non-inline part.
func hasAttachments(bs imapv2.BodyStructure) bool {
	found := false
	bs.Walk(func(path []int, part imapv2.BodyStructure) bool {
		if found {
			return false
		}
		d := part.Disposition()
		if d != nil && strings.EqualFold(d.Value, "attachment") {
			found = true
			return false
		}
		if sp, ok := part.(*imapv2.BodyStructureSinglePart); ok {
			inline := d != nil && strings.EqualFold(d.Value, "inline")
			if !inline && sp.Filename() != "" {
				found = true
				return false
			}
			if !inline && strings.EqualFold(sp.Type, "application") {
				found = true
				return false
			}
		}
		return true
	})
	return found
}

// summaryOf reads one FETCH response into a summary. It runs on the
// command's consumer goroutine, not on the client's reader. ok is false
// unless the response holds a UID and an envelope: flag updates the server
// sends of its own accord (with the UID under CONDSTORE) are no summary.
func summaryOf(msg *imapclient.FetchMessageData) (store.Summary, bool) {
	var s store.Summary
	hasEnvelope := false
	for {
		item := msg.Next()
		if item == nil {
			break
		}
		switch it := item.(type) {
		case imapclient.FetchItemDataUID:
			s.UID = uint32(it.UID)
		case imapclient.FetchItemDataFlags:
			s.Flags, s.Keywords = FromIMAPFlags(it.Flags)
		case imapclient.FetchItemDataInternalDate:
			s.InternalDate = it.Time
		case imapclient.FetchItemDataRFC822Size:
			s.Size = it.Size
		case imapclient.FetchItemDataModSeq:
			s.ModSeq = it.ModSeq
		case imapclient.FetchItemDataEnvelope:
			env := it.Envelope
			if env == nil {
				continue
			}
			hasEnvelope = true
			// A server may hand out bytes that are not UTF-8 (raw 8-bit
			// headers); the cache and the UI hold valid text only.
			s.Subject = strings.ToValidUTF8(env.Subject, "\uFFFD")
			s.Date = env.Date
			if len(env.From) > 0 {
				s.From = storeAddr(env.From[0])
			} else if len(env.Sender) > 0 {
				s.From = storeAddr(env.Sender[0])
			}
			s.To = storeAddrs(env.To)
			s.Cc = storeAddrs(env.Cc)
			if len(env.ReplyTo) > 0 {
				s.ReplyTo = replyTo(env.ReplyTo[0].Addr(), s.From)
			}
			s.MessageID = env.MessageID
			if len(env.InReplyTo) > 0 {
				s.InReplyTo = env.InReplyTo[0]
			}
		case imapclient.FetchItemDataBodyStructure:
			if it.BodyStructure != nil {
				s.HasAttachments = hasAttachments(it.BodyStructure)
			}
		}
	}
	return s, s.UID != 0 && hasEnvelope
}

func joinKeywords(kw []string) string { return strings.Join(kw, " ") }

// replyTo is what a summary keeps of ENVELOPE's reply-to address addr:
// nothing when it is From's, which servers put there for a message that
// has no Reply-To (both FETCH decoders use this rule).
func replyTo(addr string, from store.Address) string {
	if strings.EqualFold(addr, from.Addr) {
		return ""
	}
	return addr
}
