package pgcap

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/sandcache/sandcache/internal/guest/cache"
	"github.com/sandcache/sandcache/internal/guest/capability"
	"github.com/sandcache/sandcache/tests/pgserver"
)

// within fails the test unless f returns within limit.
func within(t *testing.T, limit time.Duration, what string, f func() error) error {
	t.Helper()
	start := time.Now()
	err := f()
	if d := time.Since(start); d > limit {
		t.Fatalf("%s took %v; want under %v", what, d, limit)
	}
	return err
}

func TestDeadlineStopsAStatement(t *testing.T) {
	s := session(t)
	db := open(t, s)
	ctx, cancel := context.WithTimeout(bg, 100*time.Millisecond)
	defer cancel()
	s.SetContext(ctx)
	err := within(t, 2*time.Second, "pg_sleep(30) with a 100 ms deadline", func() error {
		return s.Exec(db, "SELECT pg_sleep(30)")
	})
	wantCode(t, "pg_sleep past the deadline", err, capability.IO)
	if !strings.Contains(err.Error(), "interrupted") {
		t.Fatalf("error %q does not say it was interrupted", err)
	}
	s.SetContext(bg) // the next call works
	must(t, s.Exec(db, "SELECT 1"))
}

// A server of its own, stopped, frozen and restarted under one process.
func TestServerOutages(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server of its own; run without -short")
	}
	srv, err := pgserver.Start(bg)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c := newCap(t, srv.DSN(), NewConfig().WithConnectTimeout(5*time.Second))
	s := newSession(t, c)
	db := open(t, s)
	must(t, s.Exec(db, "CREATE TABLE IF NOT EXISTS outage (k TEXT PRIMARY KEY)"))

	call := func(limit time.Duration, sql string) error {
		ctx, cancel := context.WithTimeout(bg, limit)
		defer cancel()
		s.SetContext(ctx)
		defer s.SetContext(bg)
		return within(t, limit+2*time.Second, sql, func() error { return s.Exec(db, sql) })
	}

	// Stopped: a clear IO error, at once.
	must(t, srv.Stop())
	err = call(time.Second, "SELECT 1")
	wantCode(t, "server stopped", err, capability.IO)
	if !strings.Contains(err.Error(), "cannot reach the server") {
		t.Fatalf("error %q does not say the server is unreachable", err)
	}
	// Restarted: the same Session works again.
	must(t, srv.Restart(bg))
	must(t, call(5*time.Second, "INSERT INTO outage VALUES ('after restart')"))

	// Stopped inside a transaction: the statement fails, the transaction
	// is known lost until rolled back, then all works after a restart.
	ctx, cancel := context.WithTimeout(bg, 5*time.Second)
	s.SetContext(ctx)
	must(t, s.Exec(db, "BEGIN"))
	must(t, s.Exec(db, "INSERT INTO outage VALUES ('lost')"))
	must(t, srv.Stop())
	wantCode(t, "insert after the server stopped", s.Exec(db, "INSERT INTO outage VALUES ('lost2')"), capability.IO)
	wantCode(t, "commit of a lost transaction", s.Exec(db, "COMMIT"), capability.IO)
	must(t, s.Exec(db, "ROLLBACK"))
	cancel()
	s.SetContext(bg)
	must(t, srv.Restart(bg))
	got, err := rows(t, s, db, "SELECT k FROM outage ORDER BY k")
	must(t, err)
	if len(got) != 1 || got[0][0] != "after restart" {
		t.Fatalf("rows after the outage: %v", got)
	}

	// The cache engine across a restart: its calls fail with IO while
	// the server is down, and it finds its entries after, in the same
	// process.
	clk := &clock{ms: 1_000}
	e := cache.New(s, nil, clk.now)
	defer e.Close()
	o := opts("outage", 60_000, 10)
	engineCall := func(limit time.Duration, f func() error) error {
		ctx, cancel := context.WithTimeout(bg, limit)
		defer cancel()
		s.SetContext(ctx)
		defer s.SetContext(bg)
		return within(t, limit+2*time.Second, "engine call", f)
	}
	must(t, engineCall(5*time.Second, func() error { _, err := e.Put("kept", []byte(`1`), o); return err }))
	must(t, srv.Stop())
	err = engineCall(time.Second, func() error { _, err := e.Put("down", []byte(`2`), o); return err })
	wantCode(t, "put while the server is down", err, capability.IO)
	must(t, srv.Restart(bg))
	must(t, engineCall(5*time.Second, func() error {
		l, err := e.Get("kept", o)
		if err == nil && (!l.Hit || string(l.Value) != "1") {
			t.Fatalf("after the restart: %+v", l)
		}
		return err
	}))

	// Frozen (connected, nothing answers): the deadline still ends the call.
	s.SetContext(bg)
	must(t, srv.Freeze())
	err = call(300*time.Millisecond, "SELECT 1")
	must(t, srv.Thaw())
	wantCode(t, "server frozen", err, capability.IO)
	must(t, call(5*time.Second, "SELECT 1"))
}
