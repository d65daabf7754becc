package mailcore

import (
	"context"
	"errors"

	"hongyan/mailcore/store"
)

// Undo is what it takes to reverse a move of messages (to another
// folder, to Trash, Archive or Junk; taken by Remember before the move) or
// a "mark all as read" (returned by MarkFoldersRead). Engine.Undo applies
// it when the user asks.
type Undo struct {
	places []place
	unread []int64 // messages to mark unread again
}

// place is where a message was, with its junk marks.
type place struct {
	id     int64
	folder int64
	role   string
	junk   store.Flags // its Junk and NotJunk flags
}

const junkMarks = store.Junk | store.NotJunk

// Len is how many messages an undo would restore.
func (u Undo) Len() int { return len(u.places) + len(u.unread) }

// Moved lists the messages a move undo puts back (none for "mark all
// as read").
func (u Undo) Moved() []int64 {
	ids := make([]int64, len(u.places))
	for i, p := range u.places {
		ids[i] = p.id
	}
	return ids
}

// Except leaves out the messages that were in a folder of role: a delete
// takes messages already in Trash out for good, which no undo brings back.
func (u Undo) Except(role string) Undo {
	out := Undo{unread: u.unread}
	for _, p := range u.places {
		if p.role != role {
			out.places = append(out.places, p)
		}
	}
	return out
}

// Remember notes where the messages are now and their junk marks, before
// they are moved or deleted, so that Undo can put them back.
func (e *Engine) Remember(ctx context.Context, ids []int64) (Undo, error) {
	var u Undo
	roles := map[int64]string{}
	// Read in chunks: a selection can hold thousands of messages.
	ms, err := e.store.SummariesOf(ctx, ids)
	if err != nil {
		return Undo{}, err
	}
	for _, m := range ms {
		id := m.ID
		role, ok := roles[m.FolderID]
		if !ok {
			f, err := e.store.Folder(ctx, m.FolderID)
			if err != nil {
				return Undo{}, err
			}
			role = f.Role
			roles[m.FolderID] = role
		}
		u.places = append(u.places, place{id: id, folder: m.FolderID, role: role, junk: m.Flags & junkMarks})
	}
	return u, nil
}

// Undo moves the remembered messages back to the folders they were in and
// gives them back their junk marks, or marks unread again the messages a
// "mark all as read" marked read: in the cache at once and on the server
// now or when back online, as any move or flag change. A message no
// longer in the cache (deleted for good meanwhile) is left out. It returns
// how many messages it restored.
func (e *Engine) Undo(ctx context.Context, u Undo) (int, error) {
	back := map[int64][]int64{} // folder: messages to move back there
	var order []int64
	type marks struct{ set, clear store.Flags }
	flags := map[marks][]int64{}
	n := 0
	ids := append([]int64(nil), u.unread...)
	for _, p := range u.places {
		ids = append(ids, p.id)
	}
	// Read in chunks (a selection can hold thousands); the messages no
	// longer cached are left out.
	ms, err := e.store.SummariesByIDs(ctx, ids)
	if err != nil {
		return 0, err
	}
	cached := make(map[int64]store.Summary, len(ms))
	for _, m := range ms {
		cached[m.ID] = m
	}
	for _, p := range u.places {
		m, ok := cached[p.id]
		if !ok {
			continue // gone
		}
		n++
		if m.FolderID != p.folder {
			if _, ok := back[p.folder]; !ok {
				order = append(order, p.folder)
			}
			back[p.folder] = append(back[p.folder], p.id)
		}
		if now := m.Flags & junkMarks; now != p.junk {
			k := marks{set: p.junk &^ now, clear: now &^ p.junk}
			flags[k] = append(flags[k], p.id)
		}
	}
	var unread []int64
	for _, id := range u.unread {
		if m, ok := cached[id]; ok {
			n++
			if m.Flags&store.Seen != 0 {
				unread = append(unread, id)
			}
		}
	}
	var errs []error
	if len(unread) > 0 {
		if err := e.SetFlags(ctx, unread, 0, store.Seen); err != nil {
			errs = append(errs, err)
		}
	}
	for k, ids := range flags {
		if err := e.SetFlags(ctx, ids, k.set, k.clear); err != nil {
			errs = append(errs, err)
		}
	}
	for _, f := range order {
		if err := e.Move(ctx, back[f], f); err != nil {
			errs = append(errs, err)
		}
	}
	return n, errors.Join(errs...)
}
