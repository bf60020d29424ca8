//go:build wasip1

package guestrt

import (
	"bytes"
	"encoding/binary"
	"math"
	"strings"
	"unsafe"

	"github.com/sandcache/sandcache/internal/cabi"
)

var le = binary.LittleEndian

// Lifter takes values the host placed in cabi_realloc buffers (an
// export's arguments, an import's results). The first address that is not
// in such a buffer is kept in Bad (a description); later values are zero.
type Lifter struct {
	// Bad describes the first value whose address is not in a buffer from
	// cabi_realloc, or is "".
	Bad   string
	clone bool // copy strings and byte lists (list elements)
}

// lifter is the one Lifter: a module runs one call at a time, and an
// export's arguments are lifted before it calls imports.
var lifter Lifter

// NewLifter returns the module's lifter, reset.
func NewLifter() *Lifter {
	lifter = Lifter{}
	return &lifter
}

func (l *Lifter) fail(what string, p, n uint32) {
	if l.Bad == "" {
		l.Bad = BadPointer(what, p, n)
	}
}

// String takes the string at (p, n).
func (l *Lifter) String(p, n uint32, what string) string {
	s, ok := TakeString(p, n)
	if !ok {
		l.fail(what, p, n)
		return ""
	}
	if l.clone {
		return strings.Clone(s)
	}
	return s
}

// Bytes takes the list<u8> at (p, n).
func (l *Lifter) Bytes(p, n uint32, what string) []byte {
	b, ok := TakeBytes(p, n)
	if !ok {
		l.fail(what, p, n)
		return nil
	}
	if l.clone {
		return bytes.Clone(b)
	}
	return b
}

// ListAt takes list<T> at (p, n): n elements of size bytes, each lifted by
// lift; strings and byte lists in elements are copied (elements may point
// into the list's buffer, which stays pinned while they are taken).
func ListAt[T any](l *Lifter, p, n, size uint32, lift func(*Lifter, []byte, uint32) T) []T {
	arr, release, ok := TakeArray(p, n, uint64(size))
	if !ok {
		l.fail("list", p, n)
		return nil
	}
	v := make([]T, n)
	clone := l.clone
	l.clone = true
	for i := range v {
		v[i] = lift(l, arr, uint32(i)*size)
	}
	l.clone = clone
	release()
	return v
}

// The lift functions of the primitive types: each reads a value at b[off:].
// The generated glue has one of the same form for each other type.

// LiftUnit lifts nothing: the ok case of result<_, E>.
func LiftUnit(*Lifter, []byte, uint32) struct{} { return struct{}{} }

// LiftBool lifts a bool.
func LiftBool(_ *Lifter, b []byte, off uint32) bool { return b[off] != 0 }

// LiftU8 lifts a u8.
func LiftU8(_ *Lifter, b []byte, off uint32) uint8 { return b[off] }

// LiftS8 lifts an s8.
func LiftS8(_ *Lifter, b []byte, off uint32) int8 { return int8(b[off]) }

// LiftU16 lifts a u16.
func LiftU16(_ *Lifter, b []byte, off uint32) uint16 { return le.Uint16(b[off:]) }

// LiftS16 lifts an s16.
func LiftS16(_ *Lifter, b []byte, off uint32) int16 { return int16(le.Uint16(b[off:])) }

// LiftU32 lifts a u32.
func LiftU32(_ *Lifter, b []byte, off uint32) uint32 { return le.Uint32(b[off:]) }

// LiftS32 lifts an s32.
func LiftS32(_ *Lifter, b []byte, off uint32) int32 { return int32(le.Uint32(b[off:])) }

// LiftU64 lifts a u64.
func LiftU64(_ *Lifter, b []byte, off uint32) uint64 { return le.Uint64(b[off:]) }

// LiftS64 lifts an s64.
func LiftS64(_ *Lifter, b []byte, off uint32) int64 { return int64(le.Uint64(b[off:])) }

// LiftF32 lifts an f32.
func LiftF32(_ *Lifter, b []byte, off uint32) float32 {
	return math.Float32frombits(le.Uint32(b[off:]))
}

// LiftF64 lifts an f64.
func LiftF64(_ *Lifter, b []byte, off uint32) float64 {
	return math.Float64frombits(le.Uint64(b[off:]))
}

// LiftString takes the string whose (address, length) is at b[off:].
func LiftString(l *Lifter, b []byte, off uint32) string {
	return l.String(le.Uint32(b[off:]), le.Uint32(b[off+4:]), "string")
}

// LiftBytes takes the list<u8> whose (address, length) is at b[off:].
func LiftBytes(l *Lifter, b []byte, off uint32) []byte {
	return l.Bytes(le.Uint32(b[off:]), le.Uint32(b[off+4:]), "list<u8>")
}

// LiftList takes list<T> whose (address, length) is at b[off:].
func LiftList[T any](l *Lifter, b []byte, off, size uint32, lift func(*Lifter, []byte, uint32) T) []T {
	return ListAt(l, le.Uint32(b[off:]), le.Uint32(b[off+4:]), size, lift)
}

// LiftOption lifts option<T> at b[off:], its payload at off+payload.
func LiftOption[T any](l *Lifter, b []byte, off, payload uint32, lift func(*Lifter, []byte, uint32) T) (v cabi.Option[T]) {
	if b[off] != 0 {
		v = cabi.Option[T]{Some: true, Value: lift(l, b, off+payload)}
	}
	return v
}

// LiftResult lifts result<T, E> at b[off:], its payload at off+payload.
func LiftResult[T, E any](l *Lifter, b []byte, off, payload uint32, ok func(*Lifter, []byte, uint32) T, fail func(*Lifter, []byte, uint32) E) (v T, e *E) {
	if b[off] == 0 {
		return ok(l, b, off+payload), nil
	}
	ev := fail(l, b, off+payload)
	return v, &ev
}

// StringPtr is the address of s's bytes as a pointer argument of an
// import, so the garbage collector keeps them alive during the call.
func StringPtr(s string) unsafe.Pointer { return unsafe.Pointer(unsafe.StringData(s)) }

// BytesPtr is the address of b's bytes as a pointer argument of an import.
func BytesPtr(b []byte) unsafe.Pointer { return unsafe.Pointer(unsafe.SliceData(b)) }

// AreaPtr is the address of a return area as a pointer argument of an
// import.
func AreaPtr(b []byte) unsafe.Pointer { return unsafe.Pointer(unsafe.SliceData(b)) }
