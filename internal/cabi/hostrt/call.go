package hostrt

import (
	"context"
	"math"

	"github.com/tetratelabs/wazero/api"
)

// Call lifts and lowers the values of one host function call from a
// module that was not bound to an Instance (a plugin): the glue's
// type-directed lift and lower functions run over it. The first failure
// is kept; later operations do nothing.
type Call struct {
	g Instance
	r Reader
	w Writer
}

// NewCall starts a host function call from mod.
func NewCall(ctx context.Context, mod api.Module) *Call {
	c := &Call{}
	c.g = Instance{mem: mod.Memory(), realloc: mod.ExportedFunction("cabi_realloc")}
	c.r = Reader{mem: c.g.mem}
	if c.g.mem == nil {
		c.r.Fail("the module exports no memory")
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

// LowerNone stores nothing: the ok case of result<_, E>.
func LowerNone(*Call, []byte, uint32, struct{}) {}

// CallResult lowers result<T, E> (e nil: ok) into an area of size bytes
// (payload at payload) and writes it at p, panicking on failure.
func CallResult[T, E any](c *Call, p, size, payload uint32, ok func(*Call, []byte, uint32, T), fail func(*Call, []byte, uint32, E), v T, e *E) {
	area := make([]byte, size)
	if e != nil {
		area[0] = 1
		fail(c, area, payload, *e)
	} else {
		ok(c, area, payload, v)
	}
	c.Write(p, area)
	c.Must()
}

// CallStore lowers a value into an area of size bytes and writes it at p,
// panicking on failure.
func CallStore[T any](c *Call, p, size uint32, lower func(*Call, []byte, uint32, T), v T) {
	area := make([]byte, size)
	lower(c, area, 0, v)
	c.Write(p, area)
	c.Must()
}
