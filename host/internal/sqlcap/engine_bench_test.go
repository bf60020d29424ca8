package sqlcap

import (
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/sandcache/sandcache/guest/cache"
	"github.com/sandcache/sandcache/guest/options"
)

// Benchmarks of the cache engine compiled natively over this capability
// (no wasm): SQLite, its settings and the statements the guest runs. Each
// caller is its own Session and Engine, as each guest instance is. Besides
// ns/op (wall time over all callers) they report cpu-ns/op, the process's
// user+system CPU time per operation, which a loaded machine disturbs
// less than wall time.
//
//	go test ./host/internal/sqlcap -run '^$' -bench Engine -benchtime 3000x -count 5

func BenchmarkEngineGetHit(b *testing.B) {
	for _, callers := range []int{1, 2} {
		b.Run(fmt.Sprintf("callers=%d", callers), func(b *testing.B) { benchEngine(b, callers, false) })
	}
}

func BenchmarkEnginePut(b *testing.B) {
	for _, callers := range []int{1, 2} {
		b.Run(fmt.Sprintf("callers=%d", callers), func(b *testing.B) { benchEngine(b, callers, true) })
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchEngine runs get-hits over 1000 entries (or puts of new keys with
// max_entries 256, so every put evicts) from callers goroutines.
func benchEngine(b *testing.B, callers int, put bool) {
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
	const entries = 1000
	value := []byte(`{"answer":"` + `a moderately sized cached value, about a hundred bytes long, like an LLM reply"}`)
	for i := range entries {
		if _, err := engines[0].Put("key-"+strconv.Itoa(i), value, o); err != nil {
			b.Fatal(err)
		}
	}
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
				l, err := e.Get("key-"+strconv.FormatInt(i%entries, 10), o)
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
