//go:build wasip1

package guestrt

import (
	"fmt"
	"runtime"
	"unsafe"

	"github.com/sandcache/sandcache/internal/cabi"
)

// Call lifts and lowers the values of one import call: the glue's
// type-directed lift and lower functions run over it. Arguments are
// passed in place (kept alive until Done); results are the buffers the
// host allocated through cabi_realloc during the call. A host that breaks
// the ABI makes the call panic: the host is the module's trusted side.
type Call struct {
	keep []unsafe.Pointer // what the arguments point to (see Exporter)
}

// Err is always nil: failures panic. It lets the lift and lower
// functions generated for both sides read alike.
func (a *Call) Err() error { return nil }

// Deref returns n elements of size bytes at p, which must lie in a buffer
// the host allocated through cabi_realloc during this call.
func (a *Call) Deref(p, n, size uint32) []byte {
	total := uint64(n) * uint64(size)
	if total == 0 {
		return []byte{}
	}
	if total <= 1<<32-1 {
		if i, b, _ := find(p, uint32(total)); i >= 0 {
			return b
		}
	}
	panic(fmt.Sprintf("guestrt: the host returned %d bytes at %#x, which it did not allocate", total, p))
}

// Tag checks a case index from the host.
func (a *Call) Tag(v, n uint32) uint32 {
	if v >= n {
		panic(fmt.Sprintf("guestrt: the host returned case %d of %d", v, n))
	}
	return v
}

// PutBytes passes b to the host in place (its alignment is the caller's).
func (a *Call) PutBytes(b []byte, _ uint32) uint32 {
	a.keep = append(a.keep, unsafe.Pointer(unsafe.SliceData(b)))
	return Addr(b)
}

// PutString passes s to the host in place.
func (a *Call) PutString(s string) uint32 {
	a.keep = append(a.keep, unsafe.Pointer(unsafe.StringData(s)))
	return StrAddr(s)
}

// Area returns a zeroed return area of n bytes, aligned to 8.
func (a *Call) Area(n int) []byte {
	b := NewArray(n)
	a.keep = append(a.keep, unsafe.Pointer(unsafe.SliceData(b)))
	return b
}

// Done ends the call: the host's buffers are unpinned (the lifted values
// that alias them keep them alive) and the arguments may be collected.
func (a *Call) Done() {
	runtime.KeepAlive(a.keep)
	UnpinAll()
}

// Case checks a case index from the host: cabi.Reader.
func (a *Call) Case(v, n uint32) uint32 { return a.Tag(v, n) }

// String copies a string the host returned: cabi.Reader.
func (a *Call) String(p, n uint32) string { return string(a.Deref(p, n, 1)) }

// Bytes takes a list<u8> the host returned: cabi.Reader.
func (a *Call) Bytes(p, n uint32) []byte { return a.Deref(p, n, 1) }

// Elements takes a list's elements the host returned: cabi.Reader.
func (a *Call) Elements(p, n, size uint32) []byte { return a.Deref(p, n, size) }

// EndElements does nothing: the host's buffers stay pinned until Done.
func (*Call) EndElements(uint32) {}

// NewArray returns n zeroed bytes aligned to 8: cabi.Writer.
func (*Call) NewArray(n int) []byte { return NewArray(n) }

// args holds what the arguments of the current import call point to.
var args Call

// Args returns the holder of an import call's arguments (a cabi.Writer
// that passes them in place), emptied: what the previous call's arguments
// pointed to may now be collected. A module makes one import call at a
// time.
func Args() *Call {
	clear(args.keep)
	args.keep = args.keep[:0]
	return &args
}

// NewCall starts an import call whose result goes to a return area of n
// bytes: the call and the area.
func NewCall(n int) (*Call, []byte) {
	a := &Call{}
	return a, a.Area(n)
}

// Result lifts the call's result<T, E> from area, payload at payload,
// with ok and fail, and ends the call (Done).
func Result[T, E any](a *Call, area []byte, payload uint32, ok func(*Call, []byte, uint32) T, fail func(*Call, []byte, uint32) E) (T, *E) {
	defer a.Done()
	return cabi.LiftResult(a, area, 0, payload, ok, fail)
}

// Value lifts the call's result T from area with lift and ends the call.
func Value[T any](a *Call, area []byte, lift func(*Call, []byte, uint32) T) T {
	defer a.Done()
	return lift(a, area, 0)
}
