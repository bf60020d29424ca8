package hostrt

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"unsafe"
)

var le = binary.LittleEndian

// Writer lowers values into a module's memory, allocating through its
// cabi_realloc. The first failure is kept; later writes do nothing.
type Writer struct {
	ctx context.Context
	g   *Instance
	err error

	// Packing (Writer.pack): a counting pass sizes the buffers a value
	// takes, then they are cut from one.
	counting bool
	bufs     int    // buffers the counting pass asked for
	need     uint64 // and their bytes, aligned
	chunk    uint32 // the one buffer (0: none)
	off, end uint32 // its used and total bytes
}

// Err is the first failure, or nil.
func (w *Writer) Err() error { return w.err }

// Must panics with the first failure, if any: a host function's result
// is lowered, and wazero fails the module's call with it.
func (w *Writer) Must() {
	if w.err != nil {
		panic(w.err)
	}
}

func (w *Writer) fail(err error) {
	if w.err == nil {
		w.err = err
	}
}

func (w *Writer) failf(format string, args ...any) {
	w.fail(fmt.Errorf("%w: "+format, append([]any{ErrABI}, args...)...))
}

// Alloc returns a buffer of n bytes aligned to align; it must lie in the
// module's memory. While counting it only adds the buffer up (and returns
// 0); while packing it cuts the buffer from the packed one.
func (w *Writer) Alloc(n, align uint32) uint32 {
	if w.err != nil {
		return 0
	}
	if w.counting {
		w.bufs++
		w.need = alignUp(w.need, uint64(align)) + uint64(n)
		return 0
	}
	if w.chunk != 0 {
		if off := uint32(alignUp(uint64(w.off), uint64(align))); uint64(off)+uint64(n) <= uint64(w.end) {
			w.off = off + n
			return w.chunk + off
		}
	}
	p, err := w.g.alloc(w.ctx, n, align)
	w.fail(err)
	return p
}

// alignUp rounds n up to a multiple of align (a power of two, or 0).
func alignUp(n, align uint64) uint64 {
	if align <= 1 {
		return n
	}
	return (n + align - 1) &^ (align - 1)
}

// pack runs lower twice when the value it lowers takes several buffers
// in guest memory: first counting them, then cutting them from one buffer
// allocated at once, so the value costs one cabi_realloc call, a call
// into the guest, instead of one per string and list. (The guest takes
// values inside a buffer it allocated, wherever they lie in it.)
func (w *Writer) pack(lower func()) {
	w.counting, w.bufs, w.need = true, 0, 0
	lower()
	w.counting = false
	if w.err != nil || w.bufs < 2 || w.need > math.MaxUint32 {
		return
	}
	w.chunk = w.Alloc(uint32(w.need), 8)
	w.off, w.end = 0, uint32(w.need)
}

// Data copies b, then s, into a fresh buffer and returns its address (0
// when both are empty).
func (w *Writer) Data(b []byte, s string, align uint32) uint32 {
	n := len(b) + len(s)
	if n == 0 || w.err != nil {
		return 0
	}
	if uint64(n) > math.MaxUint32 {
		w.failf("value of %d bytes does not fit guest memory", n)
		return 0
	}
	p := w.Alloc(uint32(n), align)
	if w.err == nil && !w.counting && ((len(b) > 0 && !w.g.mem.Write(p, b)) || (len(s) > 0 && !w.g.mem.WriteString(p+uint32(len(b)), s))) {
		w.failf("writing %d bytes at %#x", n, p)
	}
	return p
}

// PutString copies s into a fresh buffer: cabi.Writer.
func (w *Writer) PutString(s string) uint32 { return w.Data(nil, s, 1) }

// PutBytes copies b into a fresh buffer aligned to align: cabi.Writer.
func (w *Writer) PutBytes(b []byte, align uint32) uint32 { return w.Data(b, "", align) }

// PutStrings lowers a list<string> into one buffer (see Strings): what
// cabi.LowerList uses for a list of strings.
func (w *Writer) PutStrings(list []string) uint32 { return w.Strings(list) }

// NewArray returns n zeroed bytes on the host: cabi.Writer.
func (*Writer) NewArray(n int) []byte { return make([]byte, n) }

// Area returns a zeroed return area of n bytes, reused across import
// calls.
func (w *Writer) Area(n uint32) []byte { return w.g.scratch(n) }

// Store writes a lowered return area at p and panics with the first
// failure, if any (wazero fails the module's call with it).
func (w *Writer) Store(p uint32, area []byte) {
	w.Put(p, area)
	w.Must()
}

// Strings lowers a list<string> into one buffer (one cabi_realloc call):
// the (ptr, len) array, then the strings. It returns the array's address
// (0 when the list is empty).
func (w *Writer) Strings(list []string) uint32 {
	if len(list) == 0 || w.err != nil {
		return 0
	}
	size := uint64(8 * len(list))
	for _, s := range list {
		size += uint64(len(s))
	}
	if size > math.MaxUint32 {
		w.failf("a list of %d bytes does not fit guest memory", size)
		return 0
	}
	base := w.Alloc(uint32(size), 4)
	if w.err != nil || w.counting {
		return 0
	}
	buf, ok := w.g.mem.Read(base, uint32(size))
	if !ok {
		w.failf("writing %d bytes at %#x", size, base)
		return 0
	}
	off := 8 * len(list)
	for i, s := range list {
		le.PutUint32(buf[8*i:], base+uint32(off))
		le.PutUint32(buf[8*i+4:], uint32(len(s)))
		off += copy(buf[off:], s)
	}
	return base
}

// Pack copies every part into one buffer (one cabi_realloc call, no copy
// on the host's heap) and appends each part's address to dst.
func (w *Writer) Pack(dst []uint32, parts ...string) []uint32 {
	total := uint64(0)
	for _, s := range parts {
		total += uint64(len(s))
	}
	if total > math.MaxUint32 {
		w.failf("arguments of %d bytes do not fit guest memory", total)
		return dst
	}
	var base uint32
	if total > 0 {
		base = w.Alloc(uint32(total), 1)
	}
	if w.counting {
		return dst
	}
	off := base
	for _, s := range parts {
		if len(s) == 0 || w.err != nil {
			dst = append(dst, 0)
			continue
		}
		if !w.g.mem.WriteString(off, s) {
			w.failf("writing %d bytes at %#x", len(s), off)
		}
		dst = append(dst, off)
		off += uint32(len(s))
	}
	return dst
}

// Put writes a lowered area at p (through a view of memory taken after
// every allocation, so b can stay on the caller's stack).
func (w *Writer) Put(p uint32, b []byte) {
	if w.err != nil {
		return
	}
	v, ok := w.g.mem.Read(p, uint32(len(b)))
	if !ok {
		w.failf("return area %#x (%d bytes) is outside guest memory", p, len(b))
		return
	}
	copy(v, b)
}

// BytesString views b as a string without a copy, for Pack.
func BytesString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// OptString is s when some, else "" (a none option packs nothing).
func OptString(some bool, s string) string {
	if some {
		return s
	}
	return ""
}

// B2U is a bool as the ABI's 0 or 1.
func B2U(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}
