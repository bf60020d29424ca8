package host

import (
	"context"
	"unsafe"

	"github.com/sandcache/sandcache/guest/capability"
)

// Helpers for the host side of the imports: reading the guest's arguments
// and writing results into the return area it passed.
//
// A guest that passes out-of-range pointers is broken: the host function
// panics, wazero turns the panic into an error from the export call, and the
// instance is replaced.

// view returns the guest bytes at (ptr, n) without copying. The slice is
// valid until the guest runs again: use it only inside the host function.
func (in *instance) view(ptr, n uint32) []byte {
	if n == 0 {
		return nil
	}
	b, ok := in.mem.Read(ptr, n)
	if !ok {
		panic(errRange)
	}
	return b
}

// viewString is view as a string, for values the callee copies at once.
func (in *instance) viewString(ptr, n uint32) string {
	b := in.view(ptr, n)
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// str copies a guest string.
func (in *instance) str(ptr, n uint32) string { return string(in.view(ptr, n)) }

func (in *instance) put8(p uint32, v uint8) {
	if !in.mem.WriteByte(p, v) {
		panic(errRange)
	}
}

func (in *instance) put32(p, v uint32) {
	if !in.mem.WriteUint32Le(p, v) {
		panic(errRange)
	}
}

// newBytes copies b into a fresh guest buffer and returns its address.
func (in *instance) newBytes(ctx context.Context, b []byte, s string) uint32 {
	n := len(b) + len(s)
	if n == 0 {
		return 0
	}
	p, err := in.alloc(ctx, uint32(n), 1)
	if err != nil {
		panic(err)
	}
	if (len(b) > 0 && !in.mem.Write(p, b)) || (len(s) > 0 && !in.mem.WriteString(p, s)) {
		panic(errRange)
	}
	return p
}

// putString writes a string as (ptr, len) at p.
func (in *instance) putString(ctx context.Context, p uint32, s string) {
	in.put32(p, in.newBytes(ctx, nil, s))
	in.put32(p+4, uint32(len(s)))
}

// putBytes writes a list<u8> as (ptr, len) at p.
func (in *instance) putBytes(ctx context.Context, p uint32, b []byte) {
	in.put32(p, in.newBytes(ctx, b, ""))
	in.put32(p+4, uint32(len(b)))
}

// putResult writes `result<T, error>` with payload offset 4: on error the
// tag, the code and the message; on success the tag only, and reports
// whether the caller should write the ok payload.
func (in *instance) putResult(ctx context.Context, ret uint32, err error) bool {
	if err == nil {
		in.put8(ret, 0)
		return true
	}
	in.put8(ret, 1)
	in.put8(ret+4, uint8(capability.CodeOf(err)))
	in.putString(ctx, ret+8, err.Error())
	return false
}

func b2u(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}
