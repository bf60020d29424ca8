package pgcap

import (
	"sync"
	"testing"

	"github.com/sandcache/sandcache/internal/guest/cache"
	"github.com/sandcache/sandcache/internal/guest/capability"
	"github.com/sandcache/sandcache/tests/pgserver"
)

// freshSchema is the DSN of a fresh, empty schema named name, with a
// confined role, on the shared test server; it skips the test when the
// server is SANDCACHE_TEST_DSN's (no admin DSN to make one).
func freshSchema(t *testing.T, name string) string {
	t.Helper()
	srv := pgserver.Shared()
	if srv == nil {
		t.Skip("needs a server of its own for a fresh schema (SANDCACHE_TEST_DSN is set)")
	}
	dsn, err := srv.NewConfined(bg, name)
	must(t, err)
	return dsn
}

// Machines meeting an empty schema at once all create it, none fails;
// a schema of a newer version is refused, not misread.
func TestSchemaCreatedOnceUnderConcurrency(t *testing.T) {
	dsn := freshSchema(t, "sandcache_schema_test")
	const n = 6
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		s := newSession(t, newCap(t, dsn, NewConfig()))
		e := cache.New(s, nil, func() int64 { return 1000 })
		t.Cleanup(e.Close)
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = e.Put("k", []byte(`1`), opts("ns", 60_000, 10))
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("machine %d: %v", i, err)
		}
	}
	s := newSession(t, newCap(t, dsn, NewConfig()))
	db := open(t, s)
	got, err := rows(t, s, db, "SELECT version FROM sandcache_schema")
	must(t, err)
	if len(got) != 1 || got[0][0] != "1" {
		t.Fatalf("sandcache_schema holds %v; want one row, version 1", got)
	}
	got, err = rows(t, s, db, "SELECT entries FROM sandcache_namespaces WHERE namespace = 'ns'")
	must(t, err)
	if len(got) != 1 || got[0][0] != "1" {
		t.Fatalf("namespace count %v; want 1", got)
	}

	must(t, s.Exec(db, "UPDATE sandcache_schema SET version = 2"))
	e := cache.New(newSession(t, newCap(t, dsn, NewConfig())), nil, func() int64 { return 1000 })
	defer e.Close()
	_, err = e.Get("k", opts("ns", 60_000, 10))
	wantCode(t, "a newer schema", err, capability.Corrupt)
}

// Tables dropped under a running cache are created again by its next call.
func TestSchemaRecreatedAfterDrop(t *testing.T) {
	dsn := freshSchema(t, "sandcache_drop_test")
	s := newSession(t, newCap(t, dsn, NewConfig()))
	e := cache.New(s, nil, func() int64 { return 1000 })
	defer e.Close()
	o := opts("ns", 60_000, 10)
	_, err := e.Put("k", []byte(`1`), o)
	must(t, err)
	db := open(t, s)
	must(t, s.Exec(db, "DROP TABLE cache_entries, sandcache_namespaces, sandcache_schema"))
	if l, err := e.Get("k", o); err != nil || l.Hit {
		t.Fatalf("get after the drop = %+v, %v; want a miss", l, err)
	}
	_, err = e.Put("k2", []byte(`2`), o)
	must(t, err)
	if st, err := e.Stats(o); err != nil || st.Entries != 1 {
		t.Fatalf("stats = %+v, %v", st, err)
	}
}
