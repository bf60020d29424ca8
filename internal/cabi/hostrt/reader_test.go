package hostrt

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/sandcache/sandcache/internal/cabi"
	"github.com/tetratelabs/wazero/api"
)

// fakeMem is a module's memory of len(b) bytes.
type fakeMem struct {
	api.Memory
	b []byte
}

func (m *fakeMem) Size() uint32 { return uint32(len(m.b)) }

func (m *fakeMem) Read(p, n uint32) ([]byte, bool) {
	if uint64(p)+uint64(n) > uint64(len(m.b)) {
		return nil, false
	}
	return m.b[p : p+n], true
}

func (m *fakeMem) Write(p uint32, v []byte) bool {
	b, ok := m.Read(p, uint32(len(v)))
	return ok && copy(b, v) == len(v)
}

func (m *fakeMem) WriteString(p uint32, v string) bool {
	b, ok := m.Read(p, uint32(len(v)))
	return ok && copy(b, v) == len(v)
}

// TestReaderBounds: reads outside memory, absurd lengths, bad cases and
// invalid UTF-8 are errors wrapping ErrABI, never panics or allocations
// of what the module asks for; the first failure sticks.
func TestReaderBounds(t *testing.T) {
	const size = 1 << 16
	mem := &fakeMem{b: make([]byte, size)}
	r := NewReader(mem)
	if s := r.Str(size-3, 3, "tail"); r.Err() != nil || len(s) != 3 {
		t.Fatalf("str at the end of memory = %q, %v", s, r.Err())
	}
	if s := r.Str(size-3, 4, "past the end"); s != "" || !errors.Is(r.Err(), ErrABI) {
		t.Fatalf("str past the end = %q, %v", s, r.Err())
	}
	if s := r.Str(0, 1, "after a failure"); s != "" || !strings.Contains(r.Err().Error(), "past the end") {
		t.Fatalf("a read after a failure = %q, %v; want nothing and the first error", s, r.Err())
	}
	r = NewReader(mem)
	if v := r.Tag(5, 5, "enum"); v != 0 || !errors.Is(r.Err(), ErrABI) {
		t.Fatalf("tag 5 of 5 = %d, %v", v, r.Err())
	}
	r = NewReader(mem)
	if b := r.Elements(0, 1<<30, 16); b != nil || !errors.Is(r.Err(), ErrABI) {
		t.Fatalf("2^30 elements of 16 bytes = %d bytes, %v", len(b), r.Err())
	}
	r = NewReader(mem)
	if v := cabi.LiftListAt(r, 0, 1<<29, 8, cabi.LiftString[*Reader]); v != nil || !errors.Is(r.Err(), ErrABI) {
		t.Fatalf("a list of 2^29 strings = %d, %v", len(v), r.Err())
	}
	// Strings of one result that alias one buffer: copying stops once they
	// total more than the memory's size.
	const chunk = 1 << 12
	r = NewReader(mem)
	for i := 0; i < size/chunk; i++ {
		if s := r.Str(size-chunk, chunk, "alias"); r.Err() != nil || len(s) != chunk {
			t.Fatalf("copy %d of the aliased string: %d bytes, %v", i, len(s), r.Err())
		}
	}
	if s := r.Str(size-chunk, chunk, "alias"); s != "" || !errors.Is(r.Err(), ErrABI) || !strings.Contains(r.Err().Error(), "more bytes than the guest's memory") {
		t.Fatalf("one copy past the memory's size = %d bytes, %v", len(s), r.Err())
	}
	copy(mem.b[100:], []byte{0xC3, 0x28})
	r = NewReader(mem)
	if s := r.String(100, 2); s != "" || !errors.Is(r.Err(), ErrABI) {
		t.Fatalf("invalid UTF-8 = %q, %v", s, r.Err())
	}
	r = NewReader(mem)
	if b := r.Bytes(0, 0); b == nil || len(b) != 0 || r.Err() != nil {
		t.Fatalf("empty bytes = %v, %v", b, r.Err())
	}
	if v := cabi.LiftListAt(r, 0, 0, 8, cabi.LiftString[*Reader]); v == nil || len(v) != 0 || r.Err() != nil {
		t.Fatalf("empty list = %v, %v; want empty, not nil", v, r.Err())
	}
	// A bool byte other than 0 or 1, an option or result tag out of range.
	mem.b[200] = 2
	r = NewReader(mem)
	if cabi.LiftBool(r, mem.b, 200); !errors.Is(r.Err(), ErrABI) {
		t.Fatalf("bool 2: %v", r.Err())
	}
	r = NewReader(mem)
	if cabi.LiftOption(r, mem.b, 200, 4, cabi.LiftU32[*Reader]); !errors.Is(r.Err(), ErrABI) {
		t.Fatalf("option tag 2: %v", r.Err())
	}
}

// TestViews: import arguments are views of memory, not copies.
func TestViews(t *testing.T) {
	mem := &fakeMem{b: make([]byte, 64)}
	copy(mem.b[8:], "hello")
	r := NewReader(mem)
	s, b := r.ViewStr(8, 5, "s"), r.ViewBytes(8, 5, "b")
	mem.b[8] = 'j'
	if s != "jello" || string(b) != "jello" || r.Err() != nil {
		t.Fatalf("views = %q %q, %v", s, b, r.Err())
	}
	if b := r.ViewBytes(0, 0, "empty"); b == nil {
		t.Fatal("an empty list<u8> view is nil")
	}
	if s := r.ViewStr(60, 5, "out"); s != "" || !errors.Is(r.Err(), ErrABI) {
		t.Fatalf("view past the end = %q, %v", s, r.Err())
	}
}

// TestEnterRefusesReentry: an import called from cabi_realloc or
// cabi_post_*, or before the guest is bound, fails with ErrABI.
func TestEnterRefusesReentry(t *testing.T) {
	call := func(g *Instance) (err error) {
		defer func() { err, _ = recover().(error) }()
		Enter(context.Background(), nil, func(context.Context, api.Module) (int, *Instance) { return 0, g })
		return nil
	}
	if err := call(nil); !errors.Is(err, ErrABI) {
		t.Fatalf("unbound: %v", err)
	}
	g := &Instance{mem: &fakeMem{b: make([]byte, 8)}}
	if err := call(g); err != nil {
		t.Fatalf("bound: %v", err)
	}
	g.inABI = true
	if err := call(g); !errors.Is(err, ErrABI) {
		t.Fatalf("from cabi_realloc: %v", err)
	}
}

// TestArgumentReaderTraps: the reader of a host function's arguments
// panics with its first failure (an error wrapping ErrABI) at once, so
// the implementation is never called with a bad argument; a module
// without memory fails only when an argument needs it.
func TestArgumentReaderTraps(t *testing.T) {
	trapped := func(f func()) (err error) {
		defer func() {
			if r := recover(); r != nil {
				err, _ = r.(error)
				if err == nil {
					t.Fatalf("panic with %v, want an error", r)
				}
			}
		}()
		f()
		return nil
	}
	rd := &Reader{mem: &fakeMem{b: make([]byte, 16)}, trap: true}
	if err := trapped(func() { rd.ViewStr(0, 16, "ok") }); err != nil {
		t.Fatalf("in-bounds argument: %v", err)
	}
	err := trapped(func() { rd.ViewStr(8, 9, "name") })
	if !errors.Is(err, ErrABI) || !strings.Contains(err.Error(), "name") {
		t.Fatalf("out-of-bounds argument: %v, want ErrABI naming it", err)
	}
	if err := trapped(func() { rd.Tag(2, 2, "flag") }); !errors.Is(err, ErrABI) {
		t.Fatalf("bad case: %v, want ErrABI", err)
	}
	noMem := &Reader{trap: true}
	if err := trapped(func() { noMem.Tag(0, 2, "flag") }); err != nil {
		t.Fatalf("a case needs no memory: %v", err)
	}
	if err := trapped(func() { noMem.ViewBytes(0, 1, "data") }); !errors.Is(err, ErrABI) || !strings.Contains(err.Error(), "no memory") {
		t.Fatalf("argument without memory: %v, want ErrABI", err)
	}
}

// noMemModule is a module that exports no memory and no functions.
type noMemModule struct{ api.Module }

func (noMemModule) Memory() api.Memory                   { return nil }
func (noMemModule) ExportedFunction(string) api.Function { return nil }

// TestCallWithoutMemory: a plugin's host function call from a module
// without memory fails with ErrABI before the implementation runs.
func TestCallWithoutMemory(t *testing.T) {
	defer func() {
		err, _ := recover().(error)
		if !errors.Is(err, ErrABI) || !strings.Contains(err.Error(), "no memory") {
			t.Fatalf("NewCall panicked with %v, want ErrABI naming the memory", err)
		}
	}()
	NewCall(context.Background(), noMemModule{})
	t.Fatal("NewCall returned")
}
