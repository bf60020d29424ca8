package cache

import (
	"github.com/sandcache/sandcache/guest/capability"
	"github.com/sandcache/sandcache/guest/jsonv"
)

// sqlStore is the sqlite backend (and, over the host's in-memory database,
// the mem backend): SPEC section 5.
type sqlStore struct {
	sql   capability.SQL
	db    capability.DB
	name  string
	stmts [numQueries]capability.Stmt
}

func openSQL(sql capability.SQL, name string, memory bool) (*sqlStore, error) {
	db, err := sql.Open(name, memory)
	if err != nil {
		return nil, sqlErr(err)
	}
	s := &sqlStore{sql: sql, db: db, name: name}
	if err := s.ensureSchema(); err != nil {
		sql.Close(db)
		return nil, err
	}
	return s, nil
}

func (s *sqlStore) close() {
	for i, st := range s.stmts {
		if st != 0 {
			s.sql.Finalize(st)
			s.stmts[i] = 0
		}
	}
	s.sql.Close(s.db)
}

// sqlErr prefixes a capability error the way the original reports SQLite
// errors, keeping its code.
func sqlErr(err error) error {
	if e, ok := err.(*capability.Error); ok {
		return &capability.Error{Code: e.Code, Message: "cache sqlite error: " + e.Message}
	}
	return capability.Errorf(capability.Internal, "cache sqlite error: %v", err)
}

// ensureSchema creates the original's table and index (exact text, so
// sqlite_master matches a Harn-made file) plus sandcache's own objects: an
// index on (namespace, expires_at_ms) and a per-namespace entry count kept by
// triggers, so that put need not COUNT(*) the namespace. The triggers also
// fire for writes made by the original, keeping the count exact.
func (s *sqlStore) ensureSchema() error {
	n, err := s.queryInt(qSchemaCheck)
	if err != nil {
		return err
	}
	if n == int64(len(schemaObjects)) {
		return nil
	}
	return s.tx(func() error {
		for _, ddl := range schemaDDL {
			if err := s.sql.Exec(s.db, ddl); err != nil {
				return sqlErr(err)
			}
		}
		return nil
	})
}

// tx runs f inside BEGIN IMMEDIATE ... COMMIT, rolling back on error.
func (s *sqlStore) tx(f func() error) error {
	if err := s.execStmt(qBegin); err != nil {
		return err
	}
	if err := f(); err != nil {
		_ = s.execStmt(qRollback)
		return err
	}
	if err := s.execStmt(qCommit); err != nil {
		_ = s.execStmt(qRollback)
		return err
	}
	return nil
}

// stmt returns the prepared statement for q, preparing it on first use.
func (s *sqlStore) stmt(q query) (capability.Stmt, error) {
	if st := s.stmts[q]; st != 0 {
		return st, nil
	}
	st, err := s.sql.Prepare(s.db, queries[q])
	if err != nil {
		return 0, sqlErr(err)
	}
	s.stmts[q] = st
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

// bind binds args to st from parameter 1.
func (s *sqlStore) bind(st capability.Stmt, args []arg) error {
	for i, a := range args {
		var err error
		idx := uint32(i + 1)
		switch a.kind {
		case 'i':
			err = s.sql.BindInt(st, idx, a.i)
		case 't':
			err = s.sql.BindText(st, idx, a.t)
		default:
			err = s.sql.BindNull(st, idx)
		}
		if err != nil {
			return sqlErr(err)
		}
	}
	return nil
}

// run binds args to q's statement and steps it to completion, calling row
// for each result row; it returns the number of rows changed.
func (s *sqlStore) run(q query, row func(st capability.Stmt), args ...arg) (int64, error) {
	st, err := s.stmt(q)
	if err != nil {
		return 0, err
	}
	defer s.sql.Reset(st)
	if err := s.bind(st, args); err != nil {
		return 0, err
	}
	for {
		more, err := s.sql.Step(st)
		if err != nil {
			return 0, sqlErr(err)
		}
		if !more {
			break
		}
		if row != nil {
			row(st)
		}
	}
	return s.sql.Changes(s.db), nil
}

func (s *sqlStore) execStmt(q query, args ...arg) error {
	_, err := s.run(q, nil, args...)
	return err
}

// queryInt runs q and returns the first column of its first row (0 if none).
func (s *sqlStore) queryInt(q query, args ...arg) (int64, error) {
	var n int64
	_, err := s.run(q, func(st capability.Stmt) { n = s.sql.ColumnInt(st, 0) }, args...)
	return n, err
}

func (s *sqlStore) get(ns, key string, now int64) (Lookup, error) {
	var (
		found     bool
		valueJSON string
		hasExpiry bool
		expiry    int64
	)
	_, err := s.run(qGet, func(st capability.Stmt) {
		found = true
		valueJSON = s.sql.ColumnText(st, 0)
		if s.sql.ColumnKind(st, 1) != capability.KindNull {
			hasExpiry = true
			expiry = s.sql.ColumnInt(st, 1)
		}
	}, text(ns), text(key))
	if err != nil || !found {
		return Lookup{}, err
	}
	if hasExpiry && expiry <= now {
		// Delete only while still expired: a fresh put may have replaced it.
		return Lookup{Expired: true}, s.execStmt(qDeleteExpiredKey, text(ns), text(key), num(now))
	}
	v, err := jsonv.Parse([]byte(valueJSON))
	if err != nil {
		// Not JSON: the original deletes it and misses.
		return Lookup{}, s.execStmt(qDeleteCorruptKey, text(ns), text(key), text(valueJSON))
	}
	if err := s.execStmt(qTouch, text(ns), text(key), num(now)); err != nil {
		return Lookup{}, err
	}
	return Lookup{Value: v.AppendCompact(nil), Hit: true}, nil
}

func (s *sqlStore) put(ns, key string, _ jsonv.Value, compact []byte, now int64, ttlMs uint64, max uint32) (PutOutcome, error) {
	var out PutOutcome
	err := s.tx(func() error {
		if err := s.execStmt(qInsert, text(ns), text(key), num(now), text(string(compact)), num(expiresAt(now, ttlMs))); err != nil {
			return err
		}
		expired, err := s.run(qDeleteExpired, nil, text(ns), num(now))
		if err != nil {
			return err
		}
		out.Expired = uint32(expired)
		count, err := s.queryInt(qCount, text(ns))
		if err != nil {
			return err
		}
		if excess := count - int64(max); excess > 0 {
			evicted, err := s.run(qEvict, nil, text(ns), num(excess))
			if err != nil {
				return err
			}
			out.Evicted = uint32(evicted)
		}
		return nil
	})
	return out, err
}

func (s *sqlStore) delete(ns, key string, now int64) (bool, error) {
	live := false
	_, err := s.run(qDelete, func(st capability.Stmt) {
		live = s.sql.ColumnKind(st, 0) == capability.KindNull || s.sql.ColumnInt(st, 0) > now
	}, text(ns), text(key))
	return live, err
}

func (s *sqlStore) clear(ns string) error {
	return s.execStmt(qClear, text(ns))
}

func (s *sqlStore) stats(ns string, now int64) (Stats, error) {
	total, err := s.queryInt(qCount, text(ns))
	if err != nil {
		return Stats{}, err
	}
	expired, err := s.queryInt(qCountExpired, text(ns), num(now))
	if err != nil {
		return Stats{}, err
	}
	live := total - expired
	if live < 0 {
		live = 0
	}
	return Stats{Entries: uint64(live), Expired: uint64(expired)}, nil
}

func (s *sqlStore) purge(now int64) (uint64, error) {
	n, err := s.run(qPurge, nil, num(now))
	return uint64(n), err
}

func (s *sqlStore) keys(ns, prefix string, now int64) ([]string, error) {
	var keys []string
	_, err := s.run(qKeys, func(st capability.Stmt) {
		keys = append(keys, s.sql.ColumnText(st, 0))
	}, text(ns), num(now), text(prefix))
	return keys, err
}
