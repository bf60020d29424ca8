//go:build wasip1

package main

import (
	"strconv"

	"github.com/sandcache/sandcache/internal/guest/digest"
)

// The guest's SHA-256 (the LLM key's, the fs backend's file names) is
// computed by the host through the import sandcache:cache/digest@0.1.0
// (DigestImport in witabi_gen.go): SHA-256 compiled to WebAssembly is ~30x
// slower than the host's, and crypto/sha256 would bring ~90 KB of FIPS
// code into the module. The guest still decides what is hashed and what
// the digest becomes (see package digest).
func init() { digest.Set(hostSum256) }

// hostSum256 asks the host for the SHA-256 of data. A digest that is not 32
// bytes is a broken host: the call traps rather than derive a wrong key or
// file name.
func hostSum256(data []byte) [digest.Size]byte {
	d := DigestImport{}.Sha256(data)
	if len(d) != digest.Size {
		panic("digest.sha256 returned " + strconv.Itoa(len(d)) + " bytes; want 32")
	}
	return [digest.Size]byte(d)
}
