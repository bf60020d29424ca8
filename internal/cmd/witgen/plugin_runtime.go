package main

// pluginCommonRuntime is the part of the plugin glue both sides share.
const pluginCommonRuntime = `// Option is a WIT option<T>: Value is meaningful only when Some.
type Option[T any] struct {
	Some  bool
	Value T
}

// Some returns an option holding v.
func Some[T any](v T) Option[T] { return Option[T]{Some: true, Value: v} }

// Tuple2 is a WIT tuple<A, B>.
type Tuple2[A, B any] struct {
	F0 A
	F1 B
}

func b2u(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

// pair lays out a (pointer, length) pair as it is in memory, so that a flat
// string or list argument lifts like one in a return area.
func pair(p, n uint64) []byte {
	b := make([]byte, 8)
	le.PutUint32(b, uint32(p))
	le.PutUint32(b[4:], uint32(n))
	return b
}

`

// pluginHostRuntime is the host side's abi: bounds-checked reads of the
// plugin's memory (copies), allocation through its cabi_realloc.
const pluginHostRuntime = `// ErrABI reports a plugin that broke the canonical ABI: an address or
// length outside its memory, a case out of range, no cabi_realloc.
var ErrABI = errors.New("plugin broke the canonical ABI")

// abi lifts and lowers values for one host call. The first failure is
// kept in err; later operations do nothing.
type abi struct {
	ctx context.Context
	mod api.Module
	err error
}

func (a *abi) fail(format string, args ...any) {
	if a.err == nil {
		a.err = fmt.Errorf("%w: "+format, append([]any{ErrABI}, args...)...)
	}
}

// deref copies n elements of size bytes at p out of the plugin's memory
// (nil on failure: a hostile length allocates nothing).
func (a *abi) deref(p, n, size uint32) []byte {
	if a.err != nil {
		return nil
	}
	if n == 0 {
		return []byte{}
	}
	total := uint64(n) * uint64(size)
	mem := a.mod.Memory()
	if mem == nil || total > math.MaxUint32 {
		a.fail("%d elements of %d bytes at %#x", n, size, p)
		return nil
	}
	v, ok := mem.Read(p, uint32(total))
	if !ok {
		a.fail("%d bytes at %#x are outside the plugin's memory", total, p)
		return nil
	}
	return append([]byte(nil), v...)
}

// tag checks a case index against the case count.
func (a *abi) tag(v, n uint32) uint32 {
	if v >= n {
		a.fail("case %d of %d", v, n)
		return 0
	}
	return v
}

// alloc asks the plugin's cabi_realloc for n bytes aligned to align (also
// for n = 0: some guests' list lifting wants a non-null address).
func (a *abi) alloc(n int, align uint32) uint32 {
	if a.err != nil {
		return 0
	}
	mem := a.mod.Memory()
	realloc := a.mod.ExportedFunction("cabi_realloc")
	if mem == nil || realloc == nil {
		a.fail("the plugin exports no memory or no cabi_realloc")
		return 0
	}
	if uint64(n) > math.MaxUint32 {
		a.fail("value of %d bytes does not fit the plugin's memory", n)
		return 0
	}
	st := []uint64{0, 0, uint64(align), uint64(n)}
	if err := realloc.CallWithStack(a.ctx, st); err != nil {
		a.err = err
		return 0
	}
	p := uint32(st[0])
	if uint64(p)+uint64(n) > uint64(mem.Size()) || (align > 1 && p%align != 0) {
		a.fail("cabi_realloc returned %#x for %d bytes aligned to %d", p, n, align)
		return 0
	}
	return p
}

// putBytes copies b into a fresh plugin buffer.
func (a *abi) putBytes(b []byte, align uint32) uint32 {
	p := a.alloc(len(b), align)
	if a.err == nil && len(b) > 0 && !a.mod.Memory().Write(p, b) {
		a.fail("writing %d bytes at %#x", len(b), p)
	}
	return p
}

// putString copies s into a fresh plugin buffer.
func (a *abi) putString(s string) uint32 {
	p := a.alloc(len(s), 1)
	if a.err == nil && len(s) > 0 && !a.mod.Memory().WriteString(p, s) {
		a.fail("writing %d bytes at %#x", len(s), p)
	}
	return p
}

// write stores a lowered return area at p.
func (a *abi) write(p uint32, b []byte) {
	if a.err != nil {
		return
	}
	mem := a.mod.Memory()
	if mem == nil || !mem.Write(p, b) {
		a.fail("return area %#x (%d bytes) is outside the plugin's memory", p, len(b))
	}
}

`

// pluginGuestRuntime is the guest side's abi: the pinned cabi_realloc the
// host allocates results through, and the addresses of Go values passed
// to the host (kept alive until the call returns).
const pluginGuestRuntime = `// pin is a buffer handed out by cabi_realloc, by address.
type pin struct {
	at  uint32
	buf []byte
}

// pins holds the buffers the host allocated during the current import
// call; nothing else in Go refers to them until the call's results are
// lifted, so they are pinned here against the GC.
var pins []pin

// cabiRealloc is the canonical ABI allocator, through which the host
// returns strings and lists. A plugin built with this package must not
// export another cabi_realloc.
//
//go:wasmexport cabi_realloc
func cabiRealloc(oldPtr, oldSize, align, newSize uint32) uint32 {
	size := max(newSize, align, 1)
	buf := make([]byte, size)
	for i := range pins {
		if oldPtr != 0 && pins[i].at == oldPtr {
			copy(buf, pins[i].buf[:min(oldSize, uint32(len(pins[i].buf)))])
		}
	}
	p := addr(buf)
	pins = append(pins, pin{p, buf})
	return p
}

// addr is the linear-memory address of b's first byte.
func addr(b []byte) uint32 {
	return uint32(uintptr(unsafe.Pointer(unsafe.SliceData(b))))
}

// abi lifts and lowers values for one import call.
type abi struct {
	keep []any
}

// deref returns n elements of size bytes at p, which must lie in a buffer
// the host allocated through cabi_realloc during this call.
func (a *abi) deref(p, n, size uint32) []byte {
	if n == 0 {
		return []byte{}
	}
	total := uint64(n) * uint64(size)
	for _, pn := range pins {
		if p >= pn.at && uint64(p)+total <= uint64(pn.at)+uint64(len(pn.buf)) {
			off := p - pn.at
			return pn.buf[off : off+uint32(total) : off+uint32(total)]
		}
	}
	panic(fmt.Sprintf("keyvalue: the host returned %d bytes at %#x, which it did not allocate", total, p))
}

// tag checks a case index from the host.
func (a *abi) tag(v, n uint32) uint32 {
	if v >= n {
		panic(fmt.Sprintf("keyvalue: the host returned case %d of %d", v, n))
	}
	return v
}

// putBytes passes b to the host in place.
func (a *abi) putBytes(b []byte, align uint32) uint32 {
	a.keep = append(a.keep, b)
	return addr(b)
}

// putString passes s to the host in place.
func (a *abi) putString(s string) uint32 {
	a.keep = append(a.keep, s)
	return uint32(uintptr(unsafe.Pointer(unsafe.StringData(s))))
}

// area returns a zeroed return area of n bytes (8-aligned).
func (a *abi) area(n int) []byte {
	b := make([]byte, max(n, 8))
	a.keep = append(a.keep, b)
	return b
}

// done ends the call: the host's buffers are unpinned (the lifted values
// that alias them keep them alive) and the arguments may be collected.
func (a *abi) done() {
	runtime.KeepAlive(a.keep)
	clear(pins)
	pins = pins[:0]
}

`
