package mailcore

import (
	"context"
	"strings"
	"time"

	"hongyan/mailcore/account"
	"hongyan/mailcore/imap"
	"hongyan/mailcore/store"
)

// imapIncoming is an IMAP account engine plus what the outbox needs of it.
type imapIncoming struct {
	*imap.Account
	st *store.Store
	id string
}

func (e *Engine) newIMAP(a account.Account, password string) (incoming, error) {
	cfg := imap.Config{
		AccountID:    a.ID,
		Host:         a.Incoming.Host,
		Port:         a.Incoming.Port,
		Security:     a.Incoming.Security,
		Username:     a.Incoming.Username,
		PasswordFunc: e.password(a.ID, "incoming"),
		TLS:          e.tlsFor(a.ID),
		Debug:        e.debugLog(a.ID, "imap", password),
	}
	if m := a.Options.CheckIntervalMinutes; m > 0 {
		cfg.Interval = time.Duration(m) * time.Minute
	}
	return &imapIncoming{Account: imap.New(cfg, e.store, e.sink), st: e.store, id: a.ID}, nil
}

// CopyToSent files a sent message in the server's Sent folder: in the
// cache at once and durably queued for APPEND, so a crash after this
// returns cannot lose or double the copy.
func (i *imapIncoming) CopyToSent(ctx context.Context, raw []byte, messageID string) error {
	_, err := i.Append(ctx, store.RoleSent, raw, store.Seen)
	return err
}

// AlreadyInSent looks for the Message-ID in Sent after bringing Sent up to
// date, so that providers which file submitted mail themselves (Gmail) do
// not get a second copy.
func (i *imapIncoming) AlreadyInSent(ctx context.Context, messageID string) (bool, error) {
	sent, err := i.st.FolderByRole(ctx, i.id, store.RoleSent)
	if err != nil {
		return false, nil
	}
	if i.Online() {
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		_ = i.SyncFolder(sctx, sent.ID)
		cancel()
	}
	ms, err := i.st.FindByMessageID(ctx, i.id, strings.Trim(messageID, "<>"))
	if err != nil {
		return false, err
	}
	for _, m := range ms {
		if m.FolderID == sent.ID {
			return true, nil
		}
	}
	return false, nil
}
