// The schema objects a sandcache database may hold: what the guest creates
// (internal/guest/cache/sqlschema.go, `schemaDDL`, copied here statement for
// statement; test/sandbox.test.mjs checks that a database the real guest made
// holds exactly these) and what Harn's original creates (the same table and
// LRU index, byte for byte). The `sql` capability refuses to open a file that
// holds anything else (a planted trigger, view, virtual table...) or one of
// these names with another definition: SQLite would run a planted trigger's
// code on the guest's next write.

import { createRequire } from 'node:module';

const Database = createRequire(import.meta.url)('better-sqlite3');

export const SCHEMA_DDL = [
  'CREATE TABLE IF NOT EXISTS cache_entries (namespace TEXT NOT NULL,cache_key TEXT NOT NULL,value_json TEXT NOT NULL,created_at_ms INTEGER NOT NULL,expires_at_ms INTEGER,last_accessed_ms INTEGER NOT NULL,PRIMARY KEY(namespace, cache_key));',
  'CREATE INDEX IF NOT EXISTS idx_cache_entries_lru ON cache_entries(namespace, last_accessed_ms);',
  'CREATE INDEX IF NOT EXISTS sandcache_idx_expiry ON cache_entries(namespace, expires_at_ms);',
  'CREATE TABLE IF NOT EXISTS sandcache_counts (namespace TEXT PRIMARY KEY NOT NULL, entries INTEGER NOT NULL) WITHOUT ROWID;',
  'CREATE TRIGGER sandcache_count_replace BEFORE INSERT ON cache_entries BEGIN DELETE FROM cache_entries WHERE namespace = NEW.namespace AND cache_key = NEW.cache_key; END;',
  'CREATE TRIGGER sandcache_count_insert AFTER INSERT ON cache_entries BEGIN INSERT INTO sandcache_counts (namespace, entries) VALUES (NEW.namespace, 1) ON CONFLICT(namespace) DO UPDATE SET entries = entries + 1; END;',
  'CREATE TRIGGER sandcache_count_delete AFTER DELETE ON cache_entries BEGIN UPDATE sandcache_counts SET entries = entries - 1 WHERE namespace = OLD.namespace; END;',
];

let expected = null;

/** name -> {type, tbl, sql} of every object sandcache or Harn may create, as SQLite stores them. */
export function expectedSchema() {
  if (expected) return expected;
  const db = new Database(':memory:');
  try {
    for (const ddl of SCHEMA_DDL) db.exec(ddl);
    expected = new Map(db.prepare('SELECT type, name, tbl_name, sql FROM sqlite_master').all()
      .map((r) => [r.name, { type: r.type, tbl: r.tbl_name, sql: r.sql }]));
  } finally {
    db.close();
  }
  return expected;
}

/**
 * Checks the schema of an open connection: returns null when every object is
 * one of expectedSchema() with its exact definition (or an automatic index of
 * one of its tables), else a description of the first object that is not.
 */
export function unexpectedObject(db) {
  const want = expectedSchema();
  for (const r of db.prepare('SELECT type, name, tbl_name, sql FROM sqlite_master').all()) {
    const w = want.get(r.name);
    if (w && w.type === r.type && w.tbl === r.tbl_name && w.sql === r.sql) continue;
    if (r.type === 'index' && r.sql === null && /^sqlite_autoindex_/.test(r.name) && want.get(r.tbl_name)?.type === 'table') continue;
    const what = `${r.type} ${JSON.stringify(r.name)}`;
    return w ? `${what} differs from the one sandcache creates` : `${what} was not created by sandcache or Harn`;
  }
  return null;
}
