// Package host is sandcache's runtime, internal to the module (the public Go
// API is package sdk). It runs the guest module (guest.wasm, embedded by the
// public package github.com/sandcache/sandcache/host) under
// wazero and lends it exactly two capabilities, `sql` and `files`, confined
// to one granted folder, and its clock. It holds no cache rule: options and
// their defaults, TTL, LRU, formats and keys all live in the guest. The
// canonical-ABI glue is generated from wit/ (package internal/witabi).
//
// The guest is compiled once per process for each compilation-cache folder
// and memory limit (Open shares the compiled module). A Sandbox grants one folder and keeps a lazily grown
// pool of guest instances, about GOMAXPROCS of them, each running one call at
// a time. A trap, a guest exit (out of memory) or a cancelled context fails
// only the call it happened in; the instance is then discarded and replaced.
package host
