package app

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"hongyan/widgets"
)

// Messages dragged from the list onto a folder of the tree move there,
// as with Move (and can be undone). Fyne 2.7 has no drag and drop between
// widgets of a window, only the drag events of the widget dragged, so the
// row reports the pointer's position and the folder under it is found
// here, from the folder nodes the tree has drawn (treeNodes).

// dragState is a drag of messages under way.
type dragState struct {
	pop     *widget.PopUp // follows the pointer: what is moved, and where
	label   *widget.Label
	pos     fyne.Position // the pointer, absolute
	account string        // of the messages dragged; "" when of several or unknown
	nodes   []nodeRect    // where the tree's nodes are, found once a drag
}

// nodeRect is where a node of the tree is drawn, absolute.
type nodeRect struct {
	uid  string
	at   fyne.Position
	size fyne.Size
}

// dragMessages follows the pointer while n messages are dragged; account
// says whose they are ("" when of several or not known), asked once a
// drag.
func (mv *mailView) dragMessages(n int, account func() string, pos fyne.Position) {
	if mv.drag == nil {
		label := widget.NewLabel("")
		mv.drag = &dragState{label: label, pop: widget.NewPopUp(label, mv.win.Canvas()), account: account()}
	}
	d := mv.drag
	d.pos = pos
	text := TN("drag.move", n, nil)
	uid, ok := mv.dropTarget(pos, d.account)
	if ok {
		text = TN("drag.move_to", n, map[string]any{"Folder": mv.tm.nodes[uid].label()})
	}
	mv.markDropTarget(uid)
	d.label.SetText(text)
	// Beside the pointer, not under it.
	d.pop.ShowAtPosition(pos.Add(fyne.NewPos(dragLabelGap, dragLabelGap)))
}

// dragLabelGap is how far the drag label keeps from the pointer.
const dragLabelGap = 14

// endDrag ends a drag and says which folder of the tree (its node) it
// ended on, if any.
func (mv *mailView) endDrag() (string, bool) {
	d := mv.drag
	if d == nil {
		return "", false
	}
	uid, ok := mv.dropTarget(d.pos, d.account)
	mv.drag = nil
	d.pop.Hide()
	mv.markDropTarget("")
	return uid, ok
}

// markDropTarget highlights the tree's node uid as where a drop would go
// ("" for none).
func (mv *mailView) markDropTarget(uid string) {
	for n, u := range mv.treeNodes {
		n.SetDropTarget(uid != "" && u == uid)
	}
}

// dropMessages moves messages dragged from the list to the folder the
// drag ended on.
func (mv *mailView) dropMessages(ids []int64) {
	uid, ok := mv.endDrag()
	if !ok {
		return
	}
	if len(mv.list.selected) == len(ids) && mv.list.selected[ids[0]] {
		mv.advanceAfterRemove()
	}
	mv.moveDropped(uid, func(context.Context) ([]int64, error) { return ids, nil })
}

// moveDropped moves the messages ids gives (off the UI goroutine) to the
// folder of tree node uid, as Move does (undoable): those of the folder's
// account that are not there already.
func (mv *mailView) moveDropped(uid string, ids func(context.Context) ([]int64, error)) {
	node := mv.tm.nodes[uid]
	to := node.folder.ID
	st := mv.eng.Store()
	move := mv.undoable(mv.folderName(to), "", func(ctx context.Context, ids []int64) error { return mv.eng.Move(ctx, ids, to) })
	mv.act(func(ctx context.Context) error {
		all, err := ids(ctx)
		if err != nil {
			return err
		}
		// One chunked read, and each folder once: a dragged conversation
		// or selection can hold many messages. Those gone meanwhile are
		// left out.
		ms, err := st.SummariesByIDs(ctx, all)
		if err != nil {
			return err
		}
		ours := map[int64]bool{} // folder → of the target's account
		var keep []int64
		for _, m := range ms {
			if m.FolderID == to {
				continue
			}
			ok, seen := ours[m.FolderID]
			if !seen {
				f, err := st.Folder(ctx, m.FolderID)
				ok = err == nil && f.Account == node.account
				ours[m.FolderID] = ok
			}
			if ok {
				keep = append(keep, m.ID)
			}
		}
		if len(keep) == 0 {
			return nil
		}
		return move(ctx, keep)
	})
}

// dropTarget is the tree's folder under the absolute position pos: a
// folder node (not an account or the unified inbox) that can hold mail,
// of account unless that is "" (messages of several accounts: each moves
// only to its own account's folder, see moveDropped).
func (mv *mailView) dropTarget(pos fyne.Position, account string) (string, bool) {
	for _, r := range mv.nodeRects() {
		if !inside(pos, r.at, r.size) {
			continue
		}
		uid := r.uid
		if _, ok := nodeFolderID(uid); !ok {
			return "", false
		}
		if node, ok := mv.tm.nodes[uid]; ok && node.folder.Selectable && (account == "" || node.account == account) {
			return uid, true
		}
		return "", false
	}
	return "", false
}

// nodeRects are the tree's nodes drawn inside it, with where they are.
// Finding a node's position walks the window's objects, so while a drag
// is under way they are found once, at its first move, not at every one
// (the tree does not move meanwhile).
func (mv *mailView) nodeRects() []nodeRect {
	if mv.drag != nil && mv.drag.nodes != nil {
		return mv.drag.nodes
	}
	drv := fyne.CurrentApp().Driver()
	treePos, treeSize := drv.AbsolutePositionForObject(mv.tree), mv.tree.Size()
	rects := []nodeRect{}
	for n, uid := range mv.treeNodes {
		if !n.Visible() {
			continue
		}
		// Node widgets the tree keeps unused are not found on the canvas
		// (position 0, 0), outside the tree.
		at, size := drv.AbsolutePositionForObject(n), n.Size()
		// The part of the node inside the tree (the rest is scrolled away).
		x0, y0 := max(at.X, treePos.X), max(at.Y, treePos.Y)
		x1, y1 := min(at.X+size.Width, treePos.X+treeSize.Width), min(at.Y+size.Height, treePos.Y+treeSize.Height)
		if x0 < x1 && y0 < y1 {
			rects = append(rects, nodeRect{uid, fyne.NewPos(x0, y0), fyne.NewSize(x1-x0, y1-y0)})
		}
	}
	if mv.drag != nil {
		mv.drag.nodes = rects
	}
	return rects
}

func inside(p, at fyne.Position, size fyne.Size) bool {
	return p.X >= at.X && p.Y >= at.Y && p.X < at.X+size.Width && p.Y < at.Y+size.Height
}

// accountOfRows is the account of the listed messages ids, or "" when
// they are of several or not all are on the pages loaded.
func (mv *mailView) accountOfRows(ids []int64) string {
	acct := ""
	for _, id := range ids {
		i, ok := mv.list.indexOf(id)
		if !ok {
			return ""
		}
		m, _ := mv.list.peek(i)
		n, ok := mv.tm.nodes[folderNode(m.FolderID)]
		if !ok || (acct != "" && n.account != acct) {
			return ""
		}
		acct = n.account
	}
	return acct
}

// noteTreeNode records which tree node a folder node widget shows now
// (the tree reuses them as it scrolls).
func (mv *mailView) noteTreeNode(n *widgets.FolderNode, uid string) {
	if mv.treeNodes == nil {
		mv.treeNodes = map[*widgets.FolderNode]string{}
	}
	mv.treeNodes[n] = uid
}
