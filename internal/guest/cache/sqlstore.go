package cache

import (
	"github.com/sandcache/sandcache/internal/guest/capability"
	"github.com/sandcache/sandcache/internal/guest/jsonv"
	"github.com/sandcache/sandcache/internal/guest/record"
)

// sqlStore is the sqlite backend (and, over the host's in-memory database,
// the mem backend): SPEC section 5.
type sqlStore struct {
	runner[query]

	pending []stamp // deferred LRU stamps, oldest first (sqlstamps.go)
	calls   uint64  // operations served, counting the current one (begin)
}

func openSQL(sql capability.SQL, name string, memory bool) (*sqlStore, error) {
	db, err := sql.Open(name, memory)
	if err != nil {
		return nil, prefixErr(sqlitePrefix, err)
	}
	s := &sqlStore{runner: newRunner(sql, db, queries[:], sqlitePrefix, qBegin, qCommit, qRollback)}
	if err := s.ensureSchema(); err != nil {
		s.runner.close()
		return nil, err
	}
	return s, nil
}

func (s *sqlStore) close() {
	_ = s.flush() // best effort: nothing can report an error here
	s.runner.close()
}

// ensureSchema creates the original's table and index (exact text, so
// sqlite_master matches a Harn-made file) plus sandcache's own objects: an
// index on (namespace, expires_at_ms) and a per-namespace entry count kept by
// triggers, so that put need not COUNT(*) the namespace. The triggers also
// fire for writes made by the original, keeping the count exact.
func (s *sqlStore) ensureSchema() error {
	n, _, err := s.queryInt(qSchemaCheck)
	if err != nil {
		return err
	}
	if n == int64(len(schemaObjects)) {
		return nil
	}
	return s.tx(func() error {
		for _, ddl := range schemaDDL {
			if err := s.sql.Exec(s.db, ddl); err != nil {
				return s.wrap(err)
			}
		}
		return nil
	})
}

func (s *sqlStore) get(ns, key string, now int64) (Lookup, error) {
	s.begin(now)
	// The store's first operation never defers its stamp.
	first := s.calls <= 1
	// With pending stamps, read inside a deferred transaction: writing
	// them then takes the write lock or fails at once.
	inTx := s.batchDue(now)
	if inTx {
		if err := s.exec(qBeginDeferred); err != nil {
			return Lookup{}, err
		}
	}
	st, row, err := s.query(qGet, text(ns), text(key))
	if err != nil {
		return Lookup{}, s.endRead(inTx, err)
	}
	if !row {
		s.finish(st)
		if inTx {
			_, err = s.tryPending()
		}
		return Lookup{}, err
	}
	valueJSON := s.sql.ColumnText(st, 0)
	// ColumnInt reads NULL as 0: only then is the kind needed.
	expiry := s.sql.ColumnInt(st, 1)
	hasExpiry := expiry != 0 || s.sql.ColumnKind(st, 1) != capability.KindNull
	if hasExpiry && expiry <= now {
		s.finish(st)
		if err := s.endRead(inTx, nil); err != nil {
			return Lookup{}, err
		}
		// Delete only while still expired: a fresh put may have replaced it.
		return Lookup{Expired: true}, s.inWrite(func() error {
			return s.exec(qDeleteExpiredKey, text(ns), text(key), num(now))
		})
	}
	value, err := jsonv.Canonical([]byte(valueJSON))
	if err != nil {
		s.finish(st)
		if err := s.endRead(inTx, nil); err != nil {
			return Lookup{}, err
		}
		// Not JSON: the original deletes it and misses.
		return Lookup{}, s.inWrite(func() error {
			return s.exec(qDeleteCorruptKey, text(ns), text(key), text(valueJSON))
		})
	}
	hit := Lookup{Value: value, Hit: true}
	if len(s.pending) > 0 && !inTx {
		// A batch is filling: no write this time.
		s.deferStamp(st, ns, key, now)
		s.finish(st)
		return hit, nil
	}
	// Stamp while the read is still open: when another connection holds
	// the write lock, SQLite says so at once instead of waiting.
	err = nil
	if inTx {
		err = s.applyPending()
	}
	if err == nil {
		err = s.exec(qTouch, text(ns), text(key), num(now))
	}
	if isBusy(err) && (inTx || !first) {
		s.deferStamp(st, ns, key, now)
		s.finish(st)
		return hit, s.endRead(inTx, nil)
	}
	s.finish(st)
	if inTx {
		if err == nil {
			if err = s.exec(qCommit); err == nil {
				s.donePending()
				return hit, nil
			}
		}
		return Lookup{}, s.endRead(true, err)
	}
	if isBusy(err) {
		// The first get of this store waits for the lock: a process that
		// runs one command leaves the rows the original would.
		err = s.exec(qTouch, text(ns), text(key), num(now))
	}
	if err != nil {
		return Lookup{}, err
	}
	return hit, nil
}

// endRead ends get's deferred transaction, if it began one, without
// writing; it returns err, or the rollback's error when err is nil.
func (s *sqlStore) endRead(inTx bool, err error) error {
	if !inTx {
		return err
	}
	if rerr := s.exec(qRollback); err == nil {
		err = rerr
	}
	return err
}

func (s *sqlStore) put(ns, key string, _ jsonv.Value, compact []byte, now int64, ttlMs uint64, max uint32) (PutOutcome, error) {
	s.calls++ // its transaction writes the pending stamps
	var out PutOutcome
	err := s.tx(func() error {
		if err := s.applyPending(); err != nil {
			return err
		}
		if err := s.exec(qInsert, text(ns), text(key), num(now), text(string(compact)), num(record.ExpiresAt(now, ttlMs))); err != nil {
			return err
		}
		// One statement removes the expired entries and then the least
		// recently used beyond max; each row it returns says which it was.
		st, row, err := s.query(qPrune, text(ns), num(now), num(int64(max)))
		if err != nil {
			return err
		}
		defer s.finish(st)
		for ; row && err == nil; row, err = s.step(st) {
			if s.sql.ColumnInt(st, 0) != 0 {
				out.Expired++
			} else {
				out.Evicted++
			}
		}
		return err
	})
	if err == nil {
		s.donePending()
	}
	return out, err
}

func (s *sqlStore) delete(ns, key string, now int64) (live bool, err error) {
	s.calls++ // its transaction writes the pending stamps
	err = s.inWrite(func() error {
		st, row, err := s.query(qDelete, text(ns), text(key))
		if err != nil {
			return err
		}
		defer s.finish(st)
		if !row {
			return nil
		}
		live = s.live(st, 0, now)
		// Run the statement to completion so the delete takes effect.
		for row && err == nil {
			row, err = s.step(st)
		}
		return err
	})
	if err != nil {
		return false, err
	}
	return live, nil
}

func (s *sqlStore) clear(ns string) error {
	s.calls++ // its transaction writes the pending stamps
	return s.inWrite(func() error { return s.exec(qClear, text(ns)) })
}

func (s *sqlStore) stats(ns string, now int64) (Stats, error) {
	s.begin(now)
	total, _, err := s.queryInt(qCount, text(ns))
	if err != nil {
		return Stats{}, err
	}
	expired, _, err := s.queryInt(qCountExpired, text(ns), num(now))
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
	s.calls++ // its transaction writes the pending stamps
	var n int64
	err := s.inWrite(func() (err error) {
		n, err = s.execCount(qPurge, num(now))
		return err
	})
	return uint64(n), err
}

func (s *sqlStore) keys(ns, prefix string, now int64) ([]string, error) {
	s.begin(now)
	return s.texts(qKeys, text(ns), num(now), text(prefix))
}
