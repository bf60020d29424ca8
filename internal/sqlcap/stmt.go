package sqlcap

import (
	"math"
	"strings"

	"github.com/ncruces/go-sqlite3"

	"github.com/sandcache/sandcache/internal/guest/capability"
)

// Prepare prepares one statement on db. SQL after the first statement
// (other than white space and comments) fails with InvalidArgument, as
// does SQL with no statement at all.
func (s *Session) Prepare(db capability.DB, sql string) (h capability.Stmt, err error) {
	c, err := s.conn(db)
	if err != nil {
		return 0, err
	}
	defer s.recoverOOM(c.label, &err)
	if lim := s.g.limits.Statements; s.stmts.live >= lim {
		return 0, capability.Errorf(capability.IO, "sql %s: too many prepared statements (the limit is %d per instance)", c.label, lim)
	}
	if s.text+len(sql) > maxSQLTextBytes && len(sql) <= maxSQLBytes {
		return 0, capability.Errorf(capability.IO, "sql %s: too much prepared statement text (the limit is %d bytes per instance)", c.label, maxSQLTextBytes)
	}
	if err := s.ensureLive(c); err != nil {
		return 0, err
	}
	if isVacuum(sql) {
		return 0, capability.Errorf(capability.NotPermitted, "sql %s: VACUUM is not permitted", c.label)
	}
	c.denied = ""
	st, tail, err := c.c.Prepare(sql)
	if err != nil {
		return 0, s.connErr(c, err)
	}
	if st == nil {
		return 0, capability.Errorf(capability.InvalidArgument, "sql %s: no statement in %q", c.label, sql)
	}
	if strings.TrimSpace(tail) != "" {
		// Only comments left is fine: preparing them yields no statement.
		more, _, err := c.c.Prepare(tail)
		if more != nil || err != nil {
			more.Close()
			st.Close()
			return 0, capability.Errorf(capability.InvalidArgument, "sql %s: more than one statement in %q", c.label, sql)
		}
	}
	e := &stmt{s: st, sql: strings.Clone(sql[:len(sql)-len(tail)]), db: c}
	hv, ok := s.stmts.add(e)
	if !ok {
		st.Close()
		return 0, capability.Errorf(capability.IO, "sql %s: too many prepared statements", c.label)
	}
	e.h = capability.Stmt(hv)
	c.stmts[e.h] = e
	s.text += len(e.sql)
	return e.h, nil
}

// Finalize releases a statement. Unknown handles are ignored.
func (s *Session) Finalize(h capability.Stmt) {
	e, ok := s.stmts.get(uint32(h))
	if !ok {
		return
	}
	if e.s != nil {
		_ = e.s.Close()
	}
	delete(e.db.stmts, h)
	s.stmts.remove(uint32(h))
	s.text -= len(e.sql)
}

// stmt returns the statement of handle h, prepared on an open connection.
func (s *Session) stmt(h capability.Stmt) (*stmt, error) {
	e, ok := s.stmts.get(uint32(h))
	if !ok {
		return nil, capability.Errorf(capability.Internal, "sql: unknown statement handle %d", h)
	}
	if e.s != nil && e.db.c != nil {
		s.tick++
		e.db.lastUse = s.tick
		return e, nil
	}
	return e, s.revive(e)
}

// revive reopens e's connection and prepares e again after they were
// closed to make room (Limits.Connections).
func (s *Session) revive(e *stmt) (err error) {
	defer s.recoverOOM(e.db.label, &err)
	if err := s.ensureLive(e.db); err != nil {
		return err
	}
	if e.s == nil {
		st, _, err := e.db.c.Prepare(e.sql)
		if err != nil {
			return s.connErr(e.db, err)
		}
		e.s = st
	}
	return nil
}

// param converts a 1-based parameter index.
func param(e *stmt, index uint32) (int, error) {
	if index == 0 || index > math.MaxInt32 {
		return 0, capability.Errorf(capability.InvalidArgument, "sql %s: parameter index %d out of range", e.db.label, index)
	}
	return int(index), nil
}

// bind runs one bind call on statement h.
func (s *Session) bind(h capability.Stmt, index uint32, f func(st *sqlite3.Stmt, i int) error) (err error) {
	e, err := s.stmt(h)
	if err != nil {
		return err
	}
	i, err := param(e, index)
	if err != nil {
		return err
	}
	defer s.recoverOOM(e.db.label, &err)
	e.bound = true
	return s.connErr(e.db, f(e.s, i))
}

// BindNull binds parameter index (1-based) to NULL.
func (s *Session) BindNull(h capability.Stmt, index uint32) error {
	return s.bind(h, index, func(st *sqlite3.Stmt, i int) error { return st.BindNull(i) })
}

// BindInt binds an integer.
func (s *Session) BindInt(h capability.Stmt, index uint32, v int64) error {
	return s.bind(h, index, func(st *sqlite3.Stmt, i int) error { return st.BindInt64(i, v) })
}

// BindFloat binds a float.
func (s *Session) BindFloat(h capability.Stmt, index uint32, v float64) error {
	return s.bind(h, index, func(st *sqlite3.Stmt, i int) error { return st.BindFloat(i, v) })
}

// BindText binds text. v is copied before BindText returns, so it may
// alias memory the caller reuses (a view of guest memory).
func (s *Session) BindText(h capability.Stmt, index uint32, v string) error {
	return s.bind(h, index, func(st *sqlite3.Stmt, i int) error { return st.BindText(i, v) })
}

// BindBlob binds a blob; nil binds an empty blob, not NULL. v is copied
// before BindBlob returns.
func (s *Session) BindBlob(h capability.Stmt, index uint32, v []byte) error {
	if v == nil {
		v = []byte{}
	}
	return s.bind(h, index, func(st *sqlite3.Stmt, i int) error { return st.BindBlob(i, v) })
}

// Step advances statement h: true when a row is available, false when it
// is done. Errors: IO "database is busy" when a lock stayed taken for
// BusyTimeout, IO "interrupted" after the Session's context is done,
// Corrupt for a damaged database, NotPermitted for SQLite's permission
// and authorisation errors, InvalidArgument for oversized values, IO for
// the rest; messages are SQLite's, prefixed with the database name.
func (s *Session) Step(h capability.Stmt) (row bool, err error) {
	e, err := s.stmt(h)
	if err != nil {
		return false, err
	}
	defer s.recoverOOM(e.db.label, &err)
	e.db.denied = ""
	if e.s.Step() {
		e.ncols = e.s.DataCount()
		return true, nil
	}
	e.ncols = 0
	return false, s.connErr(e.db, e.s.Err())
}

// Reset resets statement h and clears its bindings so it can run again.
// The error of the last Step, which SQLite reports again here, is not
// repeated.
func (s *Session) Reset(h capability.Stmt) (err error) {
	if e, ok := s.stmts.get(uint32(h)); ok && e.s == nil {
		e.ncols, e.bound = 0, false // closed to make room: nothing to reset
		return nil
	}
	e, err := s.stmt(h)
	if err != nil {
		return err
	}
	if !e.bound && e.ncols == 0 && !e.s.Busy() {
		// Nothing bound, not stepped since its last reset or run to its
		// end: nothing to do (sql.run resets each statement before it
		// binds it).
		return nil
	}
	defer s.recoverOOM(e.db.label, &err)
	e.ncols, e.bound = 0, false
	_ = e.s.Reset()
	e.db.afterReset()
	return s.connErr(e.db, e.s.ClearBindings())
}

// isVacuum reports whether sql's first keyword, after white space and
// comments, is VACUUM: SQLite has no authorizer action for it (VACUUM INTO
// is denied when it steps, as an ATTACH; this denies it when prepared).
func isVacuum(sql string) bool {
	for {
		sql = strings.TrimLeft(sql, " \t\r\n\f")
		switch {
		case strings.HasPrefix(sql, "--"):
			i := strings.IndexByte(sql, '\n')
			if i < 0 {
				return false
			}
			sql = sql[i+1:]
		case strings.HasPrefix(sql, "/*"):
			i := strings.Index(sql[2:], "*/")
			if i < 0 {
				return false
			}
			sql = sql[i+4:]
		default:
			return len(sql) >= 6 && strings.EqualFold(sql[:6], "vacuum")
		}
	}
}
