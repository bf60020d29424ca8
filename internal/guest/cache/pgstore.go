package cache

import (
	"strconv"
	"strings"

	"github.com/sandcache/sandcache/internal/guest/capability"
	"github.com/sandcache/sandcache/internal/guest/jsonv"
	"github.com/sandcache/sandcache/internal/guest/record"
)

// pgStore is the sqlite backend's semantics on a PostgreSQL server, when
// the host's sql capability has the dialect "postgres" (schema and
// concurrency: pgschema.go).
type pgStore struct {
	runner[pgQuery]
}

// pgMaxAttempts bounds the retries of a transaction that failed with a
// serialization failure or a deadlock; the call's deadline (enforced by
// the host) usually ends them first.
const pgMaxAttempts = 64

// openPG opens the store on the database open returns (the capability's
// own Open when its dialect is "postgres", or its OpenServer).
func openPG(sql capability.SQL, open func(name string) (capability.DB, error), name string) (*pgStore, error) {
	db, err := open(name)
	if err != nil {
		return nil, prefixErr(pgPrefix, err)
	}
	s := &pgStore{newRunner(sql, db, pgQueries[:], pgPrefix, pgBegin, pgCommit, pgRollback)}
	if err := s.ensureSchema(); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

// hasState reports whether err is a server error with the SQLSTATE state:
// the host starts such messages with "SQLSTATE <state>:" (host pgcap).
func hasState(err error, state string) bool {
	e, ok := err.(*capability.Error)
	return ok && strings.Contains(e.Message, "SQLSTATE "+state+":")
}

// retryable reports a serialization failure or a deadlock.
func retryable(err error) bool {
	return capability.CodeOf(err) == capability.IO && (hasState(err, "40001") || hasState(err, "40P01"))
}

// retry runs f until it succeeds, fails for good, or has failed with a
// serialization failure or deadlock pgMaxAttempts times. When a table is
// missing (dropped since the store was opened), it creates the schema
// again and retries once.
func (s *pgStore) retry(f func() error) error {
	var err error
	recreated := false
	for range pgMaxAttempts {
		err = f()
		if err != nil && !recreated && hasState(err, "42P01") {
			recreated = true
			if err := s.ensureSchema(); err != nil {
				return err
			}
			continue
		}
		if err == nil || !retryable(err) {
			return err
		}
	}
	return err
}

// tx runs f in a READ COMMITTED transaction, rolling back on error, and
// retries it (retry).
func (s *pgStore) tx(f func() error) error {
	return s.retry(func() error { return s.runner.tx(f) })
}

// ensureSchema creates or upgrades the schema when its version is not
// pgSchemaVersion; a newer version (a newer guest's) is refused.
func (s *pgStore) ensureSchema() error {
	v, null, err := s.queryInt(pgVersion)
	if err == nil && !null && v == pgSchemaVersion {
		return nil
	}
	if err != nil && !hasState(err, "42P01") { // undefined_table: a fresh schema
		return err
	}
	// Concurrent first users may collide creating the same table (23505,
	// 42P07, or 42710 for the table's row type); the loser retries and
	// finds it.
	for attempt := 0; ; attempt++ {
		err = s.tx(s.migrate)
		if err == nil || attempt == 8 || !(hasState(err, "23505") || hasState(err, "42P07") || hasState(err, "42710")) {
			return err
		}
	}
}

func (s *pgStore) migrate() error {
	if err := s.exec(pgCreateVersion); err != nil {
		return err
	}
	if err := s.exec(pgLockVersion); err != nil {
		return err
	}
	v, null, err := s.queryInt(pgVersion)
	switch {
	case err != nil:
		return err
	case !null && v == pgSchemaVersion:
		return nil
	case !null && v > pgSchemaVersion:
		return capability.New(capability.Corrupt, "cache postgres error: schema version "+strconv.FormatInt(v, 10)+" is newer than this guest's ("+strconv.Itoa(pgSchemaVersion)+")")
	}
	for _, ddl := range pgMigrate {
		if err := s.sql.Exec(s.db, ddl); err != nil {
			return s.wrap(err)
		}
	}
	return nil
}

// lock locks the namespace's row for the transaction; it returns the
// entry count and the newest LRU stamp (null: no entry).
func (s *pgStore) lock(ns string) (entries, newest int64, hasNewest bool, err error) {
	st, row, err := s.query(pgLock, text(ns))
	if err == nil && !row { // a new namespace: create its row, then lock it
		s.finish(st)
		if err = s.exec(pgCreateNS, text(ns)); err == nil {
			st, row, err = s.query(pgLock, text(ns))
		}
	}
	if err != nil {
		return 0, 0, false, err
	}
	defer s.finish(st)
	if !row {
		return 0, 0, false, capability.New(capability.Internal, "cache postgres error: namespace lock returned no row")
	}
	entries = s.sql.ColumnInt(st, 0)
	hasNewest = s.sql.ColumnKind(st, 1) != capability.KindNull
	if hasNewest {
		newest = s.sql.ColumnInt(st, 1)
	}
	return entries, newest, hasNewest, nil
}

// finishNS records the namespace's count and recomputes its newest stamp.
func (s *pgStore) finishNS(ns string, entries int64) error {
	return s.exec(pgFinish, text(ns), num(entries))
}

func (s *pgStore) get(ns, key string, now int64) (Lookup, error) {
	var l Lookup
	err := s.retry(func() error {
		var err error
		l, err = s.getOnce(ns, key, now)
		return err
	})
	return l, err
}

func (s *pgStore) getOnce(ns, key string, now int64) (Lookup, error) {
	st, row, err := s.query(pgGet, text(ns), text(key))
	if err != nil || !row {
		if err == nil {
			s.finish(st)
		}
		return Lookup{}, err
	}
	valueJSON := s.sql.ColumnText(st, 0)
	hasExpiry := s.sql.ColumnKind(st, 1) != capability.KindNull
	expiry := s.sql.ColumnInt(st, 1)
	s.finish(st)
	if hasExpiry && expiry <= now {
		// Delete only while still expired: a fresh put may have replaced it.
		return Lookup{Expired: true}, s.deleteWhere(ns, pgDeleteExpiredKey, text(ns), text(key), num(now))
	}
	value, err := jsonv.Canonical([]byte(valueJSON))
	if err != nil {
		return Lookup{}, s.deleteWhere(ns, pgDeleteCorruptKey, text(ns), text(key), text(valueJSON))
	}
	if err := s.exec(pgTouch, text(ns), text(key), num(now)); err != nil {
		return Lookup{}, err
	}
	return Lookup{Value: value, Hit: true}, nil
}

// deleteWhere runs the deleting statement q in a transaction holding the
// namespace's lock, keeping its count.
func (s *pgStore) deleteWhere(ns string, q pgQuery, args ...arg) error {
	return s.tx(func() error {
		entries, _, _, err := s.lock(ns)
		if err != nil {
			return err
		}
		n, err := s.execCount(q, args...)
		if err != nil || n == 0 {
			return err
		}
		return s.finishNS(ns, entries-n)
	})
}

func (s *pgStore) put(ns, key string, _ jsonv.Value, compact []byte, now int64, ttlMs uint64, maxEntries uint32) (PutOutcome, error) {
	var out PutOutcome
	expires := record.ExpiresAt(now, ttlMs)
	err := s.tx(func() error {
		out = PutOutcome{}
		entries, newest, hasNewest, err := s.lock(ns)
		if err != nil {
			return err
		}
		stamp := now // SPEC §4: max(now, newest + 1)
		if hasNewest {
			stamp = stampAfter(now, newest)
		}
		st, row, err := s.query(pgPut, text(ns), text(key), num(now), text(string(compact)), num(expires), num(stamp))
		if err != nil {
			return err
		}
		if !row {
			s.finish(st)
			return capability.New(capability.Internal, "cache postgres error: put returned no row")
		}
		replaced, expired, inserted := s.sql.ColumnInt(st, 0), s.sql.ColumnInt(st, 1), s.sql.ColumnInt(st, 2)
		s.finish(st)
		entries += inserted - replaced - expired
		out.Expired = uint32(expired)
		if inserted == 0 { // put already expired (TTL 0): it counts as expired
			out.Expired++
		}
		st, row, err = s.query(pgEvictFinish, text(ns), num(entries), num(int64(maxEntries)))
		if err != nil {
			return err
		}
		if row {
			out.Evicted = uint32(s.sql.ColumnInt(st, 0))
		}
		s.finish(st)
		return nil
	})
	return out, err
}

func (s *pgStore) delete(ns, key string, now int64) (bool, error) {
	live := false
	err := s.tx(func() error {
		live = false
		entries, _, _, err := s.lock(ns)
		if err != nil {
			return err
		}
		st, row, err := s.query(pgDelete, text(ns), text(key))
		if err != nil {
			return err
		}
		if row {
			live = s.live(st, 0, now)
		}
		s.finish(st)
		if !row {
			return nil
		}
		return s.finishNS(ns, entries-1)
	})
	return live, err
}

func (s *pgStore) clear(ns string) error {
	return s.tx(func() error {
		if _, _, _, err := s.lock(ns); err != nil {
			return err
		}
		if err := s.exec(pgClear, text(ns)); err != nil {
			return err
		}
		return s.finishNS(ns, 0)
	})
}

func (s *pgStore) stats(ns string, now int64) (Stats, error) {
	var out Stats
	err := s.retry(func() error {
		st, row, err := s.query(pgStats, text(ns), num(now))
		if err != nil {
			return err
		}
		defer s.finish(st)
		if row {
			total, expired := s.sql.ColumnInt(st, 0), s.sql.ColumnInt(st, 1)
			out = Stats{Entries: uint64(max(total-expired, 0)), Expired: uint64(max(expired, 0))}
		}
		return nil
	})
	return out, err
}

// purge removes the expired entries namespace by namespace, each in its
// own transaction holding that namespace's lock (so purge never holds two
// namespace locks, and cannot deadlock with puts).
func (s *pgStore) purge(now int64) (uint64, error) {
	var namespaces []string
	err := s.retry(func() (err error) {
		namespaces, err = s.texts(pgExpiredNamespaces, num(now))
		return err
	})
	if err != nil {
		return 0, err
	}
	var total uint64
	for _, ns := range namespaces {
		var n int64
		err := s.tx(func() error {
			entries, _, _, err := s.lock(ns)
			if err != nil {
				return err
			}
			if n, err = s.execCount(pgDeleteExpired, text(ns), num(now)); err != nil || n == 0 {
				return err
			}
			return s.finishNS(ns, entries-n)
		})
		if err != nil {
			return total, err
		}
		total += uint64(n)
	}
	return total, nil
}

func (s *pgStore) keys(ns, prefix string, now int64) ([]string, error) {
	var keys []string
	err := s.retry(func() (err error) {
		keys, err = s.texts(pgKeys, text(ns), num(now), text(prefix))
		return err
	})
	return keys, err
}
