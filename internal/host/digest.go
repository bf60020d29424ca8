package host

import (
	"context"
	"crypto/sha256"
)

// digestImpl serves interface digest: hash primitives computed natively
// (the guest has no CPU hash instructions). It holds no state and touches
// nothing but its argument, a view of the guest's memory, so its input is
// bounded by the guest's memory limit; the result is a fresh 32-byte slice
// that the generated glue copies into the guest.
type digestImpl struct{}

// Sha256 returns the SHA-256 digest of data.
func (digestImpl) Sha256(_ context.Context, data []byte) []byte {
	sum := sha256.Sum256(data)
	return sum[:]
}
