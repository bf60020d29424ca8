package sqlcap

import (
	"testing"
	"time"

	"github.com/sandcache/sandcache/internal/captest"
	"github.com/sandcache/sandcache/internal/guest/cache"
	"github.com/sandcache/sandcache/internal/guest/capability"
	"github.com/sandcache/sandcache/internal/guest/options"
)

// The cache engine's deferred LRU stamps (internal/guest/cache/sqlstamps.go) over
// real connections: two Sessions on one grant stand for two instances or
// processes.

type stampRig struct {
	t    *testing.T
	g    *Grant
	now  int64
	opts options.Options
}

func newStampRig(t *testing.T) *stampRig {
	o := options.Default()
	o.Namespace, o.TTLMillis, o.MaxEntries = "ns", 3600_000, 100
	return &stampRig{t: t, g: newGrant(t), now: 1000, opts: o}
}

func (r *stampRig) engine() *cache.Engine {
	e := cache.New(newSession(r.t, r.g), nil, func() int64 { return r.now })
	r.t.Cleanup(e.Close)
	return e
}

func (r *stampRig) put(e *cache.Engine, key string) {
	r.t.Helper()
	if _, err := e.Put(key, []byte(`1`), r.opts); err != nil {
		r.t.Fatalf("put %s: %v", key, err)
	}
}

func (r *stampRig) hit(e *cache.Engine, key string) {
	r.t.Helper()
	l, err := e.Get(key, r.opts)
	if err != nil || !l.Hit {
		r.t.Fatalf("get %s: %+v, %v", key, l, err)
	}
}

// stamps reads last_accessed_ms of every entry through its own session.
func (r *stampRig) stamps() map[string]int64 {
	r.t.Helper()
	s := newSession(r.t, r.g)
	db := open(r.t, s, cache.DefaultSQLitePath)
	st := prepare(r.t, s, db, "SELECT cache_key, last_accessed_ms FROM cache_entries")
	defer s.Finalize(st)
	m := map[string]int64{}
	for {
		row, err := s.Step(st)
		must(r.t, err)
		if !row {
			return m
		}
		m[s.ColumnText(st, 0)] = s.ColumnInt(st, 1)
	}
}

// locker holds the database's write lock from another Session.
type locker struct {
	s  *Session
	db capability.DB
}

func (r *stampRig) lock() *locker {
	r.t.Helper()
	s := newSession(r.t, r.g)
	l := &locker{s: s, db: open(r.t, s, cache.DefaultSQLitePath)}
	must(r.t, s.Exec(l.db, "BEGIN IMMEDIATE"))
	return l
}

func (l *locker) exec(t *testing.T, sql string) { t.Helper(); must(t, l.s.Exec(l.db, sql)) }
func (l *locker) unlock(t *testing.T)           { t.Helper(); l.exec(t, "COMMIT") }

// within is captest.Within with a generous bound that still tells a wait
// for the lock apart (a hit that waited would take BusyTimeout).
func within(t *testing.T, what string, fn func()) {
	t.Helper()
	captest.Within(t, what, BusyTimeout/2, fn)
}

func TestStampsWriteThroughWithoutContention(t *testing.T) {
	r := newStampRig(t)
	e := r.engine()
	r.put(e, "a") // stamp 1000
	r.put(e, "b") // 1001
	r.hit(e, "a") // 1002
	r.hit(e, "a") // 1003
	if got := r.stamps(); got["a"] != 1003 || got["b"] != 1001 {
		t.Fatalf("stamps %v; want a=1003 b=1001 at once", got)
	}
}

func TestStampsDeferredWhileLockedThenFlushedByPut(t *testing.T) {
	r := newStampRig(t)
	e := r.engine()
	r.put(e, "a") // 1000
	r.put(e, "b") // 1001
	r.put(e, "c") // 1002
	l := r.lock()
	within(t, "a hit", func() { r.hit(e, "a") }) // deferred: 1003
	within(t, "a hit", func() { r.hit(e, "b") }) // deferred: 1004
	if got := r.stamps(); got["a"] != 1000 || got["b"] != 1001 {
		t.Fatalf("stamps %v while locked; want the old ones", got)
	}
	l.unlock(t)
	// max 3: the put evicts the least recently used by this instance's
	// stamps, c (1002), not a (1000 in the file before the flush).
	o := r.opts
	o.MaxEntries = 3
	out, err := e.Put("d", []byte(`2`), o)
	if err != nil || out.Evicted != 1 {
		t.Fatalf("put d: %+v, %v", out, err)
	}
	got := r.stamps()
	if _, ok := got["c"]; ok || got["a"] != 1003 || got["b"] != 1004 || got["d"] != 1005 {
		t.Fatalf("stamps %v; want a=1003 b=1004 d=1005, c evicted", got)
	}
}

func TestStampFirstGetWaitsForLock(t *testing.T) {
	r := newStampRig(t)
	r.put(r.engine(), "a") // 1000
	e := r.engine()        // a fresh instance: its first call is this get
	l := r.lock()
	r.now = 2000
	done := make(chan error, 1)
	go func() {
		_, err := e.Get("a", r.opts)
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("the first get returned while the lock was held (err %v)", err)
	case <-time.After(50 * time.Millisecond):
	}
	l.unlock(t)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := r.stamps(); got["a"] != 2000 {
		t.Fatalf("stamp %d; the first get must write it before returning", got["a"])
	}
}

func TestDeferredStampNeverResurrects(t *testing.T) {
	r := newStampRig(t)
	e := r.engine()
	r.put(e, "a")
	r.put(e, "b")
	r.hit(e, "b")
	l := r.lock()
	within(t, "a hit", func() { r.hit(e, "a") }) // deferred
	within(t, "a hit", func() { r.hit(e, "b") }) // deferred
	// Another process deletes a, and replaces b with a newer entry.
	l.exec(t, "DELETE FROM cache_entries WHERE cache_key = 'a'")
	l.exec(t, "UPDATE cache_entries SET created_at_ms = 5000, last_accessed_ms = 5000 WHERE cache_key = 'b'")
	l.unlock(t)
	if err := e.Flush(); err != nil {
		t.Fatal(err)
	}
	got := r.stamps()
	if _, ok := got["a"]; ok {
		t.Fatalf("a deleted elsewhere is back: %v", got)
	}
	if got["b"] != 5000 {
		t.Fatalf("b, replaced elsewhere, got a stale stamp: %v", got)
	}
}

func TestDeferredStampsBatchAndDeadline(t *testing.T) {
	r := newStampRig(t)
	e := r.engine()
	r.put(e, "a") // 1000
	l := r.lock()
	for range 5 {
		r.now++
		within(t, "a hit", func() { r.hit(e, "a") })
	}
	l.unlock(t)
	// Not due yet (5 of 32, 4 ms old): still pending.
	r.now++
	r.hit(e, "a")
	if got := r.stamps(); got["a"] != 1000 {
		t.Fatalf("stamp %d; want the batch still pending", got["a"])
	}
	// batchDelayMs later the next hit writes them all, in order.
	r.now += 100
	r.hit(e, "a")
	if got := r.stamps(); got["a"] != r.now {
		t.Fatalf("stamp %d; want %d after the batch delay", got["a"], r.now)
	}
	// While the lock stays taken, a stamp older than maxDelayMs makes the
	// next call wait for it.
	l = r.lock()
	r.hit(e, "a")
	r.now += 1000
	done := make(chan error, 1)
	go func() { _, err := e.Stats(r.opts); done <- err }()
	go func() {
		time.Sleep(20 * time.Millisecond)
		l.unlock(t)
	}()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := r.stamps(); got["a"] != 1000+5+1+100+1 {
		t.Fatalf("stamp %d; want the overdue stamp written", got["a"])
	}
}
