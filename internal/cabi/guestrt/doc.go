// Package guestrt is the canonical-ABI runtime of Go guests (standard Go,
// GOOS=wasip1), shared by the glue internal/cmd/witgen generates: the
// sandcache guest (package main under guest/) and plugins (package
// plugin/keyvalue). It exports the module's cabi_realloc, so a module
// that imports it must not export another.
//
// Go's wasm pointers are 64-bit and Go refuses pointerful types at the
// wasmimport/wasmexport boundary, so everything crosses as 32-bit offsets.
// Buffers the host asks for through cabi_realloc are pinned until Go code
// takes them: a GC during a host call would otherwise free them, since
// nothing in Go refers to an address held only by the host.
package guestrt
