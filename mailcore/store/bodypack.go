package store

import (
	"bufio"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"hongyan/mailcore/mailerr"

	"modernc.org/sqlite"
)

// Body packs: large batches of message sources (a POP3 download) are kept
// outside SQLite, in append-once pack files next to the database, and the
// database records where each source lies (packed_bodies). Written through
// SQLite, every 4 KB page of a source was written twice (WAL, then the
// checkpoint) with one system call each, which made storing the bodies
// slower than downloading them; a pack is written sequentially in large
// blocks and synced once.
//
// Durability: a pack is complete and fsynced (and its directory entry
// fsynced) before the transaction that references it commits, so a
// committed row always names bytes that are on disk. A crash in between
// leaves a pack nothing refers to; Open removes such packs once they are
// old enough that no writer can still be about to reference them.
//
// Space: deleting a message deletes its packed_bodies row; a pack file is
// removed when no row refers to it any more (checked at Open). Space of
// single deleted messages inside a still-used pack is not reclaimed.
func init() {
	registerSchema(25, "packed bodies", `
CREATE TABLE IF NOT EXISTS packed_bodies (
	message INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
	pack    INTEGER NOT NULL,
	off     INTEGER NOT NULL,
	len     INTEGER NOT NULL
);`)
}

// packSuffix names the pack files inside the pack directory.
const packSuffix = ".pack"

// orphanPackAge is how old an unreferenced pack must be before Open
// removes it: a younger one may belong to a transaction still in progress
// in another handle of the same database.
const orphanPackAge = time.Hour

// packDir is the directory of the pack files of the database at path.
func packDir(path string) string { return path + ".packs" }

func packName(dir string, id int64) string {
	return filepath.Join(dir, fmt.Sprintf("%010d%s", id, packSuffix))
}

// packRef locates one source inside a pack.
type packRef struct {
	pack, off, n int64
}

// writePack writes the sources into a new pack file, syncs it and its
// directory, and returns the pack's id and where each source lies. On
// error nothing is left behind (the file is removed).
func (s *Store) writePack(ctx context.Context, tx *sql.Tx, raws [][]byte) (int64, []packRef, error) {
	dir := packDir(s.path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return 0, nil, err
	}
	var next int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(pack), 0) FROM packed_bodies`).Scan(&next); err != nil {
		return 0, nil, err
	}
	if m := maxPackOnDisk(dir); m > next {
		next = m
	}
	var f *os.File
	var id int64
	for id = next + 1; ; id++ {
		var err error
		f, err = os.OpenFile(packName(dir, id), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err == nil {
			break
		}
		if !errors.Is(err, fs.ErrExist) {
			return 0, nil, err
		}
	}
	name := f.Name()
	fail := func(err error) (int64, []packRef, error) {
		f.Close()
		os.Remove(name)
		return 0, nil, err
	}
	// A buffered writer turns thousands of small sources into a few large
	// writes; the copy it costs is far cheaper than a system call each.
	w := bufio.NewWriterSize(f, 1<<20)
	refs := make([]packRef, len(raws))
	var off int64
	for i, raw := range raws {
		if _, err := w.Write(raw); err != nil {
			return fail(err)
		}
		refs[i] = packRef{id, off, int64(len(raw))}
		off += int64(len(raw))
	}
	if err := w.Flush(); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		os.Remove(name)
		return 0, nil, err
	}
	if err := syncDir(dir); err != nil {
		os.Remove(name)
		return 0, nil, err
	}
	return id, refs, nil
}

// syncDir makes a new directory entry durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// maxPackOnDisk returns the highest pack id present in dir (0 if none).
func maxPackOnDisk(dir string) int64 {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return 0
	}
	var m int64
	for _, e := range ents {
		if id, ok := packID(e.Name()); ok && id > m {
			m = id
		}
	}
	return m
}

func packID(name string) (int64, bool) {
	if !strings.HasSuffix(name, packSuffix) {
		return 0, false
	}
	id, err := strconv.ParseInt(strings.TrimSuffix(name, packSuffix), 10, 64)
	return id, err == nil && id > 0
}

// errPackDamaged: a packed source cannot be read back completely.
var errPackDamaged = &mailerr.Error{Kind: mailerr.Storage, Op: "store: body", Text: "a stored message source is missing or truncated"}

// readPacked reads one packed source.
func readPacked(dir string, r packRef) ([]byte, error) {
	if r.pack <= 0 || r.off < 0 || r.n < 0 || r.n > 1<<31 {
		return nil, errPackDamaged
	}
	f, err := os.Open(packName(dir, r.pack))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, errPackDamaged
		}
		return nil, err
	}
	defer f.Close()
	buf := make([]byte, r.n)
	if _, err := f.ReadAt(buf, r.off); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errPackDamaged
		}
		return nil, err
	}
	return buf, nil
}

// removeOrphanPacks deletes pack files no row refers to and that are older
// than orphanPackAge. Failures are ignored: a leftover pack costs space,
// never mail.
func (s *Store) removeOrphanPacks() {
	dir := packDir(s.path)
	ents, err := os.ReadDir(dir)
	if err != nil || len(ents) == 0 {
		return
	}
	used := map[int64]bool{}
	rows, err := s.db.Query(`SELECT DISTINCT pack FROM packed_bodies`)
	if err != nil {
		return
	}
	for rows.Next() {
		var id int64
		if rows.Scan(&id) == nil {
			used[id] = true
		}
	}
	rows.Close()
	if rows.Err() != nil {
		return
	}
	for _, e := range ents {
		id, ok := packID(e.Name())
		if !ok || used[id] {
			continue
		}
		info, err := e.Info()
		if err != nil || time.Since(info.ModTime()) < orphanPackAge {
			continue
		}
		os.Remove(filepath.Join(dir, e.Name()))
	}
}

func init() {
	// hy_packed(dir, pack, off, len) is a packed source for the search
	// indexer (NULL when pack is NULL or the bytes cannot be read: the
	// message is then indexed by its preview, never failing the write).
	sqlite.MustRegisterScalarFunction("hy_packed", 4, func(_ *sqlite.FunctionContext, a []driver.Value) (driver.Value, error) {
		dir, _ := a[0].(string)
		pack, ok1 := a[1].(int64)
		off, ok2 := a[2].(int64)
		n, ok3 := a[3].(int64)
		if dir == "" || !ok1 || !ok2 || !ok3 {
			return nil, nil
		}
		raw, err := readPacked(dir, packRef{pack, off, n})
		if err != nil {
			return nil, nil
		}
		return raw, nil
	})
}

// bodySQL is the source of message m for the search queries: the cached
// row of bodies b or the packed one p (LEFT JOINed by the query); ?1 is
// the pack directory.
const bodySQL = `coalesce(b.raw, hy_packed(?1, p.pack, p.off, p.len))`
