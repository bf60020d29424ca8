package hostrt

import (
	"encoding/binary"
	"math"
)

var le = binary.LittleEndian

// The lift functions of the primitive types: each reads a value at b[off:]
// (b a copy of the module's memory, sized by the WIT). The generated glue
// has one of the same form for each of the world's other types.

// LiftUnit lifts nothing: the ok case of result<_, E>.
func LiftUnit(*Reader, []byte, uint32) struct{} { return struct{}{} }

// LiftBool lifts a bool (0 or 1; anything else is a broken module).
func LiftBool(rd *Reader, b []byte, off uint32) bool { return rd.Bool(b[off], "bool") }

// LiftU8 lifts a u8.
func LiftU8(_ *Reader, b []byte, off uint32) uint8 { return b[off] }

// LiftS8 lifts an s8.
func LiftS8(_ *Reader, b []byte, off uint32) int8 { return int8(b[off]) }

// LiftU16 lifts a u16.
func LiftU16(_ *Reader, b []byte, off uint32) uint16 { return le.Uint16(b[off:]) }

// LiftS16 lifts an s16.
func LiftS16(_ *Reader, b []byte, off uint32) int16 { return int16(le.Uint16(b[off:])) }

// LiftU32 lifts a u32.
func LiftU32(_ *Reader, b []byte, off uint32) uint32 { return le.Uint32(b[off:]) }

// LiftS32 lifts an s32.
func LiftS32(_ *Reader, b []byte, off uint32) int32 { return int32(le.Uint32(b[off:])) }

// LiftU64 lifts a u64.
func LiftU64(_ *Reader, b []byte, off uint32) uint64 { return le.Uint64(b[off:]) }

// LiftS64 lifts an s64.
func LiftS64(_ *Reader, b []byte, off uint32) int64 { return int64(le.Uint64(b[off:])) }

// LiftF32 lifts an f32.
func LiftF32(_ *Reader, b []byte, off uint32) float32 {
	return math.Float32frombits(le.Uint32(b[off:]))
}

// LiftF64 lifts an f64.
func LiftF64(_ *Reader, b []byte, off uint32) float64 {
	return math.Float64frombits(le.Uint64(b[off:]))
}

// LiftString copies a string (see Reader.Str).
func LiftString(rd *Reader, b []byte, off uint32) string {
	return rd.Str(le.Uint32(b[off:]), le.Uint32(b[off+4:]), "string")
}

// LiftBytes copies a list<u8>.
func LiftBytes(rd *Reader, b []byte, off uint32) []byte {
	return rd.Bytes(le.Uint32(b[off:]), le.Uint32(b[off+4:]), "list<u8>")
}

// LiftList copies list<T> at b[off:]: its n elements of size bytes, each
// lifted by lift. A hostile length allocates nothing.
func LiftList[T any](rd *Reader, b []byte, off uint32, size uint32, lift func(*Reader, []byte, uint32) T) []T {
	p, n := le.Uint32(b[off:]), le.Uint32(b[off+4:])
	return LiftListAt(rd, p, n, size, lift)
}

// LiftListAt is LiftList of the list at (p, n).
func LiftListAt[T any](rd *Reader, p, n, size uint32, lift func(*Reader, []byte, uint32) T) []T {
	arr := rd.Array(p, n, uint64(size), "list")
	if rd.err != nil {
		return nil
	}
	v := make([]T, n)
	for i := range v {
		v[i] = lift(rd, arr, uint32(i)*size)
	}
	return v
}

// LiftOption lifts option<T> at b[off:], its payload at off+payload.
func LiftOption[T any](rd *Reader, b []byte, off, payload uint32, lift func(*Reader, []byte, uint32) T) (v Option[T]) {
	if rd.Tag(uint32(b[off]), 2, "option") != 0 {
		v = Option[T]{Some: true, Value: lift(rd, b, off+payload)}
	}
	return v
}

// LiftResult lifts result<T, E> at b[off:], its payload at off+payload:
// (v, nil) or (zero, &e).
func LiftResult[T, E any](rd *Reader, b []byte, off, payload uint32, ok func(*Reader, []byte, uint32) T, fail func(*Reader, []byte, uint32) E) (v T, e *E) {
	if rd.Tag(uint32(b[off]), 2, "result") == 0 {
		return ok(rd, b, off+payload), nil
	}
	ev := fail(rd, b, off+payload)
	return v, &ev
}

// The lower functions of the primitive types: each stores v at b[off:].

// LowerUnit stores nothing: the ok case of result<_, E>.
func LowerUnit(*Writer, []byte, uint32, struct{}) {}

// LowerBool stores a bool.
func LowerBool(_ *Writer, b []byte, off uint32, v bool) { b[off] = B2U(v) }

// LowerU8 stores a u8.
func LowerU8(_ *Writer, b []byte, off uint32, v uint8) { b[off] = v }

// LowerS8 stores an s8.
func LowerS8(_ *Writer, b []byte, off uint32, v int8) { b[off] = uint8(v) }

// LowerU16 stores a u16.
func LowerU16(_ *Writer, b []byte, off uint32, v uint16) { le.PutUint16(b[off:], v) }

// LowerS16 stores an s16.
func LowerS16(_ *Writer, b []byte, off uint32, v int16) { le.PutUint16(b[off:], uint16(v)) }

// LowerU32 stores a u32.
func LowerU32(_ *Writer, b []byte, off uint32, v uint32) { le.PutUint32(b[off:], v) }

// LowerS32 stores an s32.
func LowerS32(_ *Writer, b []byte, off uint32, v int32) { le.PutUint32(b[off:], uint32(v)) }

// LowerU64 stores a u64.
func LowerU64(_ *Writer, b []byte, off uint32, v uint64) { le.PutUint64(b[off:], v) }

// LowerS64 stores an s64.
func LowerS64(_ *Writer, b []byte, off uint32, v int64) { le.PutUint64(b[off:], uint64(v)) }

// LowerF32 stores an f32.
func LowerF32(_ *Writer, b []byte, off uint32, v float32) {
	le.PutUint32(b[off:], math.Float32bits(v))
}

// LowerF64 stores an f64.
func LowerF64(_ *Writer, b []byte, off uint32, v float64) {
	le.PutUint64(b[off:], math.Float64bits(v))
}

// LowerString copies a string into the module and stores its address.
func LowerString(w *Writer, b []byte, off uint32, v string) { w.PutString(b, off, v) }

// LowerBytes copies a list<u8> into the module and stores its address.
func LowerBytes(w *Writer, b []byte, off uint32, v []byte) { w.PutBytes(b, off, v, len(v), 1) }

// LowerStrings copies a list<string> into one buffer of the module and
// stores its address.
func LowerStrings(w *Writer, b []byte, off uint32, v []string) { w.PutStrings(b, off, v) }

// LowerList lowers list<T>: its elements of size bytes (aligned to align),
// each lowered by lower, into a fresh buffer.
func LowerList[T any](w *Writer, b []byte, off, size, align uint32, v []T, lower func(*Writer, []byte, uint32, T)) {
	arr := make([]byte, len(v)*int(size))
	for i, e := range v {
		lower(w, arr, uint32(i)*size, e)
	}
	w.PutBytes(b, off, arr, len(v), align)
}

// LowerOption stores option<T> at b[off:], its payload at off+payload.
func LowerOption[T any](w *Writer, b []byte, off, payload uint32, v Option[T], lower func(*Writer, []byte, uint32, T)) {
	if v.Some {
		b[off] = 1
		lower(w, b, off+payload, v.Value)
	}
}

// StoreResult lowers result<T, E> (e nil: ok) into an area of size bytes
// (payload at payload) and writes it at p, panicking on failure.
func StoreResult[T, E any](w *Writer, p, size, payload uint32, ok func(*Writer, []byte, uint32, T), fail func(*Writer, []byte, uint32, E), v T, e *E) {
	area := w.g.scratch(size)
	if e != nil {
		area[0] = 1
		fail(w, area, payload, *e)
	} else {
		ok(w, area, payload, v)
	}
	w.Put(p, area)
	w.Must()
}

// Store lowers a value of size bytes and writes it at p, panicking on
// failure.
func Store[T any](w *Writer, p, size uint32, lower func(*Writer, []byte, uint32, T), v T) {
	area := w.g.scratch(size)
	lower(w, area, 0, v)
	w.Put(p, area)
	w.Must()
}
