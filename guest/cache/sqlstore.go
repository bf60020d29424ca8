package cache

import (
	"github.com/sandcache/sandcache/guest/capability"
	"github.com/sandcache/sandcache/guest/jsonv"
	"github.com/sandcache/sandcache/guest/record"
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
	if err := s.exec(qBegin); err != nil {
		return err
	}
	if err := f(); err != nil {
		_ = s.exec(qRollback)
		return err
	}
	if err := s.exec(qCommit); err != nil {
		_ = s.exec(qRollback)
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

// query binds args to q's statement and returns it ready to step; the
// caller must pass it to finish.
func (s *sqlStore) query(q query, args ...arg) (capability.Stmt, error) {
	st, err := s.stmt(q)
	if err != nil {
		return 0, err
	}
	if err := s.bind(st, args); err != nil {
		s.sql.Reset(st)
		return 0, err
	}
	return st, nil
}

// step advances st: true when a row is ready.
func (s *sqlStore) step(st capability.Stmt) (bool, error) {
	row, err := s.sql.Step(st)
	if err != nil {
		return false, sqlErr(err)
	}
	return row, nil
}

// finish resets st for its next use.
func (s *sqlStore) finish(st capability.Stmt) { s.sql.Reset(st) }

// exec runs q, a statement without result rows.
func (s *sqlStore) exec(q query, args ...arg) error {
	st, err := s.query(q, args...)
	if err != nil {
		return err
	}
	defer s.finish(st)
	_, err = s.step(st)
	return err
}

// execCount runs q and returns the number of rows it changed.
func (s *sqlStore) execCount(q query, args ...arg) (int64, error) {
	if err := s.exec(q, args...); err != nil {
		return 0, err
	}
	return s.sql.Changes(s.db), nil
}

// queryInt runs q and returns the first column of its first row (0 if none).
func (s *sqlStore) queryInt(q query, args ...arg) (int64, error) {
	st, err := s.query(q, args...)
	if err != nil {
		return 0, err
	}
	defer s.finish(st)
	row, err := s.step(st)
	if err != nil || !row {
		return 0, err
	}
	return s.sql.ColumnInt(st, 0), nil
}

func (s *sqlStore) get(ns, key string, now int64) (Lookup, error) {
	st, err := s.query(qGet, text(ns), text(key))
	if err != nil {
		return Lookup{}, err
	}
	row, err := s.step(st)
	if err != nil || !row {
		s.finish(st)
		return Lookup{}, err
	}
	valueJSON := s.sql.ColumnText(st, 0)
	hasExpiry := s.sql.ColumnKind(st, 1) != capability.KindNull
	var expiry int64
	if hasExpiry {
		expiry = s.sql.ColumnInt(st, 1)
	}
	s.finish(st)
	if hasExpiry && expiry <= now {
		// Delete only while still expired: a fresh put may have replaced it.
		return Lookup{Expired: true}, s.exec(qDeleteExpiredKey, text(ns), text(key), num(now))
	}
	value := []byte(valueJSON)
	if !jsonv.IsCanonical(value) {
		v, err := jsonv.Parse(value)
		if err != nil {
			// Not JSON: the original deletes it and misses.
			return Lookup{}, s.exec(qDeleteCorruptKey, text(ns), text(key), text(valueJSON))
		}
		value = v.AppendCompact(nil)
	}
	if err := s.exec(qTouch, text(ns), text(key), num(now)); err != nil {
		return Lookup{}, err
	}
	return Lookup{Value: value, Hit: true}, nil
}

func (s *sqlStore) put(ns, key string, _ jsonv.Value, compact []byte, now int64, ttlMs uint64, max uint32) (PutOutcome, error) {
	var out PutOutcome
	err := s.tx(func() error {
		if err := s.exec(qInsert, text(ns), text(key), num(now), text(string(compact)), num(record.ExpiresAt(now, ttlMs))); err != nil {
			return err
		}
		expired, err := s.execCount(qDeleteExpired, text(ns), num(now))
		if err != nil {
			return err
		}
		out.Expired = uint32(expired)
		count, err := s.queryInt(qCount, text(ns))
		if err != nil {
			return err
		}
		if excess := count - int64(max); count > int64(max) && excess > 0 { // no wrap-around on a bogus count
			evicted, err := s.execCount(qEvict, text(ns), num(excess))
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
	st, err := s.query(qDelete, text(ns), text(key))
	if err != nil {
		return false, err
	}
	defer s.finish(st)
	row, err := s.step(st)
	if err != nil || !row {
		return false, err
	}
	live := s.sql.ColumnKind(st, 0) == capability.KindNull || s.sql.ColumnInt(st, 0) > now
	// Run the statement to completion so the delete takes effect.
	for row && err == nil {
		row, err = s.step(st)
	}
	return live, err
}

func (s *sqlStore) clear(ns string) error {
	return s.exec(qClear, text(ns))
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
	n, err := s.execCount(qPurge, num(now))
	return uint64(n), err
}

func (s *sqlStore) keys(ns, prefix string, now int64) ([]string, error) {
	st, err := s.query(qKeys, text(ns), num(now), text(prefix))
	if err != nil {
		return nil, err
	}
	defer s.finish(st)
	var keys []string
	for {
		row, err := s.step(st)
		if err != nil || !row {
			return keys, err
		}
		keys = append(keys, s.sql.ColumnText(st, 0))
	}
}
