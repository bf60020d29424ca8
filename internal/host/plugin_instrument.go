package host

import (
	"context"

	"github.com/tetratelabs/wazero"
)

// InstrumentPlugin rewrites a plugin module the way the host rewrites its
// guest (see instrument and interrupt.go): loop headers and function
// entries count down and call the interrupt check, so a looping plugin
// ends within about a millisecond of its context's deadline instead of
// holding its goroutine (and, at the next GC, the process). The module
// must be instantiated in a runtime where InstantiateInterruptCheck ran.
func InstrumentPlugin(wasm []byte) ([]byte, error) { return instrument(wasm) }

// InstantiateInterruptCheck registers, in rt, the host module an
// instrumented module imports ("sandcache:host"): its check ends the call
// when the call's context is done or its deadline has passed.
func InstantiateInterruptCheck(ctx context.Context, rt wazero.Runtime) error {
	return instantiateInterrupt(ctx, rt)
}
