// Package host holds guest.wasm, sandcache's guest module built by build.sh
// from ./guest, and exposes its bytes for other hosts and for checking what
// runs. The runtime that runs it under wazero is internal; the public Go API
// is package sdk (github.com/sandcache/sandcache/sdk).
package host

import _ "embed"

// guestWasm is the guest module, built by build.sh from ./guest. It is a
// string (read-only data, shared without a copy): a []byte would need a
// copy per process to stay safe from its users, 3.4 MB and ~10 ms of
// every start-up.
//
//go:embed guest.wasm
var guestWasm string

// GuestWasm returns a copy of the embedded guest module's bytes (for other
// hosts, or to check what is running).
func GuestWasm() []byte { return []byte(guestWasm) }

// GuestWasmString returns the embedded guest module's bytes as a string:
// the same bytes as GuestWasm, without a copy.
func GuestWasmString() string { return guestWasm }
