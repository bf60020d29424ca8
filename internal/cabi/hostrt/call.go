package hostrt

import (
	"context"
	"math"

	"github.com/tetratelabs/wazero/api"
)

// Call lifts and lowers the values of one host function call from a
// module that was not bound to an Instance (a plugin): the glue's
// type-directed lift and lower functions run over it. A failure to lift
// an argument panics with it (see Reader); the first failure to lower is
// kept, later operations do nothing, and Store panics with it.
type Call struct {
	g Instance
	r Reader
	w Writer
}

// NewCall starts a host function call from mod; it panics with an error
// wrapping ErrABI when mod has no memory.
func NewCall(ctx context.Context, mod api.Module) *Call {
	c := &Call{}
	c.g = Instance{mem: mod.Memory(), realloc: mod.ExportedFunction("cabi_realloc")}
	c.r = Reader{mem: c.g.mem, trap: true}
	if c.g.mem == nil {
		c.r.Fail("the module exports no memory") // panics: the call fails before the implementation runs
	}
	c.w = Writer{ctx: ctx, g: &c.g}
	return c
}

// Err is the first failure, or nil.
func (c *Call) Err() error {
	if c.r.err != nil {
		return c.r.err
	}
	return c.w.err
}

// Deref copies n elements of size bytes at p out of the module's memory
// (nil on failure: a hostile length allocates nothing; empty when n is 0).
func (c *Call) Deref(p, n, size uint32) []byte {
	if n == 0 && c.r.err == nil {
		return []byte{}
	}
	return c.r.Array(p, n, uint64(size), "list or string")
}

// Tag checks a case index against the case count.
func (c *Call) Tag(v, n uint32) uint32 { return c.r.Tag(v, n, "discriminant") }

// PutBytes copies b into a fresh buffer aligned to align. It allocates
// also for an empty b: some guests' list lifting wants a non-null address.
func (c *Call) PutBytes(b []byte, align uint32) uint32 {
	return c.put(b, "", align)
}

// PutString copies s into a fresh buffer.
func (c *Call) PutString(s string) uint32 { return c.put(nil, s, 1) }

func (c *Call) put(b []byte, s string, align uint32) uint32 {
	n := uint64(len(b) + len(s))
	if n > math.MaxUint32 {
		c.w.failf("value of %d bytes does not fit the module's memory", n)
		return 0
	}
	p := c.w.Alloc(uint32(n), align)
	if c.Err() == nil && ((len(b) > 0 && !c.g.mem.Write(p, b)) || (len(s) > 0 && !c.g.mem.WriteString(p, s))) {
		c.w.failf("writing %d bytes at %#x", n, p)
	}
	return p
}

// Write stores a lowered return area at p.
func (c *Call) Write(p uint32, b []byte) {
	if c.Err() == nil {
		c.w.Put(p, b)
	}
}

// Must panics with the first failure, if any: a host function's arguments
// are lifted, and wazero fails the module's call with it.
func (c *Call) Must() {
	if err := c.Err(); err != nil {
		panic(err)
	}
}

// Case checks a case index against the case count: cabi.Reader.
func (c *Call) Case(v, n uint32) uint32 { return c.Tag(v, n) }

// String copies a string: cabi.Reader.
func (c *Call) String(p, n uint32) string { return string(c.Deref(p, n, 1)) }

// Bytes copies a list<u8>: cabi.Reader.
func (c *Call) Bytes(p, n uint32) []byte { return c.Deref(p, n, 1) }

// Elements copies a list's elements: cabi.Reader.
func (c *Call) Elements(p, n, size uint32) []byte { return c.Deref(p, n, size) }

// EndElements does nothing: the elements were copied.
func (*Call) EndElements(uint32) {}

// NewArray returns n zeroed bytes on the host: cabi.Writer.
func (*Call) NewArray(n int) []byte { return make([]byte, n) }

// Store writes a lowered return area at p and panics with the first
// failure, if any.
func (c *Call) Store(p uint32, area []byte) {
	c.Write(p, area)
	c.Must()
}
