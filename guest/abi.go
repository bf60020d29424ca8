//go:build wasip1

package main

import (
	"encoding/binary"
	"math"
	"unsafe"
)

// Canonical-ABI memory helpers.
//
// Go's wasm pointers are 64-bit and Go refuses pointerful types at the
// wasmimport/wasmexport boundary, so everything crosses as 32-bit offsets.
// Buffers the host asks for through cabi_realloc are pinned in `pins` until
// Go code takes them (a GC during a host call would otherwise free them:
// nothing in Go refers to an address held only by the host).

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

// unpinAll drops every pin.
func unpinAll() {
	clear(pins)
	pins = pins[:0]
}

// cabiRealloc is the canonical ABI allocator, used by the host to pass
// arguments to exports and results of imports.
//
//go:wasmexport cabi_realloc
func cabiRealloc(oldPtr, oldSize, align, newSize uint32) uint32 {
	if newSize == 0 {
		newSize = 1
	}
	// Go's allocator aligns to at least 8 bytes for sizes >= 8; round up so
	// small allocations are aligned too.
	size := newSize
	if align > 1 && size < align {
		size = align
	}
	buf := make([]byte, size)
	if oldPtr != 0 {
		if i := pinned(oldPtr); i >= 0 {
			old := pins[i].buf
			copy(buf, old[:min(oldSize, uint32(len(old)))])
			unpin(i)
		}
	}
	p := addr(buf)
	pins = append(pins, pin{p, buf})
	return p
}

// addr is the linear-memory offset of b's first byte.
func addr(b []byte) uint32 {
	return uint32(uintptr(unsafe.Pointer(unsafe.SliceData(b))))
}

// strAddr is the linear-memory offset of s's first byte (0 when empty).
func strAddr(s string) uint32 {
	return uint32(uintptr(unsafe.Pointer(unsafe.StringData(s))))
}

// takeBytes returns the n bytes the host placed at ptr, which must lie in a
// buffer this module handed out through cabi_realloc. A host may place
// several values in one buffer (the Go host does, to save calls), so an
// address inside a pinned buffer is accepted too. A buffer taken whole is
// unpinned at once (the returned slice keeps it alive); the rest are
// dropped when the export returns.
func takeBytes(ptr, n uint32) (b []byte, ok bool) {
	if n == 0 {
		return []byte{}, true
	}
	for i := range pins {
		start, buf := pins[i].at, pins[i].buf
		if ptr == start {
			if uint32(len(buf)) < n {
				return nil, false
			}
			if uint32(len(buf)) == n {
				unpin(i)
			}
			return buf[:n:n], true
		}
		if ptr > start && uint64(ptr)+uint64(n) <= uint64(start)+uint64(len(buf)) {
			off := ptr - start
			return buf[off : off+n : off+n], true
		}
	}
	return nil, false
}

// takeString is takeBytes as a string, without a copy.
func takeString(ptr, n uint32) (string, bool) {
	b, ok := takeBytes(ptr, n)
	if !ok || n == 0 {
		return "", ok
	}
	return unsafe.String(unsafe.SliceData(b), n), true
}

// area is a fixed return area: aligned to 8, at a stable address.
type area [8]uint64

func (a *area) ptr() uint32   { return uint32(uintptr(unsafe.Pointer(a))) }
func (a *area) bytes() []byte { return (*[64]byte)(unsafe.Pointer(a))[:] }

func (a *area) u8(off int) uint8       { return a.bytes()[off] }
func (a *area) u32(off int) uint32     { return binary.LittleEndian.Uint32(a.bytes()[off:]) }
func (a *area) u64(off int) uint64     { return binary.LittleEndian.Uint64(a.bytes()[off:]) }
func (a *area) f64(off int) float64    { return math.Float64frombits(a.u64(off)) }
func (a *area) setU8(off int, v uint8) { a.bytes()[off] = v }
func (a *area) setU32(off int, v uint32) {
	binary.LittleEndian.PutUint32(a.bytes()[off:], v)
}
func (a *area) setU64(off int, v uint64) {
	binary.LittleEndian.PutUint64(a.bytes()[off:], v)
}
func (a *area) clear() { *a = area{} }
