package host

import (
	"bytes"
	"context"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// The host side of interface sandcache:cache/files@0.1.0, over the
// Sandbox's confined filecap.Files.

const filesModule = "sandcache:cache/files@0.1.0"

func instantiateFiles(ctx context.Context, rt wazero.Runtime) error {
	b := rt.NewHostModuleBuilder(filesModule)
	hostFunc(b, "read", func(ctx context.Context, _ api.Module, s []uint64) {
		in := instanceFrom(ctx)
		data, ok, err := in.files.Read(in.str(uint32(s[0]), uint32(s[1])))
		// result<option<list<u8>>, error>: option tag at 4, list at 8.
		if ret := uint32(s[2]); in.putResult(ctx, ret, err) {
			in.put8(ret+4, b2u(ok))
			if ok {
				in.putBytes(ctx, ret+8, data)
			}
		}
	}, types(i32, i32, i32), nil)
	hostFunc(b, "write-atomic", func(ctx context.Context, _ api.Module, s []uint64) {
		in := instanceFrom(ctx)
		err := in.files.WriteAtomic(in.str(uint32(s[0]), uint32(s[1])), in.view(uint32(s[2]), uint32(s[3])))
		in.putResult(ctx, uint32(s[4]), err)
	}, types(i32, i32, i32, i32, i32), nil)
	hostFunc(b, "remove", func(ctx context.Context, _ api.Module, s []uint64) {
		in := instanceFrom(ctx)
		existed, err := in.files.Remove(in.str(uint32(s[0]), uint32(s[1])))
		if ret := uint32(s[2]); in.putResult(ctx, ret, err) {
			in.put8(ret+4, b2u(existed))
		}
	}, types(i32, i32, i32), nil)
	hostFunc(b, "replace", func(ctx context.Context, _ api.Module, s []uint64) {
		in := instanceFrom(ctx)
		var data []byte
		if uint32(s[4]) != 0 {
			data = append([]byte{}, in.view(uint32(s[5]), uint32(s[6]))...)
		}
		swapped, err := in.files.Replace(in.str(uint32(s[0]), uint32(s[1])), bytes.Clone(in.view(uint32(s[2]), uint32(s[3]))), data)
		if ret := uint32(s[7]); in.putResult(ctx, ret, err) {
			in.put8(ret+4, b2u(swapped))
		}
	}, types(i32, i32, i32, i32, i32, i32, i32, i32), nil)
	hostFunc(b, "list", func(ctx context.Context, _ api.Module, s []uint64) {
		in := instanceFrom(ctx)
		names, err := in.files.List(in.str(uint32(s[0]), uint32(s[1])))
		if ret := uint32(s[2]); in.putResult(ctx, ret, err) {
			in.putList(ctx, ret+4, names)
		}
	}, types(i32, i32, i32), nil)
	hostFunc(b, "remove-dir", func(ctx context.Context, _ api.Module, s []uint64) {
		in := instanceFrom(ctx)
		existed, err := in.files.RemoveDir(in.str(uint32(s[0]), uint32(s[1])))
		if ret := uint32(s[2]); in.putResult(ctx, ret, err) {
			in.put8(ret+4, b2u(existed))
		}
	}, types(i32, i32, i32), nil)
	_, err := b.Instantiate(ctx)
	return err
}

// putList writes a list<string> as (ptr, len) at p, with the array of
// (ptr, len) pairs and all the names in one guest buffer: one allocation
// instead of one per name.
func (in *instance) putList(ctx context.Context, p uint32, names []string) {
	if len(names) == 0 {
		in.put32(p, 0)
		in.put32(p+4, 0)
		return
	}
	size := 8 * len(names)
	for _, n := range names {
		size += len(n)
	}
	base, err := in.alloc(ctx, uint32(size), 4)
	if err != nil {
		panic(err)
	}
	buf := make([]byte, size)
	off := 8 * len(names)
	for i, n := range names {
		le32put(buf[8*i:], base+uint32(off))
		le32put(buf[8*i+4:], uint32(len(n)))
		off += copy(buf[off:], n)
	}
	if !in.mem.Write(base, buf) {
		panic(errRange)
	}
	in.put32(p, base)
	in.put32(p+4, uint32(len(names)))
}

func le32put(b []byte, v uint32) {
	b[0], b[1], b[2], b[3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
}
