package hostrt

import (
	"context"
	"errors"
	"testing"

	"github.com/sandcache/sandcache/internal/cabi"
	"github.com/tetratelabs/wazero/api"
)

// bump is a module's cabi_realloc that hands out memory from next on, or
// returns bad when bad is set.
type bump struct {
	api.Function
	next, bad uint32
	calls     int
}

func (f *bump) CallWithStack(_ context.Context, st []uint64) error {
	f.calls++
	if f.bad != 0 {
		st[0] = uint64(f.bad)
		return nil
	}
	align, n := uint32(st[2]), uint32(st[3])
	p := (f.next + align - 1) &^ (align - 1)
	f.next = p + n
	st[0] = uint64(p)
	return nil
}

func newTestInstance(size int) (*Instance, *fakeMem, *bump) {
	mem, realloc := &fakeMem{b: make([]byte, size)}, &bump{next: 8}
	return &Instance{mem: mem, realloc: realloc}, mem, realloc
}

// TestWriterRoundTrip lowers values through the writer (allocating in the
// module) and lifts them back through a reader: the generic codec over
// both runtimes' types.
func TestWriterRoundTrip(t *testing.T) {
	g, mem, realloc := newTestInstance(1 << 12)
	w := g.Writer(context.Background())
	area := w.Area(16)
	keys := []string{"a", "bc", ""}
	cabi.LowerResult(w, area, 4, func(w *Writer, b []byte, off uint32, v []string) {
		cabi.LowerList(w, b, off, 8, 4, v, cabi.LowerString[*Writer])
	}, cabi.LowerU32[*Writer], keys, nil)
	w.Store(512, area)
	if w.Err() != nil || realloc.calls != 1 {
		t.Fatalf("lowering a list<string>: %v, %d cabi_realloc calls (want 1: one buffer)", w.Err(), realloc.calls)
	}
	r := NewReader(mem)
	got := make([]byte, 16)
	r.Fill(got, 512, "area")
	v, e := cabi.LiftResult(r, got, 0, 4, func(r *Reader, b []byte, off uint32) []string {
		return cabi.LiftList(r, b, off, 8, cabi.LiftString[*Reader])
	}, cabi.LiftU32[*Reader])
	if r.Err() != nil || e != nil || len(v) != 3 || v[0] != "a" || v[1] != "bc" || v[2] != "" {
		t.Fatalf("lifted %q, %v, %v", v, e, r.Err())
	}
	// The error case.
	code := uint32(7)
	w = g.Writer(context.Background())
	w.Store(512, cabi.LowerResult(w, w.Area(16), 4, cabi.LowerString[*Writer], cabi.LowerU32[*Writer], "", &code))
	r = NewReader(mem)
	r.Fill(got, 512, "area")
	if _, e := cabi.LiftResult(r, got, 0, 4, cabi.LiftString[*Reader], cabi.LiftU32[*Reader]); e == nil || *e != 7 {
		t.Fatalf("error case lifted as %v", e)
	}
}

// TestWriterRefusesBadRealloc: a cabi_realloc that returns memory outside
// the module, or misaligned, fails the lowering with ErrABI.
func TestWriterRefusesBadRealloc(t *testing.T) {
	for _, bad := range []uint32{1<<12 - 2, 9} {
		g, _, realloc := newTestInstance(1 << 12)
		realloc.bad = bad
		w := g.Writer(context.Background())
		if p := w.Data(nil, "four", 4); p != 0 || !errors.Is(w.Err(), ErrABI) {
			t.Errorf("cabi_realloc returning %#x: %#x, %v", bad, p, w.Err())
		}
		func() {
			defer func() {
				if err, _ := recover().(error); !errors.Is(err, ErrABI) {
					t.Errorf("Store after a failure: panic %v, want ErrABI", err)
				}
			}()
			w.Store(0, make([]byte, 4))
		}()
	}
}

// TestPack: the arguments' strings go into one buffer, each at its own
// address; empty ones at 0.
func TestPack(t *testing.T) {
	g, mem, realloc := newTestInstance(1 << 12)
	w := g.Writer(context.Background())
	ptrs := w.Pack(nil, "key", "", "value")
	if w.Err() != nil || realloc.calls != 1 || len(ptrs) != 3 || ptrs[1] != 0 {
		t.Fatalf("pack: %v, %d calls, %v", w.Err(), realloc.calls, ptrs)
	}
	if string(mem.b[ptrs[0]:ptrs[0]+3]) != "key" || string(mem.b[ptrs[2]:ptrs[2]+5]) != "value" {
		t.Fatalf("packed bytes differ")
	}
}
