package cabi

import (
	"encoding/binary"
	"math"
)

var le = binary.LittleEndian

// Reader is what the lift functions need from a side's runtime (the Go
// host's hostrt.Reader and hostrt.Call, the Go guest's guestrt.Lifter and
// guestrt.Call): values that point elsewhere in memory, and checks of
// discriminants. A reader keeps its first failure and returns zero values
// after it, or panics, as its side chooses.
type Reader interface {
	// Case checks a discriminant against the case count (0 on failure).
	Case(v, n uint32) uint32
	// String takes the string at (p, n).
	String(p, n uint32) string
	// Bytes takes the list<u8> at (p, n).
	Bytes(p, n uint32) []byte
	// Elements takes the n elements of size bytes of a list at p (nil on
	// failure; never a hostile length's allocation).
	Elements(p, n, size uint32) []byte
	// EndElements follows the lifting of the elements Elements returned.
	EndElements(p uint32)
}

// Writer is what the lower functions need from a side's runtime: a place
// for what values point to.
type Writer interface {
	// PutString places s where the other side can read it; its address.
	PutString(s string) uint32
	// PutBytes places b (aligned to align) likewise.
	PutBytes(b []byte, align uint32) uint32
	// NewArray returns n zeroed bytes for a list's elements.
	NewArray(n int) []byte
}

// The lift functions of every type have the form
//
//	func(r R, b []byte, off uint32) T
//
// reading a value at b[off:] (b sized by the WIT, so indexing never
// fails); the generated code has one per named or compound type.

// LiftUnit lifts nothing: the ok case of result<_, E>.
func LiftUnit[R any](R, []byte, uint32) struct{} { return struct{}{} }

// LiftBool lifts a bool: 0 or 1, anything else fails as a bad case.
func LiftBool[R Reader](r R, b []byte, off uint32) bool { return r.Case(uint32(b[off]), 2) != 0 }

// LiftU8 lifts a u8.
func LiftU8[R any](_ R, b []byte, off uint32) uint8 { return b[off] }

// LiftS8 lifts an s8.
func LiftS8[R any](_ R, b []byte, off uint32) int8 { return int8(b[off]) }

// LiftU16 lifts a u16.
func LiftU16[R any](_ R, b []byte, off uint32) uint16 { return le.Uint16(b[off:]) }

// LiftS16 lifts an s16.
func LiftS16[R any](_ R, b []byte, off uint32) int16 { return int16(le.Uint16(b[off:])) }

// LiftU32 lifts a u32.
func LiftU32[R any](_ R, b []byte, off uint32) uint32 { return le.Uint32(b[off:]) }

// LiftS32 lifts an s32.
func LiftS32[R any](_ R, b []byte, off uint32) int32 { return int32(le.Uint32(b[off:])) }

// LiftU64 lifts a u64.
func LiftU64[R any](_ R, b []byte, off uint32) uint64 { return le.Uint64(b[off:]) }

// LiftS64 lifts an s64.
func LiftS64[R any](_ R, b []byte, off uint32) int64 { return int64(le.Uint64(b[off:])) }

// LiftF32 lifts an f32.
func LiftF32[R any](_ R, b []byte, off uint32) float32 {
	return math.Float32frombits(le.Uint32(b[off:]))
}

// LiftF64 lifts an f64.
func LiftF64[R any](_ R, b []byte, off uint32) float64 {
	return math.Float64frombits(le.Uint64(b[off:]))
}

// LiftHandle lifts a resource handle H (a u32 index into the other
// side's table).
func LiftHandle[R any, H ~uint32](_ R, b []byte, off uint32) H { return H(le.Uint32(b[off:])) }

// LiftString lifts the string whose (address, length) is at b[off:].
func LiftString[R Reader](r R, b []byte, off uint32) string {
	return r.String(le.Uint32(b[off:]), le.Uint32(b[off+4:]))
}

// LiftBytes lifts the list<u8> whose (address, length) is at b[off:].
func LiftBytes[R Reader](r R, b []byte, off uint32) []byte {
	return r.Bytes(le.Uint32(b[off:]), le.Uint32(b[off+4:]))
}

// LiftList lifts list<T> whose (address, length) is at b[off:], its
// elements of size bytes each lifted by lift.
func LiftList[R Reader, T any](r R, b []byte, off, size uint32, lift func(R, []byte, uint32) T) []T {
	return LiftListAt(r, le.Uint32(b[off:]), le.Uint32(b[off+4:]), size, lift)
}

// LiftListAt lifts list<T> at (p, n).
func LiftListAt[R Reader, T any](r R, p, n, size uint32, lift func(R, []byte, uint32) T) []T {
	arr := r.Elements(p, n, size)
	if arr == nil {
		return nil
	}
	v := make([]T, n)
	for i := range v {
		v[i] = lift(r, arr, uint32(i)*size)
	}
	r.EndElements(p)
	return v
}

// LiftOption lifts option<T> at b[off:], its payload at off+payload.
func LiftOption[R Reader, T any](r R, b []byte, off, payload uint32, lift func(R, []byte, uint32) T) (v Option[T]) {
	if r.Case(uint32(b[off]), 2) != 0 {
		v = Option[T]{Some: true, Value: lift(r, b, off+payload)}
	}
	return v
}

// LiftResult lifts result<T, E> at b[off:], its payload at off+payload:
// (v, nil), or (zero, &e).
func LiftResult[R Reader, T, E any](r R, b []byte, off, payload uint32, ok func(R, []byte, uint32) T, fail func(R, []byte, uint32) E) (v T, e *E) {
	if r.Case(uint32(b[off]), 2) == 0 {
		return ok(r, b, off+payload), nil
	}
	ev := fail(r, b, off+payload)
	return v, &ev
}

// The lower functions of every type have the form
//
//	func(w W, b []byte, off uint32, v T)
//
// storing v at b[off:].

// LowerUnit stores nothing: the ok case of result<_, E>.
func LowerUnit[W any](W, []byte, uint32, struct{}) {}

// LowerBool stores a bool.
func LowerBool[W any](_ W, b []byte, off uint32, v bool) { b[off] = B2U(v) }

// LowerU8 stores a u8.
func LowerU8[W any](_ W, b []byte, off uint32, v uint8) { b[off] = v }

// LowerS8 stores an s8.
func LowerS8[W any](_ W, b []byte, off uint32, v int8) { b[off] = uint8(v) }

// LowerU16 stores a u16.
func LowerU16[W any](_ W, b []byte, off uint32, v uint16) { le.PutUint16(b[off:], v) }

// LowerS16 stores an s16.
func LowerS16[W any](_ W, b []byte, off uint32, v int16) { le.PutUint16(b[off:], uint16(v)) }

// LowerU32 stores a u32.
func LowerU32[W any](_ W, b []byte, off uint32, v uint32) { le.PutUint32(b[off:], v) }

// LowerS32 stores an s32.
func LowerS32[W any](_ W, b []byte, off uint32, v int32) { le.PutUint32(b[off:], uint32(v)) }

// LowerU64 stores a u64.
func LowerU64[W any](_ W, b []byte, off uint32, v uint64) { le.PutUint64(b[off:], v) }

// LowerS64 stores an s64.
func LowerS64[W any](_ W, b []byte, off uint32, v int64) { le.PutUint64(b[off:], uint64(v)) }

// LowerF32 stores an f32.
func LowerF32[W any](_ W, b []byte, off uint32, v float32) {
	le.PutUint32(b[off:], math.Float32bits(v))
}

// LowerF64 stores an f64.
func LowerF64[W any](_ W, b []byte, off uint32, v float64) {
	le.PutUint64(b[off:], math.Float64bits(v))
}

// LowerHandle stores a resource handle.
func LowerHandle[W any, H ~uint32](_ W, b []byte, off uint32, v H) { le.PutUint32(b[off:], uint32(v)) }

// LowerString stores the (address, length) of s, placed by w.
func LowerString[W Writer](w W, b []byte, off uint32, v string) {
	le.PutUint32(b[off:], w.PutString(v))
	le.PutUint32(b[off+4:], uint32(len(v)))
}

// LowerBytes stores the (address, length) of v, placed by w.
func LowerBytes[W Writer](w W, b []byte, off uint32, v []byte) {
	le.PutUint32(b[off:], w.PutBytes(v, 1))
	le.PutUint32(b[off+4:], uint32(len(v)))
}

// LowerList lays out list<T> (elements of size bytes aligned to align,
// each lowered by lower) and stores its (address, length).
func LowerList[W Writer, T any](w W, b []byte, off, size, align uint32, v []T, lower func(W, []byte, uint32, T)) {
	le.PutUint32(b[off+4:], uint32(len(v)))
	if ss, ok := any(v).([]string); ok {
		if sw, ok := any(w).(interface{ PutStrings([]string) uint32 }); ok {
			// One buffer for the (address, length) array and the strings.
			le.PutUint32(b[off:], sw.PutStrings(ss))
			return
		}
	}
	le.PutUint32(b[off:], w.PutBytes(ListArray(w, size, v, lower), align))
}

// ListArray lays out the elements of list<T> (size bytes each, lowered by
// lower) in a fresh array.
func ListArray[W Writer, T any](w W, size uint32, v []T, lower func(W, []byte, uint32, T)) []byte {
	arr := w.NewArray(len(v) * int(size))
	for i, e := range v {
		lower(w, arr, uint32(i)*size, e)
	}
	return arr
}

// LowerOption stores option<T> at b[off:], its payload at off+payload.
func LowerOption[W any, T any](w W, b []byte, off, payload uint32, v Option[T], lower func(W, []byte, uint32, T)) {
	b[off] = B2U(v.Some)
	if v.Some {
		lower(w, b, off+payload, v.Value)
	}
}

// LowerResult stores result<T, E> (e nil: ok) in area, its payload at
// payload, and returns area.
func LowerResult[W any, T, E any](w W, area []byte, payload uint32, ok func(W, []byte, uint32, T), fail func(W, []byte, uint32, E), v T, e *E) []byte {
	if e != nil {
		area[0] = 1
		fail(w, area, payload, *e)
	} else {
		ok(w, area, payload, v)
	}
	return area
}

// Lower stores v in area with lower and returns area.
func Lower[W any, T any](w W, area []byte, lower func(W, []byte, uint32, T), v T) []byte {
	lower(w, area, 0, v)
	return area
}
