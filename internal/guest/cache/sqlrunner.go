package cache

import (
	"strconv"
	"strings"
	"unsafe"

	"github.com/sandcache/sandcache/internal/guest/capability"
)

// runner runs the queries of a SQL store (sqlite or postgres: Q is its
// query enum) through the sql capability: each query is prepared on first
// use; the store's operations add their queries to a batch that one
// capability call runs (sql.run: bind, step, read the rows, reset), and
// every capability error comes back with the store's prefix. It is the
// hot path: once its scratch slices have grown, building and running a
// batch allocates nothing here.
type runner[Q ~int] struct {
	sql     capability.SQL
	db      capability.DB
	sqlText []string          // query texts by Q
	stmts   []capability.Stmt // prepared statements by Q; 0 before first use
	prefix  string            // error prefix, as the original's ("cache sqlite error: ")

	txBegin, txCommit, txRollback Q // the statements tx runs

	// The batch being built (add) until run.
	calls  []capability.Call
	params []capability.Value // every call's parameters, in order
	starts []int              // where each call's parameters start in params
	err    error              // the first failure to add a call
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

// arg is one statement parameter.
type arg = capability.Value

func num(v int64) arg   { return capability.Int(v) }
func text(v string) arg { return capability.Text(v) }

// maxRows asks a call for all its rows (RunEach caps their bytes).
const maxRows = 1<<32 - 1

// add appends q to the batch, asking for at most rows of its rows (0:
// none); its parameters follow (text, num, args).
func (r *runner[Q]) add(q Q, rows uint32) *runner[Q] {
	return r.addCall(q, rows, false, true)
}

// addTry appends q to the batch, reading none of its rows, to run only if
// no other connection holds the lock it needs (a taken lock ends the
// batch: run reports it) and, with ifRow, only when the previous call
// returned a row; its parameters follow.
func (r *runner[Q]) addTry(q Q, ifRow bool) *runner[Q] {
	return r.addCall(q, 0, ifRow, false)
}

// addCall appends to the batch a call of q. The batch's slices grow by
// reslicing where they have room and are written field by field: in Go
// compiled to wasm, copying a struct of more than two words (an append
// of a value, a variadic argument) is a call to memmove.
func (r *runner[Q]) addCall(q Q, rows uint32, ifRow, wait bool) *runner[Q] {
	if r.err != nil {
		return r
	}
	st, err := r.stmt(q)
	if err != nil {
		r.err = err
		return r
	}
	if n := len(r.calls); n < cap(r.calls) {
		r.calls = r.calls[:n+1]
	} else {
		r.calls = append(r.calls, capability.Call{})
	}
	c := &r.calls[len(r.calls)-1]
	c.Statement, c.Rows, c.IfRow, c.Wait = st, rows, ifRow, wait
	r.starts = append(r.starts, len(r.params))
	return r
}

// param appends a parameter to the batch's last call and returns it, to
// be written field by field.
func (r *runner[Q]) param() *capability.Value {
	if n := len(r.params); n < cap(r.params) {
		r.params = r.params[:n+1]
	} else {
		r.params = append(r.params, capability.Value{})
	}
	return &r.params[len(r.params)-1]
}

// text appends a text parameter to the batch's last call.
func (r *runner[Q]) text(v string) *runner[Q] {
	p := r.param()
	p.Kind, p.Integer, p.Float, p.Text, p.Blob = capability.KindText, 0, 0, v, nil
	return r
}

// num appends an integer parameter to the batch's last call.
func (r *runner[Q]) num(v int64) *runner[Q] {
	p := r.param()
	p.Kind, p.Integer, p.Float, p.Text, p.Blob = capability.KindInteger, v, 0, "", nil
	return r
}

// args appends parameters to the batch's last call.
func (r *runner[Q]) args(a ...arg) *runner[Q] {
	r.params = append(r.params, a...)
	return r
}

// run runs the batch (see capability.SQL.Run) and empties it: done is
// false when a call of addTry found its lock taken and ended it. The
// values it returns are valid until the next run.
func (r *runner[Q]) run() (vals []capability.Value, done bool, err error) {
	err = r.err
	if err == nil {
		for i, start := range r.starts {
			end := len(r.params)
			if i+1 < len(r.starts) {
				end = r.starts[i+1]
			}
			r.calls[i].Params = r.params[start:end:end]
		}
		var ran int
		vals, ran, err = r.sql.Run(r.calls)
		if err == nil {
			done = ran == len(r.calls)
			r.empty()
			return vals, done, nil
		}
		err = r.wrap(err)
	}
	r.empty()
	return nil, false, err
}

// empty forgets the batch, keeping its slices' room. (Not clearing them
// keeps the last batches' strings alive a little longer, and spares the
// guest the write barriers of clearing pointers, ~0.2 µs a call in wasm.)
func (r *runner[Q]) empty() {
	r.calls, r.params, r.starts, r.err = r.calls[:0], r.params[:0], r.starts[:0], nil
}

// query binds args to q's statement from parameter 1 and steps it to its
// first row (row is false when there is none); unless it fails, the
// caller must pass st to finish. On error the statement is reset. (For
// the statements whose rows are read one by one; the others go in a
// batch.)
func (r *runner[Q]) query(q Q, args ...arg) (st capability.Stmt, row bool, err error) {
	if st, err = r.stmt(q); err != nil {
		return 0, false, err
	}
	for i, a := range args {
		if err = capability.Bind(r.sql, st, uint32(i+1), a); err != nil {
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
	r.add(q, 0).args(args...)
	_, _, err := r.run()
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
	r.add(q, 1).args(args...)
	vals, _, err := r.run()
	if err != nil || len(vals) == 0 {
		return 0, true, err
	}
	return intOf(&vals[0]), vals[0].Kind == capability.KindNull, nil
}

// readOnlyBytes views s as bytes, without a copy, for functions that
// only read their input (jsonv.Canonical): the bytes must never be
// written.
func readOnlyBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// readOnlyString views b as a string, without a copy, for a parameter of
// the batch being built: b must not change until the batch has run.
func readOnlyString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// intOf, textOf and liveValue take a pointer: a Value is eight words,
// and in Go compiled to wasm passing it is a call to memmove.

// intOf is v as an integer, as SQLite's sqlite3_column_int64 reads it
// for the kinds a cache's integer columns can hold (0 for text, blob and
// NULL).
func intOf(v *capability.Value) int64 {
	switch v.Kind {
	case capability.KindInteger:
		return v.Integer
	case capability.KindFloat:
		return int64(v.Float)
	}
	return 0
}

// textOf is v as text, as sqlite3_column_text reads a text or blob
// column ("" for NULL; numbers as their decimal form).
func textOf(v *capability.Value) string {
	switch v.Kind {
	case capability.KindText:
		return v.Text
	case capability.KindBlob:
		return string(v.Blob)
	case capability.KindInteger:
		return strconv.FormatInt(v.Integer, 10)
	case capability.KindFloat:
		return strconv.FormatFloat(v.Float, 'g', 15, 64)
	}
	return ""
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

// liveValue is live for an expires_at_ms read in a batch.
func liveValue(v *capability.Value, now int64) bool {
	return v.Kind == capability.KindNull || intOf(v) > now
}
