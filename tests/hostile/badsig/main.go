//go:build wasip1

// Command badsig is a hostile guest module for the hostile-guest suite: it
// exports the guest's get with another core signature (no parameters), so
// a host that trusted the export's type would read and write past the
// values it passes. The host must refuse the module. build.sh builds it
// into tests/testdata/hostile/badsig.wasm.
package main

func main() {}

var buf [64]byte

//go:wasmexport cabi_realloc
func cabiRealloc(oldPtr, oldSize, align, newSize uint32) uint32 { return 0 }

//go:wasmexport sandcache:cache/cache@0.1.0#get
func exportGet() uint64 { return 0 }

//go:wasmexport cabi_post_sandcache:cache/cache@0.1.0#get
func postGet(uint32) {}
