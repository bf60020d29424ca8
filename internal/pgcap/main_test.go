package pgcap

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/sandcache/sandcache/internal/captest"
	"github.com/sandcache/sandcache/internal/guest/capability"
	"github.com/sandcache/sandcache/tests/pgserver"
)

// The tests run against a real server: SANDCACHE_TEST_DSN's, or one
// pgserver starts (installing PostgreSQL when missing).
// must and wantCode are package captest's assertions.
var (
	must     = captest.Must
	wantCode = captest.WantCode
)

func TestMain(m *testing.M) { os.Exit(pgserver.Main(m)) }

func newCap(t testing.TB, dsn string, cfg Config) *Capability {
	t.Helper()
	c, err := Connect(dsn, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func newSession(t testing.TB, c *Capability) *Session {
	t.Helper()
	s := NewSession(c)
	t.Cleanup(func() { s.CloseAll() })
	return s
}

// session returns a Session on the tests' server, as the confined role.
func session(t testing.TB) *Session {
	return newSession(t, newCap(t, pgserver.DSN(), NewConfig()))
}

func open(t testing.TB, s *Session) capability.DB {
	t.Helper()
	db, err := s.Open("cache", false)
	must(t, err)
	return db
}

// rows runs sql with text arguments and returns every row's columns as text.
func rows(t testing.TB, s *Session, db capability.DB, sql string, args ...any) ([][]string, error) {
	t.Helper()
	st, err := s.Prepare(db, sql)
	if err != nil {
		return nil, err
	}
	defer s.Finalize(st)
	for i, a := range args {
		switch v := a.(type) {
		case int64:
			must(t, s.BindInt(st, uint32(i+1), v))
		case string:
			must(t, s.BindText(st, uint32(i+1), v))
		case nil:
			must(t, s.BindNull(st, uint32(i+1)))
		}
	}
	var out [][]string
	for {
		row, err := s.Step(st)
		if err != nil || !row {
			return out, err
		}
		var r []string
		for c := range s.ColumnCount(st) {
			r = append(r, s.ColumnText(st, c))
		}
		out = append(out, r)
	}
}

var bg = context.Background()

// call runs f as one call on s, under a generous deadline (a hang fails
// the test instead of stalling it).
func call(s *Session, f func() error) error {
	ctx, cancel := context.WithTimeout(bg, 20*time.Second)
	defer cancel()
	s.SetContext(ctx)
	defer s.SetContext(bg)
	return f()
}
