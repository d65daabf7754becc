package mailcore

import (
	"context"
	"strings"

	"hongyan/mailcore/account"
	"hongyan/mailcore/mailerr"
	"hongyan/mailcore/pop3"
	"hongyan/mailcore/store"
)

// pop3Incoming adapts a POP3 account to the engine: retrieval runs on the
// server, everything else is an operation on local folders.
type pop3Incoming struct {
	acct *pop3.Account
	id   string
	st   *store.Store
}

func (e *Engine) newPOP3(a account.Account, password string) incoming {
	cfg := pop3.ConfigFromAccount(a, password, e.tlsFor(a.ID))
	cfg.Debug = e.debugLog(a.ID, "pop3", password)
	return &pop3Incoming{acct: pop3.New(cfg, e.store, e.sink), id: a.ID, st: e.store}
}

func (p *pop3Incoming) Run(ctx context.Context) { p.acct.Run(ctx) }
func (p *pop3Incoming) CheckNow()               { p.acct.CheckNow() }
func (p *pop3Incoming) Select(int64)            {}

func (p *pop3Incoming) FetchBody(ctx context.Context, id int64) ([]byte, error) {
	// A POP3 message is stored whole when retrieved.
	return p.st.Body(ctx, id)
}

func (p *pop3Incoming) SetFlags(ctx context.Context, ids []int64, set, clear store.Flags) error {
	return p.acct.SetFlagsMany(ctx, ids, set, clear)
}

func (p *pop3Incoming) Move(ctx context.Context, ids []int64, to int64) error {
	return p.acct.MoveMany(ctx, ids, to)
}

func (p *pop3Incoming) Delete(ctx context.Context, ids []int64) error {
	return p.acct.DeleteMany(ctx, ids)
}

func validLocalName(name string) error {
	if strings.TrimSpace(name) == "" || strings.ContainsAny(name, "/\x00\r\n") {
		return &mailerr.Error{Kind: mailerr.ServerRefused, Op: "folder", Text: "invalid folder name"}
	}
	return nil
}

func (p *pop3Incoming) CreateFolder(ctx context.Context, name string) error {
	if err := validLocalName(name); err != nil {
		return err
	}
	if _, err := p.st.FolderByName(ctx, p.id, name); err == nil {
		return &mailerr.Error{Kind: mailerr.ServerRefused, Op: "folder", Text: "a folder with that name exists"}
	}
	_, err := p.st.UpsertFolder(ctx, store.Folder{Account: p.id, Name: name, Delim: "/", Subscribed: true, Selectable: true, Local: true})
	return err
}

func (p *pop3Incoming) userFolder(ctx context.Context, id int64) error {
	f, err := p.st.Folder(ctx, id)
	if err != nil {
		return err
	}
	if f.Account != p.id {
		return &mailerr.Error{Kind: mailerr.NotFound, Op: "folder", Text: "folder of another account"}
	}
	if f.Role != "" {
		return &mailerr.Error{Kind: mailerr.ServerRefused, Op: "folder", Text: "special folders cannot be renamed or deleted"}
	}
	return nil
}

func (p *pop3Incoming) RenameFolder(ctx context.Context, id int64, name string) error {
	if err := validLocalName(name); err != nil {
		return err
	}
	if err := p.userFolder(ctx, id); err != nil {
		return err
	}
	return p.st.RenameFolder(ctx, id, name)
}

func (p *pop3Incoming) DeleteFolder(ctx context.Context, id int64) error {
	if err := p.userFolder(ctx, id); err != nil {
		return err
	}
	return p.st.DeleteFolder(ctx, id)
}
