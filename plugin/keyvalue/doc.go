// Package keyvalue is for sandcache plugins written in standard Go
// (GOOS=wasip1 GOARCH=wasm, not TinyGo): typed wrappers over the imports of
// wasi:keyvalue@0.2.0-draft2 (store, atomics, batch) and
// sandcache:plugin/cache@0.1.0, generated from wit/plugin by
// internal/cmd/witgen under the canonical ABI's core names (module
// "wasi:keyvalue/store@0.2.0-draft2", field "[method]bucket.get", ...).
//
// A plugin opens a bucket (a cache namespace of its own grant), uses it,
// and drops it:
//
//	b, err := keyvalue.Open("notes")
//	if err != nil { ... }
//	defer b.Drop()
//	err = b.Set("k", []byte(`{"a":1}`))
//
// The package exports cabi_realloc, through which the host returns strings
// and lists; a plugin must not export another.
package keyvalue
