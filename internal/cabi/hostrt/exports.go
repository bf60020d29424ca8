package hostrt

import (
	"context"
	"fmt"

	"github.com/sandcache/sandcache/internal/cabi"
	"github.com/tetratelabs/wazero/api"
)

// MaxFlatParams is the canonical ABI's limit on flat parameters.
const MaxFlatParams = 16

// Signature is an export's name and core types.
type Signature struct {
	Name            string
	Params, Results []api.ValueType
}

// Exports calls the functions a module exports for one interface. It is
// bound to one module instance and, like it, is not safe for concurrent
// use. The generated glue embeds it and adds a typed method per function.
type Exports struct {
	g          *Instance
	fns, posts []api.Function
	stack      [MaxFlatParams]uint64
	ptrs       []uint32
	rd         Reader // the current call's result reader
	area       []byte // the current call's return area, copied out
	ret        uint32 // the current call's return area address
	err        error  // the current call's failure before lifting
}

// BindExports finds the exports "iface#name" of sigs, their cabi_post_*
// functions, cabi_realloc and the memory in m, and checks their core
// signatures.
func BindExports(m api.Module, iface string, sigs []Signature) (Exports, error) {
	g, err := NewInstance(m)
	if err != nil {
		return Exports{}, err
	}
	x := Exports{g: g, fns: make([]api.Function, len(sigs)), posts: make([]api.Function, len(sigs))}
	for k, sig := range sigs {
		full := iface + "#" + sig.Name
		x.fns[k], x.posts[k] = m.ExportedFunction(full), m.ExportedFunction("cabi_post_"+full)
		if err := CheckSignature(full, x.fns[k], sig.Params, sig.Results); err != nil {
			return Exports{}, err
		}
		if err := CheckSignature("cabi_post_"+full, x.posts[k], sig.Results, nil); err != nil {
			return Exports{}, err
		}
	}
	return x, nil
}

// Instance is the instance the exports are bound to, for the imports'
// registration.
func (x *Exports) Instance() *Instance { return x.g }

// Replace stands fn and post in for export k, for tests that play a
// hostile module.
func (x *Exports) Replace(k int, fn, post api.Function) { x.fns[k], x.posts[k] = fn, post }

// Args copies the string and byte parts of a call's arguments into one
// buffer of the module's memory and returns the call's stack and each
// part's address (0 when the copy failed: err then says why, and Call
// does not call the module).
func (x *Exports) Args(ctx context.Context, parts ...string) (st []uint64, ptrs []uint32, err error) {
	x.ptrs = x.ptrs[:0]
	if len(parts) > 0 {
		w := x.g.Writer(ctx)
		x.ptrs = w.Pack(x.ptrs, parts...)
		err = w.err
		for len(x.ptrs) < len(parts) {
			x.ptrs = append(x.ptrs, 0)
		}
	}
	return x.stack[:], x.ptrs, err
}

// Call calls export k with the stack Args filled, unless err (from Args)
// is set, and copies its return area of size bytes out of the module's
// memory (size 0: the function's result is flat, and area holds its first
// value, little-endian). The reader lifts the result from area; Post
// ends the call.
func (x *Exports) Call(ctx context.Context, k int, err error, size uint32) (rd *Reader, area []byte) {
	x.rd = Reader{mem: x.g.mem}
	if err == nil {
		err = x.fns[k].CallWithStack(ctx, x.stack[:])
	}
	x.err = err
	n := max(size, 8)
	if uint32(cap(x.area)) < n {
		x.area = make([]byte, n)
	}
	area = x.area[:n]
	clear(area)
	if err != nil {
		x.rd.err = err // lifting does nothing; Post returns err
		return &x.rd, area
	}
	x.ret = uint32(x.stack[0])
	if size == 0 {
		le.PutUint64(area, x.stack[0])
		return &x.rd, area
	}
	x.rd.Fill(area, x.ret, "return area")
	return &x.rd, area
}

// Post ends the call Call started: it calls export k's cabi_post_* with
// the return area once the result is lifted, and reports the first
// failure: of the call, of the post function, else of the lifting (named
// what).
func (x *Exports) Post(ctx context.Context, k int, what string) error {
	if x.err != nil {
		return x.err
	}
	if err := x.g.Post(ctx, x.posts[k], x.stack[:], x.ret); err != nil {
		return err
	}
	if x.rd.err != nil {
		return fmt.Errorf("%s: %w", what, x.rd.err)
	}
	return nil
}

// Err ends a call of a function without results: its failure, or nil.
func (x *Exports) Err() error { return x.err }

// CallResult calls export k (with the arguments Args lowered, unless err
// is set) and lifts its result<T, E> from a return area of size bytes,
// payload at payload; what names the result in errors.
func CallResult[T, E any](ctx context.Context, x *Exports, k int, err error, size, payload uint32, ok func(*Reader, []byte, uint32) T, fail func(*Reader, []byte, uint32) E, what string) (T, *E, error) {
	rd, area := x.Call(ctx, k, err, size)
	v, e := cabi.LiftResult(rd, area, 0, payload, ok, fail)
	return v, e, x.Post(ctx, k, what)
}

// CallError is CallResult for result<_, E>.
func CallError[E any](ctx context.Context, x *Exports, k int, err error, size, payload uint32, fail func(*Reader, []byte, uint32) E, what string) (*E, error) {
	_, e, err := CallResult(ctx, x, k, err, size, payload, cabi.LiftUnit[*Reader], fail, what)
	return e, err
}

// CallValue calls export k and lifts its result T (from a return area of
// size bytes, or its flat value when size is 0).
func CallValue[T any](ctx context.Context, x *Exports, k int, err error, size uint32, lift func(*Reader, []byte, uint32) T, what string) (T, error) {
	rd, area := x.Call(ctx, k, err, size)
	v := lift(rd, area, 0)
	return v, x.Post(ctx, k, what)
}

// CallNothing calls export k, which has no result.
func CallNothing(ctx context.Context, x *Exports, k int, err error) error {
	x.Call(ctx, k, err, 0)
	return x.Err()
}
