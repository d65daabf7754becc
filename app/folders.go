package app

import (
	"context"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"hongyan/mailcore/account"
	"hongyan/mailcore/store"
	"hongyan/widgets"
)

// Tree node IDs: the unified inbox, an account, a folder.
const nodeUnified = "u"

func accountNode(id string) string    { return "a:" + id }
func folderNode(id int64) string      { return "f:" + strconv.FormatInt(id, 10) }
func isAccountNode(uid string) bool   { return strings.HasPrefix(uid, "a:") }
func nodeAccountID(uid string) string { return strings.TrimPrefix(uid, "a:") }

func nodeFolderID(uid string) (int64, bool) {
	if !strings.HasPrefix(uid, "f:") {
		return 0, false
	}
	id, err := strconv.ParseInt(uid[2:], 10, 64)
	return id, err == nil
}

// treeNode is one node of the folder tree.
type treeNode struct {
	name    string
	kind    string
	account string
	folder  store.Folder // zero for the unified inbox and accounts
	unread  int
}

// treeModel is a snapshot of accounts, folders and unread counts, built
// off the UI goroutine and then swapped in whole.
type treeModel struct {
	nodes    map[string]treeNode
	children map[string][]string
	inboxes  []int64
	accounts []account.Account
}

// buildTree reads every account's folders and unread counts.
func buildTree(ctx context.Context, st *store.Store, accts []account.Account) (*treeModel, error) {
	tm := &treeModel{nodes: map[string]treeNode{}, children: map[string][]string{}, accounts: accts}
	unified := treeNode{kind: widgets.KindUnified}
	tm.children[""] = []string{nodeUnified}
	for _, a := range accts {
		an := accountNode(a.ID)
		name := a.DisplayName
		if name == "" {
			name = a.Email
		}
		tm.nodes[an] = treeNode{name: name, kind: widgets.KindAccount, account: a.ID}
		tm.children[""] = append(tm.children[""], an)
		fs, err := st.Folders(ctx, a.ID)
		if err != nil {
			return nil, err
		}
		byName := map[string]int64{}
		for _, f := range fs {
			byName[f.Name] = f.ID
		}
		for _, f := range fs {
			_, unread, err := st.Counts(ctx, f.ID)
			if err != nil {
				return nil, err
			}
			n := treeNode{name: f.DisplayName(), kind: f.Role, account: a.ID, folder: f, unread: unread}
			tm.nodes[folderNode(f.ID)] = n
			parent := an
			if f.Role == "" && f.Delim != "" {
				if i := strings.LastIndex(f.Name, f.Delim); i > 0 {
					if pid, ok := byName[f.Name[:i]]; ok {
						parent = folderNode(pid)
					}
				}
			}
			tm.children[parent] = append(tm.children[parent], folderNode(f.ID))
			if f.Role == store.RoleInbox {
				tm.inboxes = append(tm.inboxes, f.ID)
				unified.unread += unread
			}
		}
	}
	tm.nodes[nodeUnified] = unified
	return tm, nil
}

// label is the node's name as shown, in the current language. It is
// called on the UI goroutine only: buildTree runs elsewhere and must not
// look up translations while the language may change.
func (n treeNode) label() string {
	if n.kind == widgets.KindUnified {
		return T("tree.unified")
	}
	if n.folder.ID != 0 {
		return folderLabel(n.folder)
	}
	return n.name
}

// folderLabel is a folder's name as shown: special folders in the user's
// language, others by the last part of their name.
func folderLabel(f store.Folder) string {
	switch f.Role {
	case store.RoleInbox, store.RoleDrafts, store.RoleSent, store.RoleArchive, store.RoleJunk, store.RoleTrash:
		return T("folder." + f.Role)
	}
	return f.DisplayName()
}

// totalUnread is the unread count of all inboxes (the window title).
func (tm *treeModel) totalUnread() int { return tm.nodes[nodeUnified].unread }

// newFolderTree builds the tree widget over mv's current model.
func (mv *mailView) newFolderTree() *widget.Tree {
	t := widget.NewTree(
		func(uid widget.TreeNodeID) []widget.TreeNodeID { return mv.tm.children[uid] },
		func(uid widget.TreeNodeID) bool { return uid == "" || len(mv.tm.children[uid]) > 0 },
		func(bool) fyne.CanvasObject { return widgets.NewFolderNode() },
		func(uid widget.TreeNodeID, _ bool, o fyne.CanvasObject) {
			n := o.(*widgets.FolderNode)
			node := mv.tm.nodes[uid]
			mv.noteTreeNode(n, uid)
			n.OnSecondaryTapped = func(ev *fyne.PointEvent) { mv.folderMenu(uid, ev) }
			n.OnTapped = func() { mv.tapNode(uid) }
			n.SetData(widgets.FolderNodeData{Name: node.label(), Kind: node.kind, Unread: node.unread,
				Error: node.kind == widgets.KindAccount && mv.status[node.account] != nil})
		})
	t.OnSelected = func(uid widget.TreeNodeID) { mv.selectNode(uid) }
	return t
}

// tapNode selects the folder clicked and gives the tree the keys (the
// arrows then move through the folders), as the tree's own rows do.
func (mv *mailView) tapNode(uid widget.TreeNodeID) {
	mv.tree.Select(uid)
	if c := mv.win.Canvas(); c.Focused() != mv.tree {
		c.Focus(mv.tree)
	}
}

// reloadTree rebuilds the tree model off the UI goroutine.
func (mv *mailView) reloadTree() {
	eng := mv.eng
	mv.treeGen++
	gen := mv.treeGen
	mv.ui.goWork(func(ctx context.Context) {
		tm, err := buildTree(ctx, eng.Store(), eng.Accounts())
		mv.ui.do(func() {
			if gen != mv.treeGen {
				return // a newer snapshot is on its way
			}
			if err != nil {
				mv.showError(err)
				return
			}
			first := mv.tm == nil || len(mv.tm.nodes) == 0
			mv.tm = tm
			mv.tree.Refresh()
			if first {
				mv.tree.OpenAllBranches()
			}
			for _, c := range tm.children[""] {
				if isAccountNode(c) {
					mv.tree.OpenBranch(c)
				}
			}
			mv.updateTitle()
			if mv.current == "" {
				mv.tree.Select(nodeUnified)
			} else if _, ok := tm.nodes[mv.current]; !ok {
				mv.tree.Select(nodeUnified)
			} else if mv.current == nodeUnified && mv.list.src != nil {
				// New inboxes (a fresh account) join the unified inbox.
				if fs, ok := mv.list.src.(folderSource); ok && len(fs.ids) != len(tm.inboxes) {
					mv.list.setSource(folderSource{ids: tm.inboxes})
				}
			}
			if mv.onTreeLoaded != nil {
				mv.onTreeLoaded()
			}
		})
	})
}

// selectNode shows the messages of a tree node.
func (mv *mailView) selectNode(uid string) {
	mv.current = uid
	mv.searchEntry.SetText("")
	switch {
	case uid == nodeUnified:
		mv.list.setSource(folderSource{ids: mv.tm.inboxes})
	case isAccountNode(uid):
		// An account shows its inbox.
		for _, c := range mv.tm.children[uid] {
			if mv.tm.nodes[c].kind == store.RoleInbox {
				mv.tree.Select(c)
				return
			}
		}
		mv.list.setSource(nil)
	default:
		id, ok := nodeFolderID(uid)
		if !ok {
			return
		}
		mv.list.setSource(folderSource{ids: []int64{id}})
		eng := mv.eng
		mv.ui.goWork(func(ctx context.Context) { eng.SelectFolder(ctx, id) })
	}
	mv.updateBanner()
	mv.updateProgress()
	mv.updateFolderActions()
}

// currentAccount is the account of the selected folder, "" for the unified
// inbox.
func (mv *mailView) currentAccount() string {
	if mv.current == "" || mv.current == nodeUnified {
		return ""
	}
	return mv.tm.nodes[mv.current].account
}

// currentFolderIDs are the folders the list shows.
func (mv *mailView) currentFolderIDs() []int64 {
	if fs, ok := mv.list.src.(folderSource); ok {
		return fs.ids
	}
	return nil
}
