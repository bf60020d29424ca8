package witabi

import (
	"context"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/tetratelabs/wazero/api"
)

// fakeFn stands in for a guest export: it returns ret, and counts calls
// (for cabi_post_*).
type fakeFn struct {
	api.Function
	ret   uint64
	calls int
}

func (f *fakeFn) CallWithStack(_ context.Context, stack []uint64) error {
	f.calls++
	stack[0] = f.ret
	return nil
}

// TestHostileGuestResults feeds the generated export calls return areas a
// hostile guest could produce: each must fail with ErrABI (never panic,
// never allocate what the guest asks for), and cabi_post_* still runs.
func TestHostileGuestResults(t *testing.T) {
	ctx := context.Background()
	mod, x := instantiate(t, &memFiles{files: map[string][]byte{}, calls: map[string]int{}})
	mem := mod.Memory()
	// A scratch area in guest memory, from the guest's own allocator.
	st := []uint64{0, 0, 8, 64}
	if err := mod.ExportedFunction("cabi_realloc").CallWithStack(ctx, st); err != nil {
		t.Fatal(err)
	}
	scratch := uint32(st[0])
	put := func(b []byte) {
		if !mem.Write(scratch, b) {
			t.Fatal("scratch write")
		}
	}
	le := binary.LittleEndian
	area := func(fill func(b []byte)) []byte {
		b := make([]byte, 64)
		fill(b)
		return b
	}
	cases := []struct {
		name string
		fn   int // export index: 0 get, 6 keys
		ret  uint32
		data []byte
	}{
		{"return area outside memory", 0, 0xFFFFFFF0, nil},
		{"result tag out of range", 0, 0, area(func(b []byte) { b[0] = 7 })},
		{"option tag out of range", 0, 0, area(func(b []byte) { b[4] = 2 })},
		{"value pointer outside memory", 0, 0, area(func(b []byte) {
			b[4] = 1
			le.PutUint32(b[8:], 0xFFFFFF00)
			le.PutUint32(b[12:], 100)
		})},
		{"value length of 4 GiB", 0, 0, area(func(b []byte) {
			b[4] = 1
			le.PutUint32(b[12:], 0xFFFFFFFF)
		})},
		{"error code out of range", 0, 0, area(func(b []byte) { b[0], b[4] = 1, 99 })},
		{"error message outside memory", 0, 0, area(func(b []byte) {
			b[0] = 1
			le.PutUint32(b[8:], 0xFFFFFFF0)
			le.PutUint32(b[12:], 0x100)
		})},
		{"key list of 2^29 entries", 6, 0, area(func(b []byte) {
			le.PutUint32(b[4:], 0)
			le.PutUint32(b[8:], 1<<29)
		})},
		{"value not UTF-8", 0, 0, area(func(b []byte) {
			b[4] = 1
			le.PutUint32(b[8:], scratch+48)
			le.PutUint32(b[12:], 2)
			b[48], b[49] = 0xC3, 0x28
		})},
		{"key pointer outside memory", 6, 0, area(func(b []byte) {
			le.PutUint32(b[4:], scratch+32) // one element at scratch+32 ...
			le.PutUint32(b[8:], 1)
			le.PutUint32(b[32:], 0xFFFFFFF0) // ... pointing out of memory
			le.PutUint32(b[36:], 64)
		})},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ret := c.ret
			if c.data != nil {
				put(c.data)
				ret = scratch
			}
			fn, post := &fakeFn{ret: uint64(ret)}, &fakeFn{}
			x.Replace(c.fn, fn, post)
			var err error
			switch c.fn {
			case 0:
				_, _, err = x.Get(ctx, "k", Options{})
			case 6:
				_, _, err = x.Keys(ctx, "", Options{})
			}
			if !errors.Is(err, ErrABI) {
				t.Fatalf("err = %v, want ErrABI", err)
			}
			if fn.calls != 1 || post.calls != 1 {
				t.Fatalf("export called %d times, cabi_post %d times; want 1 and 1", fn.calls, post.calls)
			}
		})
	}
}
