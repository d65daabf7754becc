package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
)

// The store's connections are modernc.org/sqlite's, opened through its
// Connector and wrapped as the driver's documentation describes (every
// optional interface forwarded, Unwrap). The wrapper adds one thing the
// driver has no place for: statements kept prepared for the connection's
// whole life, for the multi-row INSERTs of batch writes (execRows).
//
// Written here because neither the driver nor database/sql keeps
// statements across calls: database/sql's Stmt re-prepares on every
// connection it lands on and converts every argument again (see
// execRows), and a statement kept outside the connection could outlive
// it (database/sql closes a connection on its own after ErrBadConn, and
// closing a statement of a closed connection uses freed memory). Here a
// kept statement is closed by the connection's own Close, before the
// connection itself. Preparing the 64-row INSERT for every batch of a
// header sync took about 4% of the sync's CPU time.

// storeConnector opens wrapped connections.
type storeConnector struct{ inner driver.Connector }

func (c storeConnector) Driver() driver.Driver { return c.inner.Driver() }

func (c storeConnector) Connect(ctx context.Context) (driver.Conn, error) {
	dc, err := c.inner.Connect(ctx)
	if err != nil {
		return nil, err
	}
	sc, err := wrapConn(dc)
	if err != nil {
		dc.Close()
		return nil, err
	}
	return sc, nil
}

// sqliteConn is what every connection of the driver implements.
type sqliteConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// keptKey names a kept statement: a batch insert and a chunk size (log2).
type keptKey struct {
	ins *batchInsert
	k   int
}

// storeConn is a driver connection with its kept statements.
type storeConn struct {
	sqliteConn
	kept map[keptKey]driver.Stmt
}

func wrapConn(dc driver.Conn) (*storeConn, error) {
	c, ok := dc.(sqliteConn)
	if !ok {
		return nil, fmt.Errorf("store: driver connection %T lacks an interface the store needs", dc)
	}
	return &storeConn{sqliteConn: c}, nil
}

// Unwrap is the driver's own connection.
func (c *storeConn) Unwrap() driver.Conn { return c.sqliteConn }

// Close closes the kept statements, then the connection.
func (c *storeConn) Close() error {
	var errs []error
	for k, st := range c.kept {
		errs = append(errs, st.Close())
		delete(c.kept, k)
	}
	errs = append(errs, c.sqliteConn.Close())
	return errors.Join(errs...)
}

// insertStmt is the statement of ins for chunks of 1<<k rows, prepared
// on first use and kept until the connection closes.
func (c *storeConn) insertStmt(ctx context.Context, ins *batchInsert, k int) (driver.StmtExecContext, error) {
	key := keptKey{ins, k}
	st := c.kept[key]
	if st == nil {
		var err error
		if st, err = c.PrepareContext(ctx, ins.text[1<<k]); err != nil {
			return nil, err
		}
		if c.kept == nil {
			c.kept = map[keptKey]driver.Stmt{}
		}
		c.kept[key] = st
	}
	ex, ok := st.(driver.StmtExecContext)
	if !ok {
		return nil, fmt.Errorf("store: driver statement %T cannot execute", st)
	}
	return ex, nil
}
