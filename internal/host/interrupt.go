package host

import (
	"context"
	"errors"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// Runaway guest code.
//
// wazero runs the guest as machine code that neither the Go scheduler nor
// the garbage collector can preempt: a guest that loops without calling the
// host would hold its goroutine (and its pool slot) forever, ignore its
// deadline, and, at the next garbage collection, freeze the whole process
// (stop-the-world waits for every goroutine). So the guest must call into
// Go regularly, and something must end the call once its context is done.
//
// Designs measured (wazero v1.12.0; BenchmarkInterruptCost in
// interrupt_cost_linux_test.go: CPU time of the calling thread, variants
// interleaved in batches, medians of 60 rounds, two runs, on the shared
// 2-core machine under load; ratio to the guest without checks):
//
//	                        get-hit/sqlite  get-miss/sqlite  put/mem    llm-key
//	WithCloseOnContextDone  2.03-2.15x      1.97-2.06x       1.40-1.71x 3.85-3.90x
//	instrumented (chosen)   0.99-1.04x      0.97x            0.98-1.05x 1.09-1.12x
//
// (Wall time with the usual benchmarks, before: get-miss 19.5 µs, llm-key
// 302 µs; with WithCloseOnContextDone: 31.2 µs, 1047 µs.)
//
//   - wazero's WithCloseOnContextDone(true) emits, at every loop header, an
//     indirect call to a trampoline that exits the machine code to Go
//     (internal/engine/wazevo/frontend/lower.go, OpcodeLoop; handled as
//     ExitCodeCheckModuleExitCode in call_engine.go), and starts a goroutine
//     per call. Go's wasm code has a loop in every function (its resume
//     loop), so that is one exit to Go per guest function call.
//   - Running the call on its own goroutine and abandoning it at the
//     deadline does not stop it: without those checks the compiled code
//     never looks at api.Module.CloseWithExitCode, so the goroutine spins
//     on, holding memory and a CPU, and the next GC's stop-the-world waits
//     for it forever (wazero's machine code is not async-preemptible; see
//     its RATIONALE.md).
//   - Chosen: the host rewrites the guest module before compiling it
//     (instrument.go). Loop headers and function entries decrement a
//     countdown global inside the machine code (a load, a subtract, a
//     store, a compare) and, every interruptInterval decrements, call the
//     host's interrupt check: an exit to Go (a preemption point for the
//     scheduler and the GC) that ends the call if its context is done, its
//     deadline has passed (checked against the clock, so a starved timer
//     does not matter) or the Sandbox is closing. Bulk memory and table
//     instructions charge the countdown by their length. The module is
//     rewritten the same way whatever its origin (the embedded guest or a
//     replacement), so a hostile guest cannot opt out; it cannot name the
//     countdown global (see instrument). Measured end of a looping call:
//     0.1-0.4 ms after its deadline (TestHostileLoops).
//
// interruptInterval bounds the time between checks: at a few ns per loop
// iteration or call of Go's wasm code, 2^14 iterations take well under a
// millisecond, so a call ends within a millisecond or so of its deadline,
// and the check's own cost (one host call, ~100 ns) is spread over them.
const interruptInterval = 1 << 14

// closeGrace is how long Close lets calls in flight finish before it
// interrupts them.
const closeGrace = 500 * time.Millisecond

// errSandboxClosing ends a call interrupted by Close.
var errSandboxClosing = errors.New("the sandbox was closed during the call")

// instantiateInterrupt registers the host's interrupt check, which the
// instrumented guest imports.
func instantiateInterrupt(ctx context.Context, rt wazero.Runtime) error {
	b := rt.NewHostModuleBuilder(interruptModule)
	hostFunc(b, interruptName, func(ctx context.Context, _ api.Module, s []uint64) {
		in, _ := ctx.Value(instanceKey{}).(*instance)
		if err := in.interrupted(ctx, true); err != nil {
			panic(err)
		}
		s[0] = interruptInterval
	}, nil, types(i32))
	_, err := b.Instantiate(ctx)
	return err
}

// interrupted returns why the call running on in must end, or nil. in may
// be nil (a module instantiated outside a Sandbox). clock also compares
// the deadline with the time, for when the context's timer has not run.
func (in *instance) interrupted(ctx context.Context, clock bool) error {
	if in != nil && in.stop != nil && in.stop.Load() {
		return errSandboxClosing
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if clock {
		if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) {
			return context.DeadlineExceeded
		}
	}
	return nil
}
