package pop3

import (
	"context"

	"hongyan/mailcore/store"
)

// For a POP3 account every folder is local: flags, moves and deletions only
// change the store. These helpers are the whole story.

// SetFlags changes flags of a local message (nothing to send anywhere, so
// the change is not pending).
func (a *Account) SetFlags(ctx context.Context, id int64, set, clear store.Flags) error {
	if err := a.own(ctx, id); err != nil {
		return err
	}
	return a.st.SetFlagsLocal(ctx, id, set, clear, false)
}

// Move moves a local message to another local folder of the account.
func (a *Account) Move(ctx context.Context, id, toFolder int64) error {
	if err := a.own(ctx, id); err != nil {
		return err
	}
	f, err := a.st.Folder(ctx, toFolder)
	if err != nil {
		return err
	}
	if f.Account != a.cfg.Account {
		return errNotLocal
	}
	_, err = a.st.MoveLocal(ctx, id, toFolder)
	return err
}

// Delete moves a message to Trash; a message already in Trash is removed
// from the store. With DeleteWhenDeletedLocally its server copy is then
// marked for DELE at the next check.
func (a *Account) Delete(ctx context.Context, id int64) error {
	if err := a.own(ctx, id); err != nil {
		return err
	}
	folders, err := a.EnsureFolders(ctx)
	if err != nil {
		return err
	}
	m, err := a.st.Message(ctx, id)
	if err != nil {
		return err
	}
	trash := folders[store.RoleTrash]
	if m.FolderID != trash {
		_, err := a.st.MoveLocal(ctx, id, trash)
		return err
	}
	if a.cfg.DeleteWhenDeletedLocally {
		if _, err := a.st.RequestPOP3Delete(ctx, id); err != nil {
			return err
		}
	}
	return a.st.DeleteMessage(ctx, id)
}

func (a *Account) own(ctx context.Context, id int64) error {
	m, err := a.st.Message(ctx, id)
	if err != nil {
		return err
	}
	f, err := a.st.Folder(ctx, m.FolderID)
	if err != nil {
		return err
	}
	if f.Account != a.cfg.Account {
		return errNotLocal
	}
	return nil
}
