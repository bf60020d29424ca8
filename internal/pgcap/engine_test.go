package pgcap

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/sandcache/sandcache/internal/guest/cache"
	"github.com/sandcache/sandcache/internal/guest/capability"
	"github.com/sandcache/sandcache/internal/guest/options"
	"github.com/sandcache/sandcache/internal/sqlcap"
)

// The guest's cache engine, run natively over the postgres capability:
// the postgres store must behave as the sqlite store does.

// clock is an injected clock in milliseconds.
type clock struct{ ms int64 }

func (c *clock) now() int64 { return c.ms }

func opts(ns string, ttlMs uint64, maxEntries uint32) options.Options {
	o := options.Default()
	o.Namespace, o.TTLMillis, o.MaxEntries = ns, ttlMs, maxEntries
	return o
}

// pgEngine returns an engine over a fresh Session of the tests' server.
func pgEngine(t testing.TB, clk *clock) (*cache.Engine, *Session) {
	s := session(t)
	e := cache.New(s, nil, clk.now)
	t.Cleanup(e.Close)
	return e, s
}

func sqliteEngine(t testing.TB, clk *clock) (*cache.Engine, *sqlcap.Session) {
	g, err := sqlcap.NewGrant(t.TempDir())
	must(t, err)
	t.Cleanup(func() { g.Close() })
	s := sqlcap.NewSession(g)
	t.Cleanup(func() { s.CloseAll() })
	e := cache.New(s, nil, clk.now)
	t.Cleanup(e.Close)
	return e, s
}

// freshNamespace returns a namespace no earlier run used.
func freshNamespace(t testing.TB) string {
	return fmt.Sprintf("t%d_%s", rand.Uint64(), t.Name())
}

func TestEngineBasics(t *testing.T) {
	clk := &clock{ms: 1_000}
	e, _ := pgEngine(t, clk)
	ns := freshNamespace(t)
	o := opts(ns, 1_000, 100)
	if l, err := e.Get("a", o); err != nil || l.Hit {
		t.Fatalf("get before put: %+v %v", l, err)
	}
	if _, err := e.Put("a", []byte(`{ "b" : [1, 2.0, -0.0] }`), o); err != nil {
		t.Fatal(err)
	}
	if l, err := e.Get("a", o); err != nil || !l.Hit || string(l.Value) != `{"b":[1,2.0,-0.0]}` {
		t.Fatalf("get = %+v %v", l, err)
	}
	// Strict expiry: alive at 1999, gone at 2000, and deleted when seen.
	clk.ms = 1_999
	if l, _ := e.Get("a", o); !l.Hit {
		t.Fatal("expired early")
	}
	clk.ms = 2_000
	if st, _ := e.Stats(o); st != (cache.Stats{Entries: 0, Expired: 1}) {
		t.Fatalf("stats at expiry = %+v", st)
	}
	if l, err := e.Get("a", o); err != nil || l.Hit || !l.Expired {
		t.Fatalf("get at expiry = %+v %v", l, err)
	}
	if st, _ := e.Stats(o); st != (cache.Stats{}) {
		t.Fatalf("stats after the expired get = %+v", st)
	}
	// Delete says whether a live entry existed; keys are sorted by bytes.
	for _, k := range []string{"k/b", "k/a", "k/é", "k/Z", "other"} {
		_, err := e.Put(k, []byte(`1`), o)
		must(t, err)
	}
	keys, err := e.Keys("k/", o)
	must(t, err)
	if want := []string{"k/Z", "k/a", "k/b", "k/é"}; !reflect.DeepEqual(keys, want) {
		t.Fatalf("keys = %q, want %q", keys, want)
	}
	if ok, err := e.Delete("k/a", o); !ok || err != nil {
		t.Fatalf("delete = %v %v", ok, err)
	}
	if ok, _ := e.Delete("k/a", o); ok {
		t.Fatal("second delete found it")
	}
	must(t, e.Clear(o))
	if st, _ := e.Stats(o); st != (cache.Stats{}) {
		t.Fatalf("stats after clear = %+v", st)
	}
	// Empty keys and invalid JSON are argument errors.
	_, err = e.Put("", []byte(`1`), o)
	wantCode(t, "empty key", err, capability.InvalidArgument)
	_, err = e.Put("x", []byte(`{`), o)
	wantCode(t, "bad JSON", err, capability.InvalidArgument)
}

// SPEC §4: puts in one millisecond keep their order; a hit refreshes.
func TestEngineLRUWithinOneMillisecond(t *testing.T) {
	clk := &clock{ms: 5_000}
	e, _ := pgEngine(t, clk)
	o := opts(freshNamespace(t), 60_000, 2)
	for _, k := range []string{"a", "b", "c"} {
		_, err := e.Put(k, []byte(`0`), o)
		must(t, err)
	}
	if keys, _ := e.Keys("", o); !reflect.DeepEqual(keys, []string{"b", "c"}) {
		t.Fatalf("after a, b, c with max 2: %q", keys)
	}
	if l, _ := e.Get("b", o); !l.Hit {
		t.Fatal("b missing")
	}
	out, err := e.Put("d", []byte(`0`), o)
	must(t, err)
	if out.Evicted != 1 {
		t.Fatalf("put d evicted %d", out.Evicted)
	}
	if keys, _ := e.Keys("", o); !reflect.DeepEqual(keys, []string{"b", "d"}) {
		t.Fatalf("after get b, put d: %q (c was least recently used)", keys)
	}
}

// The same random operations on the sqlite and the postgres store give the
// same results and leave the same rows.
func TestEngineMatchesSQLite(t *testing.T) {
	clk := &clock{ms: 1_700_000_000_000}
	pg, pgs := pgEngine(t, clk)
	lite, lites := sqliteEngine(t, clk)
	ns := freshNamespace(t)
	// Purge counts every namespace: start from a store with nothing
	// left to expire (earlier tests' entries).
	clk.ms = math.MaxInt64
	_, err := pg.Purge(opts(ns, 0, 1))
	must(t, err)
	clk.ms = 1_700_000_000_000

	r := rand.New(rand.NewPCG(7, 13))
	keys := []string{"a", "b", "c", "d", "e", "f", "g", "h"}
	for i := range 1500 {
		o := opts(ns, []uint64{0, 1, 2, 5, 50, 600_000}[r.IntN(6)], []uint32{1, 3, 5, 100}[r.IntN(4)])
		k := keys[r.IntN(len(keys))]
		var a, b any
		var ea, eb error
		switch op := r.IntN(20); {
		case op < 8:
			v := []byte(fmt.Sprintf(`{"i":%d,"f":%d.5}`, i, i))
			a, ea = pg.Put(k, v, o)
			b, eb = lite.Put(k, v, o)
		case op < 14:
			a, ea = pg.Get(k, o)
			b, eb = lite.Get(k, o)
		case op < 16:
			a, ea = pg.Delete(k, o)
			b, eb = lite.Delete(k, o)
		case op < 17:
			a, ea = pg.Stats(o)
			b, eb = lite.Stats(o)
		case op < 18:
			prefix := k[:r.IntN(2)]
			a, ea = pg.Keys(prefix, o)
			b, eb = lite.Keys(prefix, o)
		case op < 19:
			a, ea = pg.Purge(o)
			b, eb = lite.Purge(o)
		default:
			if r.IntN(10) == 0 {
				ea, eb = pg.Clear(o), lite.Clear(o)
			}
		}
		if (ea == nil) != (eb == nil) || !reflect.DeepEqual(a, b) {
			t.Fatalf("op %d: postgres %+v, %v; sqlite %+v, %v", i, a, ea, b, eb)
		}
		clk.ms += []int64{0, 0, 1, 2, 7}[r.IntN(5)]
	}
	for _, k := range keys[:5] {
		o := opts(ns, 600_000, 4)
		_, ea := pg.Put(k, []byte(`"last"`), o)
		_, eb := lite.Put(k, []byte(`"last"`), o)
		must(t, ea)
		must(t, eb)
	}
	const q = "SELECT cache_key, value_json, created_at_ms, expires_at_ms, last_accessed_ms FROM cache_entries WHERE namespace = ?1 ORDER BY cache_key"
	pgRows := dump(t, pgs, "$1", q, ns)
	liteRows := dump(t, lites, "?1", q, ns)
	if len(pgRows) == 0 || !reflect.DeepEqual(pgRows, liteRows) {
		t.Fatalf("rows differ:\npostgres %v\nsqlite   %v", pgRows, liteRows)
	}
}

// dump returns the rows of q (with ?1 written as param) on any capability.SQL.
func dump(t testing.TB, s capability.SQL, param, q, ns string) [][]string {
	t.Helper()
	db, err := s.Open(cache.DefaultSQLitePath, false)
	must(t, err)
	defer s.Close(db)
	st, err := s.Prepare(db, replaceParam(q, param))
	must(t, err)
	defer s.Finalize(st)
	must(t, s.BindText(st, 1, ns))
	var out [][]string
	for {
		row, err := s.Step(st)
		must(t, err)
		if !row {
			return out
		}
		var r []string
		for c := range s.ColumnCount(st) {
			if s.ColumnKind(st, c) == capability.KindInteger {
				r = append(r, fmt.Sprint(s.ColumnInt(st, c)))
			} else {
				r = append(r, s.ColumnText(st, c))
			}
		}
		out = append(out, r)
	}
}

func replaceParam(q, param string) string {
	out := []byte{}
	for i := 0; i < len(q); i++ {
		if q[i] == '?' && i+1 < len(q) && q[i+1] == '1' {
			out = append(out, param...)
			i++
			continue
		}
		out = append(out, q[i])
	}
	return string(out)
}

// newEngine returns an engine over any sql capability.
func newEngine(s capability.SQL, clk *clock) *cache.Engine { return cache.New(s, nil, clk.now) }
