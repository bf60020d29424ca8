package hostbench

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// LLMPrompt, LLMSystem and LLMRequest are the llm-key operation's input: a
// chat prompt of about 1 KB, a system prompt and typical request options.
var (
	LLMPrompt  = []byte(`[{"role":"user","content":` + quoted(strings.Repeat("Summarise the quarterly report below in three bullet points, citing figures. ", 12)) + `},{"role":"assistant","content":"Sure. Please paste the report."},{"role":"user","content":"Revenue rose 12% to $4.1M; churn fell to 2.3%; headcount is 48."}]`)
	LLMSystem  = []byte(`"You are a precise financial analyst. Answer tersely."`)
	LLMRequest = []byte(`{"provider":"anthropic","model":"claude-sonnet-4-5","max_tokens":1024,"temperature":0.2,"top_p":0.9,"stop":["\n\nHuman:"]}`)
)

func quoted(s string) string { return `"` + s + `"` }

// Limit bounds one measurement: a number of operations, a duration of timed
// work, or both (whichever comes first). Zero fields are unbounded; at least
// one must be set.
type Limit struct {
	Ops      int64
	Duration time.Duration
}

// Timer is what Run stops while it restores the store between rounds of
// deletes. *testing.B and *Stopwatch implement it.
type Timer interface {
	StartTimer()
	StopTimer()
}

// Stopwatch is a Timer that accumulates wall time, the process's CPU time
// and the allocations made while running, as package testing does
// (runtime.MemStats deltas, all goroutines included).
type Stopwatch struct {
	running         bool
	start           time.Time
	cpu0            time.Duration
	mallocs, bytes0 uint64
	elapsed, cpu    time.Duration
	allocs, bytes   uint64
}

// StartTimer starts or resumes the stopwatch.
func (s *Stopwatch) StartTimer() {
	if s.running {
		return
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	s.mallocs, s.bytes0 = ms.Mallocs, ms.TotalAlloc
	s.running = true
	s.cpu0 = processCPU()
	s.start = time.Now()
}

// StopTimer pauses the stopwatch.
func (s *Stopwatch) StopTimer() {
	if !s.running {
		return
	}
	s.elapsed += time.Since(s.start)
	s.cpu += processCPU() - s.cpu0
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	s.allocs += ms.Mallocs - s.mallocs
	s.bytes += ms.TotalAlloc - s.bytes0
	s.running = false
}

// Elapsed returns the time accumulated while running.
func (s *Stopwatch) Elapsed() time.Duration { return s.elapsed }

// CPU returns the CPU time (user and system, all threads of the process)
// accumulated while running; 0 where the system does not tell.
func (s *Stopwatch) CPU() time.Duration { return s.cpu }

// Allocs returns the heap allocations counted while running: objects and bytes.
func (s *Stopwatch) Allocs() (objects, bytes uint64) { return s.allocs, s.bytes }

type nopTimer struct{}

func (nopTimer) StartTimer() {}
func (nopTimer) StopTimer()  {}

// Run performs op on one side with callers goroutines sharing the side's
// pool, until lim is reached, and returns the number of operations done.
// Every result is checked (a get-hit must hit, a delete must find its
// entry, puts must evict, both sides must derive the same LLM key): a
// fixture that does not measure what it claims fails loudly.
//
// t is running on entry and on return; Run stops it only while it puts
// deleted entries back.
func (f *Fixture) Run(t Timer, side Side, op Op, callers int, lim Limit) (int64, error) {
	if lim.Ops <= 0 && lim.Duration <= 0 {
		return 0, errors.New("hostbench: a limit needs Ops or Duration")
	}
	if callers < 1 || callers > f.Pool {
		return 0, fmt.Errorf("hostbench: callers must be 1..%d (the pool size); got %d", f.Pool, callers)
	}
	if op != LLMKey && f.Entries == 0 {
		return 0, fmt.Errorf("hostbench: %s needs a fixture with entries", op)
	}
	s := f.sides[side]
	n := int64(f.Entries)
	var (
		fn     func(i int64) error
		cursor *int64
		round  int64 = math.MaxInt64
	)
	var evicted atomic.Int64
	switch op {
	case GetHit:
		cursor = &s.hit
		fn = func(i int64) error {
			key := f.mainKeys[(i*int64(f.stride))%n]
			hit, err := s.t.get(key, &f.main)
			return expectFound(hit, true, err, "get-hit of %q missed", key)
		}
	case GetMiss:
		cursor = &s.miss
		fn = func(i int64) error {
			key := f.missKeys[i%int64(len(f.missKeys))]
			hit, err := s.t.get(key, &f.main)
			return expectFound(hit, false, err, "get-miss of %q hit", key)
		}
	case Put:
		cursor = &s.putAt
		fn = func(i int64) error {
			e, err := s.t.put(f.putKeys[(n+i)%(2*n)], Value, &f.put)
			evicted.Add(int64(e))
			return err
		}
	case Delete:
		cursor = &s.delAt
		round = max(1, min(n/2, 512))
		fn = func(i int64) error {
			key := f.mainKeys[i%n]
			existed, err := s.t.del(key, &f.main)
			return expectFound(existed, true, err, "delete of %q found no entry", key)
		}
	case LLMKey:
		cursor = &s.llmAt
		fn = func(int64) error {
			key, err := s.t.llmKey(LLMPrompt, LLMSystem, LLMRequest)
			if err == nil && key != f.llmWant {
				err = fmt.Errorf("llm-key returned %q; want %q", key, f.llmWant)
			}
			return err
		}
	default:
		return 0, fmt.Errorf("hostbench: unknown op %q", op)
	}

	var done int64
	var timed time.Duration
	for {
		want := int64(math.MaxInt64)
		if lim.Ops > 0 {
			want = lim.Ops - done
		}
		var deadline time.Time
		if lim.Duration > 0 {
			left := lim.Duration - timed
			if left <= 0 {
				break
			}
			deadline = time.Now().Add(left)
		}
		if want <= 0 {
			break
		}
		want = min(want, round)
		base := *cursor
		start := time.Now()
		k, taken, err := parallel(callers, want, deadline, func(i int64) error { return fn(base + i) })
		timed += time.Since(start)
		done += k
		*cursor += taken
		if op == Delete && taken > 0 {
			// Put back every entry of the indexes taken: those deleted,
			// and those skipped at the deadline or failed, which may or
			// may not have been (a put of a present key replaces it).
			t.StopTimer()
			perr := f.putBack(s, callers, base, taken)
			t.StartTimer()
			if err == nil && perr != nil {
				return done, fmt.Errorf("%s delete %v: putting entries back: %w", side, f.Backend, perr)
			}
		}
		if err != nil {
			return done, fmt.Errorf("%s %s %v: %w", side, op, f.Backend, err)
		}
		if taken < want {
			break // deadline
		}
	}
	if op == Put && done > 0 && evicted.Load() == 0 {
		return done, fmt.Errorf("%s put %v: %d puts evicted nothing; eviction is not active", side, f.Backend, done)
	}
	return done, nil
}

// putBack puts the main namespace's entries base..base+count-1 back, from
// callers goroutines. A put that fails (a guest fault replaces its
// instance) is retried, twice: a missing entry would fail every later
// get-hit.
func (f *Fixture) putBack(s *fixtureSide, callers int, base, count int64) error {
	n := int64(f.Entries)
	pending := make([]int64, count)
	for i := range pending {
		pending[i] = (base + int64(i)) % n
	}
	var lastErr error
	for range 3 {
		var (
			next   atomic.Int64
			mu     sync.Mutex
			failed []int64
			wg     sync.WaitGroup
		)
		for range callers {
			wg.Go(func() {
				for {
					j := next.Add(1) - 1
					if j >= int64(len(pending)) {
						return
					}
					if _, err := s.t.put(f.mainKeys[pending[j]], Value, &f.main); err != nil {
						mu.Lock()
						failed = append(failed, pending[j])
						lastErr = err
						mu.Unlock()
					}
				}
			})
		}
		wg.Wait()
		if pending = failed; len(pending) == 0 {
			return nil
		}
	}
	return fmt.Errorf("%d entries not put back: %w", len(pending), lastErr)
}

// parallel runs fn(0..n-1) on callers goroutines, stopping early at
// deadline (if not zero; the first callers calls run regardless, so that a
// busy machine that starts the goroutines late still measures something)
// or at the first error. It returns how many calls completed and how many
// indexes were taken: calls with indexes below taken either completed or
// were skipped at the deadline (or failed).
func parallel(callers int, n int64, deadline time.Time, fn func(i int64) error) (done, taken int64, err error) {
	var (
		next      atomic.Int64
		completed atomic.Int64
		stop      atomic.Bool
		mu        sync.Mutex
		first     error
		wg        sync.WaitGroup
	)
	check := !deadline.IsZero()
	for range callers {
		wg.Go(func() {
			for !stop.Load() {
				i := next.Add(1) - 1
				if i >= n {
					return
				}
				if check && i >= int64(callers) && !time.Now().Before(deadline) {
					return
				}
				if err := fn(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					stop.Store(true)
					return
				}
				completed.Add(1)
			}
		})
	}
	wg.Wait()
	return completed.Load(), min(next.Load(), n), first
}

// Sample is one measurement of one side.
type Sample struct {
	Ops     int64
	Elapsed time.Duration
	NsPerOp float64
	// CPUNsPerOp is the process's CPU time per operation: unlike NsPerOp,
	// it does not count time spent waiting for a CPU that other processes
	// hold, so it moves less on a loaded machine (nor does it count time
	// waiting for the disk).
	CPUNsPerOp  float64
	AllocsPerOp float64
	BytesPerOp  float64
}

// Measure warms op up (caches hot, guest heaps grown), collects garbage,
// then runs op under a Stopwatch within lim.
func (f *Fixture) Measure(side Side, op Op, callers int, lim Limit) (Sample, error) {
	// Warm up for a fifth of the measurement: long enough for the guest's
	// heap (its linear memory) to reach its steady size.
	warm := Limit{Ops: max(16*int64(callers), lim.Ops/5)}
	if lim.Duration > 0 {
		warm = Limit{Duration: lim.Duration / 5}
	}
	if _, err := f.Run(nopTimer{}, side, op, callers, warm); err != nil {
		return Sample{}, err
	}
	runtime.GC()
	var sw Stopwatch
	sw.StartTimer()
	n, err := f.Run(&sw, side, op, callers, lim)
	sw.StopTimer()
	if err != nil {
		return Sample{}, err
	}
	if n == 0 {
		return Sample{}, fmt.Errorf("hostbench: %s %s %v: no operation completed", side, op, f.Backend)
	}
	allocs, bytes := sw.Allocs()
	return Sample{
		Ops:         n,
		Elapsed:     sw.Elapsed(),
		NsPerOp:     float64(sw.Elapsed().Nanoseconds()) / float64(n),
		CPUNsPerOp:  float64(sw.CPU().Nanoseconds()) / float64(n),
		AllocsPerOp: float64(allocs) / float64(n),
		BytesPerOp:  float64(bytes) / float64(n),
	}, nil
}

// expectFound is err or, when the call succeeded but found is not want, an
// error made of format and key.
func expectFound(found, want bool, err error, format, key string) error {
	if err == nil && found != want {
		return fmt.Errorf(format, key)
	}
	return err
}
