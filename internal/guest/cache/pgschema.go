package cache

// The postgres dialect's schema and statements (the guest holds them; the
// host only runs them). cache_entries has the sqlite backend's table and
// columns, BIGINT for the times. sandcache_namespaces is the equivalent of
// the sqlite count table and triggers, kept by the guest's own statements
// instead of triggers (so it needs no functions, as a wire-compatible
// engine may lack them): one row per namespace with its entry count and
// newest last_accessed_ms. Every write to a namespace first locks that row
// (pgLock, or pgTouch's CTE), in READ COMMITTED, so writers of one namespace are serialized
// in commit order and every later statement of the transaction sees the
// previous writer's commit: the LRU stamp max(now, newest + 1) (SPEC §4)
// then follows the order of commits, and the count stays exact.
// Transactions lock at most one namespace row, so they cannot deadlock on
// them.
//
// What the dialect needs from a server (for a wire-compatible engine such
// as CockroachDB or YugabyteDB): INSERT ... ON CONFLICT DO NOTHING;
// data-modifying CTEs, one of which deletes a key that the same statement
// inserts again (pgPut); row locks taken by SELECT FOR UPDATE and
// UPDATE that make later statements of a READ COMMITTED transaction see
// the previous holder's commit (under SERIALIZABLE only, conflicts surface
// as 40001 and the guest retries, at a cost under contention); LOCK TABLE
// (schema creation only); COLLATE "C"; GREATEST, LEAST, left and
// char_length; SQLSTATEs 40001, 40P01, 42P01, 23505, 42P07 and 42710 as
// PostgreSQL reports them. The host (pgcap) also sets the startup
// parameters statement_timeout, idle_in_transaction_session_timeout and
// client_connection_check_interval.

// pgSchemaVersion is the version this guest creates and understands.
const pgSchemaVersion = 1

// pgMigrate creates version 1 inside one transaction, after locking
// sandcache_schema so concurrent first users wait for each other. The
// namespace rows are rebuilt from cache_entries.
var pgMigrate = []string{
	"CREATE TABLE IF NOT EXISTS cache_entries (namespace TEXT NOT NULL, cache_key TEXT NOT NULL, " +
		"value_json TEXT NOT NULL, created_at_ms BIGINT NOT NULL, expires_at_ms BIGINT, " +
		"last_accessed_ms BIGINT NOT NULL, PRIMARY KEY(namespace, cache_key))",
	"CREATE INDEX IF NOT EXISTS idx_cache_entries_lru ON cache_entries(namespace, last_accessed_ms)",
	"CREATE INDEX IF NOT EXISTS sandcache_idx_expiry ON cache_entries(namespace, expires_at_ms)",
	"CREATE TABLE IF NOT EXISTS sandcache_namespaces (namespace TEXT PRIMARY KEY, entries BIGINT NOT NULL, newest BIGINT)",
	"DELETE FROM sandcache_namespaces",
	"INSERT INTO sandcache_namespaces (namespace, entries, newest) " +
		"SELECT namespace, count(*), max(last_accessed_ms) FROM cache_entries GROUP BY namespace",
	"DELETE FROM sandcache_schema",
	"INSERT INTO sandcache_schema (version) VALUES (1)",
}

type pgQuery int

const (
	pgBegin pgQuery = iota
	pgCommit
	pgRollback
	pgCreateVersion
	pgLockVersion
	pgVersion
	pgGet
	pgLock
	pgCreateNS
	pgTouch
	pgDeleteExpiredKey
	pgDeleteCorruptKey
	pgPut
	pgEvictFinish
	pgFinish
	pgDelete
	pgClear
	pgStats
	pgExpiredNamespaces
	pgDeleteExpired
	pgKeys
	pgNumQueries
)

// maxStamp is the largest LRU stamp: newest + 1 saturates there.
const maxStamp = "9223372036854775806"

var pgQueries = [pgNumQueries]string{
	pgBegin:         "BEGIN ISOLATION LEVEL READ COMMITTED",
	pgCommit:        "COMMIT",
	pgRollback:      "ROLLBACK",
	pgCreateVersion: "CREATE TABLE IF NOT EXISTS sandcache_schema (version INTEGER NOT NULL)",
	pgLockVersion:   "LOCK TABLE sandcache_schema IN EXCLUSIVE MODE",
	pgVersion:       "SELECT max(version) FROM sandcache_schema",
	pgGet:           "SELECT value_json, expires_at_ms FROM cache_entries WHERE namespace = $1 AND cache_key = $2",
	// Locks the namespace row until the end of the transaction; returns
	// its count and newest stamp as of the last commit (FOR UPDATE reads
	// the newest row version after waiting). No row: pgCreateNS first.
	pgLock:     "SELECT entries, newest FROM sandcache_namespaces WHERE namespace = $1 FOR UPDATE",
	pgCreateNS: "INSERT INTO sandcache_namespaces (namespace, entries, newest) VALUES ($1, 0, NULL) ON CONFLICT (namespace) DO NOTHING",
	// One statement: lock the namespace row, take the next stamp, stamp
	// the entry (the row lock is taken before the entry's).
	pgTouch: "WITH n AS (UPDATE sandcache_namespaces SET newest = GREATEST($3, LEAST(newest, " + maxStamp + ") + 1) " +
		"WHERE namespace = $1 RETURNING newest) " +
		"UPDATE cache_entries SET last_accessed_ms = coalesce((SELECT newest FROM n), $3) WHERE namespace = $1 AND cache_key = $2",
	pgDeleteExpiredKey: "DELETE FROM cache_entries WHERE namespace = $1 AND cache_key = $2 AND expires_at_ms <= $3",
	pgDeleteCorruptKey: "DELETE FROM cache_entries WHERE namespace = $1 AND cache_key = $2 AND value_json = $3",
	// The put proper, after the lock: delete the key's old entry and the
	// expired ones, then insert the new entry unless it is already
	// expired (TTL 0). Referencing d makes the delete run first, and a
	// row deleted by this transaction does not block inserting its key.
	// Returns (replaced, expired, inserted).
	pgPut: "WITH d AS (DELETE FROM cache_entries WHERE namespace = $1 AND (cache_key = $2 OR expires_at_ms <= $3) " +
		"RETURNING cache_key = $2 AS replaced), " +
		"i AS (INSERT INTO cache_entries (namespace, cache_key, value_json, created_at_ms, expires_at_ms, last_accessed_ms) " +
		"SELECT $1::text, $2::text, $4::text, $3::bigint, $5::bigint, $6::bigint WHERE $5::bigint > $3::bigint AND (SELECT count(*) FROM d) >= 0 RETURNING 1) " +
		"SELECT (SELECT count(*) FROM d WHERE replaced), (SELECT count(*) FROM d WHERE NOT replaced), (SELECT count(*) FROM i)",
	// Evict the least recently used beyond max ($3) of the $2 entries and
	// record the count; returns how many were evicted. The newest stamp
	// survives eviction (at least one entry, the newest, stays), so the
	// statement's snapshot gives it right.
	pgEvictFinish: "WITH e AS (DELETE FROM cache_entries WHERE namespace = $1 AND cache_key IN (SELECT cache_key FROM cache_entries " +
		"WHERE namespace = $1 ORDER BY last_accessed_ms ASC, created_at_ms ASC, cache_key ASC LIMIT GREATEST($2::bigint - $3::bigint, 0)) RETURNING 1) " +
		"UPDATE sandcache_namespaces SET entries = GREATEST($2::bigint - (SELECT count(*) FROM e), 0), " +
		"newest = (SELECT max(last_accessed_ms) FROM cache_entries WHERE namespace = $1) WHERE namespace = $1 " +
		"RETURNING (SELECT count(*) FROM e)",
	pgFinish: "UPDATE sandcache_namespaces SET entries = GREATEST($2, 0), " +
		"newest = (SELECT max(last_accessed_ms) FROM cache_entries WHERE namespace = $1) WHERE namespace = $1",
	pgDelete: "DELETE FROM cache_entries WHERE namespace = $1 AND cache_key = $2 RETURNING expires_at_ms",
	pgClear:  "DELETE FROM cache_entries WHERE namespace = $1",
	pgStats: "SELECT coalesce((SELECT entries FROM sandcache_namespaces WHERE namespace = $1), 0), " +
		"(SELECT count(*) FROM cache_entries WHERE namespace = $1 AND expires_at_ms <= $2)",
	pgExpiredNamespaces: "SELECT DISTINCT namespace FROM cache_entries WHERE expires_at_ms <= $1",
	pgDeleteExpired:     "DELETE FROM cache_entries WHERE namespace = $1 AND expires_at_ms <= $2",
	pgKeys: "SELECT cache_key FROM cache_entries WHERE namespace = $1 " +
		"AND (expires_at_ms IS NULL OR expires_at_ms > $2) " +
		"AND left(cache_key, char_length($3)) = $3 ORDER BY cache_key COLLATE \"C\"",
}
