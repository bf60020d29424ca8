package sqlcap

import (
	"testing"

	"github.com/sandcache/sandcache/internal/guest/cache"
)

// TestPutPrunesExpiredThenLRU: a put removes the namespace's expired
// entries, then its least recently used beyond max entries, and reports
// each count (internal/guest/cache qPrune, one statement).
func TestPutPrunesExpiredThenLRU(t *testing.T) {
	r := newStampRig(t)
	e := r.engine()
	short := r.opts
	short.TTLMillis = 10
	if _, err := e.Put("a", []byte(`1`), short); err != nil { // expires at 1010
		t.Fatal(err)
	}
	r.put(e, "b") // 1000, stamp 1001
	r.put(e, "c") // stamp 1002
	r.hit(e, "b") // stamp 1003: c is now the least recently used
	r.now = 2000
	o := r.opts
	o.MaxEntries = 2
	out, err := e.Put("d", []byte(`2`), o)
	if err != nil {
		t.Fatal(err)
	}
	if out.Expired != 1 || out.Evicted != 1 {
		t.Fatalf("outcome %+v; want 1 expired (a) and 1 evicted (c)", out)
	}
	got := r.stamps()
	if len(got) != 2 || got["b"] == 0 || got["d"] == 0 {
		t.Fatalf("entries %v; want b and d", got)
	}
	// Under max: nothing goes.
	o.MaxEntries = 10
	if out, err := e.Put("e", []byte(`3`), o); err != nil || out != (cache.PutOutcome{}) {
		t.Fatalf("put under max: %+v, %v", out, err)
	}
}

// TestPutPruneBogusCount: a count table that says less than nothing (a
// crafted file) evicts nothing; it never turns into an unlimited LIMIT.
func TestPutPruneBogusCount(t *testing.T) {
	r := newStampRig(t)
	e := r.engine()
	r.put(e, "a")
	r.put(e, "b")
	l := r.lock()
	l.exec(t, "UPDATE sandcache_counts SET entries = -1000 WHERE namespace = 'ns'")
	l.unlock(t)
	o := r.opts
	o.MaxEntries = 1
	out, err := e.Put("c", []byte(`1`), o)
	if err != nil || out.Evicted != 0 || out.Expired != 0 {
		t.Fatalf("put with a bogus count: %+v, %v; want nothing removed", out, err)
	}
	if got := r.stamps(); len(got) != 3 {
		t.Fatalf("entries %v; want all three", got)
	}
}
