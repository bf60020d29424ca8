package tests

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/ncruces/go-sqlite3"

	"github.com/sandcache/sandcache/sdk"
)

// The original's statements, byte for byte (harn_cache.rs).
const (
	originalTable = "CREATE TABLE IF NOT EXISTS cache_entries (namespace TEXT NOT NULL,cache_key TEXT NOT NULL,value_json TEXT NOT NULL,created_at_ms INTEGER NOT NULL,expires_at_ms INTEGER,last_accessed_ms INTEGER NOT NULL,PRIMARY KEY(namespace, cache_key));"
	originalIndex = "CREATE INDEX IF NOT EXISTS idx_cache_entries_lru ON cache_entries(namespace, last_accessed_ms);"
	originalPut   = "INSERT OR REPLACE INTO cache_entries (namespace, cache_key, value_json, created_at_ms, expires_at_ms, last_accessed_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
	originalGet   = "SELECT value_json, expires_at_ms FROM cache_entries WHERE namespace = ?1 AND cache_key = ?2"
)

// originalConn opens a connection the way the original does: rollback
// journal, its DDL on every open.
func originalConn(t *testing.T, path string) *sqlite3.Conn {
	t.Helper()
	c, err := sqlite3.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.BusyTimeout(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	for _, ddl := range []string{originalTable, originalIndex} {
		if err := c.Exec(ddl); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// originalStmt prepares sql on c and binds args to ?1, ?2...: a string as
// text, an int64 as an integer, nil as NULL. Close it after use.
func originalStmt(t *testing.T, c *sqlite3.Conn, sql string, args ...any) *sqlite3.Stmt {
	t.Helper()
	st, _, err := c.Prepare(sql)
	if err != nil {
		t.Fatal(err)
	}
	for i, a := range args {
		switch a := a.(type) {
		case string:
			err = st.BindText(i+1, a)
		case int64:
			err = st.BindInt64(i+1, a)
		case nil:
			err = st.BindNull(i + 1)
		default:
			err = fmt.Errorf("cannot bind a %T", a)
		}
		if err != nil {
			st.Close()
			t.Fatalf("argument %d of %s: %v", i+1, sql, err)
		}
	}
	return st
}

// originalPutRow stores a row with the original's INSERT; expires is an
// int64 or nil (no expiry).
func originalPutRow(t *testing.T, c *sqlite3.Conn, ns, key, value string, created int64, expires any, last int64) {
	t.Helper()
	st := originalStmt(t, c, originalPut, ns, key, value, created, expires, last)
	defer st.Close()
	if err := st.Exec(); err != nil {
		t.Fatal(err)
	}
}

// originalGetRow reads a row's value with the original's SELECT.
func originalGetRow(t *testing.T, c *sqlite3.Conn, ns, key string) (string, bool) {
	t.Helper()
	st := originalStmt(t, c, originalGet, ns, key)
	defer st.Close()
	if !st.Step() {
		return "", false
	}
	return st.ColumnText(0), true
}

// TestSQLiteFileFromOriginal: a file made with the original's exact DDL and
// rows (including a NULL expiry, which the original reads but never writes)
// is read and updated by sandcache; then the original's statements read
// what sandcache wrote and keep writing, and sandcache's per-namespace
// counts stay exact.
func TestSQLiteFileFromOriginal(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "llm.sqlite")
	orig := originalConn(t, path)
	originalPutRow(t, orig, "default", "a", `{"x":[1,2.5]}`, 1000, int64(601000), 1000)
	originalPutRow(t, orig, "default", "forever", `"no expiry"`, 1000, nil, 1000)
	originalPutRow(t, orig, "default", "old", `1`, 1000, int64(2000), 1000)
	originalPutRow(t, orig, "other", "b", `true`, 1000, int64(601000), 1000)
	originalPutRow(t, orig, "default", "broken", `{not json`, 1000, int64(601000), 1000)

	ctx := context.Background()
	now := time.UnixMilli(5000)
	c, err := sdk.Open(ctx, sdk.NewConfig().WithDir(dir).WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	o := sdk.AtPath("llm.sqlite")
	for key, want := range map[string]string{"a": `{"x":[1,2.5]}`, "forever": `"no expiry"`} {
		v, ok, err := c.Get(ctx, key, o)
		if err != nil || !ok || string(v) != want {
			t.Fatalf("get %s = %s, %v, %v; want %s", key, v, ok, err, want)
		}
	}
	if _, ok, _ := c.Get(ctx, "old", o); ok {
		t.Fatal("expired row was a hit")
	}
	if _, ok, _ := c.Get(ctx, "broken", o); ok {
		t.Fatal("a row that is not JSON was a hit")
	}
	if _, found := originalGetRow(t, orig, "default", "broken"); found {
		t.Fatal("the row that is not JSON was not deleted")
	}
	st, err := c.Stats(ctx, o)
	if err != nil || st.Entries != 2 {
		t.Fatalf("stats = %+v, %v; want 2 entries", st, err)
	}

	// sandcache writes; the original reads.
	if err := c.Put(ctx, "fromgo", []byte(`{"b":1,"a":1.0}`), o); err != nil {
		t.Fatal(err)
	}
	if v, ok := originalGetRow(t, orig, "default", "fromgo"); !ok || v != `{"a":1.0,"b":1}` {
		t.Fatalf("original reads %q, %v", v, ok)
	}
	// The original overwrites (INSERT OR REPLACE) and adds rows on the file
	// sandcache has extended; the counts stay exact.
	orig2 := originalConn(t, path)
	originalPutRow(t, orig2, "default", "fromgo", `2`, 6000, int64(606000), 6000)
	originalPutRow(t, orig2, "default", "new", `3`, 6000, int64(606000), 6000)
	st, err = c.Stats(ctx, o)
	if err != nil || st.Entries != 4 {
		t.Fatalf("stats after the original's writes = %+v, %v; want 4 entries (a, forever, fromgo, new)", st, err)
	}
	if v, ok, _ := c.Get(ctx, "fromgo", o); !ok || string(v) != `2` {
		t.Fatalf("get after the original's overwrite = %s", v)
	}
	// Eviction sees the exact count.
	if err := c.Put(ctx, "z", []byte(`0`), o, sdk.MaxEntries(2)); err != nil {
		t.Fatal(err)
	}
	st, _ = c.Stats(ctx, o)
	if st.Entries != 2 {
		t.Fatalf("entries after a put with max 2 = %d", st.Entries)
	}
	var n int64
	cnt, _, _ := orig2.Prepare("SELECT count(*) FROM cache_entries WHERE namespace = 'default'")
	if cnt.Step() {
		n = cnt.ColumnInt64(0)
	}
	cnt.Close()
	if n != 2 {
		t.Fatalf("COUNT(*) = %d; want 2", n)
	}
	// The schema still holds the original's exact text.
	sch, _, _ := orig2.Prepare("SELECT sql FROM sqlite_master WHERE name IN ('cache_entries', 'idx_cache_entries_lru') ORDER BY name")
	var sqls []string
	for sch.Step() {
		sqls = append(sqls, sch.ColumnText(0))
	}
	sch.Close()
	want := []string{
		"CREATE TABLE cache_entries (namespace TEXT NOT NULL,cache_key TEXT NOT NULL,value_json TEXT NOT NULL,created_at_ms INTEGER NOT NULL,expires_at_ms INTEGER,last_accessed_ms INTEGER NOT NULL,PRIMARY KEY(namespace, cache_key))",
		"CREATE INDEX idx_cache_entries_lru ON cache_entries(namespace, last_accessed_ms)",
	}
	if len(sqls) != 2 || sqls[0] != want[0] || sqls[1] != want[1] {
		t.Fatalf("sqlite_master = %q\nwant %q", sqls, want)
	}
}
