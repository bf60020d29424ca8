package cache

import (
	"strings"

	"github.com/sandcache/sandcache/internal/guest/capability"
)

// runner runs the queries of a SQL store (sqlite or postgres: Q is its
// query enum) through the statement-level sql capability: each query is
// prepared on first use, then bound, stepped and reset; every capability
// error comes back with the store's prefix. It is the hot path: nothing
// here allocates per call (the arguments are structs, the variadic slice
// stays on the caller's stack).
type runner[Q ~int] struct {
	sql     capability.SQL
	db      capability.DB
	sqlText []string          // query texts by Q
	stmts   []capability.Stmt // prepared statements by Q; 0 before first use
	prefix  string            // error prefix, as the original's ("cache sqlite error: ")

	txBegin, txCommit, txRollback Q // the statements tx runs
}

// Error prefixes of the stores.
const (
	sqlitePrefix = "cache sqlite error: "
	pgPrefix     = "cache postgres error: "
)

// newRunner returns a runner of the queries sqlText on db, whose errors
// take prefix and whose transactions run begin, commit and rollback.
func newRunner[Q ~int](sql capability.SQL, db capability.DB, sqlText []string, prefix string, begin, commit, rollback Q) runner[Q] {
	return runner[Q]{
		sql: sql, db: db, sqlText: sqlText, stmts: make([]capability.Stmt, len(sqlText)), prefix: prefix,
		txBegin: begin, txCommit: commit, txRollback: rollback,
	}
}

// prefixErr prefixes a capability error, keeping its code (any other
// error is Internal); an error that has the prefix already is returned
// as it is.
func prefixErr(prefix string, err error) error {
	e, ok := err.(*capability.Error)
	if !ok {
		return &capability.Error{Code: capability.Internal, Message: prefix + err.Error()}
	}
	if strings.HasPrefix(e.Message, prefix) {
		return e
	}
	return &capability.Error{Code: e.Code, Message: prefix + e.Message}
}

// wrap prefixes err with the store's prefix.
func (r *runner[Q]) wrap(err error) error { return prefixErr(r.prefix, err) }

// close finalizes the prepared statements and closes the database.
func (r *runner[Q]) close() {
	for i, st := range r.stmts {
		if st != 0 {
			r.sql.Finalize(st)
			r.stmts[i] = 0
		}
	}
	r.sql.Close(r.db)
}

// tx runs f inside the store's transaction (begin ... commit), rolling
// back on error.
func (r *runner[Q]) tx(f func() error) error {
	if err := r.exec(r.txBegin); err != nil {
		return err
	}
	if err := f(); err != nil {
		_ = r.exec(r.txRollback)
		return err
	}
	if err := r.exec(r.txCommit); err != nil {
		_ = r.exec(r.txRollback)
		return err
	}
	return nil
}

// stmt returns the prepared statement for q, preparing it on first use.
func (r *runner[Q]) stmt(q Q) (capability.Stmt, error) {
	if st := r.stmts[q]; st != 0 {
		return st, nil
	}
	st, err := r.sql.Prepare(r.db, r.sqlText[q])
	if err != nil {
		return 0, r.wrap(err)
	}
	r.stmts[q] = st
	return st, nil
}

// arg is one statement parameter: an integer, a text or NULL. (A struct,
// not an interface, so binding allocates nothing.)
type arg struct {
	kind byte // 'i', 't' or 'n'
	i    int64
	t    string
}

func num(v int64) arg   { return arg{kind: 'i', i: v} }
func text(v string) arg { return arg{kind: 't', t: v} }

// query binds args to q's statement from parameter 1 and steps it to its
// first row (row is false when there is none); unless it fails, the
// caller must pass st to finish. On error the statement is reset.
func (r *runner[Q]) query(q Q, args ...arg) (st capability.Stmt, row bool, err error) {
	if st, err = r.stmt(q); err != nil {
		return 0, false, err
	}
	for i, a := range args {
		idx := uint32(i + 1)
		switch a.kind {
		case 'i':
			err = r.sql.BindInt(st, idx, a.i)
		case 't':
			err = r.sql.BindText(st, idx, a.t)
		default:
			err = r.sql.BindNull(st, idx)
		}
		if err != nil {
			r.sql.Reset(st)
			return 0, false, r.wrap(err)
		}
	}
	if row, err = r.step(st); err != nil {
		r.sql.Reset(st)
		return 0, false, err
	}
	return st, row, nil
}

// step advances st: true when a row is ready.
func (r *runner[Q]) step(st capability.Stmt) (bool, error) {
	row, err := r.sql.Step(st)
	if err != nil {
		return false, r.wrap(err)
	}
	return row, nil
}

// finish resets st for its next use.
func (r *runner[Q]) finish(st capability.Stmt) { r.sql.Reset(st) }

// exec runs q, reading at most its first row.
func (r *runner[Q]) exec(q Q, args ...arg) error {
	st, _, err := r.query(q, args...)
	if err == nil {
		r.finish(st)
	}
	return err
}

// execCount runs q and returns the number of rows it changed.
func (r *runner[Q]) execCount(q Q, args ...arg) (int64, error) {
	if err := r.exec(q, args...); err != nil {
		return 0, err
	}
	return r.sql.Changes(r.db), nil
}

// queryInt returns the first column of q's first row; null when it is
// NULL or there is no row (v is then 0).
func (r *runner[Q]) queryInt(q Q, args ...arg) (v int64, null bool, err error) {
	st, row, err := r.query(q, args...)
	if err != nil {
		return 0, true, err
	}
	defer r.finish(st)
	if !row {
		return 0, true, nil
	}
	// ColumnInt reads NULL as 0: only then is the kind needed.
	v = r.sql.ColumnInt(st, 0)
	return v, v == 0 && r.sql.ColumnKind(st, 0) == capability.KindNull, nil
}

// texts returns the first column of every row of q, as text.
func (r *runner[Q]) texts(q Q, args ...arg) ([]string, error) {
	st, row, err := r.query(q, args...)
	if err != nil {
		return nil, err
	}
	defer r.finish(st)
	var out []string
	for row {
		out = append(out, r.sql.ColumnText(st, 0))
		if row, err = r.step(st); err != nil {
			return out, err
		}
	}
	return out, nil
}

// live reports whether column i of st's row, an expires_at_ms, says the
// entry is live at now: NULL (no expiry) or after now.
func (r *runner[Q]) live(st capability.Stmt, i uint32, now int64) bool {
	return r.sql.ColumnKind(st, i) == capability.KindNull || r.sql.ColumnInt(st, i) > now
}
