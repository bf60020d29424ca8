// Package digest is the SHA-256 the cache logic hashes with: the LLM key's
// canonical identity (llmkey) and the fs backend's file names (cache).
//
// Natively it is crypto/sha256. The guest module sets the host's digest
// import instead (Set, from an init function of package main): a
// WebAssembly guest has no CPU hash instructions, so SHA-256 compiled to
// wasm is ~30x slower, and without crypto/sha256 the guest also leaves out
// the ~90 KB of FIPS code it brings (self-tests, AES, SHA-3, HMAC), code
// that every warm start would decode and validate.
package digest

// Size is the length of a SHA-256 digest.
const Size = 32

// Func computes the SHA-256 of data.
type Func func(data []byte) [Size]byte

// sum is the function Sum256 calls (see Set).
var sum = builtin

// Set makes Sum256 call f, which must compute SHA-256; nil restores the
// built-in one (crypto/sha256 natively; none in a wasip1 build). Call it
// before any hashing (from an init function): it is not synchronised.
func Set(f Func) {
	if f == nil {
		f = builtin
	}
	sum = f
}

// Sum256 returns the SHA-256 of data.
func Sum256(data []byte) [Size]byte { return sum(data) }
