package sqlcap

import (
	"github.com/ncruces/go-sqlite3"

	"github.com/sandcache/sandcache/internal/guest/capability"
)

// knownObjects are the schema objects a cache file may hold, by name, with
// their type, table and SQL text as SQLite stores it: the original's
// (Harn's) table and index, and sandcache's (internal/guest/cache/sqlschema.go).
// Anything else (a planted trigger or view, or a known name with other
// SQL) makes Open fail with Corrupt.
var knownObjects = map[string]schemaObject{
	"cache_entries": {"table", "cache_entries", "CREATE TABLE cache_entries (" +
		"namespace TEXT NOT NULL,cache_key TEXT NOT NULL,value_json TEXT NOT NULL," +
		"created_at_ms INTEGER NOT NULL,expires_at_ms INTEGER,last_accessed_ms INTEGER NOT NULL," +
		"PRIMARY KEY(namespace, cache_key))"},
	"sqlite_autoindex_cache_entries_1": {"index", "cache_entries", ""},
	"idx_cache_entries_lru": {"index", "cache_entries",
		"CREATE INDEX idx_cache_entries_lru ON cache_entries(namespace, last_accessed_ms)"},
	"sandcache_idx_expiry": {"index", "cache_entries",
		"CREATE INDEX sandcache_idx_expiry ON cache_entries(namespace, expires_at_ms)"},
	"sandcache_counts": {"table", "sandcache_counts",
		"CREATE TABLE sandcache_counts (namespace TEXT PRIMARY KEY NOT NULL, entries INTEGER NOT NULL) WITHOUT ROWID"},
	"sqlite_autoindex_sandcache_counts_1": {"index", "sandcache_counts", ""},
	"sandcache_count_replace": {"trigger", "cache_entries",
		"CREATE TRIGGER sandcache_count_replace BEFORE INSERT ON cache_entries BEGIN " +
			"DELETE FROM cache_entries WHERE namespace = NEW.namespace AND cache_key = NEW.cache_key; END"},
	"sandcache_count_insert": {"trigger", "cache_entries",
		"CREATE TRIGGER sandcache_count_insert AFTER INSERT ON cache_entries BEGIN " +
			"INSERT INTO sandcache_counts (namespace, entries) VALUES (NEW.namespace, 1) " +
			"ON CONFLICT(namespace) DO UPDATE SET entries = entries + 1; END"},
	"sandcache_count_delete": {"trigger", "cache_entries",
		"CREATE TRIGGER sandcache_count_delete AFTER DELETE ON cache_entries BEGIN " +
			"UPDATE sandcache_counts SET entries = entries - 1 WHERE namespace = OLD.namespace; END"},
}

type schemaObject struct{ typ, table, sql string }

// checkSchema fails with Corrupt, naming the object, when the database
// holds a schema object that neither sandcache nor Harn creates. It reads
// the schema before the authorizer is installed.
func checkSchema(c *sqlite3.Conn, label string) error {
	st, _, err := c.Prepare("SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_schema")
	if err != nil {
		return err
	}
	defer st.Close()
	for st.Step() {
		got := schemaObject{st.ColumnText(0), st.ColumnText(2), st.ColumnText(3)}
		name := st.ColumnText(1)
		if want, ok := knownObjects[name]; !ok || want != got {
			return capability.Errorf(capability.Corrupt,
				"sql %s: the database holds a %s %q that is not part of a cache (neither sandcache nor Harn creates it); refusing to use it",
				label, got.typ, name)
		}
	}
	return st.Err()
}
