//go:build wasip1

package main

import (
	"unsafe"

	"github.com/sandcache/sandcache/guest/capability"
	"github.com/sandcache/sandcache/guest/duration"
	"github.com/sandcache/sandcache/guest/llmkey"
	"github.com/sandcache/sandcache/guest/options"
)

// Exports of interface sandcache:cache/cache@0.1.0, lifted and lowered by
// hand. Each returns the address of exportRet, laid out as the canonical ABI
// lays out its result type; what it points to stays alive until the host
// calls the matching cabi_post_ function.

var (
	exportRet area
	// keep holds the memory exportRet points into until cabi_post_*.
	keep []any
)

// done ends an export: drops argument buffers the host left pinned.
func done() uint32 {
	unpinAll()
	return exportRet.ptr()
}

// begin starts an export: whatever the previous result held is released
// (a host that skipped cabi_post_* leaks nothing).
func begin() { release() }

// release is every cabi_post_* function: the host has read the result.
func release() {
	clear(keep)
	keep = keep[:0]
	exportRet.clear()
}

// arg lifts a string argument.
func arg(ptr, n uint32) (string, error) {
	s, ok := takeString(ptr, n)
	if !ok {
		return "", capability.Errorf(capability.Internal, "argument at %#x (%d bytes) is not in a buffer from cabi_realloc", ptr, n)
	}
	return s, nil
}

// liftOptions lifts the flattened `options` record.
func liftOptions(backend, nsPtr, nsLen, pathPtr, pathLen uint32, ttl uint64, max uint32) (options.Options, error) {
	ns, err := arg(nsPtr, nsLen)
	if err != nil {
		return options.Options{}, err
	}
	path, err := arg(pathPtr, pathLen)
	if err != nil {
		return options.Options{}, err
	}
	if backend > uint32(options.Mem) {
		return options.Options{}, capability.Errorf(capability.InvalidArgument, "cache backend %d is unknown", backend)
	}
	return options.Options{Backend: options.Backend(backend), Namespace: ns, Path: path, TTLMillis: ttl, MaxEntries: max}, nil
}

// setString writes a string's (ptr, len) at off and keeps it alive.
func setString(off int, s string) {
	keep = append(keep, s)
	exportRet.setU32(off, strAddr(s))
	exportRet.setU32(off+4, uint32(len(s)))
}

// fail writes `err` of a result whose payload starts at off.
func fail(off int, err error) uint32 {
	exportRet.setU8(0, 1)
	exportRet.setU8(off, uint8(capability.CodeOf(err)))
	setString(off+4, err.Error())
	return done()
}

//go:wasmexport sandcache:cache/cache@0.1.0#get
func exportGet(keyPtr, keyLen, backend, nsPtr, nsLen, pathPtr, pathLen uint32, ttl uint64, max uint32) uint32 {
	begin()
	key, err := arg(keyPtr, keyLen)
	if err != nil {
		return fail(4, err)
	}
	o, err := liftOptions(backend, nsPtr, nsLen, pathPtr, pathLen, ttl, max)
	if err != nil {
		return fail(4, err)
	}
	l, err := engine.Get(key, o)
	if err != nil {
		return fail(4, err)
	}
	if l.Hit {
		exportRet.setU8(4, 1)
		keep = append(keep, l.Value)
		exportRet.setU32(8, addr(l.Value))
		exportRet.setU32(12, uint32(len(l.Value)))
	}
	if l.Expired {
		exportRet.setU8(16, 1)
	}
	return done()
}

//go:wasmexport sandcache:cache/cache@0.1.0#put
func exportPut(keyPtr, keyLen, valPtr, valLen, backend, nsPtr, nsLen, pathPtr, pathLen uint32, ttl uint64, max uint32) uint32 {
	begin()
	key, err := arg(keyPtr, keyLen)
	if err != nil {
		return fail(4, err)
	}
	val, err := takeBytesArg(valPtr, valLen)
	if err != nil {
		return fail(4, err)
	}
	o, err := liftOptions(backend, nsPtr, nsLen, pathPtr, pathLen, ttl, max)
	if err != nil {
		return fail(4, err)
	}
	out, err := engine.Put(key, val, o)
	if err != nil {
		return fail(4, err)
	}
	exportRet.setU32(4, out.Expired)
	exportRet.setU32(8, out.Evicted)
	return done()
}

func takeBytesArg(ptr, n uint32) ([]byte, error) {
	b, ok := takeBytes(ptr, n)
	if !ok {
		return nil, capability.Errorf(capability.Internal, "argument at %#x (%d bytes) is not in a buffer from cabi_realloc", ptr, n)
	}
	return b, nil
}

//go:wasmexport sandcache:cache/cache@0.1.0#delete
func exportDelete(keyPtr, keyLen, backend, nsPtr, nsLen, pathPtr, pathLen uint32, ttl uint64, max uint32) uint32 {
	begin()
	key, err := arg(keyPtr, keyLen)
	if err != nil {
		return fail(4, err)
	}
	o, err := liftOptions(backend, nsPtr, nsLen, pathPtr, pathLen, ttl, max)
	if err != nil {
		return fail(4, err)
	}
	existed, err := engine.Delete(key, o)
	if err != nil {
		return fail(4, err)
	}
	if existed {
		exportRet.setU8(4, 1)
	}
	return done()
}

//go:wasmexport sandcache:cache/cache@0.1.0#clear
func exportClear(backend, nsPtr, nsLen, pathPtr, pathLen uint32, ttl uint64, max uint32) uint32 {
	begin()
	o, err := liftOptions(backend, nsPtr, nsLen, pathPtr, pathLen, ttl, max)
	if err != nil {
		return fail(4, err)
	}
	if err := engine.Clear(o); err != nil {
		return fail(4, err)
	}
	return done()
}

//go:wasmexport sandcache:cache/cache@0.1.0#stats
func exportStats(backend, nsPtr, nsLen, pathPtr, pathLen uint32, ttl uint64, max uint32) uint32 {
	begin()
	o, err := liftOptions(backend, nsPtr, nsLen, pathPtr, pathLen, ttl, max)
	if err != nil {
		return fail(8, err)
	}
	s, err := engine.Stats(o)
	if err != nil {
		return fail(8, err)
	}
	exportRet.setU64(8, s.Entries)
	exportRet.setU64(16, s.Expired)
	return done()
}

//go:wasmexport sandcache:cache/cache@0.1.0#purge
func exportPurge(backend, nsPtr, nsLen, pathPtr, pathLen uint32, ttl uint64, max uint32) uint32 {
	begin()
	o, err := liftOptions(backend, nsPtr, nsLen, pathPtr, pathLen, ttl, max)
	if err != nil {
		return fail(8, err)
	}
	n, err := engine.Purge(o)
	if err != nil {
		return fail(8, err)
	}
	exportRet.setU64(8, n)
	return done()
}

//go:wasmexport sandcache:cache/cache@0.1.0#keys
func exportKeys(prefixPtr, prefixLen, backend, nsPtr, nsLen, pathPtr, pathLen uint32, ttl uint64, max uint32) uint32 {
	begin()
	prefix, err := arg(prefixPtr, prefixLen)
	if err != nil {
		return fail(4, err)
	}
	o, err := liftOptions(backend, nsPtr, nsLen, pathPtr, pathLen, ttl, max)
	if err != nil {
		return fail(4, err)
	}
	keys, err := engine.Keys(prefix, o)
	if err != nil {
		return fail(4, err)
	}
	arr := make([]uint32, 2*len(keys)+1) // +1: never empty, so it has an address
	for i, k := range keys {
		arr[2*i] = strAddr(k)
		arr[2*i+1] = uint32(len(k))
	}
	keep = append(keep, arr, keys)
	exportRet.setU32(4, uint32(uintptr(unsafe.Pointer(unsafe.SliceData(arr)))))
	exportRet.setU32(8, uint32(len(keys)))
	return done()
}

//go:wasmexport sandcache:cache/cache@0.1.0#llm-key
func exportLLMKey(promptPtr, promptLen, sysTag, sysPtr, sysLen, reqPtr, reqLen uint32) uint32 {
	begin()
	prompt, err := takeBytesArg(promptPtr, promptLen)
	if err != nil {
		return fail(4, err)
	}
	var system []byte
	if sysTag != 0 {
		if system, err = takeBytesArg(sysPtr, sysLen); err != nil {
			return fail(4, err)
		}
	}
	req, err := takeBytesArg(reqPtr, reqLen)
	if err != nil {
		return fail(4, err)
	}
	key, err := llmkey.Key(prompt, system, req)
	if err != nil {
		return fail(4, invalidArg(err))
	}
	setString(4, key)
	return done()
}

//go:wasmexport sandcache:cache/cache@0.1.0#parse-options
func exportParseOptions(ptr, n uint32) uint32 {
	begin()
	dict, err := takeBytesArg(ptr, n)
	if err != nil {
		return fail(8, err)
	}
	o, err := options.ParseDict(dict)
	if err != nil {
		return fail(8, invalidArg(err))
	}
	exportRet.setU8(8, uint8(o.Backend))
	setString(12, o.Namespace)
	setString(20, o.Path)
	exportRet.setU64(32, o.TTLMillis)
	exportRet.setU32(40, o.MaxEntries)
	return done()
}

//go:wasmexport sandcache:cache/cache@0.1.0#parse-duration
func exportParseDuration(ptr, n uint32) uint32 {
	begin()
	text, err := arg(ptr, n)
	if err != nil {
		return fail(8, err)
	}
	secs, err := duration.Parse(text)
	if err != nil {
		return fail(8, invalidArg(err))
	}
	exportRet.setU64(8, secs)
	return done()
}

// invalidArg gives a plain error from a parser the invalid-argument code.
func invalidArg(err error) error {
	if _, ok := err.(*capability.Error); ok {
		return err
	}
	return &capability.Error{Code: capability.InvalidArgument, Message: err.Error()}
}

//go:wasmexport cabi_post_sandcache:cache/cache@0.1.0#get
func postGet(uint32) { release() }

//go:wasmexport cabi_post_sandcache:cache/cache@0.1.0#put
func postPut(uint32) { release() }

//go:wasmexport cabi_post_sandcache:cache/cache@0.1.0#delete
func postDelete(uint32) { release() }

//go:wasmexport cabi_post_sandcache:cache/cache@0.1.0#clear
func postClear(uint32) { release() }

//go:wasmexport cabi_post_sandcache:cache/cache@0.1.0#stats
func postStats(uint32) { release() }

//go:wasmexport cabi_post_sandcache:cache/cache@0.1.0#purge
func postPurge(uint32) { release() }

//go:wasmexport cabi_post_sandcache:cache/cache@0.1.0#keys
func postKeys(uint32) { release() }

//go:wasmexport cabi_post_sandcache:cache/cache@0.1.0#llm-key
func postLLMKey(uint32) { release() }

//go:wasmexport cabi_post_sandcache:cache/cache@0.1.0#parse-options
func postParseOptions(uint32) { release() }

//go:wasmexport cabi_post_sandcache:cache/cache@0.1.0#parse-duration
func postParseDuration(uint32) { release() }
