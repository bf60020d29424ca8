//go:build wasip1

package guestrt

import (
	"strconv"
	"unsafe"
)

// pin is a buffer handed out by cabi_realloc, by address.
type pin struct {
	at  uint32
	buf []byte
}

// pins holds the buffers handed out by cabi_realloc and not yet taken. It
// is a short list (a call's arguments, an import's results): a slice scan
// is cheaper than a map in wasm.
var pins []pin

// pinned returns the index of the buffer that starts at p, or -1.
func pinned(p uint32) int {
	for i := range pins {
		if pins[i].at == p {
			return i
		}
	}
	return -1
}

// unpin drops pins[i].
func unpin(i int) {
	last := len(pins) - 1
	pins[i] = pins[last]
	pins[last] = pin{}
	pins = pins[:last]
}

// UnpinAll drops every pin (the values taken from them keep what they use
// alive).
func UnpinAll() {
	clear(pins)
	pins = pins[:0]
}

// cabiRealloc is the canonical ABI allocator, through which the host
// passes arguments to exports and results of imports. Buffers are aligned
// to 8 bytes (the widest alignment of the ABI).
//
//go:wasmexport cabi_realloc
func cabiRealloc(oldPtr, oldSize, align, newSize uint32) uint32 {
	buf := newBuffer(int(max(newSize, align, 1)))
	if oldPtr != 0 {
		if i := pinned(oldPtr); i >= 0 {
			old := pins[i].buf
			copy(buf, old[:min(oldSize, uint32(len(old)))])
			unpin(i)
		}
	}
	p := Addr(buf)
	pins = append(pins, pin{p, buf})
	return p
}

// Small cabi_realloc buffers are cut from a chunk rather than allocated
// one by one: in Go compiled to wasm an allocation costs ~0.3 µs, ten
// times what the call into the guest costs (BenchmarkRealloc in
// internal/host). A chunk is never reused: each piece belongs to whoever
// takes it, and the garbage collector frees the chunk once no piece is
// referenced (so a small value kept long, a memoised option, keeps at most
// one chunk alive).
var chunk []byte

const (
	chunkSize = 4096
	chunkMax  = 512 // larger buffers are allocated on their own
)

// newBuffer returns n zeroed bytes aligned to 8, never empty.
func newBuffer(n int) []byte {
	if n > chunkMax {
		return NewArray(n)
	}
	size := max((n+7)&^7, 8) // the next piece stays aligned to 8
	if len(chunk) < size {
		chunk = NewArray(chunkSize)
	}
	b := chunk[:n:n]
	chunk = chunk[size:]
	return b
}

// Addr is the linear-memory offset of b's first byte.
func Addr(b []byte) uint32 {
	return uint32(uintptr(unsafe.Pointer(unsafe.SliceData(b))))
}

// StrAddr is the linear-memory offset of s's first byte (0 when empty).
func StrAddr(s string) uint32 {
	return uint32(uintptr(unsafe.Pointer(unsafe.StringData(s))))
}

// find returns the pinned buffer holding [ptr, ptr+n) and whether it is
// that whole buffer; i is -1 when no buffer holds it.
func find(ptr, n uint32) (i int, b []byte, whole bool) {
	for i := range pins {
		start, buf := pins[i].at, pins[i].buf
		if ptr == start {
			if uint32(len(buf)) < n {
				return -1, nil, false
			}
			return i, buf[:n:n], uint32(len(buf)) == n
		}
		if ptr > start && uint64(ptr)+uint64(n) <= uint64(start)+uint64(len(buf)) {
			off := ptr - start
			return i, buf[off : off+n : off+n], false
		}
	}
	return -1, nil, false
}

// TakeBytes returns the n bytes the host placed at ptr, which must lie in
// a buffer this module handed out through cabi_realloc. A host may place
// several values in one buffer (the Go host does, to save calls), so an
// address inside a pinned buffer is accepted too. A buffer taken whole is
// unpinned at once (the returned slice keeps it alive); the rest are
// dropped by UnpinAll.
func TakeBytes(ptr, n uint32) (b []byte, ok bool) {
	if n == 0 {
		return []byte{}, true
	}
	i, b, whole := find(ptr, n)
	if i < 0 {
		return nil, false
	}
	if whole {
		unpin(i)
	}
	return b, true
}

// TakeString is TakeBytes as a string, without a copy.
func TakeString(ptr, n uint32) (string, bool) {
	b, ok := TakeBytes(ptr, n)
	if !ok || n == 0 {
		return "", ok
	}
	return unsafe.String(unsafe.SliceData(b), n), true
}

// TakeArray takes the elements of a list at ptr (n elements of size
// bytes). Elements may point into the same buffer, so it stays pinned
// until release is called.
func TakeArray(ptr, n uint32, size uint64) (arr []byte, release func(), ok bool) {
	total := uint64(n) * size
	if total > 1<<32-1 {
		return nil, nil, false
	}
	if total == 0 {
		return []byte{}, func() {}, true
	}
	i, arr, whole := find(ptr, uint32(total))
	if i < 0 {
		return nil, nil, false
	}
	if !whole {
		// Part of a larger buffer: it stays pinned until UnpinAll.
		return arr, func() {}, true
	}
	return arr, func() {
		if i := pinned(ptr); i >= 0 {
			unpin(i)
		}
	}, true
}

// NewArray returns n zeroed bytes aligned to 8, never empty (so it has an
// address).
func NewArray(n int) []byte {
	words := make([]uint64, n/8+1)
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(words))), n)[:n:n]
}

// BadPointer describes a value whose address is not in a cabi_realloc
// buffer.
func BadPointer(what string, ptr, n uint32) string {
	return what + " at 0x" + strconv.FormatUint(uint64(ptr), 16) + " (" + strconv.FormatUint(uint64(n), 10) +
		" bytes) is not in a buffer from cabi_realloc"
}

// B2U is a bool as the ABI's 0 or 1.
func B2U(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}
