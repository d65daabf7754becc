package app

import (
	"time"

	"hongyan/mailcore/event"
	"hongyan/mailcore/store"
)

// eventDelay lets a burst of engine events gather so that the window
// updates once per batch, never once per message.
const eventDelay = 50 * time.Millisecond

// handleEvents applies one batch of engine events on the UI goroutine.
func (mv *mailView) handleEvents(batch []event.Event) {
	treeDirty, listDirty, bannerDirty, quotaDirty, progressDirty, outboxDirty := false, false, false, false, false, false
	shown := map[int64]bool{}
	for _, id := range mv.currentFolderIDs() {
		shown[id] = true
	}
	_, searching := mv.list.src.(searchSource)
	for _, ev := range batch {
		switch e := ev.(type) {
		case event.FoldersChanged:
			treeDirty = true
		case event.MessagesChanged:
			treeDirty = true
			if shown[e.FolderID] || searching {
				listDirty = true
			}
		case event.SyncProgress:
			if e.Finished {
				delete(mv.syncing, e.FolderID)
			} else {
				mv.syncing[e.FolderID] = e
			}
			progressDirty = true
		case event.NewMail:
			mv.newMail = append(mv.newMail, e)
			treeDirty = true
			if shown[e.FolderID] {
				listDirty = true
			}
		case event.AccountStatus:
			old := mv.status[e.Account]
			if e.Err != nil {
				mv.status[e.Account] = e.Err
			} else {
				delete(mv.status, e.Account)
			}
			if (old == nil) != (e.Err == nil) || e.Err != nil {
				bannerDirty = true
				treeDirty = true
			}
		case event.Quota:
			mv.quotas[e.Account] = e
			quotaDirty = true
		case event.OperationFailed:
			mv.showError(e.Err)
		case event.SendResult:
			outboxDirty = true
			if e.Err != nil && string(e.State) == store.OutboxFailed {
				mv.showError(e.Err)
			}
		}
	}
	if listDirty {
		mv.list.reload(true)
	}
	if treeDirty {
		mv.reloadTree()
	}
	if bannerDirty {
		mv.updateBanner()
	}
	if quotaDirty {
		mv.updateQuota()
	}
	if progressDirty {
		mv.updateProgress()
	}
	if outboxDirty {
		mv.updateOutboxCount()
		if mv.outbox != nil {
			mv.outbox.reload()
		}
	}
	if len(mv.newMail) > 0 {
		mv.notifyNewMail()
	}
}
