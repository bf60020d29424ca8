//go:build wasip1

package guestrt

import (
	"bytes"
	"strconv"
	"strings"
	"unsafe"
)

// Lifter takes values the host placed in cabi_realloc buffers (an
// export's arguments, an import's results): a cabi.Reader. The first
// address that is not in such a buffer, or case out of range, is kept in
// Bad (a description); later values are zero.
type Lifter struct {
	// Bad describes the first value that could not be taken, or is "".
	Bad   string
	depth int // lists being lifted: their strings and byte lists are copied
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

// StringArg takes the string argument what at (p, n).
func (l *Lifter) StringArg(p, n uint32, what string) string {
	s, ok := TakeString(p, n)
	if !ok {
		l.fail(what, p, n)
		return ""
	}
	if l.depth > 0 {
		return strings.Clone(s)
	}
	return s
}

// BytesArg takes the list<u8> argument what at (p, n).
func (l *Lifter) BytesArg(p, n uint32, what string) []byte {
	b, ok := TakeBytes(p, n)
	if !ok {
		l.fail(what, p, n)
		return nil
	}
	if l.depth > 0 {
		return bytes.Clone(b)
	}
	return b
}

// String takes the string at (p, n): cabi.Reader.
func (l *Lifter) String(p, n uint32) string { return l.StringArg(p, n, "string") }

// Bytes takes the list<u8> at (p, n): cabi.Reader.
func (l *Lifter) Bytes(p, n uint32) []byte { return l.BytesArg(p, n, "list<u8>") }

// Case checks a discriminant from the host: cabi.Reader.
func (l *Lifter) Case(v, n uint32) uint32 {
	if v >= n && l.Bad == "" {
		l.Bad = "case " + strconv.FormatUint(uint64(v), 10) + " of " + strconv.FormatUint(uint64(n), 10)
	}
	if v >= n {
		return 0
	}
	return v
}

// Elements takes a list's elements (n of size bytes) at p; strings and
// byte lists in them are copied until EndElements (elements may point into
// the list's buffer, which stays pinned until the call ends).
func (l *Lifter) Elements(p, n, size uint32) []byte {
	arr, _, ok := TakeArray(p, n, uint64(size))
	if !ok {
		l.fail("list", p, n)
		return nil
	}
	l.depth++
	return arr
}

// EndElements follows the lifting of a list's elements.
func (l *Lifter) EndElements(uint32) { l.depth-- }

// StringPtr is the address of s's bytes as a pointer argument of an
// import, so the garbage collector keeps them alive during the call.
func StringPtr(s string) unsafe.Pointer { return unsafe.Pointer(unsafe.StringData(s)) }

// BytesPtr is the address of b's bytes as a pointer argument of an import.
func BytesPtr(b []byte) unsafe.Pointer { return unsafe.Pointer(unsafe.SliceData(b)) }
