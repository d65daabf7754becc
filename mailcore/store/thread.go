package store

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"
	"unicode"
)

// Conversations: messages are grouped into threads per account, across all
// of the account's folders (a reply in Sent joins the thread in Inbox).
//
// The grouping follows JWZ's threading rules: a message belongs with every
// message whose Message-ID it names in References or In-Reply-To, with
// every message naming its own Message-ID, and with messages naming the same
// missing parent (the id table keeps ids of messages not in the cache, JWZ's
// empty containers). When no id links a message, its subject with Re:/Fwd:/
// 回复:/转发: and list tags stripped is used: a reply joins the latest
// thread of that subject, and an original joins a thread that was started
// by a reply whose original was missing. Two originals with the same
// subject stay apart. Threads linked later by a new message are merged.
//
// Unlike JWZ this is computed incrementally: ThreadNew looks only at messages
// with thread_id = 0 and the two lookup tables below, so new mail costs in
// proportion to itself, not to the mailbox.
func init() {
	registerSchema(71, "threads", `
CREATE TABLE IF NOT EXISTS thread_ids (
	account   TEXT    NOT NULL,
	msgid     TEXT    NOT NULL,
	thread_id INTEGER NOT NULL,
	PRIMARY KEY(account, msgid)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS thread_ids_by_thread ON thread_ids(thread_id);
CREATE TABLE IF NOT EXISTS thread_subjects (
	account   TEXT    NOT NULL,
	subject   TEXT    NOT NULL,
	thread_id INTEGER NOT NULL,
	orphan    INTEGER NOT NULL DEFAULT 0, -- started by a reply whose original is missing
	PRIMARY KEY(account, subject)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS thread_subjects_by_thread ON thread_subjects(thread_id);
DROP INDEX IF EXISTS messages_unthreaded;
-- Messages not threaded yet (thread_id 0) lie above the thread_upto mark
-- (noteNewRows), so they need no index entry: a new message gets one
-- when it is threaded, not while a sync stores it. A cache from before
-- the mark starts it below its first unthreaded message.
-- (Guarded, so that an open does not scan the table again.)
INSERT OR IGNORE INTO marks(k, v) SELECT 'thread_upto',
	coalesce((SELECT min(id) FROM messages WHERE thread_id = 0) - 1, (SELECT max(id) FROM messages), 0)
WHERE NOT EXISTS (SELECT 1 FROM marks WHERE k = 'thread_upto');
DROP INDEX IF EXISTS messages_by_thread;
CREATE INDEX IF NOT EXISTS messages_threaded ON messages(thread_id, date) WHERE thread_id != 0;`)
}

// BaseSubject strips reply and forward prefixes (Re:, Fwd:, Fw:, AW:, WG:,
// SV:, 回复:, 转发:, 答复:, with full-width colons and counters such as
// Re[2]:) and leading [list] tags, folds case and spaces. reply reports
// whether any prefix was removed.
func BaseSubject(s string) (base string, reply bool) {
	s = strings.TrimSpace(s)
	for {
		t := strings.TrimLeftFunc(s, unicode.IsSpace)
		if strings.HasPrefix(t, "[") {
			if i := strings.IndexByte(t, ']'); i > 0 && i < 64 {
				t = t[i+1:]
				s = t
				continue
			}
		}
		p, ok := stripReplyPrefix(t)
		if !ok {
			s = t
			break
		}
		s, reply = p, true
	}
	return strings.Join(strings.Fields(strings.ToLower(s)), " "), reply
}

var replyPrefixes = []string{"re", "fwd", "fw", "aw", "wg", "sv", "vs", "antw", "回复", "回覆", "转发", "轉寄", "答复"}

func stripReplyPrefix(s string) (string, bool) {
	ls := strings.ToLower(s)
	for _, p := range replyPrefixes {
		if !strings.HasPrefix(ls, p) {
			continue
		}
		rest := s[len(p):]
		// optional counter: Re[2]: or Re(2):
		if len(rest) > 0 && (rest[0] == '[' || rest[0] == '(') {
			if i := strings.IndexAny(rest, "])"); i > 0 && i < 6 {
				rest = rest[i+1:]
			}
		}
		rest = strings.TrimLeft(rest, " ")
		switch {
		case strings.HasPrefix(rest, ":"):
			return rest[1:], true
		case strings.HasPrefix(rest, "："):
			return rest[len("："):], true
		}
	}
	return s, false
}

func normMsgID(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "<")
	s = strings.TrimSuffix(s, ">")
	return strings.TrimSpace(s)
}

// threader holds the state of one threading pass inside a transaction.
type threader struct {
	ctx      context.Context
	tx       *sql.Tx
	nextID   int64
	parent   map[int64]int64 // union-find over thread ids
	ids      map[[2]string]int64
	loadedID map[[2]string]bool
	subjects map[[2]string]subjEntry
	loadedS  map[[2]string]bool
	dirtyIDs map[[2]string]bool
	dirtyS   map[[2]string]bool
	merged   map[int64]bool // thread ids, existing before this pass, merged away
	assigned map[int64]int64
	fresh    bool // ThreadAll: every message is in assigned
	getID    *sql.Stmt
	getSubj  *sql.Stmt
}

type subjEntry struct {
	thread int64
	orphan bool
}

func (t *threader) find(x int64) int64 {
	for {
		p, ok := t.parent[x]
		if !ok || p == x {
			return x
		}
		if gp, ok := t.parent[p]; ok && gp != p {
			t.parent[x] = gp
		}
		x = p
	}
}

func (t *threader) union(a, b int64) int64 {
	a, b = t.find(a), t.find(b)
	if a == b {
		return a
	}
	if b < a {
		a, b = b, a
	}
	t.parent[b] = a
	t.merged[b] = true
	return a
}

func (t *threader) lookupID(acct, id string) (int64, error) {
	k := [2]string{acct, id}
	if th, ok := t.ids[k]; ok {
		return t.find(th), nil
	}
	if t.getID == nil || t.loadedID[k] {
		return 0, nil
	}
	t.loadedID[k] = true
	var th int64
	err := t.getID.QueryRowContext(t.ctx, acct, id).Scan(&th)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	t.ids[k] = th
	return t.find(th), nil
}

func (t *threader) lookupSubject(acct, subj string) (subjEntry, bool, error) {
	k := [2]string{acct, subj}
	if e, ok := t.subjects[k]; ok {
		e.thread = t.find(e.thread)
		return e, true, nil
	}
	if t.getSubj == nil || t.loadedS[k] {
		return subjEntry{}, false, nil
	}
	t.loadedS[k] = true
	var e subjEntry
	var orphan int
	err := t.getSubj.QueryRowContext(t.ctx, acct, subj).Scan(&e.thread, &orphan)
	if err == sql.ErrNoRows {
		return subjEntry{}, false, nil
	}
	if err != nil {
		return subjEntry{}, false, err
	}
	e.orphan = orphan != 0
	t.subjects[k] = e
	e.thread = t.find(e.thread)
	return e, true, nil
}

type threadRow struct {
	id                  int64
	account             string
	subject, msgid, irt string
	refs                string
}

// add threads one message.
func (t *threader) add(m threadRow) error {
	var links []string
	for _, r := range strings.Fields(m.refs) {
		if r = normMsgID(r); r != "" {
			links = append(links, r)
		}
	}
	if r := normMsgID(m.irt); r != "" {
		links = append(links, r)
	}
	own := normMsgID(m.msgid)
	all := links
	if own != "" {
		all = append(append([]string(nil), links...), own)
	}
	var th int64
	for _, id := range all {
		x, err := t.lookupID(m.account, id)
		if err != nil {
			return err
		}
		if x != 0 {
			if th == 0 {
				th = x
			} else {
				th = t.union(th, x)
			}
		}
	}
	base, reply := BaseSubject(m.subject)
	if th == 0 && base != "" {
		e, ok, err := t.lookupSubject(m.account, base)
		if err != nil {
			return err
		}
		if ok && (reply || e.orphan) {
			th = e.thread
		}
	}
	created := th == 0
	if created {
		t.nextID++
		th = t.nextID
	}
	for _, id := range all {
		k := [2]string{m.account, id}
		if cur, ok := t.ids[k]; !ok || t.find(cur) != th {
			t.ids[k] = th
			t.dirtyIDs[k] = true
		}
	}
	if base != "" {
		k := [2]string{m.account, base}
		e, ok, err := t.lookupSubject(m.account, base)
		if err != nil {
			return err
		}
		switch {
		case !ok:
			t.subjects[k] = subjEntry{thread: th, orphan: created && reply}
			t.dirtyS[k] = true
		case e.thread != th && !reply:
			// An original starts or leads another thread of this subject:
			// later replies without ids join the latest one.
			t.subjects[k] = subjEntry{thread: th}
			t.dirtyS[k] = true
		case e.thread == th && e.orphan && !reply:
			// The missing original arrived.
			t.subjects[k] = subjEntry{thread: th}
			t.dirtyS[k] = true
		}
	}
	t.assigned[m.id] = th
	return nil
}

// flush writes the pass's results.
func (t *threader) flush() error {
	ctx, tx := t.ctx, t.tx
	for old := range t.merged {
		if t.fresh {
			break // every message is rewritten below
		}
		to := t.find(old)
		for _, q := range []string{
			`UPDATE messages SET thread_id=? WHERE thread_id=? AND thread_id != 0`,
			`UPDATE thread_ids SET thread_id=? WHERE thread_id=?`,
			`UPDATE thread_subjects SET thread_id=? WHERE thread_id=?`,
		} {
			if _, err := tx.ExecContext(ctx, q, to, old); err != nil {
				return err
			}
		}
	}
	// Bulk writes: many rows per statement, because a statement round trip
	// costs more than SQLite's work for one row here.
	if _, err := tx.ExecContext(ctx, `CREATE TEMP TABLE IF NOT EXISTS thread_assign(id INTEGER PRIMARY KEY, th INTEGER NOT NULL)`); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM temp.thread_assign`); err != nil {
		return err
	}
	ids := make([]int64, 0, len(t.assigned))
	for id := range t.assigned {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	rows := make([][]any, len(ids))
	for i, id := range ids {
		rows[i] = []any{id, t.find(t.assigned[id])}
	}
	if err := bulkInsert(ctx, tx, `INSERT INTO temp.thread_assign(id, th) VALUES `, 2, rows); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE messages SET thread_id = a.th FROM temp.thread_assign a
WHERE a.id = messages.id AND messages.thread_id != a.th`); err != nil {
		return err
	}
	keys := make([][2]string, 0, len(t.dirtyIDs))
	for k := range t.dirtyIDs {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b [2]string) int {
		if c := strings.Compare(a[0], b[0]); c != 0 {
			return c
		}
		return strings.Compare(a[1], b[1])
	})
	rows = rows[:0]
	for _, k := range keys {
		rows = append(rows, []any{k[0], k[1], t.find(t.ids[k])})
	}
	if err := bulkInsert(ctx, tx, `INSERT OR REPLACE INTO thread_ids(account, msgid, thread_id) VALUES `, 3, rows); err != nil {
		return err
	}
	rows = rows[:0]
	for k := range t.dirtyS {
		e := t.subjects[k]
		rows = append(rows, []any{k[0], k[1], t.find(e.thread), boolInt(e.orphan)})
	}
	if err := bulkInsert(ctx, tx, `INSERT OR REPLACE INTO thread_subjects(account, subject, thread_id, orphan) VALUES `, 4, rows); err != nil {
		return err
	}
	return nil
}

// bulkInsert runs prefix with up to 250 "(?,?,...)" groups per statement.
func bulkInsert(ctx context.Context, tx *sql.Tx, prefix string, width int, rows [][]any) error {
	const per = 250
	group := "(" + strings.TrimSuffix(strings.Repeat("?,", width), ",") + ")"
	for start := 0; start < len(rows); start += per {
		part := rows[start:min(start+per, len(rows))]
		args := make([]any, 0, len(part)*width)
		for _, r := range part {
			args = append(args, r...)
		}
		q := prefix + strings.TrimSuffix(strings.Repeat(group+",", len(part)), ",")
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return err
		}
	}
	return nil
}

// ThreadNew threads every message not yet in a thread (thread_id = 0), in
// date order, and returns how many it threaded. Call it after new mail is
// stored; Conversations calls it too, so a list is never stale.
func (s *Store) ThreadNew(ctx context.Context) (int, error) { return s.thread(ctx, false) }

// ThreadAll recomputes every thread from scratch.
func (s *Store) ThreadAll(ctx context.Context) (int, error) { return s.thread(ctx, true) }

func (s *Store) thread(ctx context.Context, all bool) (int, error) {
	var n int
	err := s.tx(ctx, "thread", func(tx *sql.Tx) error {
		t := &threader{ctx: ctx, tx: tx, parent: map[int64]int64{}, ids: map[[2]string]int64{},
			loadedID: map[[2]string]bool{}, subjects: map[[2]string]subjEntry{}, loadedS: map[[2]string]bool{},
			dirtyIDs: map[[2]string]bool{}, dirtyS: map[[2]string]bool{}, merged: map[int64]bool{},
			assigned: map[int64]int64{}, fresh: all}
		if all {
			// Thread ids are numbered afresh in date order, so a recompute
			// that finds the same threads writes no message rows.
			for _, q := range []string{`DELETE FROM thread_ids`, `DELETE FROM thread_subjects`} {
				if _, err := tx.ExecContext(ctx, q); err != nil {
					return err
				}
			}
		} else {
			var err error
			if t.getID, err = tx.PrepareContext(ctx, `SELECT thread_id FROM thread_ids WHERE account=? AND msgid=?`); err != nil {
				return err
			}
			defer t.getID.Close()
			if t.getSubj, err = tx.PrepareContext(ctx, `SELECT thread_id, orphan FROM thread_subjects WHERE account=? AND subject=?`); err != nil {
				return err
			}
			defer t.getSubj.Close()
		}
		if !all {
			if err := tx.QueryRowContext(ctx, `SELECT max(coalesce((SELECT max(thread_id) FROM messages WHERE thread_id != 0),0), coalesce((SELECT max(thread_id) FROM thread_ids),0))`).Scan(&t.nextID); err != nil {
				return err
			}
		}
		// Messages not threaded yet lie above the thread_upto mark.
		where := `WHERE m.id > (SELECT v FROM marks WHERE k = 'thread_upto') AND m.thread_id = 0`
		if all {
			where = ``
		}
		rows, err := tx.QueryContext(ctx, `SELECT m.id, f.account, m.subject, m.message_id, m.in_reply_to, m.refs
FROM messages m JOIN folders f ON f.id = m.folder_id `+where+` ORDER BY m.date, m.id`)
		if err != nil {
			return err
		}
		var pending []threadRow
		for rows.Next() {
			var r threadRow
			if err := rows.Scan(&r.id, &r.account, &r.subject, &r.msgid, &r.irt, &r.refs); err != nil {
				rows.Close()
				return err
			}
			pending = append(pending, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, r := range pending {
			if err := t.add(r); err != nil {
				return err
			}
		}
		n = len(pending)
		if err := t.flush(); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE marks SET v = (SELECT coalesce(max(id), 0) FROM messages) WHERE k = 'thread_upto'`)
		return err
	})
	return n, err
}

// Conversation is one thread as the conversation list shows it.
type Conversation struct {
	ThreadID        int64
	Count           int // messages (copies in several folders count once)
	Unread          int
	LatestDate      time.Time
	Subject         string   // of the earliest message
	Participants    []string // senders' names (or addresses), in order of first message
	LatestMessageID int64    // store id of the newest message
}

// Conversations lists the threads having a message in any of folderIDs,
// newest activity first. Counts and dates cover the whole thread in every
// folder of the account except Trash and Junk (unless those are listed), so
// the user's own replies in Sent are part of an Inbox conversation.
func (s *Store) Conversations(ctx context.Context, folderIDs []int64, offset, limit int) ([]Conversation, error) {
	if len(folderIDs) == 0 || limit <= 0 {
		return nil, nil
	}
	if _, err := s.ThreadNew(ctx); err != nil {
		return nil, err
	}
	scope, err := s.conversationScope(ctx, folderIDs)
	if err != nil {
		return nil, err
	}
	in := func(ids []int64) (string, []any) {
		a := make([]any, len(ids))
		for i, id := range ids {
			a[i] = id
		}
		return strings.TrimSuffix(strings.Repeat("?,", len(ids)), ","), a
	}
	phF, argsF := in(folderIDs)
	phS, argsS := in(scope)
	args := append(append(append([]any{}, argsF...), argsS...), limit, max(offset, 0))
	rows, err := s.db.QueryContext(ctx, `
SELECT m.thread_id,
	count(DISTINCT CASE WHEN m.message_id != '' THEN m.message_id ELSE '#' || m.id END),
	count(DISTINCT CASE WHEN m.flags & 1 = 0 THEN (CASE WHEN m.message_id != '' THEN m.message_id ELSE '#' || m.id END) END),
	max(m.date)
FROM messages m
WHERE m.thread_id IN (SELECT thread_id FROM messages WHERE folder_id IN (`+phF+`) AND thread_id != 0) AND m.thread_id != 0
	AND m.folder_id IN (`+phS+`)
GROUP BY m.thread_id ORDER BY max(m.date) DESC, m.thread_id DESC LIMIT ? OFFSET ?`, args...)
	if err != nil {
		return nil, storageErr("conversations", err)
	}
	var out []Conversation
	for rows.Next() {
		var c Conversation
		var latest int64
		if err := rows.Scan(&c.ThreadID, &c.Count, &c.Unread, &latest); err != nil {
			rows.Close()
			return nil, storageErr("conversations", err)
		}
		c.LatestDate = time.Unix(latest, 0)
		out = append(out, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, storageErr("conversations", err)
	}
	for i := range out {
		msgs, err := s.threadMessagesIn(ctx, out[i].ThreadID, scope)
		if err != nil {
			return nil, err
		}
		seen := map[string]bool{}
		for _, m := range msgs {
			name := m.From.Name
			if name == "" {
				name = m.From.Addr
			}
			if name != "" && !seen[strings.ToLower(name)] {
				seen[strings.ToLower(name)] = true
				out[i].Participants = append(out[i].Participants, name)
			}
		}
		if len(msgs) > 0 {
			out[i].Subject = msgs[0].Subject
			out[i].LatestMessageID = msgs[len(msgs)-1].ID
		}
	}
	return out, nil
}

// conversationScope is folderIDs plus the other folders of their accounts
// except Trash and Junk.
func (s *Store) conversationScope(ctx context.Context, folderIDs []int64) ([]int64, error) {
	want := map[int64]bool{}
	for _, id := range folderIDs {
		want[id] = true
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, account, role FROM folders`)
	if err != nil {
		return nil, storageErr("conversations", err)
	}
	defer rows.Close()
	type fr struct {
		id            int64
		account, role string
	}
	var fs []fr
	accounts := map[string]bool{}
	for rows.Next() {
		var f fr
		if err := rows.Scan(&f.id, &f.account, &f.role); err != nil {
			return nil, storageErr("conversations", err)
		}
		fs = append(fs, f)
		if want[f.id] {
			accounts[f.account] = true
		}
	}
	if err := rows.Err(); err != nil {
		return nil, storageErr("conversations", err)
	}
	var out []int64
	for _, f := range fs {
		if want[f.id] || (accounts[f.account] && f.role != RoleTrash && f.role != RoleJunk) {
			out = append(out, f.id)
		}
	}
	return out, nil
}

// ThreadMessages returns the messages of a thread in date order; of copies
// of one message in several folders the first stored is returned.
func (s *Store) ThreadMessages(ctx context.Context, threadID int64) ([]Summary, error) {
	return s.threadMessagesIn(ctx, threadID, nil)
}

func (s *Store) threadMessagesIn(ctx context.Context, threadID int64, folders []int64) ([]Summary, error) {
	if threadID == 0 {
		return nil, nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+summaryCols+` FROM messages WHERE thread_id=? AND thread_id != 0 ORDER BY date, id`, threadID)
	if err != nil {
		return nil, storageErr("thread", err)
	}
	all, err := collectSummaries(rows)
	if err != nil {
		return nil, err
	}
	var allowed map[int64]bool
	if folders != nil {
		allowed = map[int64]bool{}
		for _, f := range folders {
			allowed[f] = true
		}
	}
	seen := map[string]bool{}
	out := all[:0]
	for _, m := range all {
		if allowed != nil && !allowed[m.FolderID] {
			continue
		}
		if k := normMsgID(m.MessageID); k != "" {
			if seen[k] {
				continue
			}
			seen[k] = true
		}
		out = append(out, m)
	}
	return out, nil
}

// ThreadCopiesIn returns every message of a thread that lies in one of the
// given folders, copies included (ThreadMessages keeps one copy per
// Message-ID, for reading). Moves and deletes of a conversation act on
// these, so that no visible copy is left behind.
func (s *Store) ThreadCopiesIn(ctx context.Context, threadID int64, folders []int64) ([]Summary, error) {
	if threadID == 0 || len(folders) == 0 {
		return nil, nil
	}
	ph := strings.TrimSuffix(strings.Repeat("?,", len(folders)), ",")
	args := []any{threadID}
	for _, f := range folders {
		args = append(args, f)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+summaryCols+` FROM messages WHERE thread_id=? AND thread_id != 0 AND folder_id IN (`+ph+`) ORDER BY date, id`, args...)
	if err != nil {
		return nil, storageErr("thread copies", err)
	}
	return collectSummaries(rows)
}
