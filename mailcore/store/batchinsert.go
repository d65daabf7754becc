package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strings"
)

// batchInsert is a multi-row INSERT: a head, the placeholder group of one
// row (params parameters) and an optional tail (an upsert clause).
//
// Batch writes insert many rows per statement. Inside a transaction
// SQLite saves the original of every page a statement may modify to a
// statement journal (messages has a foreign key, a UNIQUE constraint and
// several indexes), so one statement per row wrote each touched page out
// again for every row; one statement per chunk of rows saves each page
// once per chunk.
type batchInsert struct {
	head, row, tail string
	params          int
	// text holds the statement for 1, 2, 4, ... maxRows rows.
	text map[int]string
}

// maxRows bounds the rows of one statement (SQLite allows 32766
// parameters); it is 1<<maxRowsLog.
const (
	maxRowsLog = 6
	maxRows    = 1 << maxRowsLog
)

func newBatchInsert(head, row, tail string, params int) *batchInsert {
	b := &batchInsert{head: head, row: row, tail: tail, params: params, text: map[int]string{}}
	for n := maxRows; n > 0; n /= 2 {
		var sb strings.Builder
		sb.Grow(len(head) + n*(len(row)+1) + len(tail))
		sb.WriteString(head)
		for i := 0; i < n; i++ {
			if i > 0 {
				sb.WriteByte(',')
			}
			sb.WriteString(row)
		}
		sb.WriteString(tail)
		b.text[n] = sb.String()
	}
	return b
}

// eachChunk calls f for each statement that inserts rows rows, in order:
// size rows each, from maxRows down in powers of two (maxRows as often as
// it fits, then the binary digits of the rest); k is log2(size).
func eachChunk(rows int, f func(size, k int) error) error {
	for size, k := maxRows, maxRowsLog; rows > 0; size, k = size/2, k-1 {
		for ; rows >= size; rows -= size {
			if err := f(size, k); err != nil {
				return err
			}
		}
	}
	return nil
}

// execRows inserts rows rows whose values are vals through the driver's
// own statements, inside the transaction open on c.
//
// Why not database/sql: a header sync stores 19 values a row, and
// database/sql checks and copies every argument of every statement into a
// new slice of driver values (about 50 KB a statement of 64 rows), which
// cost the sync's single writer about a tenth of its time. Here the
// callers build the values once, as driver values (a header sync's
// encoder does it on the decoding goroutine; AddPOP3Messages in its
// transaction), and they are handed over as they are. The statements are
// the connection's kept ones (storeConn.insertStmt): SQLite parses a
// multi-row INSERT in time proportional to its rows.
//
// The driver runs them without ctx's cancellation, which ctx.Err() checks
// between statements instead: for a statement under a context that can
// end, modernc starts a goroutine to watch it and a progress callback
// every thousand steps of the statement, about thirty times a batch; a
// statement takes a fraction of a millisecond.
func execRows(ctx context.Context, c *sql.Conn, ins *batchInsert, vals []driver.NamedValue, rows int) error {
	if len(vals) != rows*ins.params {
		return fmt.Errorf("store: %d values for %d rows of %d", len(vals), rows, ins.params)
	}
	return c.Raw(func(dc any) error {
		sc, ok := dc.(*storeConn)
		if !ok {
			return fmt.Errorf("store: connection %T is not the store's", dc)
		}
		run := context.WithoutCancel(ctx)
		return eachChunk(rows, func(size, k int) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			ex, err := sc.insertStmt(run, ins, k)
			if err != nil {
				return err
			}
			chunk := vals[:size*ins.params]
			for j := range chunk {
				chunk[j].Ordinal = j + 1
			}
			if _, err := ex.ExecContext(run, chunk); err != nil {
				return err
			}
			vals = vals[len(chunk):]
			return nil
		})
	})
}
