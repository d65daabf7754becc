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
	return a.SetFlagsMany(ctx, []int64{id}, set, clear)
}

// SetFlagsMany is SetFlags for a selection, in one transaction: the
// actions on a selection of thousands of messages took a transaction,
// and several reads, a message.
func (a *Account) SetFlagsMany(ctx context.Context, ids []int64, set, clear store.Flags) error {
	if _, err := a.owned(ctx, ids); err != nil {
		return err
	}
	return a.st.SetFlagsLocalMany(ctx, ids, set, clear, false)
}

// Move moves a local message to another local folder of the account.
func (a *Account) Move(ctx context.Context, id, toFolder int64) error {
	return a.MoveMany(ctx, []int64{id}, toFolder)
}

// MoveMany is Move for a selection, in one transaction.
func (a *Account) MoveMany(ctx context.Context, ids []int64, toFolder int64) error {
	if _, err := a.owned(ctx, ids); err != nil {
		return err
	}
	f, err := a.st.Folder(ctx, toFolder)
	if err != nil {
		return err
	}
	if f.Account != a.cfg.Account {
		return errNotLocal
	}
	_, err = a.st.MoveLocalMany(ctx, ids, toFolder)
	return err
}

// Delete moves a message to Trash; a message already in Trash is removed
// from the store. With DeleteWhenDeletedLocally its server copy is then
// marked for DELE at the next check.
func (a *Account) Delete(ctx context.Context, id int64) error {
	return a.DeleteMany(ctx, []int64{id})
}

// DeleteMany is Delete for a selection: what is outside Trash goes there
// in one transaction, what is in Trash is marked for DELE (when asked
// for) and then removed in one transaction each.
func (a *Account) DeleteMany(ctx context.Context, ids []int64) error {
	ms, err := a.owned(ctx, ids)
	if err != nil {
		return err
	}
	folders, err := a.EnsureFolders(ctx)
	if err != nil {
		return err
	}
	trash := folders[store.RoleTrash]
	var toTrash, gone []int64
	for _, m := range ms {
		if m.FolderID != trash {
			toTrash = append(toTrash, m.ID)
		} else {
			gone = append(gone, m.ID)
		}
	}
	if _, err := a.st.MoveLocalMany(ctx, toTrash, trash); err != nil {
		return err
	}
	if len(gone) == 0 {
		return nil
	}
	if a.cfg.DeleteWhenDeletedLocally {
		if err := a.st.RequestPOP3Deletes(ctx, gone); err != nil {
			return err
		}
	}
	return a.st.DeleteMessages(ctx, gone)
}

// owned reads the messages ids, in chunks, and checks that every one is
// in a folder of this account.
func (a *Account) owned(ctx context.Context, ids []int64) ([]store.Summary, error) {
	ms, err := a.st.SummariesOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	mine := map[int64]bool{} // folder → of this account
	for _, m := range ms {
		ok, seen := mine[m.FolderID]
		if !seen {
			f, err := a.st.Folder(ctx, m.FolderID)
			if err != nil {
				return nil, err
			}
			ok = f.Account == a.cfg.Account
			mine[m.FolderID] = ok
		}
		if !ok {
			return nil, errNotLocal
		}
	}
	return ms, nil
}
