package sqlcap

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sandcache/sandcache/internal/captest"
	"github.com/sandcache/sandcache/internal/guest/capability"
)

// newGrant grants a fresh temporary folder (grantOn).
func newGrant(t testing.TB) *Grant { return grantOn(t, t.TempDir()) }

// grantOn grants dir and closes the grant when the test ends.
func grantOn(t testing.TB, dir string) *Grant {
	t.Helper()
	g, err := NewGrant(dir)
	must(t, err)
	t.Cleanup(func() { g.Close() })
	return g
}

// allowAll makes newSession's Sessions permissive (see permissiveSessions).
var allowAll bool

// permissiveSessions makes the Sessions newSession returns allow any SQL
// (for tests of the SQL plumbing, not of confinement) until the returned
// function is called.
func permissiveSessions() func() {
	allowAll = true
	return func() { allowAll = false }
}

func newSession(t testing.TB, g *Grant) *Session {
	t.Helper()
	s := NewSession(g)
	s.permissive = allowAll
	t.Cleanup(func() { s.CloseAll() })
	return s
}

func open(t testing.TB, s *Session, name string) capability.DB {
	t.Helper()
	db, err := s.Open(name, false)
	must(t, err)
	return db
}

func prepare(t testing.TB, s *Session, db capability.DB, sql string) capability.Stmt {
	t.Helper()
	st, err := s.Prepare(db, sql)
	must(t, err)
	return st
}

// queryText runs a one-row, one-column query.
func queryText(t testing.TB, s *Session, db capability.DB, sql string) string {
	t.Helper()
	st := prepare(t, s, db, sql)
	defer s.Finalize(st)
	row, err := s.Step(st)
	if err != nil || !row {
		t.Fatalf("%s: row %v, %v", sql, row, err)
	}
	return s.ColumnText(st, 0)
}

// wantText fails the test, and goes on, unless the first column of sql's
// first row reads want.
func wantText(t testing.TB, s *Session, db capability.DB, sql, want string) {
	t.Helper()
	if v := queryText(t, s, db, sql); v != want {
		t.Errorf("%s = %q, want %q", sql, v, want)
	}
}

// must and wantCode are package captest's assertions.
var (
	must     = captest.Must
	wantCode = captest.WantCode
)

func TestDialect(t *testing.T) {
	if d := NewSession(newGrant(t)).Dialect(); d != "sqlite" {
		t.Fatalf("Dialect = %q", d)
	}
}

func TestRoundTrip(t *testing.T) {
	// SQL plumbing, not confinement: any SQL.
	defer permissiveSessions()()
	g := newGrant(t)
	s := newSession(t, g)
	db := open(t, s, "db/nested/cache.sqlite")
	if _, err := os.Stat(filepath.Join(g.Dir(), "db", "nested", "cache.sqlite")); err != nil {
		t.Fatal(err)
	}
	must(t, s.Exec(db, "CREATE TABLE t(k INTEGER PRIMARY KEY, i, f, s, b, n); CREATE INDEX t_i ON t(i)"))
	ins := prepare(t, s, db, "INSERT INTO t(k, i, f, s, b, n) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
	type row struct {
		i int64
		f float64
		s string
		b []byte
	}
	rows := []row{
		{42, 1.5, "héllo ✓", []byte{0, 1, 2, 255}},
		{math.MinInt64, math.Inf(-1), "", []byte{}},
		{math.MaxInt64, -0.25, strings.Repeat("x", 100_000), bytes.Repeat([]byte{7}, 100_000)},
	}
	for k, r := range rows {
		must(t, s.BindInt(ins, 1, int64(k)))
		must(t, s.BindInt(ins, 2, r.i))
		must(t, s.BindFloat(ins, 3, r.f))
		must(t, s.BindText(ins, 4, r.s))
		must(t, s.BindBlob(ins, 5, r.b))
		must(t, s.BindNull(ins, 6))
		if more, err := s.Step(ins); more || err != nil {
			t.Fatalf("insert: %v, %v", more, err)
		}
		if n := s.Changes(db); n != 1 {
			t.Fatalf("Changes = %d", n)
		}
		must(t, s.Reset(ins))
	}
	// Reset cleared the bindings: everything binds NULL now.
	must(t, s.BindInt(ins, 1, 99))
	if _, err := s.Step(ins); err != nil {
		t.Fatal(err)
	}
	s.Finalize(ins)

	sel := prepare(t, s, db, "SELECT i, f, s, b, n FROM t WHERE k = ?")
	if n := s.ColumnCount(sel); n != 5 {
		t.Fatalf("ColumnCount = %d", n)
	}
	for k, r := range rows {
		must(t, s.BindInt(sel, 1, int64(k)))
		if ok, err := s.Step(sel); !ok || err != nil {
			t.Fatalf("select %d: %v, %v", k, ok, err)
		}
		kinds := []capability.Kind{capability.KindInteger, capability.KindFloat, capability.KindText, capability.KindBlob, capability.KindNull}
		for c, want := range kinds {
			if got := s.ColumnKind(sel, uint32(c)); got != want {
				t.Errorf("row %d column %d kind %v; want %v", k, c, got, want)
			}
		}
		if v := s.ColumnInt(sel, 0); v != r.i {
			t.Errorf("int %d; want %d", v, r.i)
		}
		if v := s.ColumnFloat(sel, 1); v != r.f {
			t.Errorf("float %v; want %v", v, r.f)
		}
		if v := s.ColumnText(sel, 2); v != r.s {
			t.Errorf("text %.20q; want %.20q", v, r.s)
		}
		if v := s.ColumnBlob(sel, 3); !bytes.Equal(v, r.b) {
			t.Errorf("blob %.20q; want %.20q", v, r.b)
		}
		if v := s.ColumnRawText(sel, 2); string(v) != r.s {
			t.Errorf("raw text %.20q", v)
		}
		if v := s.ColumnRawBlob(sel, 3); !bytes.Equal(v, r.b) {
			t.Errorf("raw blob %.20q", v)
		}
		if v := s.ColumnBlob(sel, 4); v != nil {
			t.Errorf("NULL blob = %v", v)
		}
		// Out of range: zero values, no panic.
		if s.ColumnInt(sel, 5) != 0 || s.ColumnText(sel, 99) != "" || s.ColumnKind(sel, math.MaxUint32) != capability.KindNull ||
			s.ColumnBlob(sel, 1<<31) != nil || s.ColumnFloat(sel, 5) != 0 {
			t.Error("out-of-range column gave a value")
		}
		if ok, err := s.Step(sel); ok || err != nil {
			t.Fatalf("second step: %v, %v", ok, err)
		}
		// Done: no current row.
		if s.ColumnInt(sel, 0) != 0 || s.ColumnKind(sel, 0) != capability.KindNull || s.ColumnText(sel, 2) != "" {
			t.Error("column after done gave a value")
		}
		must(t, s.Reset(sel))
	}
	// Before any step: no current row.
	if s.ColumnInt(sel, 0) != 0 || s.ColumnText(sel, 2) != "" {
		t.Error("column before step gave a value")
	}
	// Conversions follow SQLite.
	wantText(t, s, db, "SELECT 12", "12")
	// NULL-bound row.
	wantText(t, s, db, "SELECT count(*) FROM t WHERE i IS NULL AND k = 99", "1")
}

func TestBindErrors(t *testing.T) {
	s := newSession(t, newGrant(t))
	db := open(t, s, "a.sqlite")
	st := prepare(t, s, db, "SELECT ?1, ?2")
	wantCode(t, "bind index 0", s.BindInt(st, 0, 1), capability.InvalidArgument)
	wantCode(t, "bind index 3", s.BindInt(st, 3, 1), capability.InvalidArgument)
	wantCode(t, "bind index huge", s.BindText(st, math.MaxUint32, "x"), capability.InvalidArgument)
}

func TestPragmas(t *testing.T) {
	s := newSession(t, newGrant(t))
	db := open(t, s, "cache.sqlite")
	wantText(t, s, db, "PRAGMA journal_mode", "wal")
	wantText(t, s, db, "PRAGMA synchronous", "1") // NORMAL
}

func TestOpenIsIdempotentAndCloseCounts(t *testing.T) {
	s := newSession(t, newGrant(t))
	a := open(t, s, "a.sqlite")
	b := open(t, s, "a.sqlite")
	if a != b {
		t.Fatalf("handles %d and %d for one name", a, b)
	}
	c := open(t, s, "c.sqlite")
	if c == a {
		t.Fatal("same handle for two names")
	}
	m1, _ := s.Open("x", true)
	m2, _ := s.Open("y", true)
	if m1 != m2 || m1 == a {
		t.Fatalf("memory handles %d, %d", m1, m2)
	}
	st := prepare(t, s, a, "SELECT 1")
	s.Close(a)
	if ok, err := s.Step(st); !ok || err != nil {
		t.Fatalf("statement after first Close: %v, %v", ok, err)
	}
	s.Close(a)
	_, err := s.Step(st)
	wantCode(t, "statement after last Close", err, capability.Internal)
	wantCode(t, "Exec after last Close", s.Exec(a, "SELECT 1"), capability.Internal)
	// A new Open gets a new handle.
	if a2 := open(t, s, "a.sqlite"); a2 == a {
		t.Fatal("handle reused")
	}
	must(t, s.CloseAll())
	wantCode(t, "Exec after CloseAll", s.Exec(c, "SELECT 1"), capability.Internal)
	// Usable again after CloseAll.
	d := open(t, s, "a.sqlite")
	must(t, s.Exec(d, "SELECT 1"))
}

func TestPrepare(t *testing.T) {
	s := newSession(t, newGrant(t))
	db := open(t, s, "a.sqlite")
	for _, sql := range []string{"SELECT 1", "SELECT 1;", "SELECT 1;  \n\t", "SELECT 1; -- done", "SELECT 1; /* done */ "} {
		st, err := s.Prepare(db, sql)
		if err != nil {
			t.Errorf("Prepare(%q): %v", sql, err)
		}
		s.Finalize(st)
	}
	for _, sql := range []string{"SELECT 1; SELECT 2", "SELECT 1; x", "", "  ", "-- nothing"} {
		_, err := s.Prepare(db, sql)
		wantCode(t, fmt.Sprintf("Prepare(%q)", sql), err, capability.InvalidArgument)
	}
	_, err := s.Prepare(db, "SELEKT 1")
	wantCode(t, "syntax error", err, capability.IO)
	if !strings.Contains(err.Error(), "syntax error") || !strings.Contains(err.Error(), `"a.sqlite"`) {
		t.Errorf("message %q", err)
	}
	_, err = s.Prepare(db, "SELECT * FROM nope")
	wantCode(t, "no such table", err, capability.IO)
	wantCode(t, "Exec error", s.Exec(db, "INSERT INTO nope VALUES (1)"), capability.IO)
}

func TestStepErrorThenReset(t *testing.T) {
	// SQL plumbing, not confinement: any SQL.
	defer permissiveSessions()()
	s := newSession(t, newGrant(t))
	db := open(t, s, "a.sqlite")
	must(t, s.Exec(db, "CREATE TABLE t(k PRIMARY KEY)"))
	ins := prepare(t, s, db, "INSERT INTO t VALUES (?)")
	must(t, s.BindInt(ins, 1, 1))
	if _, err := s.Step(ins); err != nil {
		t.Fatal(err)
	}
	must(t, s.Reset(ins))
	must(t, s.BindInt(ins, 1, 1))
	_, err := s.Step(ins)
	wantCode(t, "constraint", err, capability.IO)
	must(t, s.Reset(ins)) // the step's error is not repeated
	must(t, s.BindInt(ins, 1, 2))
	if _, err := s.Step(ins); err != nil {
		t.Fatal(err)
	}
}

func TestUnknownHandles(t *testing.T) {
	s := newSession(t, newGrant(t))
	db := open(t, s, "a.sqlite")
	st := prepare(t, s, db, "SELECT 1")
	s.Finalize(st)
	s.Finalize(st) // twice: ignored
	for _, h := range []capability.Stmt{0, st, st + 1, 1 << 20, math.MaxUint32} {
		_, err := s.Step(h)
		wantCode(t, "Step", err, capability.Internal)
		wantCode(t, "BindNull", s.BindNull(h, 1), capability.Internal)
		wantCode(t, "BindInt", s.BindInt(h, 1, 1), capability.Internal)
		wantCode(t, "BindFloat", s.BindFloat(h, 1, 1), capability.Internal)
		wantCode(t, "BindText", s.BindText(h, 1, "x"), capability.Internal)
		wantCode(t, "BindBlob", s.BindBlob(h, 1, nil), capability.Internal)
		wantCode(t, "Reset", s.Reset(h), capability.Internal)
		if s.ColumnCount(h) != 0 || s.ColumnKind(h, 0) != capability.KindNull || s.ColumnInt(h, 0) != 0 ||
			s.ColumnFloat(h, 0) != 0 || s.ColumnText(h, 0) != "" || s.ColumnBlob(h, 0) != nil ||
			s.ColumnRawText(h, 0) != nil || s.ColumnRawBlob(h, 0) != nil {
			t.Error("column of unknown statement gave a value")
		}
		s.Finalize(h)
	}
	for _, h := range []capability.DB{0, db + 1, 1 << 20, math.MaxUint32} {
		wantCode(t, "Exec", s.Exec(h, "SELECT 1"), capability.Internal)
		_, err := s.Prepare(h, "SELECT 1")
		wantCode(t, "Prepare", err, capability.Internal)
		if s.Changes(h) != 0 {
			t.Error("Changes of unknown db")
		}
		s.Close(h)
	}
	must(t, s.Exec(db, "SELECT 1"))
}

func TestConcurrentWriters(t *testing.T) {
	// SQL plumbing, not confinement: any SQL.
	defer permissiveSessions()()
	g := newGrant(t)
	const sessions, each = 4, 100
	setup := newSession(t, g)
	db := open(t, setup, "shared.sqlite")
	must(t, setup.Exec(db, "CREATE TABLE t(w, n)"))
	var wg sync.WaitGroup
	errs := make(chan error, sessions)
	for w := range sessions {
		s := newSession(t, g)
		wg.Go(func() {
			db, err := s.Open("shared.sqlite", false)
			if err != nil {
				errs <- err
				return
			}
			ins, err := s.Prepare(db, "INSERT INTO t VALUES (?, ?)")
			if err != nil {
				errs <- err
				return
			}
			for n := range each {
				if err := s.Exec(db, "BEGIN IMMEDIATE"); err != nil {
					errs <- err
					return
				}
				s.BindInt(ins, 1, int64(w))
				s.BindInt(ins, 2, int64(n))
				if _, err := s.Step(ins); err != nil {
					errs <- err
					return
				}
				s.Reset(ins)
				if err := s.Exec(db, "COMMIT"); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if v := queryText(t, setup, db, "SELECT count(*) FROM t"); v != fmt.Sprint(sessions*each) {
		t.Fatalf("rows = %s", v)
	}
}

func TestConcurrentFirstOpen(t *testing.T) {
	// SQL plumbing, not confinement: any SQL.
	defer permissiveSessions()()
	// Many Sessions opening a new file at once all switch it to WAL.
	g := newGrant(t)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		s := newSession(t, g)
		wg.Go(func() {
			db, err := s.Open("fresh.sqlite", false)
			if err == nil {
				err = s.Exec(db, "CREATE TABLE IF NOT EXISTS t(x)")
			}
			if err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func TestMemoryDatabase(t *testing.T) {
	// SQL plumbing, not confinement: any SQL.
	defer permissiveSessions()()
	g1, g2 := newGrant(t), newGrant(t)
	a, b := newSession(t, g1), newSession(t, g1)
	dbA, err := a.Open("whatever", true)
	must(t, err)
	must(t, a.Exec(dbA, "CREATE TABLE t(x); INSERT INTO t VALUES (7)"))
	dbB, err := b.Open("other label", true)
	must(t, err)
	if v := queryText(t, b, dbB, "SELECT x FROM t"); v != "7" {
		t.Fatalf("second session sees %q", v)
	}
	// Writers of both sessions take turns.
	var wg sync.WaitGroup
	for _, p := range []struct {
		s  *Session
		db capability.DB
	}{{a, dbA}, {b, dbB}} {
		wg.Go(func() {
			for range 50 {
				if err := p.s.Exec(p.db, "BEGIN IMMEDIATE; INSERT INTO t VALUES (1); COMMIT"); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if v := queryText(t, a, dbA, "SELECT count(*) FROM t"); v != "101" {
		t.Fatalf("rows = %s", v)
	}
	// Another grant has its own.
	c := newSession(t, g2)
	dbC, err := c.Open("whatever", true)
	must(t, err)
	_, err = c.Prepare(dbC, "SELECT x FROM t")
	wantCode(t, "other grant", err, capability.IO)
	// The database outlives the sessions, not the grant.
	must(t, a.CloseAll())
	must(t, b.CloseAll())
	d := newSession(t, g1)
	dbD, _ := d.Open("m", true)
	if v := queryText(t, d, dbD, "SELECT count(*) FROM t"); v != "101" {
		t.Fatalf("after sessions closed: rows = %s", v)
	}
	// No file was written.
	ents, _ := os.ReadDir(g1.Dir())
	if len(ents) != 0 {
		t.Fatalf("memory database wrote %v", ents)
	}
}

func TestNotADatabase(t *testing.T) {
	g := newGrant(t)
	os.WriteFile(filepath.Join(g.Dir(), "bad.sqlite"), bytes.Repeat([]byte("not sqlite "), 1000), 0o666)
	s := newSession(t, g)
	_, err := s.Open("bad.sqlite", false)
	wantCode(t, "Open non-SQLite file", err, capability.Corrupt)
	if strings.Contains(err.Error(), g.Dir()) || !strings.Contains(err.Error(), "bad.sqlite") {
		t.Errorf("message %q", err)
	}
	// It failed cleanly: a retry fails the same way, other names still work.
	_, err = s.Open("bad.sqlite", false)
	wantCode(t, "Open again", err, capability.Corrupt)
	open(t, s, "good.sqlite")
	// A folder is not a database.
	os.Mkdir(filepath.Join(g.Dir(), "dir.sqlite"), 0o777)
	_, err = s.Open("dir.sqlite", false)
	wantCode(t, "Open a folder", err, capability.IO)
	_, err = s.Open("bad.sqlite/x", false)
	wantCode(t, "Open under a file", err, capability.IO)
}

func TestReadOnlyFolder(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root ignores permissions")
	}
	g := newGrant(t)
	ro := filepath.Join(g.Dir(), "ro")
	os.Mkdir(ro, 0o555)
	defer os.Chmod(ro, 0o755)
	s := newSession(t, g)
	_, err := s.Open("ro/x.sqlite", false)
	if c := capability.CodeOf(err); c != capability.IO && c != capability.NotPermitted {
		t.Fatalf("Open in read-only folder: %v", err)
	}
	if strings.Contains(err.Error(), g.Dir()) {
		t.Errorf("message %q names the host path", err)
	}
}

func TestContext(t *testing.T) {
	// SQL plumbing, not confinement: any SQL.
	defer permissiveSessions()()
	s := newSession(t, newGrant(t))
	db := open(t, s, "a.sqlite")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s.SetContext(ctx)
	err := s.Exec(db, "SELECT 1")
	wantCode(t, "cancelled Exec", err, capability.IO)
	if !strings.Contains(err.Error(), "interrupt") {
		t.Errorf("message %q", err)
	}
	// Opening also waits for locks, so it is interrupted too.
	_, err = s.Open("b.sqlite", false)
	wantCode(t, "cancelled Open", err, capability.IO)
	s.SetContext(context.Background())
	must(t, s.Exec(db, "SELECT 1"))
	db2 := open(t, s, "b.sqlite")
	must(t, s.Exec(db2, "SELECT 1"))

	// A deadline stops a long query.
	ctx, cancel = context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	s.SetContext(ctx)
	db3 := open(t, s, "c.sqlite") // future connections get the context too
	st := prepare(t, s, db3, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c")
	start := time.Now()
	_, err = s.Step(st)
	wantCode(t, "long query", err, capability.IO)
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("interrupted after %v", d)
	}
	s.SetContext(context.Background())
	must(t, s.Reset(st))
}

func TestDeadlineStopsWaitingForLock(t *testing.T) {
	g := newGrant(t)
	a, b := newSession(t, g), newSession(t, g)
	dbA, dbB := open(t, a, "x.sqlite"), open(t, b, "x.sqlite")
	must(t, a.Exec(dbA, "BEGIN IMMEDIATE"))
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	b.SetContext(ctx)
	start := time.Now()
	err := b.Exec(dbB, "BEGIN IMMEDIATE")
	wantCode(t, "BEGIN IMMEDIATE while locked", err, capability.IO)
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("waited %v", d)
	}
	b.SetContext(context.Background())
	must(t, a.Exec(dbA, "COMMIT"))
	must(t, b.Exec(dbB, "BEGIN IMMEDIATE; COMMIT"))
}

func TestOOMIsAnError(t *testing.T) {
	// go-sqlite3 panics when its wasm memory (256 MiB per connection) is
	// exhausted; the Session turns that into an error.
	if testing.Short() {
		t.Skip("allocates 256 MiB")
	}
	s := newSession(t, newGrant(t))
	db := open(t, s, "a.sqlite")
	st := prepare(t, s, db, "SELECT ?1, ?2, ?3")
	big := strings.Repeat("x", 120<<20)
	var err error
	for i := uint32(1); i <= 3 && err == nil; i++ {
		err = s.BindText(st, i, big)
	}
	if err == nil {
		t.Skip("no OOM with 360 MiB bound")
	}
	if c := capability.CodeOf(err); c != capability.IO && c != capability.InvalidArgument {
		t.Fatalf("OOM: %v", err)
	}
	t.Logf("%v", err)
	var ce *capability.Error
	if !errors.As(err, &ce) {
		t.Fatalf("%T", err)
	}
}

func BenchmarkGet(b *testing.B) {
	for _, memory := range []bool{false, true} {
		b.Run(fmt.Sprintf("memory=%v", memory), func(b *testing.B) {
			s := newSession(b, newGrant(b))
			db, err := s.Open("cache.sqlite", memory)
			must(b, err)
			must(b, s.Exec(db, "CREATE TABLE e(ns TEXT, k TEXT, v TEXT, PRIMARY KEY(ns, k))"))
			ins := prepare(b, s, db, "INSERT INTO e VALUES (?, ?, ?)")
			must(b, s.Exec(db, "BEGIN IMMEDIATE"))
			for i := range 1000 {
				s.BindText(ins, 1, "default")
				s.BindText(ins, 2, fmt.Sprint("key", i))
				s.BindText(ins, 3, strings.Repeat("v", 200))
				if _, err := s.Step(ins); err != nil {
					b.Fatal(err)
				}
				s.Reset(ins)
			}
			must(b, s.Exec(db, "COMMIT"))
			sel := prepare(b, s, db, "SELECT v FROM e WHERE ns = ? AND k = ?")
			b.ReportAllocs()
			for b.Loop() {
				s.BindText(sel, 1, "default")
				s.BindText(sel, 2, "key500")
				if ok, err := s.Step(sel); !ok || err != nil {
					b.Fatal(ok, err)
				}
				if len(s.ColumnRawText(sel, 0)) != 200 {
					b.Fatal("bad value")
				}
				s.Reset(sel)
			}
		})
	}
}
