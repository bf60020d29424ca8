package record

import (
	"strconv"

	"github.com/sandcache/sandcache/internal/guest/jsonv"
)

// Encode returns the record file's bytes: exactly what the original's
// serde_json::to_vec_pretty writes for its CacheRecord. Members key, value,
// created_at_ms, expires_at_ms (null when there is none), last_accessed_ms
// in this order, two-space indentation, `": "` after keys, the value
// pretty-printed in place with its objects' keys sorted, and no trailing
// newline.
func (r Record) Encode() []byte {
	return r.AppendEncode(make([]byte, 0, 160))
}

// AppendEncode appends Encode's bytes to dst.
func (r Record) AppendEncode(dst []byte) []byte {
	dst = append(dst, "{\n  \"key\": "...)
	dst = jsonv.AppendString(dst, r.Key)
	dst = append(dst, ",\n  \"value\": "...)
	dst = r.Value.AppendPretty(dst, 1)
	dst = append(dst, ",\n  \"created_at_ms\": "...)
	dst = strconv.AppendInt(dst, r.CreatedAtMs, 10)
	dst = append(dst, ",\n  \"expires_at_ms\": "...)
	if r.HasExpiry {
		dst = strconv.AppendInt(dst, r.ExpiresAtMs, 10)
	} else {
		dst = append(dst, "null"...)
	}
	dst = append(dst, ",\n  \"last_accessed_ms\": "...)
	dst = strconv.AppendInt(dst, r.LastAccessedMs, 10)
	return append(dst, "\n}"...)
}
