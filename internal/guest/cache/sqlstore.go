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
	// Without pending stamps, a hit stamps its entry in the same batch,
	// while its read is still open: when another connection holds the
	// write lock, the stamp ends the batch at once instead of waiting.
	stampNow := !inTx && !first && len(s.pending) == 0
	if inTx {
		s.add(qBeginDeferred, 0)
	}
	s.add(qGet, 1).text(ns).text(key)
	if stampNow {
		s.addTry(qTouch, true).text(ns).text(key).num(now)
	}
	row, stamped, err := s.run()
	if err != nil {
		return Lookup{}, s.endRead(inTx, err)
	}
	if len(row) < 3 {
		if inTx {
			_, err = s.tryPending()
		}
		return Lookup{}, err
	}
	valueJSON, created := textOf(&row[0]), intOf(&row[2])
	if !liveValue(&row[1], now) {
		if err := s.endRead(inTx, nil); err != nil {
			return Lookup{}, err
		}
		// Delete only while still expired: a fresh put may have replaced it.
		_, err := s.write(false, func() { s.add(qDeleteExpiredKey, 0).text(ns).text(key).num(now) })
		return Lookup{Expired: true}, err
	}
	// Canonical returns its input when it is canonical already, as a
	// stored value is: the hit returns the row's text, not a copy of it.
	value, err := jsonv.Canonical(readOnlyBytes(valueJSON))
	if err != nil {
		if err := s.endRead(inTx, nil); err != nil {
			return Lookup{}, err
		}
		// Not JSON: the original deletes it and misses.
		_, err := s.write(false, func() { s.add(qDeleteCorruptKey, 0).text(ns).text(key).text(valueJSON) })
		return Lookup{}, err
	}
	hit := Lookup{Value: value, Hit: true}
	switch {
	case stampNow:
		if !stamped {
			s.deferStamp(ns, key, now, created)
		}
		return hit, nil
	case len(s.pending) > 0 && !inTx:
		// A batch is filling: no write this time.
		s.deferStamp(ns, key, now, created)
		return hit, nil
	case inTx:
		// The read transaction is open: taking the write lock fails at
		// once when another connection holds it.
		s.addPending(true)
		s.addTry(qTouch, false).text(ns).text(key).num(now)
		s.add(qCommit, 0)
		_, done, err := s.run()
		if err != nil {
			return Lookup{}, s.endRead(true, err)
		}
		if !done {
			s.deferStamp(ns, key, now, created)
			return hit, s.endRead(true, nil)
		}
		s.donePending()
		return hit, nil
	}
	// The first get of this store waits for the lock: a process that
	// runs one command leaves the rows the original would.
	s.add(qTouch, 0).text(ns).text(key).num(now)
	if _, _, err := s.run(); err != nil {
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
	// One statement removes the expired entries and then the least
	// recently used beyond max; each row it returns says which it was.
	pruned, err := s.write(true, func() {
		s.add(qInsert, 0).text(ns).text(key).num(now).text(readOnlyString(compact)).num(record.ExpiresAt(now, ttlMs))
		s.add(qPrune, maxRows).text(ns).num(now).num(int64(max))
	})
	if err != nil {
		return PutOutcome{}, err
	}
	var out PutOutcome
	for i := range pruned {
		if intOf(&pruned[i]) != 0 {
			out.Expired++
		} else {
			out.Evicted++
		}
	}
	return out, nil
}

func (s *sqlStore) delete(ns, key string, now int64) (live bool, err error) {
	s.calls++ // its transaction writes the pending stamps
	// All its rows (one at most): a write left open would keep COMMIT from
	// ending the transaction.
	row, err := s.write(false, func() { s.add(qDelete, maxRows).text(ns).text(key) })
	if err != nil || len(row) == 0 {
		return false, err
	}
	return liveValue(&row[0], now), nil
}

func (s *sqlStore) clear(ns string) error {
	s.calls++ // its transaction writes the pending stamps
	_, err := s.write(false, func() { s.add(qClear, 0).text(ns) })
	return err
}

func (s *sqlStore) stats(ns string, now int64) (Stats, error) {
	s.begin(now)
	s.add(qCount, 1).text(ns)
	s.add(qCountExpired, 1).text(ns).num(now)
	counts, _, err := s.run()
	if err != nil {
		return Stats{}, err
	}
	if len(counts) != 2 {
		return Stats{}, capability.New(capability.Internal, sqlitePrefix+"stats: no count")
	}
	total, expired := intOf(&counts[0]), intOf(&counts[1])
	live := total - expired
	if live < 0 {
		live = 0
	}
	return Stats{Entries: uint64(live), Expired: uint64(expired)}, nil
}

func (s *sqlStore) purge(now int64) (uint64, error) {
	s.calls++ // its transaction writes the pending stamps
	// RETURNING would cost a value per row: count with changes().
	if _, err := s.write(false, func() { s.add(qPurge, 0).num(now) }); err != nil {
		return 0, err
	}
	return uint64(s.sql.Changes(s.db)), nil
}

func (s *sqlStore) keys(ns, prefix string, now int64) ([]string, error) {
	s.begin(now)
	return s.texts(qKeys, text(ns), num(now), text(prefix))
}
