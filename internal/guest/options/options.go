// Package options holds sandcache's typed cache options (docs/SPEC.md §2) and
// parses the original's Harn option dictionaries into them (§2.1).
package options

import "math"

// Defaults and limits of the options.
const (
	DefaultNamespace  = "default"
	DefaultTTLSeconds = 600
	DefaultMaxEntries = 256
	MaxMaxEntries     = 100000
)

// Options are the typed options of one cache operation.
type Options struct {
	Backend Backend
	// Namespace partitions a store; ParseDict returns it sanitised.
	Namespace string
	// Path is the SQLite file or the fs root, as given (relative or
	// absolute); empty means the backend's default location.
	Path string
	// TTLMillis is how long a put entry lives.
	TTLMillis uint64
	// MaxEntries bounds a namespace's entry count (1..MaxMaxEntries).
	MaxEntries uint32
}

// Default returns the options an empty option dictionary means: sqlite at
// the default path, namespace "default", a 600 s TTL, 256 entries.
func Default() Options {
	return Options{
		Backend:    SQLite,
		Namespace:  DefaultNamespace,
		TTLMillis:  TTLMillisFromSeconds(DefaultTTLSeconds),
		MaxEntries: DefaultMaxEntries,
	}
}

// TTLMillisFromSeconds converts whole seconds to milliseconds as the
// original's ttl_ms does: min(s, i64::MAX/1000) × 1000, so the result fits
// an int64.
func TTLMillisFromSeconds(s uint64) uint64 {
	return min(s, math.MaxInt64/1000) * 1000
}

// ClampMaxEntries clamps n to 1..MaxMaxEntries.
func ClampMaxEntries(n int64) uint32 {
	return uint32(min(max(n, 1), MaxMaxEntries))
}
