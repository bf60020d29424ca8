//go:build wasip1

package guestrt

import (
	"fmt"
	"runtime"
)

// Call lifts and lowers the values of one import call: the glue's
// type-directed lift and lower functions run over it. Arguments are
// passed in place (kept alive until Done); results are the buffers the
// host allocated through cabi_realloc during the call. A host that breaks
// the ABI makes the call panic: the host is the module's trusted side.
type Call struct {
	keep []any
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
	a.keep = append(a.keep, b)
	return Addr(b)
}

// PutString passes s to the host in place.
func (a *Call) PutString(s string) uint32 {
	a.keep = append(a.keep, s)
	return StrAddr(s)
}

// Area returns a zeroed return area of n bytes, aligned to 8.
func (a *Call) Area(n int) []byte {
	b := NewArray(n)
	a.keep = append(a.keep, b)
	return b
}

// Done ends the call: the host's buffers are unpinned (the lifted values
// that alias them keep them alive) and the arguments may be collected.
func (a *Call) Done() {
	runtime.KeepAlive(a.keep)
	UnpinAll()
}

// LiftNone lifts nothing: the ok case of result<_, E>.
func LiftNone(*Call, []byte, uint32) struct{} { return struct{}{} }

// CallResult lifts result<T, E> from the return area of an import call
// (payload at payload) and ends the call.
func CallResult[T, E any](a *Call, area []byte, payload uint32, ok func(*Call, []byte, uint32) T, fail func(*Call, []byte, uint32) E) (v T, e *E) {
	defer a.Done()
	if a.Tag(uint32(area[0]), 2) == 1 {
		ev := fail(a, area, payload)
		return v, &ev
	}
	return ok(a, area, payload), nil
}
