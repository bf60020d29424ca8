// Package host holds guest.wasm, sandcache's guest module built by build.sh
// from ./guest, and exposes its bytes for other hosts and for checking what
// runs. The runtime that runs it under wazero is internal; the public Go API
// is package sdk (github.com/sandcache/sandcache/sdk).
package host

import _ "embed"

// guestWasm is the guest module, built by build.sh from ./guest.
//
//go:embed guest.wasm
var guestWasm []byte

// GuestWasm returns a copy of the embedded guest module's bytes (for other
// hosts, or to check what is running).
func GuestWasm() []byte { return append([]byte(nil), guestWasm...) }
