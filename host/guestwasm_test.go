package host_test

import (
	"crypto/sha256"
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

// TestGuestWasmSHA256 checks the digest build.sh recorded against the
// embedded bytes: a stale one would let the runtime reuse the cache files
// of another guest.
func TestGuestWasmSHA256(t *testing.T) {
	if got, want := host.GuestWasmSHA256(), sha256.Sum256(host.GuestWasm()); got != want {
		t.Fatalf("GuestWasmSHA256 is %x, the module's digest is %x: run ./build.sh", got, want)
	}
}
