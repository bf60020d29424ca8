package host_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/sandcache/sandcache/internal/host"
	"github.com/sandcache/sandcache/internal/hostbench"
)

// The benchmarks run every operation through the sandbox (guest.wasm under
// wazero, capabilities across the boundary) and through the same guest
// logic compiled natively over the same capabilities and SQLite settings,
// on equal stores (package hostbench builds them; `sandcache bench` runs
// the same cases and prints ratios). Names are
//
//	Benchmark<Op>/<backend>/entries=<namespace size>/callers=<goroutines>/<sandboxed|native>
//
// With several callers, ns/op is wall time over all their operations. The
// namespace sizes are 1 000 and 100 000 (fs: 1 000 and 10 000); -short
// keeps the first. Filling 100 000 entries takes seconds, once per
// top-level benchmark and size.
//
// Examples:
//
//	go test ./internal/host -run '^$' -bench 'GetHit/sqlite/entries=1000/callers=1/' -count 5
//	go test ./internal/host -run '^$' -bench 'Put/mem' -short
//
// Profiling (pprof): pick one case, profile it, and look at the top
// entries and the call graph of the sandboxed side:
//
//	go test ./internal/host -run '^$' -bench 'GetHit/sqlite/entries=1000/callers=1/sandboxed' \
//	    -benchtime 3s -cpuprofile /tmp/cpu.out -memprofile /tmp/mem.out
//	go tool pprof -top -nodecount 30 host.test /tmp/cpu.out
//	go tool pprof -top -cum -nodecount 30 host.test /tmp/cpu.out
//	go tool pprof -http :8080 host.test /tmp/cpu.out   # flame graph
//	go tool pprof -sample_index=alloc_space -top host.test /tmp/mem.out
//
// Guest code shows up in profiles as wazero's compiled machine code
// (unnamed frames under api.Function.Call); host functions, SQLite
// (wasm2go) and the pool show up by name.

func BenchmarkGetHit(b *testing.B)  { benchOp(b, hostbench.GetHit) }
func BenchmarkGetMiss(b *testing.B) { benchOp(b, hostbench.GetMiss) }
func BenchmarkPut(b *testing.B)     { benchOp(b, hostbench.Put) }
func BenchmarkDelete(b *testing.B)  { benchOp(b, hostbench.Delete) }

// BenchmarkLLMKey derives the key of a ~1 KB chat prompt (no store).
func BenchmarkLLMKey(b *testing.B) {
	var f *hostbench.Fixture
	defer func() {
		if f != nil {
			f.Close()
		}
	}()
	runCases(b, &f, host.Mem, 0, hostbench.LLMKey)
}

func benchOp(b *testing.B, op hostbench.Op) {
	for _, backend := range []host.Backend{host.SQLite, host.FS, host.Mem} {
		b.Run(backend.String(), func(b *testing.B) {
			sizes := hostbench.DefaultEntries(backend, false)
			if testing.Short() {
				sizes = sizes[:1]
			}
			for _, n := range sizes {
				// The fixture is built by the first case that runs (none
				// when -bench filters them all out) and closed once every
				// case of this size has run.
				var f *hostbench.Fixture
				b.Run(fmt.Sprintf("entries=%d", n), func(b *testing.B) {
					runCases(b, &f, backend, n, op)
				})
				if f != nil {
					f.Close()
				}
			}
		})
	}
}

func runCases(b *testing.B, f **hostbench.Fixture, backend host.Backend, n int, op hostbench.Op) {
	callers := hostbench.DefaultCallers
	for _, c := range callers {
		b.Run(fmt.Sprintf("callers=%d", c), func(b *testing.B) {
			for _, side := range hostbench.Sides {
				b.Run(side.String(), func(b *testing.B) {
					if *f == nil {
						var err error
						*f, err = hostbench.NewFixture(context.Background(), "", backend, n, callers[len(callers)-1], b.Logf)
						if err != nil {
							b.Fatal(err)
						}
					}
					b.ReportAllocs()
					b.ResetTimer()
					if _, err := (*f).Run(b, side, op, c, hostbench.Limit{Ops: int64(b.N)}); err != nil {
						b.Fatal(err)
					}
				})
			}
		})
	}
}

// BenchmarkInstantiate opens a Sandbox and makes its first call, which
// creates a guest instance (the module is compiled once per process).
func BenchmarkInstantiate(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	cfg := host.NewConfig().WithPoolSize(1)
	warm, err := host.Open(ctx, dir, cfg) // compiles the guest
	if err != nil {
		b.Fatal(err)
	}
	warm.Close()
	b.ReportAllocs()
	for b.Loop() {
		sb, err := host.Open(ctx, dir, cfg)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := sb.ParseDuration(ctx, "90s"); err != nil {
			b.Fatal(err)
		}
		sb.Close()
	}
}
