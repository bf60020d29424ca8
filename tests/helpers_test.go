package tests

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sandcache/sandcache/internal/guest/jsonv"
	"github.com/sandcache/sandcache/internal/host"
	"github.com/sandcache/sandcache/sdk"
	"github.com/sandcache/sandcache/tests/golden"
)

// Small helpers shared by the black-box tests: clocks, opening a cache,
// comparing JSON.

// fakeClock is an injected wall clock in milliseconds.
type fakeClock struct{ ms atomic.Int64 }

func newFakeClock(ms int64) *fakeClock {
	c := &fakeClock{}
	c.ms.Store(ms)
	return c
}

func (c *fakeClock) Now() time.Time { return time.UnixMilli(c.ms.Load()) }
func (c *fakeClock) Set(ms int64)   { c.ms.Store(ms) }
func (c *fakeClock) Add(ms int64)   { c.ms.Add(ms) }
func (c *fakeClock) NowMs() int64   { return c.ms.Load() }

// openCache opens a cache on dir with cfg (its folder set to dir) and closes
// it when the test ends.
func openCache(t testing.TB, dir string, cfg sdk.Config) *sdk.Cache {
	t.Helper()
	c, err := sdk.Open(context.Background(), cfg.WithDir(dir))
	if err != nil {
		t.Fatalf("open %s: %v", dir, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// openSandbox opens a Sandbox on dir with cfg. The caller closes it (a
// test with a leak check, before the check).
func openSandbox(t testing.TB, dir string, cfg host.Config) *host.Sandbox {
	t.Helper()
	sb, err := host.Open(context.Background(), dir, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return sb
}

// backendName returns the backend's name as the tests spell it.
func backendName(b sdk.Backend) string { return b.String() }

var allBackends = []sdk.Backend{sdk.SQLite, sdk.FS, sdk.Mem}

// canonical returns the canonical compact form of the JSON text v.
func canonical(t testing.TB, v []byte) []byte {
	t.Helper()
	c, err := jsonv.Canonical(v)
	if err != nil {
		t.Fatalf("canonical(%q): %v", v, err)
	}
	return c
}

// jsonEqual reports whether two JSON texts hold equal values (numbers keep
// their int/float kind, as the cache does).
func jsonEqual(a, b []byte) bool {
	va, err := jsonv.Parse(a)
	if err != nil {
		return false
	}
	vb, err := jsonv.Parse(b)
	if err != nil {
		return false
	}
	return jsonv.Equal(va, vb)
}

// vectorClock is the clock of a replay of recorded cases: a case's
// HARNCACHE_NOW_MS when it has one, else the real time.
type vectorClock struct {
	nowMs atomic.Int64
	real  atomic.Bool
}

func (c *vectorClock) now() time.Time {
	if c.real.Load() {
		return time.Now()
	}
	return time.UnixMilli(c.nowMs.Load())
}

// set moves the clock to case v's time.
func (c *vectorClock) set(t *testing.T, v golden.Case) {
	t.Helper()
	ms, ok := v.Env["HARNCACHE_NOW_MS"]
	c.real.Store(!ok)
	if !ok {
		return
	}
	n, err := strconv.ParseInt(ms, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	c.nowMs.Store(n)
}
