package hostrt

import (
	"fmt"
	"math"
	"unicode/utf8"
	"unsafe"

	"github.com/tetratelabs/wazero/api"
)

// Reader lifts values from a module's memory. Every read is
// bounds-checked; the first failure is kept and later reads return zero
// values, so the generated code checks Err once at the end (the result of
// an export). The reader of a host function's arguments panics with its
// failure instead (trap), so that the implementation is never called with
// a bad argument; wazero fails the module's call with it.
type Reader struct {
	mem    api.Memory
	err    error
	copied uint64 // bytes copied out by Str: bounded by the memory's size
	trap   bool   // panic with the first failure
}

// NewReader returns a reader of mem.
func NewReader(mem api.Memory) *Reader { return &Reader{mem: mem} }

// Err is the first failure, wrapping ErrABI, or nil.
func (r *Reader) Err() error { return r.err }

// Fail records a failure (the first one is kept); a trapping reader
// panics with it.
func (r *Reader) Fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: "+format, append([]any{ErrABI}, args...)...)
	}
	if r.trap {
		panic(r.err)
	}
}

// View returns n bytes at p (nil on failure or when n is 0). The slice
// aliases the module's memory: callers copy what they keep.
func (r *Reader) View(p uint32, n uint64, what string) []byte {
	if r.err != nil || n == 0 {
		return nil
	}
	if n > math.MaxUint32 {
		r.Fail("%s: length %d", what, n)
		return nil
	}
	if r.mem == nil {
		r.Fail("%s: the module exports no memory", what)
		return nil
	}
	b, ok := r.mem.Read(p, uint32(n))
	if !ok {
		r.Fail("%s: %d bytes at %#x are outside guest memory", what, n, p)
		return nil
	}
	return b
}

// Fill copies a return area at p into dst (a buffer on the caller's stack,
// sized by the WIT); dst stays zero on failure.
func (r *Reader) Fill(dst []byte, p uint32, what string) {
	copy(dst, r.View(p, uint64(len(dst)), what))
}

// Array copies n elements of size bytes at p; nil on failure, so a hostile
// length allocates nothing. In a host function's arguments it is a view
// (the guest runs no code while the host function reads them).
func (r *Reader) Array(p, n uint32, size uint64, what string) []byte {
	v := r.View(p, uint64(n)*size, what)
	if v == nil || r.trap {
		return v
	}
	return append([]byte(nil), v...)
}

// Str copies a string out of an export's result: it must be UTF-8, and
// all the strings one reader copies may not total more than the module's
// memory (elements of a list may alias one buffer: a module could
// otherwise make the host copy its memory many times over). In a host
// function's arguments (the elements of a list) it is a view, as
// ViewStr: valid during the host function only, its encoding the
// implementation's to check (sql binds text as given, and SQLite keeps
// whatever bytes a database holds).
func (r *Reader) Str(p, n uint32, what string) string {
	if r.trap {
		return r.ViewStr(p, n, what)
	}
	b := r.View(p, uint64(n), what)
	if r.err != nil {
		return ""
	}
	if r.copied += uint64(n); r.copied > uint64(r.mem.Size()) {
		r.Fail("%s: the result's strings total more bytes than the guest's memory", what)
		return ""
	}
	if !utf8.Valid(b) {
		r.Fail("%s: not valid UTF-8", what)
		return ""
	}
	return string(b)
}

// ViewStr is an import argument string: a view of the module's memory,
// valid during the host function only (the implementation copies what it
// keeps). Its encoding is the implementation's to check.
func (r *Reader) ViewStr(p, n uint32, what string) string {
	b := r.View(p, uint64(n), what)
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// String copies a string (see Str): cabi.Reader.
func (r *Reader) String(p, n uint32) string { return r.Str(p, n, "string") }

// Bytes copies a list<u8> (never nil when n is 0): cabi.Reader.
func (r *Reader) Bytes(p, n uint32) []byte {
	if n == 0 {
		return []byte{}
	}
	return r.Array(p, n, 1, "list<u8>")
}

// Case checks a discriminant: cabi.Reader.
func (r *Reader) Case(v, n uint32) uint32 { return r.Tag(v, n, "discriminant") }

// Elements copies a list's elements (a view in a host function's
// arguments, see Array): cabi.Reader.
func (r *Reader) Elements(p, n, size uint32) []byte {
	if n == 0 && r.err == nil {
		return []byte{}
	}
	return r.Array(p, n, uint64(size), "list")
}

// EndElements does nothing: the elements were copied, or are arguments.
func (*Reader) EndElements(uint32) {}

// ViewBytes is an import argument list<u8>: a view of the module's memory,
// valid during the host function only (never nil: empty when n is 0).
func (r *Reader) ViewBytes(p, n uint32, what string) []byte {
	if n == 0 {
		return []byte{}
	}
	return r.View(p, uint64(n), what)
}

// Tag checks a discriminant or enum value against its case count.
func (r *Reader) Tag(v, cases uint32, what string) uint32 {
	if v >= cases {
		r.Fail("%s: case %d of %d", what, v, cases)
		return 0
	}
	return v
}
