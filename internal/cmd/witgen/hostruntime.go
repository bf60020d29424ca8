package main

// hostRuntime is the fixed part of the Go host glue: bounds-checked
// reading of guest memory with a sticky error, and writing results that
// allocate through the guest's cabi_realloc.
const hostRuntime = `// ErrABI reports a guest that broke the canonical ABI: a pointer or length
// outside its memory, a tag out of range, a string that is not UTF-8, a
// missing export or one with another signature, an import called from
// cabi_realloc or cabi_post_*.
var ErrABI = errors.New("guest broke the canonical ABI")

// Instance is one guest module instance's canonical-ABI state, shared by
// its export calls and the host functions it calls: its memory, its
// cabi_realloc, and whether the host is running cabi_realloc or
// cabi_post_* (the canonical ABI forbids those to call imports: a guest
// that does fails its call with ErrABI). Like the module instance, it runs
// one call at a time.
type Instance struct {
	mem     api.Memory
	realloc api.Function
	rstack  [4]uint64 // cabi_realloc's stack; never re-entered (see inABI)
	inABI   bool
}

// NewInstance checks that m has a memory and a cabi_realloc of the ABI's
// signature.
func NewInstance(m api.Module) (*Instance, error) {
	g := &Instance{mem: m.Memory(), realloc: m.ExportedFunction("cabi_realloc")}
	if g.mem == nil {
		return nil, fmt.Errorf("%w: guest lacks a memory export", ErrABI)
	}
	if err := checkSignature("cabi_realloc", g.realloc, []api.ValueType{api.ValueTypeI32, api.ValueTypeI32, api.ValueTypeI32, api.ValueTypeI32}, []api.ValueType{api.ValueTypeI32}); err != nil {
		return nil, err
	}
	return g, nil
}

// enter is called first by every host function: it refuses a call from
// cabi_realloc or cabi_post_* (and from a guest not bound yet).
func (g *Instance) enter() {
	if g == nil {
		panic(fmt.Errorf("%w: an import was called before the guest was bound", ErrABI))
	}
	if g.inABI {
		panic(fmt.Errorf("%w: the guest called an import from cabi_realloc or cabi_post_*", ErrABI))
	}
}

// post calls a cabi_post_* function with the return area ret.
func (g *Instance) post(ctx context.Context, fn api.Function, st []uint64, ret uint32) error {
	st[0] = uint64(ret)
	g.inABI = true
	err := fn.CallWithStack(ctx, st[:1])
	g.inABI = false
	return err
}

// checkSignature reports an export that is missing or has other core types
// than the ABI's, naming it.
func checkSignature(name string, f api.Function, params, results []api.ValueType) error {
	if f == nil {
		return fmt.Errorf("%w: guest lacks export %q", ErrABI, name)
	}
	d := f.Definition()
	if !equalTypes(d.ParamTypes(), params) || !equalTypes(d.ResultTypes(), results) {
		return fmt.Errorf("%w: export %q has params %v and results %v; want %v and %v", ErrABI,
			name, typeNames(d.ParamTypes()), typeNames(d.ResultTypes()), typeNames(params), typeNames(results))
	}
	return nil
}

func equalTypes(a, b []api.ValueType) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func typeNames(ts []api.ValueType) []string {
	names := make([]string, len(ts))
	for i, t := range ts {
		names[i] = api.ValueTypeName(t)
	}
	return names
}

// reader lifts values from guest memory. Every read is bounds-checked; the
// first failure is kept in err and later reads return zero values, so the
// generated code checks once at the end.
type reader struct {
	mem    api.Memory
	err    error
	copied uint64 // bytes copied out by str: bounded by the memory's size
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

// str copies a guest string out of an export's result. It must be UTF-8,
// and all the strings of one result together may not be longer than the
// guest's memory (elements of a list may alias one buffer: a guest could
// otherwise make the host copy its memory many times over).
func (r *reader) str(p, n uint32, what string) string {
	b := r.view(p, uint64(n), what)
	if r.err != nil {
		return ""
	}
	if r.copied += uint64(n); r.copied > uint64(r.mem.Size()) {
		r.fail("%s: the result's strings total more bytes than the guest's memory", what)
		return ""
	}
	if !utf8.Valid(b) {
		r.fail("%s: not valid UTF-8", what)
		return ""
	}
	return string(b)
}

// viewStr is an import argument string: a view of guest memory, valid
// during the host function only (the implementation copies what it keeps).
// Its encoding is the implementation's to check.
func (r *reader) viewStr(p, n uint32, what string) string {
	b := r.view(p, uint64(n), what)
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

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

// viewBytes is an import argument list<u8>: a view of guest memory, valid
// during the host function only (never nil: empty when n is 0).
func (r *reader) viewBytes(p, n uint32, what string) []byte {
	if n == 0 {
		return []byte{}
	}
	return r.view(p, uint64(n), what)
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
	ctx context.Context
	g   *Instance
	err error
}

func (w *writer) fail(err error) {
	if w.err == nil {
		w.err = err
	}
}

// alloc returns a guest buffer of n bytes aligned to align; it must lie in
// the guest's memory.
func (w *writer) alloc(n, align uint32) uint32 {
	if w.err != nil {
		return 0
	}
	g := w.g
	g.rstack = [4]uint64{0, 0, uint64(align), uint64(n)}
	g.inABI = true
	err := g.realloc.CallWithStack(w.ctx, g.rstack[:])
	g.inABI = false
	if err != nil {
		w.fail(err)
		return 0
	}
	p := uint32(g.rstack[0])
	if uint64(p)+uint64(n) > uint64(g.mem.Size()) {
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
	if w.err == nil && ((len(b) > 0 && !w.g.mem.Write(p, b)) || (len(s) > 0 && !w.g.mem.WriteString(p, s))) {
		w.fail(fmt.Errorf("%w: writing %d bytes at %#x", ErrABI, n, p))
	}
	return p
}

// strings lowers a list<string> into one guest buffer (one cabi_realloc
// call): the (ptr, len) array, then the strings. It returns the array's
// address (0 when the list is empty).
func (w *writer) strings(list []string) uint32 {
	if len(list) == 0 || w.err != nil {
		return 0
	}
	size := uint64(8 * len(list))
	for _, s := range list {
		size += uint64(len(s))
	}
	if size > math.MaxUint32 {
		w.fail(fmt.Errorf("%w: a list of %d bytes does not fit guest memory", ErrABI, size))
		return 0
	}
	base := w.alloc(uint32(size), 4)
	if w.err != nil {
		return 0
	}
	buf, ok := w.g.mem.Read(base, uint32(size))
	if !ok {
		w.fail(fmt.Errorf("%w: writing %d bytes at %#x", ErrABI, size, base))
		return 0
	}
	off := 8 * len(list)
	for i, s := range list {
		binary.LittleEndian.PutUint32(buf[8*i:], base+uint32(off))
		binary.LittleEndian.PutUint32(buf[8*i+4:], uint32(len(s)))
		off += copy(buf[off:], s)
	}
	return base
}

// pack copies every part into one guest buffer (one cabi_realloc call,
// no copy on the host's heap) and returns each part's address.
func (w *writer) pack(dst []uint32, parts ...string) []uint32 {
	total := uint64(0)
	for _, s := range parts {
		total += uint64(len(s))
	}
	if total > math.MaxUint32 {
		w.fail(fmt.Errorf("%w: arguments of %d bytes do not fit guest memory", ErrABI, total))
		return dst
	}
	var base uint32
	if total > 0 {
		base = w.alloc(uint32(total), 1)
	}
	off := base
	for _, s := range parts {
		if len(s) == 0 || w.err != nil {
			dst = append(dst, 0)
			continue
		}
		if !w.g.mem.WriteString(off, s) {
			w.fail(fmt.Errorf("%w: writing %d bytes at %#x", ErrABI, len(s), off))
		}
		dst = append(dst, off)
		off += uint32(len(s))
	}
	return dst
}

// put writes a lowered area at p (through a view of guest memory taken
// after every allocation, so b stays on the caller's stack).
func (w *writer) put(p uint32, b []byte) {
	if w.err != nil {
		return
	}
	v, ok := w.g.mem.Read(p, uint32(len(b)))
	if !ok {
		w.fail(fmt.Errorf("%w: return area %#x (%d bytes) is outside guest memory", ErrABI, p, len(b)))
		return
	}
	copy(v, b)
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
