package hostrt

// Elements is a list<T> argument of a host function whose elements are
// records: a bounds-checked view of the array in guest memory, each
// element lifted on demand (its strings as views, see Reader.Str). Valid
// during the host function only. It spares the host function the slice
// a lifted list would allocate on every call: the implementation appends
// the elements to a slice it keeps.
type Elements[T any] struct {
	rd   *Reader
	arr  []byte
	size uint32
	lift func(*Reader, []byte, uint32) T
}

// ElementsAt is the list of n elements of size bytes at p, each lifted by
// lift; the argument reader rd panics (traps the guest) when the array
// is out of bounds.
func ElementsAt[T any](rd *Reader, p, n, size uint32, lift func(*Reader, []byte, uint32) T) Elements[T] {
	return Elements[T]{rd: rd, arr: rd.Elements(p, n, size), size: size, lift: lift}
}

// Len is the number of elements.
func (e Elements[T]) Len() int {
	if e.size == 0 {
		return 0
	}
	return len(e.arr) / int(e.size)
}

// At lifts element i (0 <= i < Len()).
func (e Elements[T]) At(i int) T { return e.lift(e.rd, e.arr, uint32(i)*e.size) }

// AppendTo appends every element to dst.
func (e Elements[T]) AppendTo(dst []T) []T {
	for i := range e.Len() {
		dst = append(dst, e.At(i))
	}
	return dst
}
