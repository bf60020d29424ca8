package llmkey

import "crypto/sha256"

// Sum256 is the SHA-256 function KeyOf hashes the canonical identity with.
// It is crypto/sha256 unless SetSum256 replaced it.
type Sum256 func(data []byte) [sha256.Size]byte

// sum256 is the hash KeyOf uses (see SetSum256).
var sum256 Sum256 = sha256.Sum256

// SetSum256 makes KeyOf hash with f, which must compute SHA-256: the guest
// passes the host's digest import, which is ~30x faster than SHA-256
// compiled to WebAssembly. nil restores crypto/sha256. Call it before any
// key is derived (from an init function): it is not synchronised.
func SetSum256(f Sum256) {
	if f == nil {
		f = sha256.Sum256
	}
	sum256 = f
}
