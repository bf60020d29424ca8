//go:build wasip1

package guestrt

import (
	"math"

	"github.com/sandcache/sandcache/internal/cabi"
)

// keep holds what an export's result points into until cabi_post_*.
var keep []any

// Keep keeps v alive until Release.
func Keep(v any) { keep = append(keep, v) }

// Begin starts an export: whatever the previous result held is released
// (a host that skipped cabi_post_* leaks nothing), and the returned
// lifter takes the arguments.
func Begin(area []byte) *Lifter {
	Release(area)
	return NewLifter()
}

// Done ends an export whose result is in area: it drops the argument
// buffers the host left pinned and returns area's address.
func Done(area []byte) uint32 {
	UnpinAll()
	return Addr(area)
}

// Release is every cabi_post_* function: the host has read the result in
// area.
func Release(area []byte) {
	clear(keep)
	keep = keep[:0]
	clear(area)
}

// The lower functions of the primitive types: each stores v at b[off:],
// keeping what it points to alive until Release.

// LowerUnit stores nothing: the ok case of result<_, E>.
func LowerUnit([]byte, uint32, struct{}) {}

// LowerBool stores a bool.
func LowerBool(b []byte, off uint32, v bool) { b[off] = uint8(B2U(v)) }

// LowerU8 stores a u8.
func LowerU8(b []byte, off uint32, v uint8) { b[off] = v }

// LowerS8 stores an s8.
func LowerS8(b []byte, off uint32, v int8) { b[off] = uint8(v) }

// LowerU16 stores a u16.
func LowerU16(b []byte, off uint32, v uint16) { le.PutUint16(b[off:], v) }

// LowerS16 stores an s16.
func LowerS16(b []byte, off uint32, v int16) { le.PutUint16(b[off:], uint16(v)) }

// LowerU32 stores a u32.
func LowerU32(b []byte, off uint32, v uint32) { le.PutUint32(b[off:], v) }

// LowerS32 stores an s32.
func LowerS32(b []byte, off uint32, v int32) { le.PutUint32(b[off:], uint32(v)) }

// LowerU64 stores a u64.
func LowerU64(b []byte, off uint32, v uint64) { le.PutUint64(b[off:], v) }

// LowerS64 stores an s64.
func LowerS64(b []byte, off uint32, v int64) { le.PutUint64(b[off:], uint64(v)) }

// LowerF32 stores an f32.
func LowerF32(b []byte, off uint32, v float32) { le.PutUint32(b[off:], math.Float32bits(v)) }

// LowerF64 stores an f64.
func LowerF64(b []byte, off uint32, v float64) { le.PutUint64(b[off:], math.Float64bits(v)) }

// LowerString stores the (address, length) of s, in place.
func LowerString(b []byte, off uint32, s string) {
	Keep(s)
	le.PutUint32(b[off:], StrAddr(s))
	le.PutUint32(b[off+4:], uint32(len(s)))
}

// LowerBytes stores the (address, length) of v, in place.
func LowerBytes(b []byte, off uint32, v []byte) {
	Keep(v)
	le.PutUint32(b[off:], Addr(v))
	le.PutUint32(b[off+4:], uint32(len(v)))
}

// LowerList lays out list<T> (elements of size bytes, each lowered by
// lower) in a fresh buffer and stores its (address, length).
func LowerList[T any](b []byte, off, size uint32, v []T, lower func([]byte, uint32, T)) {
	arr := NewArray(len(v) * int(size))
	for i, e := range v {
		lower(arr, uint32(i)*size, e)
	}
	Keep(arr)
	le.PutUint32(b[off:], Addr(arr))
	le.PutUint32(b[off+4:], uint32(len(v)))
}

// LowerOption stores option<T> at b[off:], its payload at off+payload.
func LowerOption[T any](b []byte, off, payload uint32, v cabi.Option[T], lower func([]byte, uint32, T)) {
	if v.Some {
		b[off] = 1
		lower(b, off+payload, v.Value)
	}
}

// StoreResult stores result<T, E> (e nil: ok) in an export's return area
// (payload at payload) and ends the export (see Done).
func StoreResult[T, E any](area []byte, payload uint32, ok func([]byte, uint32, T), fail func([]byte, uint32, E), v T, e *E) uint32 {
	if e != nil {
		area[0] = 1
		fail(area, payload, *e)
	} else {
		ok(area, payload, v)
	}
	return Done(area)
}
