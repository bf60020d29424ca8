package cache

// The original's schema, byte for byte (docs/SPEC.md §5).
const (
	createTable = "CREATE TABLE IF NOT EXISTS cache_entries (" +
		"namespace TEXT NOT NULL," +
		"cache_key TEXT NOT NULL," +
		"value_json TEXT NOT NULL," +
		"created_at_ms INTEGER NOT NULL," +
		"expires_at_ms INTEGER," +
		"last_accessed_ms INTEGER NOT NULL," +
		"PRIMARY KEY(namespace, cache_key)" +
		");"
	createLRUIndex = "CREATE INDEX IF NOT EXISTS idx_cache_entries_lru " +
		"ON cache_entries(namespace, last_accessed_ms);"
)

// sandcache's additions. The count table is rebuilt from cache_entries
// whenever any of these objects is missing (a fresh file, or one made by the
// original), inside the same transaction that creates them.
var schemaObjects = []string{
	"cache_entries", "idx_cache_entries_lru", "sandcache_idx_expiry",
	"sandcache_counts", "sandcache_count_insert", "sandcache_count_delete",
	"sandcache_count_replace",
}

var schemaDDL = []string{
	createTable,
	createLRUIndex,
	"CREATE INDEX IF NOT EXISTS sandcache_idx_expiry ON cache_entries(namespace, expires_at_ms);",
	"CREATE TABLE IF NOT EXISTS sandcache_counts (namespace TEXT PRIMARY KEY NOT NULL, entries INTEGER NOT NULL) WITHOUT ROWID;",
	"DROP TRIGGER IF EXISTS sandcache_count_insert;",
	"DROP TRIGGER IF EXISTS sandcache_count_delete;",
	"DROP TRIGGER IF EXISTS sandcache_count_replace;",
	"DELETE FROM sandcache_counts;",
	"INSERT INTO sandcache_counts (namespace, entries) SELECT namespace, count(*) FROM cache_entries GROUP BY namespace;",
	// INSERT OR REPLACE does not fire delete triggers for the row it
	// replaces (unless recursive_triggers is on), so delete it first.
	"CREATE TRIGGER sandcache_count_replace BEFORE INSERT ON cache_entries BEGIN " +
		"DELETE FROM cache_entries WHERE namespace = NEW.namespace AND cache_key = NEW.cache_key; END;",
	"CREATE TRIGGER sandcache_count_insert AFTER INSERT ON cache_entries BEGIN " +
		"INSERT INTO sandcache_counts (namespace, entries) VALUES (NEW.namespace, 1) " +
		"ON CONFLICT(namespace) DO UPDATE SET entries = entries + 1; END;",
	"CREATE TRIGGER sandcache_count_delete AFTER DELETE ON cache_entries BEGIN " +
		"UPDATE sandcache_counts SET entries = entries - 1 WHERE namespace = OLD.namespace; END;",
}

// SchemaStatements returns the statements that make the SQLite schema, in
// the order the store runs them inside its transaction: the host's tests
// check that its authorizer allows each.
func SchemaStatements() []string { return append([]string(nil), schemaDDL...) }

type query int

const (
	qBegin query = iota
	qBeginDeferred
	qCommit
	qRollback
	qSchemaCheck
	qGet
	qTouch
	qTouchIfSame
	qDeleteExpiredKey
	qDeleteCorruptKey
	qInsert
	qPrune
	qCount
	qDelete
	qClear
	qCountExpired
	qPurge
	qKeys
	numQueries
)

// newestPlusOne is the LRU clock rule of docs/SPEC.md §4: a write stamps
// max(now, newest last_accessed_ms of the namespace + 1), so operations in
// one millisecond stay ordered.
const newestPlusOne = "max(?3, coalesce((SELECT max(last_accessed_ms) FROM cache_entries WHERE namespace = ?1) + 1, ?3))"

var queries = [numQueries]string{
	qBegin:         "BEGIN IMMEDIATE",
	qBeginDeferred: "BEGIN",
	qCommit:        "COMMIT",
	qRollback:      "ROLLBACK",
	qSchemaCheck:   "SELECT count(*) FROM sqlite_master WHERE name IN ('cache_entries', 'idx_cache_entries_lru', 'sandcache_idx_expiry', 'sandcache_counts', 'sandcache_count_insert', 'sandcache_count_delete', 'sandcache_count_replace')",
	qGet:           "SELECT value_json, expires_at_ms, created_at_ms FROM cache_entries WHERE namespace = ?1 AND cache_key = ?2",
	// A hit's stamp; an entry that expired meanwhile is left alone.
	qTouch: "UPDATE cache_entries SET last_accessed_ms = " + newestPlusOne +
		" WHERE namespace = ?1 AND cache_key = ?2 AND (expires_at_ms IS NULL OR expires_at_ms > ?3)",
	// A deferred stamp (sqlstamps.go) refreshes only the entry its hit saw.
	qTouchIfSame: "UPDATE cache_entries SET last_accessed_ms = " + newestPlusOne +
		" WHERE namespace = ?1 AND cache_key = ?2 AND created_at_ms = ?4",
	qDeleteExpiredKey: "DELETE FROM cache_entries WHERE namespace = ?1 AND cache_key = ?2 AND expires_at_ms <= ?3",
	qDeleteCorruptKey: "DELETE FROM cache_entries WHERE namespace = ?1 AND cache_key = ?2 AND value_json = ?3",
	qInsert: "INSERT OR REPLACE INTO cache_entries " +
		"(namespace, cache_key, value_json, created_at_ms, expires_at_ms, last_accessed_ms) " +
		"VALUES (?1, ?2, ?4, ?3, ?5, " + newestPlusOne + ")",
	// put's clean-up: the namespace's expired entries, then its least
	// recently used beyond ?3 (the count kept by the triggers, less the
	// expired ones; a bogus count never makes LIMIT negative, which would
	// mean no limit). The set is chosen before any row goes. Each deleted
	// row returns 1 when it had expired, else 0 (NULL for no expiry is
	// read as 0).
	qPrune: "DELETE FROM cache_entries WHERE rowid IN (" +
		"SELECT rowid FROM cache_entries WHERE namespace = ?1 AND expires_at_ms <= ?2 " +
		"UNION ALL SELECT rowid FROM (SELECT rowid FROM cache_entries " +
		"WHERE namespace = ?1 AND (expires_at_ms IS NULL OR expires_at_ms > ?2) " +
		"ORDER BY last_accessed_ms ASC, created_at_ms ASC " +
		"LIMIT max(0, coalesce((SELECT max(entries, 0) FROM sandcache_counts WHERE namespace = ?1), 0) " +
		"- (SELECT count(*) FROM cache_entries WHERE namespace = ?1 AND expires_at_ms <= ?2) - ?3))" +
		") RETURNING expires_at_ms <= ?2",
	qCount:        "SELECT coalesce((SELECT max(entries, 0) FROM sandcache_counts WHERE namespace = ?1), 0)",
	qDelete:       "DELETE FROM cache_entries WHERE namespace = ?1 AND cache_key = ?2 RETURNING expires_at_ms",
	qClear:        "DELETE FROM cache_entries WHERE namespace = ?1",
	qCountExpired: "SELECT count(*) FROM cache_entries WHERE namespace = ?1 AND expires_at_ms <= ?2",
	qPurge:        "DELETE FROM cache_entries WHERE expires_at_ms <= ?1",
	qKeys: "SELECT cache_key FROM cache_entries WHERE namespace = ?1 " +
		"AND (expires_at_ms IS NULL OR expires_at_ms > ?2) " +
		"AND substr(cache_key, 1, length(?3)) = ?3 ORDER BY cache_key",
}
