package search

import (
	"context"
	"database/sql"
	"errors"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"hongyan/mailcore/mailerr"
	"hongyan/mailcore/store"
)

// Engine searches one store. It is safe for concurrent use.
type Engine struct {
	st *store.Store
	db *sql.DB
}

// New returns an engine over st. The index itself lives in the store and is
// kept current by it; the engine only reads.
func New(st *store.Store) *Engine { return &Engine{st: st, db: st.DB()} }

// MaxLimit caps one page of results.
const MaxLimit = 1000

// Search returns one page of the messages matching q, newest first; messages
// with the same date are ordered by relevance (bm25 over the text index,
// subject weighted highest), then by id.
func (e *Engine) Search(ctx context.Context, q Query, offset, limit int) ([]store.Summary, error) {
	if offset < 0 {
		offset = 0
	}
	if limit <= 0 {
		return nil, nil
	}
	limit = min(limit, MaxLimit)
	// Rows written since the last background indexing pass are indexed
	// first, so that results are complete.
	if err := e.st.IndexAllPending(ctx); err != nil {
		return nil, err
	}
	p, ok, err := e.plan(ctx, q)
	if err != nil || !ok {
		return nil, err
	}
	// One row either side of the page tells whether a group of equal dates
	// crosses a page boundary.
	lo := max(offset-1, 0)
	rows, err := e.hits(ctx, p, "", nil, limit+2, lo)
	if err != nil {
		return nil, err
	}
	var prev, next *hit
	if offset > 0 && len(rows) > 0 {
		prev = &rows[0]
		rows = rows[1:]
	}
	if len(rows) > limit {
		next = &rows[limit]
		rows = rows[:limit]
	}
	if len(rows) == 0 {
		return nil, nil
	}
	first, last := rows[0].date, rows[len(rows)-1].date
	if (prev != nil && prev.date == first) || (next != nil && next.date == last) {
		// Rare: rebuild the page from the complete date groups at its edges.
		var above int
		if err := e.db.QueryRowContext(ctx, `SELECT count(*) FROM messages m WHERE `+p.where+` AND m.date > ?`,
			append(append([]any{}, p.args...), first)...).Scan(&above); err != nil {
			return nil, storageErr(err)
		}
		span, err := e.hits(ctx, p, " AND m.date <= ? AND m.date >= ?", []any{first, last}, -1, 0)
		if err != nil {
			return nil, err
		}
		if err := e.rankTies(ctx, p, span); err != nil {
			return nil, err
		}
		from := offset - above
		if from < 0 || from > len(span) {
			from = 0
		}
		rows = span[from:min(from+limit, len(span))]
	} else if err := e.rankTies(ctx, p, rows); err != nil {
		return nil, err
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.id
	}
	return e.st.SummariesByIDs(ctx, ids)
}

// Count returns the number of messages matching q.
func (e *Engine) Count(ctx context.Context, q Query) (int, error) {
	return e.count(ctx, q, "", nil)
}

// CountSkipped counts the matches of q in the folders it leaves out
// (Trash and Junk, see Query.SkipsTrashAndJunk); 0 for a query that
// leaves none out. Only those folders' messages are looked at.
func (e *Engine) CountSkipped(ctx context.Context, q Query) (int, error) {
	if !q.SkipsTrashAndJunk() {
		return 0, nil
	}
	ids, err := e.skippedFolders(ctx)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	q.Anywhere = true
	list, args := inList(ids)
	return e.count(ctx, q, ` AND m.folder_id IN `+list, args)
}

// count counts the matches of q that also meet the condition extra.
func (e *Engine) count(ctx context.Context, q Query, extra string, extraArgs []any) (int, error) {
	if err := e.st.IndexAllPending(ctx); err != nil {
		return 0, err
	}
	p, ok, err := e.plan(ctx, q)
	if err != nil || !ok {
		return 0, err
	}
	var n int
	err = e.db.QueryRowContext(ctx, `SELECT count(*) FROM messages m WHERE `+p.where+extra,
		append(append([]any{}, p.args...), extraArgs...)...).Scan(&n)
	return n, storageErr(err)
}

type hit struct {
	id, date int64
	score    float64
}

type plan struct {
	where string
	args  []any
	rank  string // FTS5 expression over search_text for relevance, "" if none
}

func (e *Engine) hits(ctx context.Context, p plan, extra string, extraArgs []any, limit, offset int) ([]hit, error) {
	args := append(append(append([]any{}, p.args...), extraArgs...), limit, offset)
	rows, err := e.db.QueryContext(ctx, `SELECT m.id, m.date FROM messages m WHERE `+p.where+extra+
		` ORDER BY m.date DESC, m.id DESC LIMIT ? OFFSET ?`, args...)
	if err != nil {
		return nil, storageErr(err)
	}
	defer rows.Close()
	var out []hit
	for rows.Next() {
		var h hit
		if err := rows.Scan(&h.id, &h.date); err != nil {
			return nil, storageErr(err)
		}
		out = append(out, h)
	}
	return out, storageErr(rows.Err())
}

// rankTies orders each run of equal dates in hs by relevance.
func (e *Engine) rankTies(ctx context.Context, p plan, hs []hit) error {
	if p.rank == "" {
		return nil
	}
	var tied []int64
	for i := range hs {
		if (i > 0 && hs[i-1].date == hs[i].date) || (i+1 < len(hs) && hs[i+1].date == hs[i].date) {
			tied = append(tied, hs[i].id)
		}
	}
	if len(tied) == 0 {
		return nil
	}
	scores := make(map[int64]float64, len(tied))
	for start := 0; start < len(tied); start += 500 {
		part := tied[start:min(start+500, len(tied))]
		list, ids := inList(part)
		args := append([]any{p.rank}, ids...)
		// Column weights: subject, sender, recipients, attachment names, body.
		rows, err := e.db.QueryContext(ctx, `SELECT rowid, bm25(search_text, 8.0, 4.0, 2.0, 2.0, 1.0) FROM search_text
WHERE search_text MATCH ? AND rowid IN `+list, args...)
		if err != nil {
			return storageErr(err)
		}
		for rows.Next() {
			var id int64
			var s float64
			if err := rows.Scan(&id, &s); err != nil {
				rows.Close()
				return storageErr(err)
			}
			scores[id] = s
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return storageErr(err)
		}
	}
	for i := range hs {
		hs[i].score = scores[hs[i].id] // bm25: lower is better; no match scores 0
	}
	sort.SliceStable(hs, func(i, j int) bool {
		a, b := hs[i], hs[j]
		if a.date != b.date {
			return a.date > b.date
		}
		if a.score != b.score {
			return a.score < b.score
		}
		return a.id > b.id
	})
	return nil
}

// plan turns q into SQL over messages m. ok is false when q can match
// nothing (a folder or account that does not exist).
func (e *Engine) plan(ctx context.Context, q Query) (plan, bool, error) {
	var conds []string
	var args []any
	var rank []string

	if len(q.Folders) > 0 || len(q.Accounts) > 0 {
		ids, err := e.folderIDs(ctx, q.Folders, q.Accounts)
		if err != nil {
			return plan{}, false, err
		}
		if len(ids) == 0 {
			return plan{}, false, nil
		}
		list, idArgs := inList(ids)
		conds = append(conds, `m.folder_id IN `+list)
		args = append(args, idArgs...)
	}
	if q.SkipsTrashAndJunk() {
		// The ids as literals: as a subquery the test cost the median
		// query of the search bench about an eighth more.
		ids, err := e.skippedFolders(ctx)
		if err != nil {
			return plan{}, false, err
		}
		if len(ids) > 0 {
			list, idArgs := inList(ids)
			conds = append(conds, `m.folder_id NOT IN `+list)
			args = append(args, idArgs...)
		}
	}
	for _, t := range q.Terms {
		text, hdr := termExprs(t)
		if text == "" && hdr == "" {
			continue
		}
		var alts []string
		if text != "" {
			alts = append(alts, `m.id IN (SELECT rowid FROM search_text WHERE search_text MATCH ?)`)
			args = append(args, text)
			if !t.Not {
				rank = append(rank, "("+text+")")
			}
		}
		if hdr != "" {
			alts = append(alts, `m.id IN (SELECT rowid FROM search_hdr WHERE search_hdr MATCH ?)`)
			args = append(args, hdr)
		}
		c := "(" + strings.Join(alts, " OR ") + ")"
		if t.Not {
			c = "NOT " + c
		}
		conds = append(conds, c)
	}
	if q.HasAttachment {
		conds = append(conds, `m.has_attachments != 0`)
	}
	switch q.Unread {
	case Yes:
		conds = append(conds, `m.flags & 1 = 0`)
	case No:
		conds = append(conds, `m.flags & 1 != 0`)
	}
	switch q.Flagged {
	case Yes:
		conds = append(conds, `m.flags & 4 != 0`)
	case No:
		conds = append(conds, `m.flags & 4 = 0`)
	}
	if !q.After.IsZero() {
		conds = append(conds, `m.date >= ?`)
		args = append(args, q.After.Unix())
	}
	if !q.Before.IsZero() {
		conds = append(conds, `m.date < ?`)
		args = append(args, q.Before.Unix())
	}
	if len(conds) == 0 {
		conds = append(conds, "1")
	}
	return plan{where: strings.Join(conds, " AND "), args: args, rank: strings.Join(rank, " OR ")}, true, nil
}

// folderIDs resolves in: and account: values. A folder matches an in: value
// by role (in:inbox, in:sent, in:spam), by full name or by its last name
// component, without regard to case.
func (e *Engine) folderIDs(ctx context.Context, folders, accounts []string) ([]int64, error) {
	rows, err := e.db.QueryContext(ctx, `SELECT id, account, name, delim, role FROM folders`)
	if err != nil {
		return nil, storageErr(err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var f store.Folder
		if err := rows.Scan(&f.ID, &f.Account, &f.Name, &f.Delim, &f.Role); err != nil {
			return nil, storageErr(err)
		}
		if len(accounts) > 0 && !containsFold(accounts, f.Account) {
			continue
		}
		if len(folders) > 0 {
			match := false
			for _, v := range folders {
				if role, ok := roleAliases[strings.ToLower(v)]; ok && f.Role == role {
					match = true
				}
				if strings.EqualFold(v, f.Name) || strings.EqualFold(v, f.DisplayName()) {
					match = true
				}
			}
			if !match {
				continue
			}
		}
		out = append(out, f.ID)
	}
	return out, storageErr(rows.Err())
}

// skippedRoles are the roles of the folders SkipsTrashAndJunk is about.
var skippedRoles = [2]string{store.RoleTrash, store.RoleJunk}

// SkippedRole reports whether a folder of this role is left out of a
// query that names no folder.
func SkippedRole(role string) bool { return role == skippedRoles[0] || role == skippedRoles[1] }

// skippedFolders lists the folders of every account that a query naming
// no folder leaves out (SkippedRole).
func (e *Engine) skippedFolders(ctx context.Context) ([]int64, error) {
	return column[int64](ctx, e.db, `SELECT id FROM folders WHERE role IN (?, ?)`, skippedRoles[0], skippedRoles[1])
}

// inList is the SQL list "(?,?,...)" of ids and its arguments.
func inList(ids []int64) (string, []any) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return "(" + strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",") + ")", args
}

// column runs a query of one column and returns its values.
func column[T any](ctx context.Context, db *sql.DB, q string, args ...any) ([]T, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, storageErr(err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := rows.Scan(&v); err != nil {
			return nil, storageErr(err)
		}
		out = append(out, v)
	}
	return out, storageErr(rows.Err())
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// termExprs returns the FTS5 expressions for one term: over search_text
// (words by prefix, CJK as bigrams) and over search_hdr (trigram substring,
// only for terms of three or more characters). Either may be "".
func termExprs(t Term) (text, hdr string) {
	col := ""
	switch t.Field {
	case FieldFrom:
		col = "sender : "
	case FieldTo:
		col = "recipients : "
	case FieldSubject:
		col = "subject : "
	}
	toks, singleCJK := store.SearchQuerySegment(t.Text)
	var words []string
	for _, tok := range toks {
		if strings.IndexFunc(tok, isWordRune) >= 0 {
			words = append(words, tok)
		}
	}
	if len(words) > 0 {
		text = col + quote(strings.Join(words, " "))
		lastCJK := store.IsCJK(firstRune(words[len(words)-1]))
		if (singleCJK && lastCJK) || (!t.Phrase && !lastCJK) {
			text += " *"
		}
	}
	if utf8.RuneCountInString(t.Text) >= 3 && strings.TrimSpace(t.Text) != "" {
		hdrCol := col
		if t.Field == AnyField {
			hdrCol = "{subject sender recipients attach} : "
		}
		hdr = hdrCol + quote(t.Text)
	}
	return text, hdr
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) }

func firstRune(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
}

// quote makes s one FTS5 string (a phrase); embedded quotes are doubled.
func quote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func storageErr(err error) error {
	if err == nil {
		return nil
	}
	var me *mailerr.Error
	if errors.As(err, &me) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &mailerr.Error{Kind: mailerr.Canceled, Op: "search", Err: err}
	}
	return &mailerr.Error{Kind: mailerr.Storage, Op: "search", Err: err}
}
