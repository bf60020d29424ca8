package sqlcap

import (
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/sandcache/sandcache/internal/guest/cache"
	"github.com/sandcache/sandcache/internal/guest/options"
)

// Benchmarks of the cache engine compiled natively over this capability
// (no wasm): SQLite, its settings and the statements the guest runs. Each
// caller is its own Session and Engine, as each guest instance is. Besides
// ns/op (wall time over all callers) they report cpu-ns/op, the process's
// user+system CPU time per operation, which a loaded machine disturbs
// less than wall time.
//
//	go test ./internal/sqlcap -run '^$' -bench Engine -benchtime 3000x -count 5

func BenchmarkEngineGetHit(b *testing.B) {
	for _, entries := range []int{1000, 100000} {
		for _, callers := range []int{1, 2} {
			b.Run(fmt.Sprintf("entries=%d/callers=%d", entries, callers), func(b *testing.B) { benchEngine(b, entries, callers, false) })
		}
	}
}

func BenchmarkEnginePut(b *testing.B) {
	for _, callers := range []int{1, 2} {
		b.Run(fmt.Sprintf("entries=1000/callers=%d", callers), func(b *testing.B) { benchEngine(b, 1000, callers, true) })
	}
}

// fillFast adds entries key-0... in one transaction of a permissive
// Session (the engine created the schema; its triggers keep the count).
func fillFast(b *testing.B, g *Grant, from, to int, value []byte) {
	s := NewSession(g)
	s.permissive = true
	defer s.CloseAll()
	db, err := s.Open(cache.DefaultSQLitePath, false)
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Exec(db, "BEGIN IMMEDIATE"); err != nil {
		b.Fatal(err)
	}
	st, err := s.Prepare(db, "INSERT INTO cache_entries VALUES ('bench', ?1, ?2, ?3, ?4, ?3)")
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now().UnixMilli()
	for i := from; i < to; i++ {
		_ = s.BindText(st, 1, "key-"+strconv.Itoa(i))
		_ = s.BindText(st, 2, string(value))
		_ = s.BindInt(st, 3, now+int64(i))
		_ = s.BindInt(st, 4, now+3600_000)
		if _, err := s.Step(st); err != nil {
			b.Fatal(err)
		}
		_ = s.Reset(st)
	}
	if err := s.Exec(db, "COMMIT"); err != nil {
		b.Fatal(err)
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchEngine runs get-hits over entries (or puts of new keys with
// max_entries 256, so every put evicts) from callers goroutines.
func benchEngine(b *testing.B, entries, callers int, put bool) {
	g, err := NewGrant(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer g.Close()
	o := options.Default()
	o.Namespace, o.TTLMillis, o.MaxEntries = "bench", 3600_000, 100000
	now := func() int64 { return time.Now().UnixMilli() }
	engines := make([]*cache.Engine, callers)
	for i := range engines {
		s := NewSession(g)
		defer s.CloseAll()
		engines[i] = cache.New(s, nil, now)
	}
	value := []byte(`{"answer":"a moderately sized cached value, about a hundred bytes long, like an LLM reply"}`)
	if _, err := engines[0].Put("key-0", value, o); err != nil {
		b.Fatal(err)
	}
	fillFast(b, g, 1, entries, value)
	if put {
		o.MaxEntries = 256
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	b.ResetTimer()
	cpu0 := cpuTime()
	for c := range callers {
		wg.Add(1)
		go func(e *cache.Engine) {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(b.N) {
					return
				}
				if put {
					if _, err := e.Put("new-"+strconv.FormatInt(i, 10), value, o); err != nil {
						errs <- err
						return
					}
					continue
				}
				// A stride coprime with the sizes: hits spread over the file.
				l, err := e.Get("key-"+strconv.FormatInt(i*7919%int64(entries), 10), o)
				if err != nil || !l.Hit {
					errs <- fmt.Errorf("get: %+v, %v", l, err)
					return
				}
			}
		}(engines[c])
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	for _, e := range engines {
		e.Close()
	}
}
