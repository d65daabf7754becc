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

// writePack writes the sources into a new pack file, syncs it and its
// directory, and returns the pack's id and where each source lies. On
// error nothing is left behind (the file is removed).
func (s *Store) writePack(ctx context.Context, tx *sql.Tx, raws [][]byte) (int64, []PackRef, error) {
	var dbMax int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(pack), 0) FROM packed_bodies`).Scan(&dbMax); err != nil {
		return 0, nil, err
	}
	f, id, err := createPackFile(packDir(s.path), dbMax)
	if err != nil {
		return 0, nil, err
	}
	p := &Pack{f: f, w: bufio.NewWriterSize(f, 1<<20), id: id, used: true}
	refs, err := p.Append(raws)
	if err == nil {
		err = p.Close()
	}
	if err == nil {
		err = syncDir(filepath.Dir(f.Name()))
	}
	if err != nil {
		p.Close()
		os.Remove(f.Name())
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
func readPacked(dir string, r PackRef) ([]byte, error) {
	if r.Pack <= 0 || r.Off < 0 || r.Len < 0 || r.Len > 1<<31 {
		return nil, errPackDamaged
	}
	f, err := os.Open(packName(dir, r.Pack))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, errPackDamaged
		}
		return nil, err
	}
	defer f.Close()
	buf := make([]byte, r.Len)
	if _, err := f.ReadAt(buf, r.Off); err != nil {
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
		raw, err := readPacked(dir, PackRef{pack, off, n})
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

// PackRef says where a message source lies in a pack (see Pack).
type PackRef struct {
	Pack, Off, Len int64
}

// Pack is a pack file open for appending: a download writes the sources of
// each batch with Append (durable when it returns) and then hands the refs
// to AddPOP3Messages (POP3Message.Body), so that writing and syncing the
// sources overlaps with storing the previous batch's rows. It is not safe
// for concurrent use.
type Pack struct {
	f    *os.File
	w    *bufio.Writer
	id   int64
	off  int64
	used bool
}

// CreatePack creates a new, empty pack file and makes its directory entry
// durable.
func (s *Store) CreatePack(ctx context.Context) (*Pack, error) {
	var next int64
	if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(pack), 0) FROM packed_bodies`).Scan(&next); err != nil {
		return nil, storageErr("create pack", err)
	}
	f, id, err := createPackFile(packDir(s.path), next)
	if err != nil {
		return nil, storageErr("create pack", err)
	}
	if err := syncDir(filepath.Dir(f.Name())); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, storageErr("create pack", err)
	}
	return &Pack{f: f, w: bufio.NewWriterSize(f, 1<<20), id: id}, nil
}

// createPackFile creates the pack file with the lowest free id above both
// the highest id the database names (dbMax) and every pack on disk.
func createPackFile(dir string, dbMax int64) (*os.File, int64, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, 0, err
	}
	next := max(dbMax, maxPackOnDisk(dir))
	for id := next + 1; ; id++ {
		f, err := os.OpenFile(packName(dir, id), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err == nil {
			return f, id, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, 0, err
		}
	}
}

// Append writes sources at the end of the pack and syncs it: when it
// returns nil the bytes are on disk and the refs may be committed. After
// an error the pack must not be used again.
func (p *Pack) Append(raws [][]byte) ([]PackRef, error) {
	if p.w == nil {
		return nil, storageErr("pack append", os.ErrClosed)
	}
	refs := make([]PackRef, len(raws))
	for i, raw := range raws {
		if _, err := p.w.Write(raw); err != nil {
			return nil, storageErr("pack append", err)
		}
		refs[i] = PackRef{p.id, p.off, int64(len(raw))}
		p.off += int64(len(raw))
	}
	if err := p.w.Flush(); err != nil {
		return nil, storageErr("pack append", err)
	}
	if err := p.f.Sync(); err != nil {
		return nil, storageErr("pack append", err)
	}
	p.used = p.used || len(raws) > 0
	return refs, nil
}

// Close closes the pack; a pack nothing was appended to is removed.
func (p *Pack) Close() error {
	if p.w == nil {
		return nil
	}
	p.w = nil
	err := p.f.Close()
	if !p.used {
		os.Remove(p.f.Name())
	}
	return storageErr("pack close", err)
}
