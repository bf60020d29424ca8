//go:build unix

package sqlcap

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ncruces/go-sqlite3"
	"github.com/ncruces/go-sqlite3/vfs"

	"github.com/sandcache/sandcache/internal/captest"
	"github.com/sandcache/sandcache/internal/guest/cache"
	"github.com/sandcache/sandcache/internal/guest/capability"
)

// guestSchema is every statement the cache's SQLite store runs to make its
// schema (the authorizer must allow each).
var guestSchema = append(append([]string{"BEGIN IMMEDIATE"}, cache.SchemaStatements()...), "COMMIT")

const guestInsert = "INSERT OR REPLACE INTO cache_entries " +
	"(namespace, cache_key, value_json, created_at_ms, expires_at_ms, last_accessed_ms) " +
	"VALUES (?1, ?2, ?4, ?3, ?5, max(?3, coalesce((SELECT max(last_accessed_ms) FROM cache_entries WHERE namespace = ?1) + 1, ?3)))"

// hostile is a granted folder next to an outside folder with a canary.
type hostile struct {
	o   *captest.Outside
	dir string
	g   *Grant
	s   *Session
}

func newHostile(t *testing.T, lim ...Limits) *hostile {
	h := &hostile{}
	h.dir, h.o = grantBeside(t)
	g, err := NewGrant(h.dir, lim...)
	must(t, err)
	t.Cleanup(func() { g.Close() })
	h.g, h.s = g, newSession(t, g)
	return h
}

// makeCache opens name and gives it the guest's schema and one entry.
func (h *hostile) makeCache(t *testing.T, name string) capability.DB {
	t.Helper()
	db := open(t, h.s, name)
	for _, q := range guestSchema {
		must(t, h.s.Exec(db, q))
	}
	st := prepare(t, h.s, db, guestInsert)
	must(t, h.s.BindText(st, 1, "ns"))
	must(t, h.s.BindText(st, 2, "k"))
	must(t, h.s.BindInt(st, 3, 1))
	must(t, h.s.BindText(st, 4, `{"v":1}`))
	must(t, h.s.BindNull(st, 5))
	_, err := h.s.Step(st)
	must(t, err)
	must(t, h.s.Reset(st))
	h.s.Finalize(st)
	return db
}

// noHostPath fails when err's message holds an absolute host path.
func (h *hostile) noHostPath(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil && (strings.Contains(err.Error(), h.dir) || strings.Contains(err.Error(), h.g.Dir())) {
		t.Errorf("%s: message holds the host path: %v", what, err)
	}
}

func TestHostileStatementsDenied(t *testing.T) {
	h := newHostile(t)
	file := h.makeCache(t, "cache.sqlite")
	mem, err := h.s.Open("mem", true)
	must(t, err)
	for _, q := range guestSchema {
		must(t, h.s.Exec(mem, q))
	}
	abs := filepath.Join(h.o.Dir, "x.db")
	attacks := []string{
		"ATTACH DATABASE '" + h.o.Canary + "' AS o",
		"ATTACH DATABASE '" + abs + "' AS o",
		"ATTACH '../outside/x.db' AS o",
		"ATTACH 'file:" + abs + "?mode=rwc' AS o",
		"ATTACH 'file:" + abs + "?mode=rwc&vfs=os' AS o",
		"ATTACH 'inside.db' AS o",
		"DETACH main",
		"VACUUM INTO '" + abs + "'",
		"VACUUM INTO 'copy.db'",
		"VACUUM",
		"PRAGMA database_list",
		"SELECT * FROM pragma_database_list",
		"SELECT file FROM pragma_database_list",
		"PRAGMA writable_schema=ON",
		"PRAGMA journal_mode=OFF",
		"PRAGMA trusted_schema=ON",
		"PRAGMA temp_store_directory='" + h.o.Dir + "'",
		"CREATE VIEW v AS SELECT 1",
		"CREATE TEMP TABLE t (x)",
		"CREATE TABLE other (x)",
		"CREATE TRIGGER evil AFTER INSERT ON cache_entries BEGIN DELETE FROM cache_entries; END",
		"DROP TABLE cache_entries",
		"ALTER TABLE cache_entries ADD COLUMN x",
		"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c",
		"SELECT randomblob(1000000000)",
		"SELECT zeroblob(1000000000)",
		"SELECT sql FROM sqlite_temp_master",
		"SAVEPOINT s",
		"ANALYZE",
	}
	for _, db := range []capability.DB{file, mem} {
		for _, q := range attacks {
			err := h.s.Exec(db, q)
			wantCode(t, q, err, capability.NotPermitted)
			h.noHostPath(t, q, err)
			if _, err := h.s.Prepare(db, q); capability.CodeOf(err) != capability.NotPermitted {
				t.Errorf("prepare %s: %v", q, err)
			}
		}
		// load_extension does not exist at all in this SQLite, and
		// DEFENSIVE mode makes SQLite refuse writes to its schema table.
		for _, q := range []string{"SELECT load_extension('" + abs + "')",
			"INSERT INTO sqlite_master VALUES ('table','x','x',0,'CREATE TABLE x(y)')"} {
			err := h.s.Exec(db, q)
			if err == nil {
				t.Errorf("%s ran", q)
			}
			h.noHostPath(t, q, err)
		}
	}
	h.o.Check(t, "hostile statements")
	if ents, _ := os.ReadDir(h.dir); len(ents) > 3 {
		t.Errorf("granted folder holds extra files: %v", ents)
	}
	// The guest's own statements still run.
	st := prepare(t, h.s, file, "SELECT value_json FROM cache_entries WHERE namespace = ?1 AND cache_key = ?2")
	must(t, h.s.BindText(st, 1, "ns"))
	must(t, h.s.BindText(st, 2, "k"))
	if row, err := h.s.Step(st); !row || err != nil || h.s.ColumnText(st, 0) != `{"v":1}` {
		t.Fatalf("guest query: %v %v", row, err)
	}
}

// rawExec runs sql on the file path with a plain go-sqlite3 connection, as
// something else writing the granted folder would.
func rawExec(t *testing.T, path, sql string) {
	t.Helper()
	c, err := sqlite3.Open(path)
	must(t, err)
	defer c.Close()
	must(t, c.Exec(sql))
}

func TestPlantedSchemaObjects(t *testing.T) {
	plants := map[string]string{
		"planted_view":           "CREATE VIEW planted_view AS SELECT * FROM cache_entries",
		"planted_trigger":        "CREATE TRIGGER planted_trigger AFTER INSERT ON cache_entries BEGIN DELETE FROM sandcache_counts; END",
		"sandcache_count_insert": "DROP TRIGGER sandcache_count_insert; CREATE TRIGGER sandcache_count_insert AFTER INSERT ON cache_entries BEGIN DELETE FROM cache_entries; END",
		"planted_table":          "CREATE TABLE planted_table (x)",
		"planted_index":          "CREATE INDEX planted_index ON cache_entries(value_json)",
	}
	for object, sql := range plants {
		t.Run(object, func(t *testing.T) {
			h := newHostile(t)
			h.s.Close(h.makeCache(t, "cache.sqlite"))
			rawExec(t, filepath.Join(h.dir, "cache.sqlite"), sql)
			_, err := h.s.Open("cache.sqlite", false)
			wantCode(t, "open with "+object, err, capability.Corrupt)
			if err != nil && !strings.Contains(err.Error(), `"`+object+`"`) {
				t.Errorf("message does not name %s: %v", object, err)
			}
			_, err = h.s.Open("mem", true) // the memory database is unaffected
			must(t, err)
			h.o.Check(t, object)
		})
	}
	// A file made by the original (its table and index only) opens.
	h := newHostile(t)
	rawExec(t, filepath.Join(h.dir, "harn.sqlite"), strings.TrimSuffix(guestSchema[1], ";")+"; "+guestSchema[2])
	open(t, h.s, "harn.sqlite")
}

func TestLoopingTriggerEndsAtDeadline(t *testing.T) {
	h := newHostile(t)
	db := h.makeCache(t, "cache.sqlite")
	for i := range 50 {
		rawExec(t, filepath.Join(h.dir, "cache.sqlite"),
			"INSERT INTO cache_entries VALUES ('ns', 'k"+string(rune('a'+i%26))+strings.Repeat("x", i)+"', '1', 1, NULL, 1)")
	}
	// Planted after Open's check (by another process): a trigger whose
	// body never ends, made only of what the authorizer allows.
	rawExec(t, filepath.Join(h.dir, "cache.sqlite"), "DROP TRIGGER sandcache_count_delete; "+
		"CREATE TRIGGER sandcache_count_delete AFTER DELETE ON cache_entries BEGIN "+
		"DELETE FROM sandcache_counts WHERE (SELECT count(*) FROM cache_entries a, cache_entries b, cache_entries c, "+
		"cache_entries d, cache_entries e, cache_entries f, cache_entries g) < 0; END")
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	h.s.SetContext(ctx)
	start := time.Now()
	err := h.s.Exec(db, "DELETE FROM cache_entries WHERE namespace = 'ns'")
	wantCode(t, "looping trigger", err, capability.IO)
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("the looping trigger ran %v past a 100 ms deadline", d)
	}
	h.s.SetContext(context.Background())
	// A new instance refuses the file: the trigger is not sandcache's.
	s2 := newSession(t, h.g)
	_, err = s2.Open("cache.sqlite", false)
	wantCode(t, "open with the looping trigger", err, capability.Corrupt)
	h.o.Check(t, "looping trigger")
}

// plant replaces name in the grant by kind (captest.Plant), links pointing
// outside.
func (h *hostile) plant(t *testing.T, name, kind string) {
	t.Helper()
	p := filepath.Join(h.dir, name)
	os.Remove(p)
	captest.Plant(t, p, kind, h.o.Canary)
}

func TestPlantedFiles(t *testing.T) {
	for _, suffix := range []string{"", "-journal", "-wal", "-shm"} {
		for _, kind := range []string{"fifo", "socket", "hardlink", "symlink"} {
			t.Run("cache.sqlite"+suffix+"/"+kind, func(t *testing.T) {
				h := newHostile(t)
				if suffix != "" {
					h.s.Close(h.makeCache(t, "cache.sqlite"))
				}
				if suffix == "-journal" {
					// A rollback journal matters to a database not in WAL mode.
					rawExec(t, filepath.Join(h.dir, "cache.sqlite"), "PRAGMA journal_mode=DELETE")
				}
				h.plant(t, "cache.sqlite"+suffix, kind)
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				defer cancel()
				h.s.SetContext(ctx)
				start := time.Now()
				err := h.use(t)
				if d := time.Since(start); d > 5*time.Second {
					t.Fatalf("took %v", d)
				}
				wantCode(t, kind+" as cache.sqlite"+suffix, err, capability.NotPermitted)
				h.noHostPath(t, kind, err)
				h.o.Check(t, kind)
			})
		}
	}
}

// use opens cache.sqlite and reads and writes it; the first error.
func (h *hostile) use(t *testing.T) error {
	db, err := h.s.Open("cache.sqlite", false)
	if err != nil {
		return err
	}
	defer h.s.Close(db)
	if err := h.s.Exec(db, "SELECT count(*) FROM cache_entries"); err != nil {
		return err
	}
	return h.s.Exec(db, "DELETE FROM cache_entries WHERE namespace = 'none'")
}

func TestCaps(t *testing.T) {
	t.Run("memory database size", func(t *testing.T) {
		h := newHostile(t, Limits{MemoryBytes: 256 << 10})
		mem, err := h.s.Open("mem", true)
		must(t, err)
		for _, q := range guestSchema {
			must(t, h.s.Exec(mem, q))
		}
		st := prepare(t, h.s, mem, guestInsert)
		var last error
		for i := 0; i < 1000 && last == nil; i++ {
			must(t, h.s.BindText(st, 1, "ns"))
			must(t, h.s.BindText(st, 2, strings.Repeat("k", 10)+string(rune('a'+i%26))+strings.Repeat("z", i)))
			must(t, h.s.BindInt(st, 3, int64(i)))
			must(t, h.s.BindText(st, 4, strings.Repeat("v", 4000)))
			must(t, h.s.BindNull(st, 5))
			_, last = h.s.Step(st)
			h.s.Reset(st)
		}
		wantCode(t, "memory database full", last, capability.IO)
		if last != nil && !strings.Contains(last.Error(), "memory database is full") {
			t.Errorf("message: %v", last)
		}
	})
	t.Run("open databases", func(t *testing.T) {
		h := newHostile(t, Limits{Databases: 2})
		open(t, h.s, "a.sqlite")
		open(t, h.s, "b.sqlite")
		_, err := h.s.Open("c.sqlite", false)
		wantCode(t, "third database", err, capability.IO)
		if err != nil && !strings.Contains(err.Error(), "too many open databases") {
			t.Errorf("message: %v", err)
		}
	})
	t.Run("statements", func(t *testing.T) {
		h := newHostile(t, Limits{Statements: 2})
		db := h.makeCache(t, "a.sqlite")
		prepare(t, h.s, db, "SELECT 1")
		prepare(t, h.s, db, "SELECT 2")
		_, err := h.s.Prepare(db, "SELECT 3")
		wantCode(t, "third statement", err, capability.IO)
	})
	t.Run("statement text", func(t *testing.T) {
		h := newHostile(t)
		db := h.makeCache(t, "a.sqlite")
		_, err := h.s.Prepare(db, "SELECT '"+strings.Repeat("x", maxSQLBytes)+"'")
		wantCode(t, "statement longer than the limit", err, capability.InvalidArgument)
		big := "SELECT length('" + strings.Repeat("x", maxSQLBytes-100) + "')"
		for range maxSQLTextBytes / len(big) {
			prepare(t, h.s, db, big)
		}
		_, err = h.s.Prepare(db, big)
		wantCode(t, "statement text beyond the limit", err, capability.IO)
		h.s.CloseAll()
		db = open(t, h.s, "a.sqlite")
		prepare(t, h.s, db, big) // the budget is released with the statements
	})
	t.Run("connections are reused", func(t *testing.T) {
		h := newHostile(t, Limits{Connections: 2})
		var dbs []capability.DB
		var sts []capability.Stmt
		for i := range 6 {
			name := string(rune('a'+i)) + ".sqlite"
			db := h.makeCache(t, name)
			dbs = append(dbs, db)
			sts = append(sts, prepare(t, h.s, db, "SELECT count(*) FROM cache_entries"))
			if h.s.live > 2 {
				t.Fatalf("%d connections open, limit 2", h.s.live)
			}
		}
		for round := range 2 {
			for i, st := range sts {
				row, err := h.s.Step(st)
				if err != nil || !row || h.s.ColumnInt(st, 0) != 1 {
					t.Fatalf("round %d db %d: %v %v", round, i, row, err)
				}
				must(t, h.s.Reset(st))
				if h.s.live > 2 {
					t.Fatalf("%d connections open, limit 2", h.s.live)
				}
			}
		}
		// A connection inside a transaction is not closed to make room.
		must(t, h.s.Exec(dbs[0], "BEGIN IMMEDIATE"))
		must(t, h.s.Exec(dbs[1], "BEGIN IMMEDIATE"))
		_, err := h.s.Step(sts[2])
		wantCode(t, "third connection while two are in transactions", err, capability.IO)
		must(t, h.s.Exec(dbs[0], "COMMIT"))
		if row, err := h.s.Step(sts[2]); !row || err != nil {
			t.Fatalf("after commit: %v %v", row, err)
		}
		h.s.Reset(sts[2])
		must(t, h.s.Exec(dbs[1], "COMMIT"))
		h.o.Check(t, "connection reuse")
	})
}

func TestGrantClosedUnderOpenConnections(t *testing.T) {
	h := newHostile(t)
	db := h.makeCache(t, "cache.sqlite")
	h.g.Close() // a Sandbox closes its Sessions first; this one is late
	must(t, h.s.Exec(db, "SELECT count(*) FROM cache_entries"))
	_, err := h.s.Open("other.sqlite", false)
	wantCode(t, "open after the grant closed", err, capability.IO)
	must(t, h.s.CloseAll())
	if vfsFound(h.g) {
		t.Error("the grant's VFS is still registered after its last connection closed")
	}
}

// vfsFound reports whether g's VFS is registered.
func vfsFound(g *Grant) bool { return vfs.Find(g.vfs) != nil }

func TestOddNamesStayInside(t *testing.T) {
	h := newHostile(t)
	for _, name := range []string{"a?b#c%d.sqlite", "sp ace/é%2e%2e.sqlite", "x&vfs=os.sqlite"} {
		h.s.Close(h.makeCache(t, name))
		if fi, err := os.Lstat(filepath.Join(h.dir, filepath.FromSlash(name))); err != nil || !fi.Mode().IsRegular() {
			t.Errorf("%q: not created where named: %v", name, err)
		}
	}
	h.o.Check(t, "odd names")
}
