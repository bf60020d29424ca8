package hostrt

import (
	"context"

	"github.com/sandcache/sandcache/internal/cabi"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// The host functions of the generated glue are built here: the glue gives,
// per WIT function, its core signature and a body that lifts the flat
// arguments in s and calls the implementation (a lifting failure panics
// at once, failing the module's call with an error wrapping ErrABI); the
// functions below enter the call and lower what the body returns. Every
// closure is made once, at registration: a call allocates nothing here.

// Func defines the host function name, of core signature params ->
// results, on a builder.
func Func(name string, params, results []api.ValueType, fn api.GoModuleFunc) func(wazero.HostModuleBuilder) {
	return func(b wazero.HostModuleBuilder) {
		b.NewFunctionBuilder().WithGoModuleFunction(fn, params, results).Export(name)
	}
}

// Define applies each definition of a host function to b and returns b.
func Define(b wazero.HostModuleBuilder, defs ...func(wazero.HostModuleBuilder)) wazero.HostModuleBuilder {
	for _, d := range defs {
		d(b)
	}
	return b
}

// Flat is a host function of a module bound to an Instance (impl returns
// the implementation serving the module and that Instance; see Enter)
// whose body stores its result, if any, in s[0] itself (a scalar or enum:
// no return area).
func Flat[H any](impl func(context.Context, api.Module) (H, *Instance), body func(ctx context.Context, h H, rd *Reader, s []uint64)) api.GoModuleFunc {
	return func(ctx context.Context, m api.Module, s []uint64) {
		h, _, rd := Enter(ctx, m, impl)
		body(ctx, h, rd, s)
	}
}

// Value is a host function returning a T, lowered by lower into a return
// area of size bytes at the address in s[ret].
func Value[H, T any](impl func(context.Context, api.Module) (H, *Instance), ret int, size uint32, lower func(*Writer, []byte, uint32, T), body func(ctx context.Context, h H, rd *Reader, s []uint64) T) api.GoModuleFunc {
	return func(ctx context.Context, m api.Module, s []uint64) {
		h, g, rd := Enter(ctx, m, impl)
		v := body(ctx, h, rd, s)
		wr := g.Writer(ctx)
		wr.Store(uint32(s[ret]), cabi.Lower(wr, wr.Area(size), lower, v))
	}
}

// Result is a host function returning result<T, E> (e nil: ok), lowered
// by ok or fail into a return area of size bytes, payload at payload, at
// the address in s[ret].
func Result[H, T, E any](impl func(context.Context, api.Module) (H, *Instance), ret int, size, payload uint32, ok func(*Writer, []byte, uint32, T), fail func(*Writer, []byte, uint32, E), body func(ctx context.Context, h H, rd *Reader, s []uint64) (T, *E)) api.GoModuleFunc {
	return func(ctx context.Context, m api.Module, s []uint64) {
		h, g, rd := Enter(ctx, m, impl)
		v, e := body(ctx, h, rd, s)
		wr := g.Writer(ctx)
		if e == nil {
			wr.pack(func() { cabi.LowerResult(wr, wr.Area(size), payload, ok, fail, v, e) })
		}
		wr.Store(uint32(s[ret]), cabi.LowerResult(wr, wr.Area(size), payload, ok, fail, v, e))
	}
}

// PluginFlat is Flat for a plugin's host function (a module not bound to
// an Instance): body lifts its arguments from s through a.
func PluginFlat[H any](impl func(context.Context, api.Module) H, body func(ctx context.Context, h H, a *Call, s []uint64)) api.GoModuleFunc {
	return func(ctx context.Context, m api.Module, s []uint64) {
		a := NewCall(ctx, m)
		body(ctx, impl(ctx, m), a, s)
	}
}

// PluginResult is Result for a plugin's host function (its return area is
// a fresh buffer).
func PluginResult[H, T, E any](impl func(context.Context, api.Module) H, ret int, size, payload uint32, ok func(*Call, []byte, uint32, T), fail func(*Call, []byte, uint32, E), body func(ctx context.Context, h H, a *Call, s []uint64) (T, *E)) api.GoModuleFunc {
	return func(ctx context.Context, m api.Module, s []uint64) {
		a := NewCall(ctx, m)
		v, e := body(ctx, impl(ctx, m), a, s)
		a.Store(uint32(s[ret]), cabi.LowerResult(a, make([]byte, size), payload, ok, fail, v, e))
	}
}
