package main

import (
	"math"
	"runtime/debug"
	"testing"
)

// The one-shot commands get the collector off under the soft limit; bench,
// run and demo, and a user's GOGC, keep the defaults.
func TestTuneGCForOneShot(t *testing.T) {
	pct := debug.SetGCPercent(100)
	limit := debug.SetMemoryLimit(math.MaxInt64)
	t.Cleanup(func() { debug.SetGCPercent(pct); debug.SetMemoryLimit(limit) })
	state := func() (int, int64) {
		p := debug.SetGCPercent(100)
		l := debug.SetMemoryLimit(math.MaxInt64)
		return p, l
	}
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	for _, args := range [][]string{{"bench", "--quick"}, {"--dir", "d", "run", "x.wasm"}, {"demo"}} {
		tuneGCForOneShot(args)
		if p, l := state(); p != 100 || l != math.MaxInt64 {
			t.Errorf("%v: GC percent %d, limit %d; want the defaults", args, p, l)
		}
	}
	tuneGCForOneShot([]string{"--dir", "d", "get", "k"})
	if p, l := state(); p != -1 || l != oneShotHeapLimit {
		t.Errorf("get: GC percent %d, limit %d; want -1 and %d", p, l, oneShotHeapLimit)
	}
	t.Setenv("GOGC", "200")
	tuneGCForOneShot([]string{"get", "k"})
	if p, l := state(); p != 100 || l != math.MaxInt64 {
		t.Errorf("with GOGC set: GC percent %d, limit %d; want the defaults", p, l)
	}
}
