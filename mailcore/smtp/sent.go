package smtp

import (
	"context"
	"strings"
	"time"

	"hongyan/mailcore/mailerr"
	"hongyan/mailcore/message"
	"hongyan/mailcore/store"
)

// SentCopier files a copy of a sent message in the account's Sent folder.
// The IMAP engine implements it with APPEND; LocalSent keeps the copy in
// the local store (POP3 accounts).
type SentCopier interface {
	// CopyToSent stores raw in the Sent folder of account.
	CopyToSent(ctx context.Context, account string, raw []byte, messageID string) error
	// AlreadyInSent reports whether a message with this Message-ID (no
	// angle brackets) is in Sent already, for example because the
	// provider files submitted mail itself or a copy was made before a
	// crash. The outbox then skips CopyToSent.
	AlreadyInSent(ctx context.Context, account string, messageID string) (bool, error)
}

// LocalSent is a SentCopier on the local store: the Sent folder (role
// sent) of the account, created as a local folder named "Sent" when the
// account has none.
type LocalSent struct {
	Store *store.Store
}

func (l LocalSent) folder(ctx context.Context, account string, create bool) (store.Folder, error) {
	f, err := l.Store.FolderByRole(ctx, account, store.RoleSent)
	if err == nil || !create || !mailerr.Is(err, mailerr.NotFound) {
		return f, err
	}
	id, err := l.Store.UpsertFolder(ctx, store.Folder{Account: account, Name: "Sent", Delim: "/",
		Role: store.RoleSent, Subscribed: true, Selectable: true, Local: true})
	if err != nil {
		return f, err
	}
	return l.Store.Folder(ctx, id)
}

// AlreadyInSent implements SentCopier.
func (l LocalSent) AlreadyInSent(ctx context.Context, account, messageID string) (bool, error) {
	f, err := l.folder(ctx, account, false)
	if mailerr.Is(err, mailerr.NotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	ms, err := l.Store.FindByMessageID(ctx, account, strings.Trim(messageID, "<>"))
	if err != nil {
		return false, err
	}
	for _, m := range ms {
		if m.FolderID == f.ID {
			return true, nil
		}
	}
	return false, nil
}

// CopyToSent implements SentCopier.
func (l LocalSent) CopyToSent(ctx context.Context, account string, raw []byte, messageID string) error {
	f, err := l.folder(ctx, account, true)
	if err != nil {
		return err
	}
	sum := message.ParseHeaderSummary(raw)
	s := store.Summary{
		Flags: store.Seen, InternalDate: time.Now(), Date: sum.Date, Size: int64(len(raw)),
		Subject: sum.Subject, MessageID: strings.Trim(messageID, "<>"), InReplyTo: sum.InReplyTo,
		References: sum.References, HasAttachments: sum.HasAttachments, Preview: sum.Preview,
		To: storeAddrs(sum.To), Cc: storeAddrs(sum.Cc),
	}
	if len(sum.From) > 0 {
		s.From = store.Address{Name: sum.From[0].Name, Addr: sum.From[0].Email}
	}
	_, _, err = l.Store.AddLocal(ctx, f.ID, s, raw)
	return err
}

func storeAddrs(l []message.Address) []store.Address {
	out := make([]store.Address, len(l))
	for i, a := range l {
		out[i] = store.Address{Name: a.Name, Addr: a.Email}
	}
	return out
}
