// Package host runs sandcache's guest module (guest.wasm, embedded) under
// wazero and lends it exactly two capabilities, `sql` and `files`, confined
// to one granted folder. It holds no cache rule: options, TTL, LRU, formats
// and keys all live in the guest.
//
// A Runtime compiles the guest once per process (with an optional on-disk
// compilation cache). A Sandbox grants one folder and keeps a lazily grown
// pool of guest instances, about GOMAXPROCS of them, each running one call at
// a time. A trap, a guest exit (out of memory) or a cancelled context fails
// only the call it happened in; the instance is then discarded and replaced.
package host
