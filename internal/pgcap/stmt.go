package pgcap

import (
	"fmt"
	"math"
	"reflect"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/sandcache/sandcache/internal/guest/capability"
)

// stmt is a prepared statement: its text, bindings and, once run, its
// buffered result.
type stmt struct {
	sql  string
	db   *database
	sc   screened
	args []any // bound values, NULL when unbound; len = highest $n

	ran  bool
	cols int
	rows [][]cell
	pos  int // 1-based index of the current row; 0 before the first
}

// cell is one value of a result row.
type cell struct {
	kind capability.Kind
	i    int64
	f    float64
	s    string
	b    []byte
}

// Prepare screens one statement (package doc) and returns its handle.
// Parameters are $1..$n; an unbound parameter is NULL.
func (s *Session) Prepare(db capability.DB, sql string) (capability.Stmt, error) {
	d, ok := s.dbs[db]
	if !ok {
		return 0, capability.Errorf(capability.Internal, "sql: unknown database handle %d", db)
	}
	sc, err := screen(sql)
	if err != nil {
		return 0, err
	}
	h := capability.Stmt(s.handle())
	s.stmts[h] = &stmt{sql: sql, db: d, sc: sc, args: make([]any, sc.params)}
	d.stmts[h] = struct{}{}
	return h, nil
}

// Finalize releases a statement. Unknown handles are ignored.
func (s *Session) Finalize(h capability.Stmt) {
	if st, ok := s.stmts[h]; ok {
		delete(st.db.stmts, h)
		delete(s.stmts, h)
	}
}

func (s *Session) stmt(h capability.Stmt) (*stmt, error) {
	st, ok := s.stmts[h]
	if !ok {
		return nil, capability.Errorf(capability.Internal, "sql: unknown statement handle %d", h)
	}
	return st, nil
}

// bind sets parameter index (1-based) of h to v.
func (s *Session) bind(h capability.Stmt, index uint32, v any) error {
	st, err := s.stmt(h)
	if err != nil {
		return err
	}
	if index == 0 || index > uint32(len(st.args)) {
		return capability.Errorf(capability.InvalidArgument, "postgres %s: parameter index %d out of range (the statement has %d)", st.db.label, index, len(st.args))
	}
	st.args[index-1] = v
	return nil
}

// BindNull binds parameter index (1-based) to NULL.
func (s *Session) BindNull(h capability.Stmt, index uint32) error { return s.bind(h, index, nil) }

// BindInt binds an integer.
func (s *Session) BindInt(h capability.Stmt, index uint32, v int64) error {
	return s.bind(h, index, v)
}

// BindFloat binds a float.
func (s *Session) BindFloat(h capability.Stmt, index uint32, v float64) error {
	return s.bind(h, index, v)
}

// BindText binds text; v is copied (it may alias guest memory).
func (s *Session) BindText(h capability.Stmt, index uint32, v string) error {
	return s.bind(h, index, string(append([]byte(nil), v...)))
}

// BindBlob binds a blob (nil binds an empty blob, not NULL); v is copied.
func (s *Session) BindBlob(h capability.Stmt, index uint32, v []byte) error {
	return s.bind(h, index, append([]byte{}, v...))
}

// Step advances h: the first Step runs the statement and buffers its
// result; true when a row is available, false when it is done. Errors are
// described in the package doc.
func (s *Session) Step(h capability.Stmt) (bool, error) {
	st, err := s.stmt(h)
	if err != nil {
		return false, err
	}
	if !st.ran {
		if err := s.run(st); err != nil {
			st.ran = false // the next Step runs it again
			return false, err
		}
	}
	if st.pos < len(st.rows) {
		st.pos++
		return true, nil
	}
	st.pos = len(st.rows) + 1
	return false, nil
}

// Reset forgets h's result and clears its bindings so it can run again.
func (s *Session) Reset(h capability.Stmt) error {
	st, err := s.stmt(h)
	if err != nil {
		return err
	}
	st.ran, st.rows, st.pos, st.cols = false, nil, 0, 0
	clear(st.args)
	return nil
}

// run executes st on the call's connection and buffers its rows.
func (s *Session) run(st *stmt) error {
	st.ran, st.rows, st.pos, st.cols = true, nil, 0, 0
	if s.lostTx {
		if st.sc.rollback {
			s.lostTx = false
			return nil
		}
		return capability.Errorf(capability.IO, "postgres %s: the connection was lost inside a transaction; roll it back", st.db.label)
	}
	pc, err := s.acquire()
	if err != nil {
		return err
	}
	inTx := pc.Conn().PgConn().TxStatus() != 'I'
	err = s.query(st)
	if err != nil && pc.Conn().IsClosed() {
		// A broken connection: drop it; the next statement connects
		// again. A transaction it held is gone.
		s.release()
		s.lostTx = inTx && !st.sc.rollback
	}
	return err
}

// query runs st and buffers its result, within the result size cap.
func (s *Session) query(st *stmt) error {
	rows, err := s.conn.Conn().Query(s.ctx, st.sql, st.args...)
	if err != nil {
		return errOf(s.ctx, err)
	}
	defer rows.Close()
	st.cols = len(rows.FieldDescriptions())
	var size int64
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return errOf(s.ctx, err)
		}
		row := make([]cell, len(vals))
		for i, v := range vals {
			row[i] = cellOf(v)
			size += int64(len(row[i].s)+len(row[i].b)) + 32
		}
		if size > s.c.cfg.maxResultBytes {
			return capability.Errorf(capability.IO, "postgres %s: result larger than %d bytes", st.db.label, s.c.cfg.maxResultBytes)
		}
		st.rows = append(st.rows, row)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		st.rows = nil
		return errOf(s.ctx, err)
	}
	if tag := rows.CommandTag(); tag.Insert() || tag.Update() || tag.Delete() {
		st.db.changes = tag.RowsAffected()
	}
	return nil
}

// cellOf converts a value decoded by pgx (ColumnKind's rules): integers
// of every size and booleans to KindInteger (an unsigned one beyond int64,
// like any other type, as text), floats and numerics to KindFloat, bytea
// to KindBlob, text to KindText.
func cellOf(v any) cell {
	switch x := v.(type) {
	case nil:
		return cell{kind: capability.KindNull}
	case bool:
		if x {
			return cell{kind: capability.KindInteger, i: 1}
		}
		return cell{kind: capability.KindInteger}
	case string:
		return cell{kind: capability.KindText, s: x}
	case []byte:
		return cell{kind: capability.KindBlob, b: x}
	case pgtype.Numeric:
		f, err := x.Float64Value()
		if err == nil && f.Valid {
			return cell{kind: capability.KindFloat, f: f.Float64}
		}
		return cell{kind: capability.KindNull}
	}
	// The numbers, whatever their width (pgx decodes int2, int4, int8, oid,
	// float4 and float8 to int16, int32, int64, uint32, float32, float64).
	switch n := reflect.ValueOf(v); {
	case n.CanInt():
		return cell{kind: capability.KindInteger, i: n.Int()}
	case n.CanUint() && n.Uint() <= math.MaxInt64:
		return cell{kind: capability.KindInteger, i: int64(n.Uint())}
	case n.CanFloat():
		return cell{kind: capability.KindFloat, f: n.Float()}
	}
	return cell{kind: capability.KindText, s: fmt.Sprint(v)}
}
