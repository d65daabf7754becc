package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"strings"

	"modernc.org/sqlite"
)

// Full-text index of the cache. SQLite triggers on the messages and bodies
// tables record every changed or deleted row in search_dirty, so that
// every writer (sync, POP3, local moves, deletes) keeps the index correct
// without knowing it exists, at the cost of one tiny insert. New rows cost
// nothing at all: they lie above a mark (noteNewRows). IndexPending then
// tokenises the queued and the new rows in batches, off the sync's path (the engine runs it in the
// background, and search runs it before each query so results are complete).
//
// Two FTS5 tables are used because no single tokenizer serves mail well:
//
//   - search_hdr (trigram tokenizer, content stored): subject, sender,
//     recipients and attachment names. Substring matching of any script for
//     terms of three or more characters: "mail" finds "hotmail.com", "会议纪"
//     finds "会议纪要". These fields are short, so the trigram index is small.
//
//   - search_text (unicode61 tokenizer, contentless): the same fields plus the
//     body text. Words match by prefix; runs of CJK characters are rewritten
//     before indexing as overlapping bigrams plus the run's last character
//     (SearchSegment), so a two-character Chinese word such as "会议" is one
//     token, longer words are phrases of bigrams and a single character is a
//     prefix query. Bodies are indexed here and not in the trigram table: a
//     trigram index of 25 KB bodies is several times larger than the text and
//     builds slowly, while word and bigram tokens keep it near the text size.
//
// The triggers call Go functions registered with the driver (hy_seg, hy_addrs,
// hy_body, hy_attach); body text is extracted with mailcore/message.

func init() {
	registerSearchFuncs()
	registerSchema(70, "search", `
CREATE VIRTUAL TABLE IF NOT EXISTS search_hdr USING fts5(
	subject, sender, recipients, attach,
	tokenize = 'trigram remove_diacritics 1');
CREATE VIRTUAL TABLE IF NOT EXISTS search_text USING fts5(
	subject, sender, recipients, attach, body,
	content = '', contentless_delete = 1,
	tokenize = 'unicode61 remove_diacritics 2');
CREATE TABLE IF NOT EXISTS search_meta (k TEXT PRIMARY KEY, v INTEGER NOT NULL) WITHOUT ROWID;

-- Writers only mark rows as needing indexing: tokenising is far too slow
-- for the sync's hot path (about 0.2 ms a row). IndexPending drains the
-- queue in batches, in the background and before every search. (Plain
-- INSERT OR IGNORE cannot be used here: an UPSERT in the outer statement
-- overrides a trigger's conflict clause.)
DROP TRIGGER IF EXISTS search_msg_ins;
DROP TRIGGER IF EXISTS search_msg_upd;
DROP TRIGGER IF EXISTS search_body_ins;
DROP TRIGGER IF EXISTS search_body_upd;
DROP TRIGGER IF EXISTS search_body_del;
CREATE TABLE IF NOT EXISTS search_dirty (id INTEGER PRIMARY KEY);

-- Message-ID lookups (FindByMessageID) go through this table, which the
-- indexer fills along with the full-text tables, and not through an index
-- on messages.message_id: Message-IDs are random keys, so such an index
-- made every batch of a sync rewrite pages all over it, which doubled the
-- cost of storing a summary (18.3 against 9.1 µs a row in
-- BenchmarkPutSummaries). A row not indexed yet is in search_dirty or above
-- the search_upto mark, and FindByMessageID looks there too.
CREATE TABLE IF NOT EXISTS msgid_lookup (id INTEGER PRIMARY KEY, msgid TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS msgid_lookup_by_msgid ON msgid_lookup(msgid);
DROP INDEX IF EXISTS messages_msgid;

-- New messages are not queued: they lie above the search_upto mark
-- (noteNewRows). A trigger ran once per row.
DROP TRIGGER IF EXISTS search_dirty_msg_ins;
-- A cache from before the mark had queued all of its waiting rows.
INSERT OR IGNORE INTO marks(k, v) SELECT 'search_upto', coalesce(max(id), 0) FROM messages;

-- A change to an indexed column, or to the Message-ID (see msgid_lookup),
-- queues the row again.
DROP TRIGGER IF EXISTS search_dirty_msg_upd;
CREATE TRIGGER IF NOT EXISTS search_queue_msg_upd AFTER UPDATE OF subject, from_name, from_addr, to_json, cc_json, preview, message_id ON messages
WHEN old.subject IS NOT new.subject OR old.from_name IS NOT new.from_name OR old.from_addr IS NOT new.from_addr
	OR old.to_json IS NOT new.to_json OR old.cc_json IS NOT new.cc_json OR old.preview IS NOT new.preview
	OR old.message_id IS NOT new.message_id
BEGIN
	INSERT INTO search_dirty(id) SELECT new.id WHERE NOT EXISTS (SELECT 1 FROM search_dirty WHERE id = new.id);
END;

DROP TRIGGER IF EXISTS search_msg_del;
CREATE TRIGGER IF NOT EXISTS search_forget_msg AFTER DELETE ON messages BEGIN
	DELETE FROM search_hdr WHERE rowid = old.id;
	DELETE FROM search_text WHERE rowid = old.id;
	DELETE FROM search_dirty WHERE id = old.id;
	DELETE FROM msgid_lookup WHERE id = old.id;
END;

CREATE TRIGGER IF NOT EXISTS search_dirty_body_ins AFTER INSERT ON bodies BEGIN
	INSERT INTO search_dirty(id) SELECT new.message WHERE NOT EXISTS (SELECT 1 FROM search_dirty WHERE id = new.message);
END;

CREATE TRIGGER IF NOT EXISTS search_dirty_body_upd AFTER UPDATE OF raw ON bodies BEGIN
	INSERT INTO search_dirty(id) SELECT new.message WHERE NOT EXISTS (SELECT 1 FROM search_dirty WHERE id = new.message);
END;

CREATE TRIGGER IF NOT EXISTS search_dirty_body_del AFTER DELETE ON bodies BEGIN
	INSERT INTO search_dirty(id) SELECT old.message WHERE EXISTS (SELECT 1 FROM messages WHERE id = old.message)
		AND NOT EXISTS (SELECT 1 FROM search_dirty WHERE id = old.message);
END;

-- No trigger on inserts into packed_bodies: a packed source is only ever
-- stored together with its new message row (AddPOP3Messages), whose own
-- trigger queues it.
DROP TRIGGER IF EXISTS search_dirty_packed_ins;

CREATE TRIGGER IF NOT EXISTS search_dirty_packed_del AFTER DELETE ON packed_bodies BEGIN
	INSERT INTO search_dirty(id) SELECT old.message WHERE EXISTS (SELECT 1 FROM messages WHERE id = old.message)
		AND NOT EXISTS (SELECT 1 FROM search_dirty WHERE id = old.message);
END;

-- A cache created before the index existed is indexed once, here. (The
-- guard is the outer side of a CROSS JOIN, which SQLite keeps outer: as a
-- WHERE term it was tested row by row, and every open scanned the table.)
INSERT INTO search_hdr(rowid, subject, sender, recipients, attach)
SELECT m.id, m.subject, m.from_name || ' ' || m.from_addr, hy_addrs(m.to_json, m.cc_json),
	coalesce((SELECT hy_attach(raw) FROM bodies WHERE message = m.id), '')
FROM (SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM search_meta WHERE k = 'version')) AS once CROSS JOIN messages m;
INSERT INTO search_text(rowid, subject, sender, recipients, attach, body)
SELECT m.id, hy_seg(m.subject), hy_seg(m.from_name || ' ' || m.from_addr), hy_seg(hy_addrs(m.to_json, m.cc_json)),
	hy_seg(coalesce((SELECT hy_attach(raw) FROM bodies WHERE message = m.id), '')),
	hy_seg(coalesce((SELECT hy_body(raw) FROM bodies WHERE message = m.id), m.preview))
FROM (SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM search_meta WHERE k = 'version')) AS once CROSS JOIN messages m;
INSERT OR IGNORE INTO search_meta(k, v) VALUES ('version', 1);

-- A cache from before msgid_lookup gets its rows once, here.
INSERT OR REPLACE INTO msgid_lookup(id, msgid)
SELECT m.id, m.message_id
FROM (SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM search_meta WHERE k = 'msgid_lookup')) AS once CROSS JOIN messages m
WHERE m.message_id != '';
INSERT OR IGNORE INTO search_meta(k, v) VALUES ('msgid_lookup', 1);`)
}

// IndexPending indexes up to limit queued rows in one transaction and
// returns how many it indexed (0 when the queue is empty).
func (s *Store) IndexPending(ctx context.Context, limit int) (int, error) {
	if limit <= 0 {
		limit = 500
	}
	var n int
	err := s.tx(ctx, "index pending", func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `CREATE TEMP TABLE IF NOT EXISTS search_batch (id INTEGER PRIMARY KEY)`); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM temp.search_batch`); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO temp.search_batch(id) SELECT id FROM search_dirty ORDER BY id LIMIT ?`, limit)
		if err != nil {
			return err
		}
		c, _ := res.RowsAffected()
		// New rows are those above the search_upto mark (noteNewRows);
		// the mark moves up past the ones taken now.
		if left := limit - int(c); left > 0 {
			var upto, hi int64
			if err := tx.QueryRowContext(ctx, `SELECT v FROM marks WHERE k = 'search_upto'`).Scan(&upto); err != nil {
				return err
			}
			if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM (SELECT id FROM messages WHERE id > ? ORDER BY id LIMIT ?)`,
				upto, left).Scan(&hi); err != nil {
				return err
			}
			if hi > upto {
				if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO temp.search_batch(id) SELECT id FROM messages WHERE id > ? AND id <= ?`, upto, hi); err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, `UPDATE marks SET v = ? WHERE k = 'search_upto'`, hi); err != nil {
					return err
				}
			}
		}
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM temp.search_batch`).Scan(&n); err != nil || n == 0 {
			return err
		}
		for _, q := range []string{
			`DELETE FROM search_hdr WHERE rowid IN (SELECT id FROM temp.search_batch)`,
			`DELETE FROM search_text WHERE rowid IN (SELECT id FROM temp.search_batch)`,
			`INSERT INTO search_hdr(rowid, subject, sender, recipients, attach)
SELECT m.id, m.subject, m.from_name || ' ' || m.from_addr, hy_addrs(m.to_json, m.cc_json),
	coalesce(hy_attach(` + bodySQL + `), '')
FROM temp.search_batch t JOIN messages m ON m.id = t.id ` + bodyJoins,
			`INSERT INTO search_text(rowid, subject, sender, recipients, attach, body)
SELECT m.id, hy_seg(m.subject), hy_seg(m.from_name || ' ' || m.from_addr), hy_seg(hy_addrs(m.to_json, m.cc_json)),
	hy_seg(coalesce(hy_attach(` + bodySQL + `), '')), hy_seg(coalesce(hy_body(` + bodySQL + `), m.preview))
FROM temp.search_batch t JOIN messages m ON m.id = t.id ` + bodyJoins,
			`DELETE FROM msgid_lookup WHERE id IN (SELECT id FROM temp.search_batch)`,
			`INSERT INTO msgid_lookup(id, msgid) SELECT m.id, m.message_id
FROM temp.search_batch t JOIN messages m ON m.id = t.id WHERE m.message_id != ''`,
			`DELETE FROM search_dirty WHERE id IN (SELECT id FROM temp.search_batch)`,
		} {
			if _, err := tx.ExecContext(ctx, q, s.bodyArgs(q)...); err != nil {
				return err
			}
		}
		return nil
	})
	return n, err
}

// IndexAllPending drains the indexing queue.
func (s *Store) IndexAllPending(ctx context.Context) error {
	for {
		n, err := s.IndexPending(ctx, 1000)
		if err != nil || n == 0 {
			return err
		}
	}
}

// PendingIndex is the number of rows waiting to be indexed.
func (s *Store) PendingIndex(ctx context.Context) (int, error) {
	var n int
	// A row above the mark may be queued as well (changed since).
	err := s.db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM search_dirty WHERE id <= k.v) +
	(SELECT count(*) FROM messages WHERE id > k.v) FROM marks k WHERE k.k = 'search_upto'`).Scan(&n)
	return n, storageErr("pending index", err)
}

// RebuildSearchIndex drops and rebuilds both full-text tables from the
// cached summaries and bodies in one transaction. Normal operation never
// needs it (triggers keep the index current); it repairs a damaged index
// and measures indexing speed. It returns the number of messages indexed.
func (s *Store) RebuildSearchIndex(ctx context.Context) (int, error) {
	var n int
	err := s.tx(ctx, "rebuild search index", func(tx *sql.Tx) error {
		for _, q := range []string{
			`DELETE FROM search_hdr`,
			`DELETE FROM search_text`,
			`DELETE FROM search_dirty`,
			`UPDATE marks SET v = (SELECT coalesce(max(id), 0) FROM messages) WHERE k = 'search_upto'`,
			`DELETE FROM msgid_lookup`,
			`INSERT INTO msgid_lookup(id, msgid) SELECT id, message_id FROM messages WHERE message_id != ''`,
			`INSERT INTO search_hdr(rowid, subject, sender, recipients, attach)
SELECT m.id, m.subject, m.from_name || ' ' || m.from_addr, hy_addrs(m.to_json, m.cc_json),
	coalesce(hy_attach(` + bodySQL + `), '')
FROM messages m ` + bodyJoins,
			`INSERT INTO search_text(rowid, subject, sender, recipients, attach, body)
SELECT m.id, hy_seg(m.subject), hy_seg(m.from_name || ' ' || m.from_addr), hy_seg(hy_addrs(m.to_json, m.cc_json)),
	hy_seg(coalesce(hy_attach(` + bodySQL + `), '')), hy_seg(coalesce(hy_body(` + bodySQL + `), m.preview))
FROM messages m ` + bodyJoins,
			`INSERT INTO search_hdr(search_hdr) VALUES ('optimize')`,
			`INSERT INTO search_text(search_text) VALUES ('optimize')`,
		} {
			if _, err := tx.ExecContext(ctx, q, s.bodyArgs(q)...); err != nil {
				return err
			}
		}
		return tx.QueryRowContext(ctx, `SELECT count(*) FROM messages`).Scan(&n)
	})
	return n, err
}

// bodyJoins joins the two places a message source may be kept (b: the
// bodies table, p: a pack, see bodypack.go) for bodySQL.
const bodyJoins = `LEFT JOIN bodies b ON b.message = m.id LEFT JOIN packed_bodies p ON p.message = m.id`

// bodyArgs are the arguments of a search query: the pack directory when
// the query reads sources.
func (s *Store) bodyArgs(q string) []any {
	if strings.Contains(q, "hy_packed(") {
		return []any{packDir(s.path)}
	}
	return nil
}

// SummariesOf is SummariesByIDs for messages that must all be cached (a
// selection acted on): ErrNotFound when one is gone, as Message says.
func (s *Store) SummariesOf(ctx context.Context, ids []int64) ([]Summary, error) {
	ms, err := s.SummariesByIDs(ctx, ids)
	if err == nil && len(ms) != len(ids) {
		err = ErrNotFound
	}
	return ms, err
}

// SummariesByIDs returns the summaries of the given messages in the order
// of ids; ids no longer in the cache are left out.
func (s *Store) SummariesByIDs(ctx context.Context, ids []int64) ([]Summary, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	byID := make(map[int64]Summary, len(ids))
	const chunk = 500
	for start := 0; start < len(ids); start += chunk {
		part := ids[start:min(start+chunk, len(ids))]
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		ph := strings.TrimSuffix(strings.Repeat("?,", len(part)), ",")
		rows, err := s.db.QueryContext(ctx, `SELECT `+summaryCols+` FROM messages WHERE id IN (`+ph+`)`, args...)
		if err != nil {
			return nil, storageErr("summaries", err)
		}
		got, err := collectSummaries(rows)
		if err != nil {
			return nil, err
		}
		for _, m := range got {
			byID[m.ID] = m
		}
	}
	out := make([]Summary, 0, len(ids))
	for _, id := range ids {
		if m, ok := byID[id]; ok {
			out = append(out, m)
		}
	}
	return out, nil
}

// registerSearchFuncs makes the Go helpers the triggers call available to
// every connection the driver opens. They are deterministic and never fail:
// a damaged value indexes as less text, never as an error that would roll
// back the sync's write.
func registerSearchFuncs() {
	text := func(v driver.Value) string {
		switch x := v.(type) {
		case string:
			return x
		case []byte:
			return string(x)
		}
		return ""
	}
	raw := func(v driver.Value) []byte {
		switch x := v.(type) {
		case []byte:
			return x
		case string:
			return []byte(x)
		}
		return nil
	}
	sqlite.MustRegisterDeterministicScalarFunction("hy_seg", 1, func(_ *sqlite.FunctionContext, a []driver.Value) (driver.Value, error) {
		return SearchSegment(text(a[0])), nil
	})
	sqlite.MustRegisterDeterministicScalarFunction("hy_addrs", 2, func(_ *sqlite.FunctionContext, a []driver.Value) (driver.Value, error) {
		return addrsText(text(a[0]), text(a[1])), nil
	})
	sqlite.MustRegisterDeterministicScalarFunction("hy_body", 1, func(_ *sqlite.FunctionContext, a []driver.Value) (driver.Value, error) {
		if a[0] == nil {
			return nil, nil
		}
		return bodyIndexText(raw(a[0])).body, nil
	})
	sqlite.MustRegisterDeterministicScalarFunction("hy_attach", 1, func(_ *sqlite.FunctionContext, a []driver.Value) (driver.Value, error) {
		if a[0] == nil {
			return nil, nil
		}
		return bodyIndexText(raw(a[0])).attach, nil
	})
}

// noteNewRows records that a writer has just inserted the messages with an
// id above after (ids are allocated above every id in use). Such rows are
// waiting for the search index and for threading without any per-row
// bookkeeping: both take the rows above their mark in marks, so only a
// mark above after has to come down. (A queue entry per new row cost a
// bulk sync one more b-tree insert per summary.)
func noteNewRows(ctx context.Context, tx *sql.Tx, after int64) error {
	_, err := tx.ExecContext(ctx, `UPDATE marks SET v = ? WHERE k IN ('search_upto', 'thread_upto') AND v > ?`, after, after)
	return err
}
