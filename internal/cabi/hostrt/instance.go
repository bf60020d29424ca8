package hostrt

import (
	"context"
	"fmt"
	"slices"

	"github.com/tetratelabs/wazero/api"
)

// Instance is one module instance's canonical-ABI state, shared by its
// export calls and the host functions it calls: its memory, its
// cabi_realloc, and whether the host is running cabi_realloc or
// cabi_post_* (the canonical ABI forbids those to call imports: a module
// that does fails its call with ErrABI). Like the module instance, it runs
// one call at a time.
type Instance struct {
	mem     api.Memory
	realloc api.Function
	rstack  [4]uint64 // cabi_realloc's stack; never re-entered (see inABI)
	inABI   bool
	rd      Reader // an import call's reader (imports do not nest)
	wr      Writer // an import call's or an export's arguments' writer
	area    []byte // an import call's return area, reused
}

// scratch returns a zeroed area of n bytes, reused across import calls.
func (g *Instance) scratch(n uint32) []byte {
	if uint32(cap(g.area)) < n {
		g.area = make([]byte, n)
	}
	g.area = g.area[:n]
	clear(g.area)
	return g.area
}

// reallocParams and reallocResults are cabi_realloc's core signature.
var (
	reallocParams  = []api.ValueType{api.ValueTypeI32, api.ValueTypeI32, api.ValueTypeI32, api.ValueTypeI32}
	reallocResults = []api.ValueType{api.ValueTypeI32}
)

// NewInstance checks that m has a memory and a cabi_realloc of the ABI's
// signature.
func NewInstance(m api.Module) (*Instance, error) {
	g := &Instance{mem: m.Memory(), realloc: m.ExportedFunction("cabi_realloc")}
	if g.mem == nil {
		return nil, fmt.Errorf("%w: guest lacks a memory export", ErrABI)
	}
	if err := CheckSignature("cabi_realloc", g.realloc, reallocParams, reallocResults); err != nil {
		return nil, err
	}
	return g, nil
}

// Memory is the instance's memory.
func (g *Instance) Memory() api.Memory { return g.mem }

// Writer returns the instance's writer, reset for one call.
func (g *Instance) Writer(ctx context.Context) *Writer {
	g.wr = Writer{ctx: ctx, g: g}
	return &g.wr
}

// Enter is called first by every host function: it returns the
// implementation serving m, the instance and a reader for the call's
// arguments (which panics with an error wrapping ErrABI at the first
// argument out of bounds). It refuses a call from cabi_realloc or cabi_post_* (and from
// a module not bound yet) by panicking with an error wrapping ErrABI,
// which fails the module's call.
func Enter[H any](ctx context.Context, m api.Module, impl func(context.Context, api.Module) (H, *Instance)) (H, *Instance, *Reader) {
	h, g := impl(ctx, m)
	if g == nil {
		panic(fmt.Errorf("%w: an import was called before the guest was bound", ErrABI))
	}
	if g.inABI {
		panic(fmt.Errorf("%w: the guest called an import from cabi_realloc or cabi_post_*", ErrABI))
	}
	g.rd = Reader{mem: g.mem, trap: true}
	return h, g, &g.rd
}

// Post calls a cabi_post_* function with the return area ret, using st as
// its stack.
func (g *Instance) Post(ctx context.Context, fn api.Function, st []uint64, ret uint32) error {
	st[0] = uint64(ret)
	g.inABI = true
	err := fn.CallWithStack(ctx, st[:1])
	g.inABI = false
	return err
}

// alloc calls cabi_realloc(0, 0, align, n) and checks that the buffer lies
// in memory.
func (g *Instance) alloc(ctx context.Context, n, align uint32) (uint32, error) {
	if g.mem == nil || g.realloc == nil {
		return 0, fmt.Errorf("%w: the module exports no memory or no cabi_realloc", ErrABI)
	}
	g.rstack = [4]uint64{0, 0, uint64(align), uint64(n)}
	g.inABI = true
	err := g.realloc.CallWithStack(ctx, g.rstack[:])
	g.inABI = false
	if err != nil {
		return 0, err
	}
	p := uint32(g.rstack[0])
	if uint64(p)+uint64(n) > uint64(g.mem.Size()) || (align > 1 && p%align != 0) {
		return 0, fmt.Errorf("%w: cabi_realloc returned %#x for %d bytes aligned to %d, outside memory or misaligned", ErrABI, p, n, align)
	}
	return p, nil
}

// CheckSignature reports an export that is missing or has other core types
// than the ABI's, naming it.
func CheckSignature(name string, f api.Function, params, results []api.ValueType) error {
	if f == nil {
		return fmt.Errorf("%w: guest lacks export %q", ErrABI, name)
	}
	d := f.Definition()
	if !slices.Equal(d.ParamTypes(), params) || !slices.Equal(d.ResultTypes(), results) {
		return fmt.Errorf("%w: export %q has params %v and results %v; want %v and %v", ErrABI,
			name, typeNames(d.ParamTypes()), typeNames(d.ResultTypes()), typeNames(params), typeNames(results))
	}
	return nil
}

func typeNames(ts []api.ValueType) []string {
	names := make([]string, len(ts))
	for i, t := range ts {
		names[i] = api.ValueTypeName(t)
	}
	return names
}
