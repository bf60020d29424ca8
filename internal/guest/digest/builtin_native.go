//go:build !wasip1

package digest

import "crypto/sha256"

// builtin is crypto/sha256, for the cache logic run natively.
var builtin Func = sha256.Sum256
