package host_test

import (
	"strings"
	"testing"

	"github.com/sandcache/sandcache/host"
)

// TestGuestWasm checks both views of the embedded module: a WebAssembly
// binary, the same bytes, and GuestWasm's copy is the caller's own.
func TestGuestWasm(t *testing.T) {
	s := host.GuestWasmString()
	if !strings.HasPrefix(s, "\x00asm\x01\x00\x00\x00") {
		t.Fatalf("not a WebAssembly 1.0 module: % x", s[:min(8, len(s))])
	}
	b := host.GuestWasm()
	if string(b) != s {
		t.Fatal("GuestWasm and GuestWasmString differ")
	}
	b[0] = 'X'
	if host.GuestWasmString()[0] != 0 || host.GuestWasm()[0] != 0 {
		t.Fatal("writing GuestWasm's copy changed the module")
	}
}
