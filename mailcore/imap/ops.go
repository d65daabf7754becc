package imap

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sort"
	"time"

	imapv2 "github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"hongyan/mailcore/event"
	"hongyan/mailcore/mailerr"
	"hongyan/mailcore/message"
	"hongyan/mailcore/store"
)

// Kinds of queued operations.
const (
	opFlags   = "flags"
	opMove    = "move"
	opExpunge = "expunge"
	opAppend  = "append"
)

// FetchBody returns a message's raw source, from the cache or fetched from
// the server (and then cached).
func (a *Account) FetchBody(ctx context.Context, id int64) ([]byte, error) {
	if ok, err := a.st.HasBody(ctx, id); err == nil && ok {
		return a.st.Body(ctx, id)
	}
	m, err := a.st.Message(ctx, id)
	if err != nil {
		return nil, err
	}
	if m.UID >= store.PlaceholderUIDBase {
		return nil, &mailerr.Error{Kind: mailerr.NotFound, Op: "fetch body", Text: "message not yet on the server"}
	}
	f, err := a.st.Folder(ctx, m.FolderID)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 5*a.timeout())
	defer cancel()
	var raw []byte
	err = a.withConn(ctx, func(cn *conn) error {
		return cn.run(ctx, "fetch body", func() error {
			if cn.selected != f.Name {
				if _, err := cn.selectFolder(f.Name, cn.caps.Has(imapv2.CapCondStore)); err != nil {
					return err
				}
			}
			cmd := cn.c.Fetch(imapv2.UIDSetNum(imapv2.UID(m.UID)), &imapv2.FetchOptions{
				UID: true, BodySection: []*imapv2.FetchItemBodySection{{Peek: true}}})
			for {
				msg := cmd.Next()
				if msg == nil {
					break
				}
				for {
					item := msg.Next()
					if item == nil {
						break
					}
					if b, ok := item.(imapclient.FetchItemDataBodySection); ok && b.Literal != nil {
						var buf bytes.Buffer
						if _, err := io.Copy(&buf, b.Literal); err != nil {
							return err
						}
						raw = buf.Bytes()
					}
				}
			}
			return cmd.Close()
		})
	})
	if err != nil {
		return nil, err
	}
	if raw == nil {
		return nil, &mailerr.Error{Kind: mailerr.NotFound, Op: "fetch body", Host: a.cfg.Host, Text: "message no longer on the server"}
	}
	if err := a.st.SetBody(ctx, id, raw, message.ParseHeaderSummary(raw).Preview); err != nil {
		return nil, err
	}
	return raw, nil
}

// byFolder groups cached messages by folder, in UID order.
func (a *Account) byFolder(ctx context.Context, ids []int64) (map[int64][]store.Summary, []int64, error) {
	groups := map[int64][]store.Summary{}
	var order []int64
	// Read in chunks, not one query a message: a selection can hold
	// thousands.
	ms, err := a.st.SummariesOf(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	for _, m := range ms {
		if _, ok := groups[m.FolderID]; !ok {
			order = append(order, m.FolderID)
		}
		groups[m.FolderID] = append(groups[m.FolderID], m)
	}
	for _, ms := range groups {
		sort.Slice(ms, func(i, j int) bool { return ms[i].UID < ms[j].UID })
	}
	return groups, order, nil
}

func splitIDs(ms []store.Summary) ([]int64, []uint32) {
	ids := make([]int64, len(ms))
	uids := make([]uint32, len(ms))
	for i, m := range ms {
		ids[i], uids[i] = m.ID, m.UID
	}
	return ids, uids
}

// SetFlags sets and clears flags of messages: at once in the cache, then on
// the server (now when online, else when the queue is replayed).
func (a *Account) SetFlags(ctx context.Context, ids []int64, set, clear store.Flags) error {
	groups, order, err := a.byFolder(ctx, ids)
	if err != nil {
		return err
	}
	for _, fid := range order {
		f, err := a.st.Folder(ctx, fid)
		if err != nil {
			return err
		}
		lids, uids := splitIDs(groups[fid])
		if err := a.st.SetFlagsLocalMany(ctx, lids, set, clear, true); err != nil {
			return err
		}
		if _, err := a.st.AddOp(ctx, a.cfg.AccountID, store.Op{Kind: opFlags, Folder: f.Name, UIDs: uids, Local: lids, Set: set, Clear: clear}); err != nil {
			return err
		}
		a.sink(event.MessagesChanged{Account: a.cfg.AccountID, FolderID: fid})
	}
	a.replaySoon(ctx)
	return nil
}

// Move moves messages to another folder of the account.
func (a *Account) Move(ctx context.Context, ids []int64, toFolder int64) error {
	to, err := a.st.Folder(ctx, toFolder)
	if err != nil {
		return err
	}
	if to.Account != a.cfg.AccountID {
		return &mailerr.Error{Kind: mailerr.NotFound, Op: "move", Text: "target folder belongs to another account"}
	}
	groups, order, err := a.byFolder(ctx, ids)
	if err != nil {
		return err
	}
	for _, fid := range order {
		if fid == toFolder {
			continue
		}
		if err := a.moveGroup(ctx, fid, to, groups[fid]); err != nil {
			return err
		}
	}
	a.sink(event.MessagesChanged{Account: a.cfg.AccountID, FolderID: toFolder})
	a.replaySoon(ctx)
	return nil
}

func (a *Account) moveGroup(ctx context.Context, fid int64, to store.Folder, ms []store.Summary) error {
	f, err := a.st.Folder(ctx, fid)
	if err != nil {
		return err
	}
	lids, uids := splitIDs(ms)
	dest, err := a.st.MoveToPlaceholders(ctx, lids, to.ID)
	if err != nil {
		return err
	}
	if _, err := a.st.AddOp(ctx, a.cfg.AccountID, store.Op{Kind: opMove, Folder: f.Name, UIDs: uids, Local: lids, Dest: dest, Target: to.Name}); err != nil {
		return err
	}
	a.sink(event.MessagesChanged{Account: a.cfg.AccountID, FolderID: fid})
	return nil
}

// Delete moves messages to Trash; messages already in Trash (or when the
// account has no Trash) are deleted for good.
func (a *Account) Delete(ctx context.Context, ids []int64) error {
	trash, terr := a.st.FolderByRole(ctx, a.cfg.AccountID, store.RoleTrash)
	groups, order, err := a.byFolder(ctx, ids)
	if err != nil {
		return err
	}
	for _, fid := range order {
		ms := groups[fid]
		if terr == nil && fid != trash.ID {
			if err := a.moveGroup(ctx, fid, trash, ms); err != nil {
				return err
			}
			a.sink(event.MessagesChanged{Account: a.cfg.AccountID, FolderID: trash.ID})
			continue
		}
		f, err := a.st.Folder(ctx, fid)
		if err != nil {
			return err
		}
		lids, uids := splitIDs(ms)
		if err := a.st.DeleteMessages(ctx, lids); err != nil {
			return err
		}
		if _, err := a.st.AddOp(ctx, a.cfg.AccountID, store.Op{Kind: opExpunge, Folder: f.Name, UIDs: uids}); err != nil {
			return err
		}
		a.sink(event.MessagesChanged{Account: a.cfg.AccountID, FolderID: fid})
	}
	a.replaySoon(ctx)
	return nil
}

// Append stores a message in a folder given by role (store.RoleSent,
// RoleDrafts, ...) or by name: in the cache at once, on the server now or
// when the queue is replayed. It returns the cache id.
func (a *Account) Append(ctx context.Context, folder string, raw []byte, flags store.Flags) (int64, error) {
	f, err := a.st.FolderByRole(ctx, a.cfg.AccountID, folder)
	if err != nil {
		f, err = a.st.FolderByName(ctx, a.cfg.AccountID, folder)
		if err != nil {
			return 0, &mailerr.Error{Kind: mailerr.NotFound, Op: "append", Text: "no folder " + folder}
		}
	}
	ps := message.ParseHeaderSummary(raw)
	sum := store.Summary{Flags: flags, InternalDate: time.Now(), Date: ps.Date, Size: int64(len(raw)),
		Subject: ps.Subject, MessageID: ps.MessageID, InReplyTo: ps.InReplyTo, References: ps.References,
		HasAttachments: ps.HasAttachments, Preview: ps.Preview}
	if len(ps.From) > 0 {
		sum.From = store.Address{Name: ps.From[0].Name, Addr: ps.From[0].Email}
	}
	for _, t := range ps.To {
		sum.To = append(sum.To, store.Address{Name: t.Name, Addr: t.Email})
	}
	for _, t := range ps.Cc {
		sum.Cc = append(sum.Cc, store.Address{Name: t.Name, Addr: t.Email})
	}
	id, puid, err := a.st.AddPlaceholder(ctx, f.ID, sum, raw)
	if err != nil {
		return 0, err
	}
	if _, err := a.st.AddOp(ctx, a.cfg.AccountID, store.Op{Kind: opAppend, Folder: f.Name, Local: []int64{id}, Dest: []uint32{puid}, Set: flags, Data: raw}); err != nil {
		return id, err
	}
	a.sink(event.MessagesChanged{Account: a.cfg.AccountID, FolderID: f.ID})
	a.replaySoon(ctx)
	return id, nil
}

// replaySoon replays the queue at once when connected; otherwise Run does
// it on reconnect.
func (a *Account) replaySoon(ctx context.Context) {
	if a.Online() {
		_ = a.ReplayOps(ctx)
	}
}

// ReplayOps applies queued operations to the server in order. A network
// failure stops the replay (the rest stays queued); an operation the
// server refuses, or whose messages are gone, is dropped, reverted in the
// cache and reported as event.OperationFailed.
func (a *Account) ReplayOps(ctx context.Context) error {
	_, err := a.replayOps(ctx)
	return err
}

// replayOps is ReplayOps; it also says how many operations it found.
func (a *Account) replayOps(ctx context.Context) (int, error) {
	a.opsMu.Lock()
	defer a.opsMu.Unlock()
	ops, err := a.st.Ops(ctx, a.cfg.AccountID)
	if err != nil {
		return 0, err
	}
	for i, op := range ops {
		a.rebinds = a.rebinds[:0]
		octx, cancel := a.opCtx(ctx)
		err := a.withConn(octx, func(cn *conn) error {
			return cn.run(octx, "replay "+op.Kind, func() error { return a.replay(octx, cn, op) })
		})
		cancel()
		if err != nil {
			switch mailerr.KindOf(err) {
			case mailerr.Unreachable, mailerr.Timeout, mailerr.Canceled, mailerr.TLSInvalid,
				mailerr.AuthFailed, mailerr.SecurityRefused, mailerr.Storage:
				_ = a.st.FailOp(ctx, op.ID, err.Error())
				return len(ops), err
			}
			// Refused by the server: drop it and revert the cache.
			a.revert(ctx, op)
			a.sink(event.OperationFailed{Account: a.cfg.AccountID, Op: op.Kind, Err: err})
		}
		if err := a.st.DoneOp(ctx, op.ID); err != nil {
			return len(ops), err
		}
		// The queue on disk was rewritten (store.RebindOps); so is the
		// rest of this copy of it.
		for _, r := range a.rebinds {
			for j := i + 1; j < len(ops); j++ {
				ops[j].Rebind(r.folder, r.uids)
			}
		}
	}
	return len(ops), nil
}

// rebind records that the server gave the messages a replayed move or
// append put in folder the UIDs of uids (placeholder to UID), for the
// operations queued after it.
type rebind struct {
	folder string
	uids   map[uint32]uint32
}

func (a *Account) rebindLater(ctx context.Context, folder string, uids map[uint32]uint32) error {
	if len(uids) == 0 {
		return nil
	}
	if err := a.st.RebindOps(ctx, a.cfg.AccountID, folder, uids); err != nil {
		return err
	}
	a.rebinds = append(a.rebinds, rebind{folder, uids})
	return nil
}

// unresolved drops from op the messages still named by a placeholder UID:
// an earlier move or append of theirs reached the server, which did not
// say the UID it gave them (no UIDPLUS). It returns how many it dropped.
func unresolved(op *store.Op) int {
	n := 0
	// New slices: op shares its arrays with the replay's copy of the
	// queue, which a refused operation is reverted from.
	keep := make([]uint32, 0, len(op.UIDs))
	var local []int64
	for i, u := range op.UIDs {
		if u >= store.PlaceholderUIDBase {
			n++
			continue
		}
		keep = append(keep, u)
		if i < len(op.Local) {
			local = append(local, op.Local[i])
		}
	}
	if n > 0 {
		op.UIDs, op.Local = keep, local
	}
	return n
}

// conflict is a queued operation whose messages are gone on the server.
func conflict(op store.Op, gone int) error {
	return &mailerr.Error{Kind: mailerr.NotFound, Op: "replay " + op.Kind,
		Text: fmt.Sprintf("%d message(s) no longer on the server", gone)}
}

func (a *Account) replay(ctx context.Context, cn *conn, op store.Op) error {
	if op.Kind != opAppend {
		if n := unresolved(&op); n > 0 {
			a.sink(event.OperationFailed{Account: a.cfg.AccountID, Op: op.Kind, Err: &mailerr.Error{Kind: mailerr.NotFound,
				Op: "replay " + op.Kind, Text: fmt.Sprintf("the server did not say where %d message(s) went; the next check shows them", n)}})
			if len(op.UIDs) == 0 {
				return nil
			}
		}
	}
	if op.Kind != opAppend && cn.selected != op.Folder {
		if _, err := cn.selectFolder(op.Folder, cn.caps.Has(imapv2.CapCondStore)); err != nil {
			return err
		}
	}
	set := uidSet(op.UIDs)
	switch op.Kind {
	case opFlags:
		if op.Set != 0 {
			if err := cn.c.Store(set, &imapv2.StoreFlags{Op: imapv2.StoreFlagsAdd, Silent: true, Flags: ToIMAPFlags(op.Set)}, nil).Close(); err != nil {
				return err
			}
		}
		if op.Clear != 0 {
			if err := cn.c.Store(set, &imapv2.StoreFlags{Op: imapv2.StoreFlagsDel, Silent: true, Flags: ToIMAPFlags(op.Clear)}, nil).Close(); err != nil {
				return err
			}
		}
		// Read back what the server holds: confirms the change and tells
		// which messages are gone.
		ups, uids, err := fetchFlags(cn.c.Fetch(set, &imapv2.FetchOptions{UID: true, Flags: true}))
		if err != nil {
			return err
		}
		if err := a.st.ClearPending(ctx, op.Local); err != nil {
			return err
		}
		f, err := a.st.FolderByName(ctx, a.cfg.AccountID, op.Folder)
		if err == nil {
			if err := a.st.UpdateFlags(ctx, f.ID, ups); err != nil {
				return err
			}
			a.sink(event.MessagesChanged{Account: a.cfg.AccountID, FolderID: f.ID})
		}
		if len(uids) < len(op.UIDs) {
			gone := missing(op.UIDs, uids, 0, ^uint32(0))
			if err == nil {
				_ = a.st.DeleteUIDs(ctx, f.ID, gone)
			}
			a.sink(event.OperationFailed{Account: a.cfg.AccountID, Op: op.Kind, Err: conflict(op, len(gone))})
		}
		return nil
	case opMove:
		to, err := a.st.FolderByName(ctx, a.cfg.AccountID, op.Target)
		if err != nil {
			return err
		}
		var src, dst []uint32
		if cn.caps.Has(imapv2.CapMove) {
			d, err := cn.c.Move(set, op.Target).Wait()
			if err != nil {
				return err
			}
			if d != nil {
				src, dst = expand(d.SourceUIDs), expand(d.DestUIDs)
			}
		} else {
			d, err := cn.c.Copy(set, op.Target).Wait()
			if err != nil {
				return err
			}
			if d != nil {
				src, dst = expand(d.SourceUIDs), expand(d.DestUIDs)
			}
			if err := cn.c.Store(set, &imapv2.StoreFlags{Op: imapv2.StoreFlagsAdd, Silent: true, Flags: []imapv2.Flag{imapv2.FlagDeleted}}, nil).Close(); err != nil {
				return err
			}
			if err := a.expunge(ctx, cn, op.Folder, set); err != nil {
				return err
			}
		}
		dest := map[uint32]uint32{}
		if len(src) == len(dst) {
			for i := range src {
				dest[src[i]] = dst[i]
			}
		}
		gone := 0
		later := map[uint32]uint32{}
		// The cache is changed for the whole operation at once (a move
		// of thousands of messages took a transaction each).
		var placed, dropped []int64
		var placedUIDs []uint32
		for i, id := range op.Local {
			if i >= len(op.UIDs) {
				break
			}
			if du, ok := dest[op.UIDs[i]]; ok {
				placed, placedUIDs = append(placed, id), append(placedUIDs, du)
				if i < len(op.Dest) {
					later[op.Dest[i]] = du
				}
			} else {
				// Without UIDPLUS data the sync of the target brings the
				// message back under its new UID; when nothing was moved the
				// message was gone.
				dropped = append(dropped, id)
				if len(src) > 0 || !cn.caps.Has(imapv2.CapUIDPlus) {
					continue
				}
				gone++
			}
		}
		if err := a.st.PutBackMany(ctx, to.ID, placed, placedUIDs); err != nil {
			return err
		}
		if err := a.st.DeleteMessages(ctx, dropped); err != nil {
			return err
		}
		if err := a.rebindLater(ctx, op.Target, later); err != nil {
			return err
		}
		if gone > 0 {
			a.sink(event.OperationFailed{Account: a.cfg.AccountID, Op: op.Kind, Err: conflict(op, gone)})
		}
		a.sink(event.MessagesChanged{Account: a.cfg.AccountID, FolderID: to.ID})
		return nil
	case opExpunge:
		if err := cn.c.Store(set, &imapv2.StoreFlags{Op: imapv2.StoreFlagsAdd, Silent: true, Flags: []imapv2.Flag{imapv2.FlagDeleted}}, nil).Close(); err != nil {
			return err
		}
		return a.expunge(ctx, cn, op.Folder, set)
	case opAppend:
		cmd := cn.c.Append(op.Folder, int64(len(op.Data)), &imapv2.AppendOptions{Flags: ToIMAPFlags(op.Set)})
		if _, err := cmd.Write(op.Data); err != nil {
			return err
		}
		if err := cmd.Close(); err != nil {
			return err
		}
		d, err := cmd.Wait()
		if err != nil {
			return err
		}
		f, ferr := a.st.FolderByName(ctx, a.cfg.AccountID, op.Folder)
		for i, id := range op.Local {
			if d != nil && d.UID != 0 && ferr == nil {
				if err := a.st.PutBack(ctx, id, f.ID, uint32(d.UID)); err != nil {
					return err
				}
				if i < len(op.Dest) {
					if err := a.rebindLater(ctx, op.Folder, map[uint32]uint32{op.Dest[i]: uint32(d.UID)}); err != nil {
						return err
					}
				}
			} else if err := a.st.DeleteMessage(ctx, id); err != nil {
				return err
			}
		}
		if ferr == nil {
			a.sink(event.MessagesChanged{Account: a.cfg.AccountID, FolderID: f.ID})
		}
		return nil
	}
	return &mailerr.Error{Kind: mailerr.Protocol, Op: "replay", Text: "unknown operation " + op.Kind}
}

// expunge removes the messages of set from folder, selected on cn, where
// they are marked \Deleted. With UIDPLUS it names them (UID EXPUNGE).
// Without it only a plain EXPUNGE exists, which removes every \Deleted
// message of the folder, also those another client marked and its user
// may still mean to undelete; so it is sent only when every \Deleted
// message on the server is one Hongyan marked: those of set and those it
// held back before (the window between the SEARCH and the EXPUNGE is one
// round trip). Otherwise the messages of set stay on the server marked
// \Deleted, out of the cache, and are held (store.HoldDeletes) for the
// next EXPUNGE of the folder.
func (a *Account) expunge(ctx context.Context, cn *conn, folder string, set imapv2.UIDSet) error {
	if cn.caps.Has(imapv2.CapUIDPlus) {
		return cn.c.UIDExpunge(set).Close()
	}
	f, ferr := a.st.FolderByName(ctx, a.cfg.AccountID, folder)
	own := set
	if ferr == nil {
		held, err := a.st.HeldDeletes(ctx, f.ID, f.UIDValidity)
		if err != nil {
			return err
		}
		own = append(uidSet(held), set...)
	}
	found, err := cn.c.UIDSearch(&imapv2.SearchCriteria{Flag: []imapv2.Flag{imapv2.FlagDeleted}}, nil).Wait()
	if err != nil {
		return err
	}
	for _, uid := range found.AllUIDs() {
		if !own.Contains(uid) {
			if ferr != nil {
				return nil
			}
			return a.st.HoldDeletes(ctx, f.ID, f.UIDValidity, expand(set))
		}
	}
	if err := cn.c.Expunge().Close(); err != nil {
		return err
	}
	if ferr != nil {
		return nil
	}
	return a.st.ReleaseHeldDeletes(ctx, f.ID)
}

// revert undoes in the cache an operation the server refused.
func (a *Account) revert(ctx context.Context, op store.Op) {
	switch op.Kind {
	case opFlags:
		_ = a.st.ClearPending(ctx, op.Local)
		// The next sync cannot see a change the server never had; read the
		// flags back now if possible.
		if f, err := a.st.FolderByName(ctx, a.cfg.AccountID, op.Folder); err == nil {
			_ = a.st.SetSyncState(ctx, f.ID, f.UIDValidity, f.UIDNext, 0, f.SyncedFrom)
		}
	case opMove:
		if f, err := a.st.FolderByName(ctx, a.cfg.AccountID, op.Folder); err == nil {
			for i, id := range op.Local {
				if i < len(op.UIDs) {
					_ = a.st.PutBack(ctx, id, f.ID, op.UIDs[i])
				}
			}
			a.sink(event.MessagesChanged{Account: a.cfg.AccountID, FolderID: f.ID})
		}
	case opAppend:
		for _, id := range op.Local {
			_ = a.st.DeleteMessage(ctx, id)
		}
	}
}

func uidSet(uids []uint32) imapv2.UIDSet {
	var s imapv2.UIDSet
	for _, u := range uids {
		s.AddNum(imapv2.UID(u))
	}
	return s
}

func expand(ns imapv2.NumSet) []uint32 {
	us, ok := ns.(imapv2.UIDSet)
	if !ok {
		return nil
	}
	var out []uint32
	for _, r := range us {
		if r.Start == 0 || r.Stop == 0 || r.Stop < r.Start {
			continue
		}
		for u := r.Start; u <= r.Stop && u != 0; u++ {
			out = append(out, uint32(u))
		}
	}
	return out
}

// Quota asks for the storage quota of INBOX's root and reports it as
// event.Quota (Warning above 90%). Used and Limit are in bytes.
func (a *Account) Quota(ctx context.Context) (used, limit int64, err error) {
	ctx, cancel := a.opCtx(ctx)
	defer cancel()
	err = a.withConn(ctx, func(cn *conn) error {
		if !cn.caps.Has(imapv2.CapQuota) {
			return &mailerr.Error{Kind: mailerr.NotFound, Op: "quota", Host: cn.host, Text: "server has no quota support"}
		}
		return cn.run(ctx, "quota", func() error {
			qs, err := cn.c.GetQuotaRoot("INBOX").Wait()
			if err != nil {
				return err
			}
			for _, q := range qs {
				if r, ok := q.Resources[imapv2.QuotaResourceStorage]; ok {
					used, limit = r.Usage*1024, r.Limit*1024
					return nil
				}
			}
			return nil
		})
	})
	if err != nil {
		return 0, 0, err
	}
	a.sink(event.Quota{Account: a.cfg.AccountID, Used: used, Limit: limit, Warning: limit > 0 && used*10 > limit*9})
	return used, limit, nil
}
