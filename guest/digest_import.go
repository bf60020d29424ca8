//go:build wasip1

package main

import (
	"crypto/sha256"
	"strconv"

	"github.com/sandcache/sandcache/internal/guest/llmkey"
)

// The LLM key's SHA-256 is computed by the host through the import
// sandcache:cache/digest@0.1.0 (DigestImport in witabi_gen.go): SHA-256
// compiled to WebAssembly is ~30x slower than the host's. The guest still
// decides what is hashed (the canonical identity) and formats the key.
func init() { llmkey.SetSum256(hostSum256) }

// hostSum256 asks the host for the SHA-256 of data. A digest that is not 32
// bytes is a broken host: the call traps rather than derive a wrong key.
func hostSum256(data []byte) [sha256.Size]byte {
	d := DigestImport{}.Sha256(data)
	if len(d) != sha256.Size {
		panic("digest.sha256 returned " + strconv.Itoa(len(d)) + " bytes; want 32")
	}
	return [sha256.Size]byte(d)
}
