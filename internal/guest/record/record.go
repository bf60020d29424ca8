// Package record is the filesystem backend's entry record (docs/SPEC.md §6):
// the JSON file the original writes with serde_json::to_vec_pretty of its
// CacheRecord, and reads back with serde's derived Deserialize.
package record

import (
	"math"

	"github.com/sandcache/sandcache/internal/guest/jsonv"
)

// Record is one cache entry as the fs backend stores it.
type Record struct {
	Key   string
	Value jsonv.Value
	// CreatedAtMs is when the entry was put (ms since the Unix epoch).
	CreatedAtMs int64
	// HasExpiry reports whether ExpiresAtMs is set; a record without it
	// (expires_at_ms missing or null) never expires.
	HasExpiry   bool
	ExpiresAtMs int64
	// LastAccessedMs is when the entry was put or last hit (LRU order).
	LastAccessedMs int64
}

// New returns the record of a put at nowMs: created and last accessed now,
// expiring at nowMs + ttlMs, saturating at math.MaxInt64 (a ttlMs beyond
// math.MaxInt64 counts as math.MaxInt64).
func New(key string, value jsonv.Value, nowMs int64, ttlMs uint64) Record {
	return Record{
		Key:            key,
		Value:          value,
		CreatedAtMs:    nowMs,
		HasExpiry:      true,
		ExpiresAtMs:    ExpiresAt(nowMs, ttlMs),
		LastAccessedMs: nowMs,
	}
}

// ExpiresAt is nowMs + ttlMs, saturating at math.MaxInt64 (a ttlMs beyond
// math.MaxInt64 counts as math.MaxInt64): the expiry every backend stores.
func ExpiresAt(nowMs int64, ttlMs uint64) int64 {
	expires := nowMs + int64(min(ttlMs, math.MaxInt64))
	if nowMs > 0 && expires < nowMs {
		return math.MaxInt64
	}
	return expires
}

// Expired reports whether the record has expired at nowMs: it has an
// expiry and expires_at_ms <= nowMs.
func (r Record) Expired(nowMs int64) bool {
	return r.HasExpiry && r.ExpiresAtMs <= nowMs
}
