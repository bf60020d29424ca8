package host

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"golang.org/x/sys/unix"
)

// BenchmarkInterruptCost measures what the interrupt checks (interrupt.go)
// cost: the same operations on the guest as built and on the instrumented
// guest, in CPU time of the calling thread (cpu-ns/op), which the load of
// a shared machine disturbs less than wall time. One b.N is one round of a
// batch of each variant:
//
//	go test ./internal/host -run '^$' -bench InterruptCost -benchtime 40x
func BenchmarkInterruptCost(b *testing.B) {
	ctx := context.Background()
	prompt := []byte(`[{"role":"system","content":"` + strings.Repeat("You are terse. ", 30) + `"},{"role":"user","content":"` + strings.Repeat("Summarise this. ", 30) + `"}]`)
	ops := []struct {
		name    string
		backend Backend
		run     func(sb *Sandbox, i int) error
	}{
		{"get-hit/sqlite", SQLite, func(sb *Sandbox, i int) error {
			o := Options{}
			_, err := sb.Get(ctx, fmt.Sprint("k", i%200), o)
			return err
		}},
		{"get-miss/sqlite", SQLite, func(sb *Sandbox, i int) error {
			_, err := sb.Get(ctx, "absent", Options{})
			return err
		}},
		{"put/mem", Mem, func(sb *Sandbox, i int) error {
			o := Options{}
			o.Backend = Mem
			_, err := sb.Put(ctx, fmt.Sprint("k", i%400), []byte(`{"n":1,"text":"some value"}`), o)
			return err
		}},
		{"llm-key", SQLite, func(sb *Sandbox, i int) error {
			_, err := sb.LLMKey(ctx, prompt, nil, []byte(`{"model":"m","provider":"p"}`))
			return err
		}},
	}
	plainRC := wazero.NewRuntimeConfigCompiler().WithCoreFeatures(api.CoreFeaturesV2)
	variants := []struct {
		name string
		rc   wazero.RuntimeConfig
		wasm func() ([]byte, error)
	}{
		{"plain", plainRC, func() ([]byte, error) { return guestWasm, nil }},
		{"instrumented", plainRC, func() ([]byte, error) { return instrument(guestWasm) }},
		{"closeOnContextDone", plainRC.WithCloseOnContextDone(true), func() ([]byte, error) { return guestWasm, nil }},
	}
	sbs := make([]*Sandbox, len(variants))
	for i, v := range variants {
		wasm, err := v.wasm()
		if err != nil {
			b.Fatal(err)
		}
		rt := wazero.NewRuntimeWithConfig(ctx, v.rc)
		defer rt.Close(ctx)
		e, err := newEngine(ctx, rt, wasm)
		if err != nil {
			b.Fatal(err)
		}
		sb, err := openOn(e, b.TempDir(), NewConfig().WithPoolSize(1))
		if err != nil {
			b.Fatal(err)
		}
		defer sb.Close()
		for k := range 200 {
			if _, err := sb.Put(ctx, fmt.Sprint("k", k), []byte(`{"n":1,"text":"some value"}`), Options{}); err != nil {
				b.Fatal(err)
			}
		}
		sbs[i] = sb
	}
	// Each round measures a batch of every variant in turn, so that the
	// load of the machine affects them alike; the medians of the rounds
	// are reported, with the ratio of each variant to the first.
	const batch = 50
	for _, op := range ops {
		b.Run(op.name, func(b *testing.B) {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			per := make([][]float64, len(variants))
			n := 0
			for b.Loop() {
				for i := range variants {
					start := threadCPU(b)
					for range batch {
						if err := op.run(sbs[i], n); err != nil {
							b.Fatal(err)
						}
						n++
					}
					per[i] = append(per[i], float64(threadCPU(b)-start)/batch)
				}
			}
			base := median(per[0])
			for i, v := range variants {
				m := median(per[i])
				b.ReportMetric(m, v.name+"-cpu-ns/op")
				if i > 0 {
					b.ReportMetric(m/base, v.name+"/"+variants[0].name)
				}
			}
		})
	}
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

func threadCPU(b *testing.B) int64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		b.Fatal(err)
	}
	return ts.Nano()
}
