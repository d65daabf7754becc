package app

import (
	"context"

	"hongyan/mailcore/store"
)

// Actions on the selected conversation. While conversations show, the
// keyboard, toolbar and Message menu act here instead of on the hidden
// message list. Flags (read, flagged) apply to every message of the
// conversation, as the reader shows them; moves (Delete, Archive, Junk,
// Move) take only its messages in the folders shown, which are the ones
// its row counts, so that a reply in Sent or a copy already in Trash is
// left where it is.

// step selects the conversation delta rows away (J/K, arrows) and opens
// it; with none selected it starts at the top.
func (c *convView) step(delta int) {
	if len(c.rows) == 0 {
		return
	}
	i := 0
	if k, ok := c.indexOf(c.selected); ok {
		i = k + delta
	}
	i = max(0, min(len(c.rows)-1, i))
	c.list.ScrollTo(i)
	c.tapped(i)
}

// indexOf finds thread id among the rows read so far.
func (c *convView) indexOf(id int64) (int, bool) {
	if id == 0 {
		return 0, false
	}
	for i, r := range c.rows {
		if r.ThreadID == id {
			return i, true
		}
	}
	return 0, false
}

// advance opens the conversation after the selected one (or before it, at
// the end), for actions that take the selected one out of the list.
func (c *convView) advance() {
	i, ok := c.indexOf(c.selected)
	if !ok {
		return
	}
	switch {
	case i+1 < len(c.rows):
		c.tapped(i + 1)
	case i > 0:
		c.tapped(i - 1)
	default:
		c.selected = 0
		c.clearReader()
		c.list.Refresh()
	}
}

// onThread runs f on the selected conversation's messages (read from the
// store off the UI goroutine), then reloads the lists. With advance the
// next conversation is opened first.
func (c *convView) onThread(advance bool, f func(ctx context.Context, msgs []store.Summary) error) {
	id := c.selected
	if id == 0 {
		c.mv.nothingSelected()
		return
	}
	if advance {
		c.advance()
	}
	st := c.mv.eng.Store()
	c.mv.act(func(ctx context.Context) error {
		msgs, err := st.ThreadMessages(ctx, id)
		if err != nil {
			return err
		}
		return f(ctx, msgs)
	})
}

// onShownMessages is for moves: f gets the ids of every copy of the
// conversation's messages in the folders shown (a message filed twice in
// those folders is moved whole), and the next conversation opens.
func (c *convView) onShownMessages(f func(ctx context.Context, ids []int64) error) {
	id := c.selected
	if id == 0 {
		c.mv.nothingSelected()
		return
	}
	folders := append([]int64(nil), c.folders...)
	c.advance()
	st := c.mv.eng.Store()
	c.mv.act(func(ctx context.Context) error {
		msgs, err := st.ThreadCopiesIn(ctx, id, folders)
		if err != nil || len(msgs) == 0 {
			return err
		}
		return f(ctx, summaryIDs(msgs))
	})
}

// account is the account of the folders the conversations come from, or
// "" when they are of several (the unified inbox).
func (c *convView) account() string {
	acct := ""
	for _, f := range c.folders {
		n, ok := c.mv.tm.nodes[folderNode(f)]
		if !ok || (acct != "" && n.account != acct) {
			return ""
		}
		acct = n.account
	}
	return acct
}

// dropThread moves the conversation thread (its messages shown in the
// view's folders) to the folder it was dragged onto.
func (c *convView) dropThread(thread int64) {
	uid, ok := c.mv.endDrag()
	if !ok {
		return
	}
	folders := append([]int64(nil), c.folders...)
	if thread == c.selected {
		c.advance()
	}
	st := c.mv.eng.Store()
	c.mv.moveDropped(uid, func(ctx context.Context) ([]int64, error) {
		msgs, err := st.ThreadCopiesIn(ctx, thread, folders)
		return summaryIDs(msgs), err
	})
}

func summaryIDs(msgs []store.Summary) []int64 {
	ids := make([]int64, len(msgs))
	for i, m := range msgs {
		ids[i] = m.ID
	}
	return ids
}

func (c *convView) markThreadRead(read bool) {
	c.onThread(false, func(ctx context.Context, msgs []store.Summary) error {
		if read {
			return c.mv.eng.SetFlags(ctx, summaryIDs(msgs), store.Seen, 0)
		}
		return c.mv.eng.SetFlags(ctx, summaryIDs(msgs), 0, store.Seen)
	})
}

// toggleFlag flags the conversation, or unflags it when every message of
// it is flagged already.
func (c *convView) toggleFlag() {
	c.onThread(false, func(ctx context.Context, msgs []store.Summary) error {
		all := len(msgs) > 0
		for _, m := range msgs {
			if m.Flags&store.Flagged == 0 {
				all = false
			}
		}
		if all {
			return c.mv.eng.SetFlags(ctx, summaryIDs(msgs), 0, store.Flagged)
		}
		return c.mv.eng.SetFlags(ctx, summaryIDs(msgs), store.Flagged, 0)
	})
}

// newest calls f on the UI goroutine with the newest message of the
// selected conversation (replies and forwards answer it).
func (c *convView) newest(f func(id int64)) {
	id := c.selected
	if id == 0 {
		c.mv.nothingSelected()
		return
	}
	if c.shown == id && len(c.msgs) > 0 {
		// The reader has the thread, oldest first.
		f(c.msgs[len(c.msgs)-1].ID)
		return
	}
	st := c.mv.eng.Store()
	c.mv.ui.goWork(func(ctx context.Context) {
		msgs, err := st.ThreadMessages(ctx, id)
		c.mv.ui.do(func() {
			if err != nil {
				c.mv.showError(err)
				return
			}
			if len(msgs) > 0 && c.selected == id {
				f(msgs[len(msgs)-1].ID)
			}
		})
	})
}

// moveChooser asks for a folder of the conversation's account and moves
// its messages in the folders shown there.
func (c *convView) moveChooser() {
	id := c.selected
	if id == 0 {
		c.mv.nothingSelected()
		return
	}
	folders := map[int64]bool{}
	for _, f := range c.folders {
		folders[f] = true
	}
	st := c.mv.eng.Store()
	c.mv.ui.goWork(func(ctx context.Context) {
		msgs, err := st.ThreadMessages(ctx, id)
		c.mv.ui.do(func() {
			if err != nil {
				c.mv.showError(err)
				return
			}
			for _, m := range msgs {
				if folders[m.FolderID] {
					c.mv.chooseFolder(m.FolderID, func(to int64) {
						if c.selected != id {
							return
						}
						c.onShownMessages(c.mv.undoable(c.mv.folderName(to), "", func(ctx context.Context, ids []int64) error { return c.mv.eng.Move(ctx, ids, to) }))
					})
					return
				}
			}
		})
	})
}
