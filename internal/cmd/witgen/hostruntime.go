package main

// hostRuntime is the fixed part of the Go host glue: bounds-checked
// reading of guest memory with a sticky error, and writing results that
// allocate through the guest's cabi_realloc.
const hostRuntime = `// ErrABI reports a guest that broke the canonical ABI: a pointer or length
// outside its memory, a tag out of range, a missing export.
var ErrABI = errors.New("guest broke the canonical ABI")

// reader lifts values from guest memory. Every read is bounds-checked; the
// first failure is kept in err and later reads return zero values, so the
// generated code checks once at the end.
type reader struct {
	mem api.Memory
	err error
}

func (r *reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: "+format, append([]any{ErrABI}, args...)...)
	}
}

// view returns n guest bytes at p (nil on failure). The slice aliases guest
// memory: callers copy what they keep.
func (r *reader) view(p uint32, n uint64, what string) []byte {
	if r.err != nil {
		return nil
	}
	if n == 0 {
		return nil
	}
	if n > math.MaxUint32 {
		r.fail("%s: length %d", what, n)
		return nil
	}
	b, ok := r.mem.Read(p, uint32(n))
	if !ok {
		r.fail("%s: %d bytes at %#x are outside guest memory", what, n, p)
		return nil
	}
	return b
}

// fill copies a return area at p into dst (a buffer on the caller's
// stack, sized by the WIT); dst stays zero on failure.
func (r *reader) fill(dst []byte, p uint32, what string) {
	copy(dst, r.view(p, uint64(len(dst)), what))
}

// array copies a list's elements (size bytes, from the guest) at p; nil on
// failure, so a hostile length allocates nothing.
func (r *reader) array(p uint32, size uint64, what string) []byte {
	v := r.view(p, size, what)
	if v == nil {
		return nil
	}
	return append([]byte(nil), v...)
}

// str copies a guest string.
func (r *reader) str(p, n uint32, what string) string { return string(r.view(p, uint64(n), what)) }

// bytes copies a guest list<u8>.
func (r *reader) bytes(p, n uint32, what string) []byte {
	if n == 0 {
		return []byte{}
	}
	v := r.view(p, uint64(n), what)
	if v == nil {
		return nil
	}
	return append([]byte(nil), v...)
}

// tag checks a discriminant or enum value against its case count.
func (r *reader) tag(v uint32, cases uint32, what string) uint32 {
	if v >= cases {
		r.fail("%s: case %d of %d", what, v, cases)
		return 0
	}
	return v
}

// writer lowers values into guest memory, allocating through cabi_realloc.
type writer struct {
	ctx     context.Context
	mem     api.Memory
	realloc api.Function
	err     error
}

func (w *writer) fail(err error) {
	if w.err == nil {
		w.err = err
	}
}

// alloc returns a guest buffer of n bytes aligned to align.
func (w *writer) alloc(n, align uint32) uint32 {
	if w.err != nil {
		return 0
	}
	if w.realloc == nil {
		w.fail(fmt.Errorf("%w: guest lacks cabi_realloc", ErrABI))
		return 0
	}
	// A fresh stack: the writer itself stays off the heap on calls that
	// allocate nothing (most import results).
	st := []uint64{0, 0, uint64(align), uint64(n)}
	if err := w.realloc.CallWithStack(w.ctx, st); err != nil {
		w.fail(err)
		return 0
	}
	p := uint32(st[0])
	if uint64(p)+uint64(n) > uint64(w.mem.Size()) {
		w.fail(fmt.Errorf("%w: cabi_realloc returned %#x for %d bytes, outside memory", ErrABI, p, n))
		return 0
	}
	return p
}

// data copies b into a fresh guest buffer and returns its address (0 when empty).
func (w *writer) data(b []byte, s string, align uint32) uint32 {
	n := len(b) + len(s)
	if n == 0 || w.err != nil {
		return 0
	}
	if uint64(n) > math.MaxUint32 {
		w.fail(fmt.Errorf("%w: value of %d bytes does not fit guest memory", ErrABI, n))
		return 0
	}
	p := w.alloc(uint32(n), align)
	if w.err == nil && ((len(b) > 0 && !w.mem.Write(p, b)) || (len(s) > 0 && !w.mem.WriteString(p, s))) {
		w.fail(fmt.Errorf("%w: writing %d bytes at %#x", ErrABI, n, p))
	}
	return p
}

// pack copies every part into one guest buffer (one cabi_realloc call) and
// returns each part's address.
func (w *writer) pack(dst []uint32, parts ...string) []uint32 {
	total := 0
	for _, s := range parts {
		total += len(s)
	}
	var buf []byte
	if total > 0 {
		buf = make([]byte, 0, total)
		for _, s := range parts {
			buf = append(buf, s...)
		}
	}
	base := w.data(buf, "", 1)
	off := uint32(0)
	for _, s := range parts {
		if len(s) == 0 {
			dst = append(dst, 0)
			continue
		}
		dst = append(dst, base+off)
		off += uint32(len(s))
	}
	return dst
}

// put writes a lowered area at p.
func (w *writer) put(p uint32, b []byte) {
	if w.err == nil && !w.mem.Write(p, b) {
		w.fail(fmt.Errorf("%w: return area %#x (%d bytes) is outside guest memory", ErrABI, p, len(b)))
	}
}

// bytesString views b as a string without a copy, for pack.
func bytesString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// optString is s when some, else "" (a none option packs nothing).
func optString(some bool, s string) string {
	if some {
		return s
	}
	return ""
}

func b2u(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

// Field is one scalar of a type's memory layout, for tests and tools that
// check hand-written offsets against the WIT.
type Field struct {
	Path   string // e.g. "ok.value.some" or "err.code"
	Offset uint32
	Kind   string // bool, u8, u32, u64, s64, f64, string, list, tag
}

// Layout is a type's canonical-ABI memory layout.
type Layout struct {
	Size, Align uint32
	Fields      []Field
}

`
