package host

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"golang.org/x/sys/unix"
)

// BenchmarkInterruptCost measures what the interrupt checks (interrupt.go)
// cost: the same operations on the guest as built and on the instrumented
// guest, in CPU time of the calling thread (cpu-ns/op), which the load of
// a shared machine disturbs much less than wall time. Run it with several
// -count and compare the medians:
//
//	go test ./host -run '^$' -bench InterruptCost -benchtime 2000x -count 5
func BenchmarkInterruptCost(b *testing.B) {
	ctx := context.Background()
	prompt := []byte(`[{"role":"system","content":"` + strings.Repeat("You are terse. ", 30) + `"},{"role":"user","content":"` + strings.Repeat("Summarise this. ", 30) + `"}]`)
	ops := []struct {
		name    string
		backend Backend
		run     func(sb *Sandbox, i int) error
	}{
		{"get-hit/sqlite", SQLite, func(sb *Sandbox, i int) error {
			o := DefaultOptions()
			_, err := sb.Get(ctx, fmt.Sprint("k", i%200), o)
			return err
		}},
		{"get-miss/sqlite", SQLite, func(sb *Sandbox, i int) error {
			_, err := sb.Get(ctx, "absent", DefaultOptions())
			return err
		}},
		{"put/mem", Mem, func(sb *Sandbox, i int) error {
			o := DefaultOptions()
			o.Backend = Mem
			_, err := sb.Put(ctx, fmt.Sprint("k", i%400), []byte(`{"n":1,"text":"some value"}`), o)
			return err
		}},
		{"llm-key", SQLite, func(sb *Sandbox, i int) error {
			_, err := sb.LLMKey(ctx, prompt, nil, []byte(`{"model":"m","provider":"p"}`))
			return err
		}},
	}
	variants := []struct {
		name string
		wasm func() ([]byte, error)
	}{
		{"plain", func() ([]byte, error) { return guestWasm, nil }},
		{"instrumented", func() ([]byte, error) { return instrument(guestWasm) }},
	}
	sbs := make([]*Sandbox, len(variants))
	for i, v := range variants {
		wasm, err := v.wasm()
		if err != nil {
			b.Fatal(err)
		}
		rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigCompiler().WithCoreFeatures(api.CoreFeaturesV2))
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
			if _, err := sb.Put(ctx, fmt.Sprint("k", k), []byte(`{"n":1,"text":"some value"}`), DefaultOptions()); err != nil {
				b.Fatal(err)
			}
		}
		sbs[i] = sb
	}
	for _, op := range ops {
		for i, v := range variants {
			b.Run(op.name+"/"+v.name, func(b *testing.B) {
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				start := threadCPU(b)
				n := 0
				for b.Loop() {
					if err := op.run(sbs[i], n); err != nil {
						b.Fatal(err)
					}
					n++
				}
				b.ReportMetric(float64(threadCPU(b)-start)/float64(n), "cpu-ns/op")
			})
		}
	}
}

func threadCPU(b *testing.B) int64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		b.Fatal(err)
	}
	return ts.Nano()
}
