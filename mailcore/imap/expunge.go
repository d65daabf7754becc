package imap

import (
	"context"

	"hongyan/mailcore/event"
	"hongyan/mailcore/store"
)

// Expunge deletes messages for good, wherever they are (no move to Trash):
// at once in the cache, then on the server (STORE \Deleted and UID
// EXPUNGE, queued durably like every operation). It is for copies Hongyan
// itself owns, such as the previous server copy of a draft being replaced.
// Messages still waiting for their APPEND (placeholder UIDs) are skipped:
// they are not on the server yet, and the next replacement removes them.
func (a *Account) Expunge(ctx context.Context, ids []int64) error {
	groups, order, err := a.byFolder(ctx, ids)
	if err != nil {
		return err
	}
	for _, fid := range order {
		f, err := a.st.Folder(ctx, fid)
		if err != nil {
			return err
		}
		var uids []uint32
		for _, m := range groups[fid] {
			if m.UID >= store.PlaceholderUIDBase {
				continue
			}
			if err := a.st.DeleteMessage(ctx, m.ID); err != nil {
				return err
			}
			uids = append(uids, m.UID)
		}
		if len(uids) == 0 {
			continue
		}
		if _, err := a.st.AddOp(ctx, a.cfg.AccountID, store.Op{Kind: opExpunge, Folder: f.Name, UIDs: uids}); err != nil {
			return err
		}
		a.sink(event.MessagesChanged{Account: a.cfg.AccountID, FolderID: fid})
	}
	a.replaySoon(ctx)
	return nil
}
