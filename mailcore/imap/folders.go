package imap

import (
	"context"
	"slices"
	"strings"

	imapv2 "github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"hongyan/mailcore/event"
	"hongyan/mailcore/mailerr"
	"hongyan/mailcore/store"
)

// roleNames maps well-known folder names (lower case, last component) to
// roles, for servers without SPECIAL-USE.
var roleNames = map[string]string{
	"sent": store.RoleSent, "sent items": store.RoleSent, "sent mail": store.RoleSent,
	"sent messages": store.RoleSent, "已发送": store.RoleSent, "已发送邮件": store.RoleSent,
	"gesendet": store.RoleSent, "gesendete objekte": store.RoleSent, "envoyés": store.RoleSent,
	"éléments envoyés": store.RoleSent, "enviados": store.RoleSent, "posta inviata": store.RoleSent,
	"drafts": store.RoleDrafts, "draft": store.RoleDrafts, "草稿": store.RoleDrafts, "草稿箱": store.RoleDrafts,
	"entwürfe": store.RoleDrafts, "brouillons": store.RoleDrafts, "borradores": store.RoleDrafts,
	"trash": store.RoleTrash, "deleted items": store.RoleTrash, "deleted messages": store.RoleTrash,
	"已删除": store.RoleTrash, "已删除邮件": store.RoleTrash, "垃圾桶": store.RoleTrash,
	"papierkorb": store.RoleTrash, "gelöschte elemente": store.RoleTrash, "corbeille": store.RoleTrash,
	"papelera": store.RoleTrash, "cestino": store.RoleTrash, "bin": store.RoleTrash,
	"junk": store.RoleJunk, "spam": store.RoleJunk, "junk e-mail": store.RoleJunk, "junk email": store.RoleJunk,
	"垃圾邮件": store.RoleJunk, "spamverdacht": store.RoleJunk, "indésirables": store.RoleJunk,
	"archive": store.RoleArchive, "archives": store.RoleArchive, "归档": store.RoleArchive,
	"archiv": store.RoleArchive,
}

// RoleOf returns the role of a listed mailbox: from its SPECIAL-USE
// attribute, else from its name.
func RoleOf(name string, delim rune, attrs []imapv2.MailboxAttr) string {
	if strings.EqualFold(name, "INBOX") {
		return store.RoleInbox
	}
	for _, at := range attrs {
		switch strings.ToLower(string(at)) {
		case `\sent`:
			return store.RoleSent
		case `\drafts`:
			return store.RoleDrafts
		case `\trash`:
			return store.RoleTrash
		case `\junk`:
			return store.RoleJunk
		case `\archive`:
			return store.RoleArchive
		}
	}
	last := name
	if delim != 0 {
		if i := strings.LastIndex(name, string(delim)); i >= 0 {
			last = name[i+len(string(delim)):]
		}
	}
	// Only top-level folders or direct children of INBOX get a role by
	// name, as most clients do.
	if last != name && !strings.HasPrefix(strings.ToUpper(name), "INBOX"+string(delim)) {
		return ""
	}
	return roleNames[strings.ToLower(last)]
}

// SyncFolders lists the server's folders into the store (roles, delimiter,
// subscription, STATUS counts) and removes folders gone from the server.
func (a *Account) SyncFolders(ctx context.Context) error {
	_, err := a.listFolders(ctx)
	return err
}

// listFolders is SyncFolders; it also returns the STATUS of each folder
// it asked (for syncAll, see unchanged).
func (a *Account) listFolders(ctx context.Context) (map[string]*imapv2.StatusData, error) {
	ctx, cancel := a.opCtx(ctx)
	defer cancel()
	first := a.firstSyncName(ctx)
	a.preDial(first)
	var listed []*imapv2.ListData
	subscribed := map[string]bool{}
	var ext bool
	err := a.withConn(ctx, func(cn *conn) error {
		ext = cn.caps.Has(imapv2.CapListExtended) || cn.caps.Has(imapv2.CapIMAP4rev2)
		return cn.run(ctx, "list", func() error {
			var opts *imapv2.ListOptions
			if ext {
				opts = &imapv2.ListOptions{ReturnSubscribed: true}
				if cn.caps.Has(imapv2.CapSpecialUse) {
					opts.ReturnSpecialUse = true
				}
				// No RETURN (STATUS ...) even where LIST-STATUS is offered:
				// Dovecot opens a large folder in full for it (about 80 ms
				// for 100,000 messages, paid again by the next EXAMINE),
				// while a STATUS command of a folder in its list index
				// answers in about 2 ms. The STATUS commands are pipelined
				// (statusOf); firstUncounted says which folder is left out.
			}
			var err error
			listed, err = cn.c.List("", "*", opts).Collect()
			if err != nil || ext {
				return err
			}
			// Without LIST-EXTENDED, ask for subscriptions separately.
			subs, err := cn.c.List("", "*", &imapv2.ListOptions{SelectSubscribed: true}).Collect()
			if err != nil {
				// Old servers cannot do that either: treat all as subscribed.
				for _, l := range listed {
					subscribed[l.Mailbox] = true
				}
				return nil
			}
			for _, l := range subs {
				subscribed[l.Mailbox] = true
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var list []store.ListedFolder
	var selectable []string
	for _, l := range listed {
		if hasAttr(l.Attrs, imapv2.MailboxAttrNonExistent) {
			continue
		}
		seen[l.Mailbox] = true
		f := store.ListedFolder{Folder: store.Folder{
			Account:    a.cfg.AccountID,
			Name:       l.Mailbox,
			Role:       RoleOf(l.Mailbox, l.Delim, l.Attrs),
			Selectable: !hasAttr(l.Attrs, imapv2.MailboxAttrNoSelect),
			Subscribed: subscribed[l.Mailbox] || hasAttr(l.Attrs, imapv2.MailboxAttrSubscribed) || strings.EqualFold(l.Mailbox, "INBOX"),
		}}
		if l.Delim != 0 {
			f.Delim = string(l.Delim)
		}
		if f.Selectable {
			selectable = append(selectable, l.Mailbox)
		}
		list = append(list, f)
	}
	skip := firstUncounted(first, list)
	a.uncountedMu.Lock()
	a.uncounted = skip
	a.uncountedMu.Unlock()
	if skip != "" {
		selectable = slices.DeleteFunc(selectable, func(n string) bool { return n == skip })
	}
	counts, err := a.statusOf(ctx, selectable)
	if err != nil {
		return nil, err
	}
	for i := range list {
		if st := counts[list[i].Name]; st != nil {
			list[i].Counted = true
			list[i].ServerTotal, list[i].ServerUnseen = statusCounts(st)
		}
	}
	if _, err := a.st.UpsertFolders(ctx, list); err != nil {
		return nil, err
	}
	cached, err := a.st.Folders(ctx, a.cfg.AccountID)
	if err != nil {
		return nil, err
	}
	for _, f := range cached {
		if !f.Local && !seen[f.Name] {
			if err := a.st.DeleteFolder(ctx, f.ID); err != nil {
				return nil, err
			}
		}
	}
	a.sink(event.FoldersChanged{Account: a.cfg.AccountID})
	return counts, nil
}

// firstUncounted names the folder of list that SyncFolders does not ask
// STATUS for: the one the account syncs first (the selected folder, else
// the Inbox) when it has never been synced. Its first sync follows at
// once and learns the same from its EXAMINE, and the folder pane counts
// what the cache holds, not STATUS. Asking costs much on large folders:
// Dovecot keeps no cheap status of INBOX (mailbox_list_index_include_inbox
// is off by default) and opens it in full, about 75 ms of server CPU and
// as much delay before the first header for 100,000 messages, and on two
// shared cores that CPU is taken from the sync.
//
// first is firstSyncName's answer, taken before the listing: "" when that
// folder was synced before (its STATUS is cheap to compare), and "INBOX"
// also for an account with nothing cached, whose Inbox is named as the
// server lists it.
func firstUncounted(first string, list []store.ListedFolder) string {
	if !sameFolder(first, "INBOX") {
		return first
	}
	for _, l := range list {
		if l.Role == store.RoleInbox {
			return l.Name
		}
	}
	return ""
}

// wasUncounted reports whether the last SyncFolders skipped the STATUS of
// the folder name (firstUncounted).
func (a *Account) wasUncounted(name string) bool {
	a.uncountedMu.Lock()
	defer a.uncountedMu.Unlock()
	return a.uncounted != "" && a.uncounted == name
}

func statusCounts(s *imapv2.StatusData) (total, unseen int) {
	if s.NumMessages != nil {
		total = int(*s.NumMessages)
	}
	if s.NumUnseen != nil {
		unseen = int(*s.NumUnseen)
	}
	return total, unseen
}

// statusOf pipelines STATUS for the given mailboxes, except the one
// selected on the main connection. A folder that vanished between LIST and
// STATUS, or that the server will not count, is left out.
func (a *Account) statusOf(ctx context.Context, names []string) (map[string]*imapv2.StatusData, error) {
	out := map[string]*imapv2.StatusData{}
	if len(names) == 0 {
		return out, nil
	}
	err := a.withConn(ctx, func(cn *conn) error {
		return cn.run(ctx, "status", func() error {
			cmds := make([]*imapclient.StatusCommand, len(names))
			for i, n := range names {
				// RFC 9051 (6.3.11) asks clients not to STATUS the folder
				// selected on the same connection; the sync of that folder
				// keeps its counts.
				if n == cn.selected {
					continue
				}
				// UIDVALIDITY, UIDNEXT and HIGHESTMODSEQ too: syncAll
				// leaves out the folders they show unchanged (unchanged).
				cmds[i] = cn.c.Status(n, &imapv2.StatusOptions{NumMessages: true, NumUnseen: true,
					UIDNext: true, UIDValidity: true, HighestModSeq: cn.caps.Has(imapv2.CapCondStore)})
			}
			for i, c := range cmds {
				if c == nil {
					continue
				}
				if s, err := c.Wait(); err == nil {
					out[names[i]] = s
				}
			}
			return nil
		})
	})
	return out, err
}

func hasAttr(attrs []imapv2.MailboxAttr, want imapv2.MailboxAttr) bool {
	for _, a := range attrs {
		if strings.EqualFold(string(a), string(want)) {
			return true
		}
	}
	return false
}

// CreateFolder creates a folder on the server (and subscribes to it).
func (a *Account) CreateFolder(ctx context.Context, name string) error {
	if strings.TrimSpace(name) == "" {
		return &mailerr.Error{Kind: mailerr.ServerRefused, Op: "create", Text: "empty folder name"}
	}
	ctx, cancel := a.opCtx(ctx)
	defer cancel()
	err := a.withConn(ctx, func(cn *conn) error {
		return cn.run(ctx, "create", func() error {
			if err := cn.c.Create(name, nil).Wait(); err != nil {
				return err
			}
			_ = cn.c.Subscribe(name).Wait()
			return nil
		})
	})
	if err != nil {
		return err
	}
	return a.SyncFolders(ctx)
}

// RenameFolder renames a folder on the server and in the cache.
func (a *Account) RenameFolder(ctx context.Context, id int64, newName string) error {
	f, err := a.st.Folder(ctx, id)
	if err != nil {
		return err
	}
	ctx, cancel := a.opCtx(ctx)
	defer cancel()
	err = a.withConn(ctx, func(cn *conn) error {
		return cn.run(ctx, "rename", func() error {
			if cn.selected == f.Name {
				if err := cn.c.Unselect().Wait(); err != nil {
					return err
				}
				cn.selected = ""
			}
			if err := cn.c.Rename(f.Name, newName, nil).Wait(); err != nil {
				return err
			}
			_ = cn.c.Unsubscribe(f.Name).Wait()
			_ = cn.c.Subscribe(newName).Wait()
			return nil
		})
	})
	if err != nil {
		return err
	}
	if err := a.st.RenameFolder(ctx, id, newName); err != nil {
		return err
	}
	return a.SyncFolders(ctx)
}

// DeleteFolder deletes a folder on the server and in the cache.
func (a *Account) DeleteFolder(ctx context.Context, id int64) error {
	f, err := a.st.Folder(ctx, id)
	if err != nil {
		return err
	}
	if f.Role == store.RoleInbox {
		return &mailerr.Error{Kind: mailerr.ServerRefused, Op: "delete folder", Text: "the inbox cannot be deleted"}
	}
	ctx, cancel := a.opCtx(ctx)
	defer cancel()
	err = a.withConn(ctx, func(cn *conn) error {
		return cn.run(ctx, "delete folder", func() error {
			if cn.selected == f.Name {
				if err := cn.c.Unselect().Wait(); err != nil {
					return err
				}
				cn.selected = ""
			}
			_ = cn.c.Unsubscribe(f.Name).Wait()
			return cn.c.Delete(f.Name).Wait()
		})
	})
	if err != nil {
		return err
	}
	if err := a.st.DeleteFolder(ctx, id); err != nil {
		return err
	}
	a.sink(event.FoldersChanged{Account: a.cfg.AccountID})
	return nil
}
