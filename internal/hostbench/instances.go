package hostbench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"

	"github.com/sandcache/sandcache/internal/host"
)

// Instances is what one guest instance costs.
type Instances struct {
	// Count is how many instances were made to exist at once.
	Count int `json:"count"`
	// InstantiateMs is the median time to create an instance (the first
	// call on a new Sandbox minus a later one), the module being compiled.
	InstantiateMs        float64   `json:"instantiate_ms"`
	InstantiateSamplesMs []float64 `json:"instantiate_samples_ms"`
	// GuestMemoryBytes is the largest guest linear memory of the instances
	// after their calls (wazero's Memory().Size()).
	GuestMemoryBytes uint64 `json:"guest_memory_bytes"`
	// RSSPerInstanceBytes is the growth of the process's resident memory
	// (/proc/self/statm) per extra instance, each with its SQLite
	// connection, after a garbage collection that returns freed memory to
	// the system; 0 where statm does not exist.
	RSSPerInstanceBytes float64 `json:"rss_per_instance_bytes"`
	RSSBeforeBytes      uint64  `json:"rss_before_bytes"`
	RSSAfterBytes       uint64  `json:"rss_after_bytes"`
}

// MeasureInstances measures instantiation (samples times) and the memory
// of count instances (count ≥ 2) of one Sandbox. The memory is measured on
// a separately compiled engine whose guest exports carry a wazero function
// listener reading each instance's memory size; instantiation on the
// default engine.
func MeasureInstances(ctx context.Context, tmp string, count, samples int) (Instances, error) {
	if count < 2 {
		return Instances{}, errors.New("hostbench: count must be at least 2")
	}
	res := Instances{Count: count}
	dir, err := os.MkdirTemp(tmp, "sandcache-bench-instances-")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(dir)

	// Instantiation, on the default engine (compiled by the first Open).
	for i := range samples + 1 {
		d, err := firstCallExtra(ctx, fmt.Sprintf("%s/inst-%d", dir, i))
		if err != nil {
			return res, err
		}
		if i > 0 { // the first one may compile the module
			res.InstantiateSamplesMs = append(res.InstantiateSamplesMs, float64(d)/1e6)
		}
	}
	res.InstantiateMs = Median(res.InstantiateSamplesMs)

	// Memory.
	mem := &memoryListener{sizes: map[api.Module]uint32{}}
	lctx := experimental.WithFunctionListenerFactory(ctx, mem)
	bar := &barrier{}
	cfg := host.NewConfig().
		WithPoolSize(count).
		WithCompilationCacheDir(dir + "/compiled"). // a fresh engine, compiled with the listener
		WithClock(bar.now)
	sb, err := host.Open(lctx, dir+"/mem", cfg)
	if err != nil {
		return res, err
	}
	defer sb.Close()
	o := host.Options{}
	if _, err := sb.Put(ctx, "k", Value, o); err != nil { // one instance, the database open
		return res, err
	}
	res.RSSBeforeBytes = rss()
	if err := bar.together(count, func(int) error {
		_, err := sb.Get(ctx, "k", o)
		return err
	}); err != nil {
		return res, err
	}
	// Steady state: more calls on every instance.
	if err := fanOut(count, 50, func() error {
		_, err := sb.Get(ctx, "k", o)
		return err
	}); err != nil {
		return res, err
	}
	res.RSSAfterBytes = rss()
	if res.RSSBeforeBytes > 0 {
		res.RSSPerInstanceBytes = (float64(res.RSSAfterBytes) - float64(res.RSSBeforeBytes)) / float64(count-1)
	}
	res.GuestMemoryBytes = mem.max()
	return res, nil
}

// firstCallExtra returns how much longer the first call on a new Sandbox
// takes than the second: the cost of creating its instance.
func firstCallExtra(ctx context.Context, dir string) (time.Duration, error) {
	sb, err := host.Open(ctx, dir, host.NewConfig().WithPoolSize(1))
	if err != nil {
		return 0, err
	}
	defer sb.Close()
	t0 := time.Now()
	if _, err := sb.ParseDuration(ctx, "90s"); err != nil {
		return 0, err
	}
	t1 := time.Now()
	if _, err := sb.ParseDuration(ctx, "90s"); err != nil {
		return 0, err
	}
	t2 := time.Now()
	return max(0, t1.Sub(t0)-t2.Sub(t1)), nil
}

// fanOut runs fn per times on each of n goroutines.
func fanOut(n, per int, fn func() error) error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for g := range n {
		wg.Go(func() {
			for range per {
				if err := fn(); err != nil {
					errs[g] = err
					return
				}
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// barrier is a guest clock that can hold calls: once armed for n, it
// holds every caller until n callers are inside it at once, so that n
// calls run on n distinct instances, which the pool must have created.
// Waiters give up after 10 s. Unarmed, it costs an atomic load.
type barrier struct {
	mu   sync.Mutex
	gate atomic.Pointer[gate]
}

type gate struct {
	n, arrived int
	open       chan struct{}
}

// arm makes the next n callers wait for each other.
func (b *barrier) arm(n int) *gate {
	g := &gate{n: n, open: make(chan struct{})}
	b.gate.Store(g)
	return g
}

func (b *barrier) now() time.Time {
	if g := b.gate.Load(); g != nil {
		b.mu.Lock()
		if b.gate.Load() == g {
			g.arrived++
			if g.arrived == g.n {
				close(g.open)
				b.gate.Store(nil)
			}
		}
		b.mu.Unlock()
		select {
		case <-g.open:
		case <-time.After(10 * time.Second):
		}
	}
	return time.Now()
}

// reached reports how many callers a gate saw.
func (b *barrier) reached(g *gate) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return g.arrived
}

// together runs fn on n goroutines at once, each call held by the barrier
// until all n are inside the guest, and fails if fewer got there.
func (b *barrier) together(n int, fn func(i int) error) error {
	g := b.arm(n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = fn(i) })
	}
	wg.Wait()
	b.gate.CompareAndSwap(g, nil)
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if got := b.reached(g); got < n {
		return fmt.Errorf("hostbench: only %d of %d instances ran at once", got, n)
	}
	return nil
}

// memoryListener records each instance's memory size whenever the host
// calls one of its cabi_post_* exports (after every call's result is read).
type memoryListener struct {
	mu    sync.Mutex
	sizes map[api.Module]uint32
}

func (l *memoryListener) NewFunctionListener(def api.FunctionDefinition) experimental.FunctionListener {
	for _, name := range def.ExportNames() {
		if strings.HasPrefix(name, "cabi_post_") {
			return l
		}
	}
	return nil
}

func (l *memoryListener) Before(_ context.Context, mod api.Module, _ api.FunctionDefinition, _ []uint64, _ experimental.StackIterator) {
	if m := mod.Memory(); m != nil {
		l.mu.Lock()
		l.sizes[mod] = max(l.sizes[mod], m.Size())
		l.mu.Unlock()
	}
}

func (l *memoryListener) After(context.Context, api.Module, api.FunctionDefinition, []uint64) {}

func (l *memoryListener) Abort(context.Context, api.Module, api.FunctionDefinition, error) {}

func (l *memoryListener) max() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	var m uint32
	for _, s := range l.sizes {
		m = max(m, s)
	}
	return uint64(m)
}

// rss returns the process's resident memory after returning freed heap
// memory to the system, or 0 where /proc/self/statm does not exist.
func rss() uint64 {
	runtime.GC()
	debug.FreeOSMemory()
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, err := strconv.ParseUint(f[1], 10, 64)
	if err != nil {
		return 0
	}
	return pages * uint64(os.Getpagesize())
}
