package store

import (
	"context"
	"database/sql"
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
// parameters).
const maxRows = 64

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

// batchWriter runs batch inserts inside one transaction. rows rows of
// arguments run as statements of power-of-two sizes (the binary digits of
// rows), each kept prepared by the store (txStmt): SQLite parses a
// multi-row INSERT in time proportional to its rows, so preparing one for
// every odd-sized chunk cost as much as a third of the inserts themselves.
type batchWriter struct {
	s    *Store
	ctx  context.Context
	tx   *sql.Tx
	args []any
}

// exec inserts the rows whose arguments are in w.args.
func (w *batchWriter) exec(ins *batchInsert, rows int) error {
	args := w.args
	for size := maxRows; rows > 0; size /= 2 {
		if rows < size {
			continue
		}
		st, err := w.s.txStmt(w.ctx, w.tx, ins.text[size])
		if err != nil {
			return err
		}
		if _, err := st.ExecContext(w.ctx, args[:size*ins.params]...); err != nil {
			return err
		}
		args = args[size*ins.params:]
		rows -= size
	}
	return nil
}
