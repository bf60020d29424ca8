package record

import (
	"errors"

	"github.com/sandcache/sandcache/internal/guest/jsonv"
)

// The record's field names, in serde's (declaration) order.
const (
	fieldKey            = "key"
	fieldValue          = "value"
	fieldCreatedAtMs    = "created_at_ms"
	fieldExpiresAtMs    = "expires_at_ms"
	fieldLastAccessedMs = "last_accessed_ms"
)

// Decode reads a record file as the original's serde-derived Deserialize
// of CacheRecord reads it (through serde_json::from_str):
//
//   - the text is one JSON value (whitespace around it allowed);
//   - an object: unknown members are ignored, a repeated field is an error,
//     key must be a string, value is required (any JSON, null included),
//     created_at_ms and last_accessed_ms are required integers within int64
//     (1.0 or -0 are not), expires_at_ms is such an integer, null, or
//     missing (no expiry);
//   - an array of exactly those five values in that order, expires_at_ms
//     included (serde's sequence form of a struct);
//   - anything else is an error.
func Decode(data []byte) (Record, error) {
	if first := firstByte(data); first != '{' {
		v, err := jsonv.Parse(data)
		if err != nil {
			return Record{}, wrap(err)
		}
		if v.Kind() != jsonv.KindArray {
			return Record{}, fail("invalid type: " + v.Kind().String() + ", expected struct CacheRecord")
		}
		return fromSeq(v.Items())
	}
	members, err := jsonv.ParseMembers(data)
	if err != nil {
		return Record{}, wrap(err)
	}
	return fromMembers(members)
}

// firstByte returns the first byte of data after JSON whitespace, or 0.
func firstByte(data []byte) byte {
	for _, c := range data {
		switch c {
		case ' ', '\t', '\n', '\r':
		default:
			return c
		}
	}
	return 0
}

// fromMembers decodes the object form.
func fromMembers(members []jsonv.Member) (Record, error) {
	var r Record
	var seen [5]bool // key, value, created_at_ms, expires_at_ms, last_accessed_ms
	for _, m := range members {
		var slot int
		var err error
		switch m.Key {
		case fieldKey:
			slot = 0
			r.Key, err = asString(m.Value)
		case fieldValue:
			slot = 1
			r.Value = m.Value
		case fieldCreatedAtMs:
			slot = 2
			r.CreatedAtMs, err = asInt64(m.Key, m.Value)
		case fieldExpiresAtMs:
			slot = 3
			r.ExpiresAtMs, r.HasExpiry, err = asOptionalInt64(m.Key, m.Value)
		case fieldLastAccessedMs:
			slot = 4
			r.LastAccessedMs, err = asInt64(m.Key, m.Value)
		default:
			continue
		}
		if seen[slot] {
			return Record{}, fail("duplicate field `" + m.Key + "`")
		}
		seen[slot] = true
		if err != nil {
			return Record{}, err
		}
	}
	for slot, name := range [...]string{fieldKey, fieldValue, fieldCreatedAtMs, "", fieldLastAccessedMs} {
		if name != "" && !seen[slot] {
			return Record{}, fail("missing field `" + name + "`")
		}
	}
	return r, nil
}

// fromSeq decodes the sequence form.
func fromSeq(items []jsonv.Value) (Record, error) {
	if len(items) != 5 {
		return Record{}, fail("invalid length, expected an array of 5 elements")
	}
	var r Record
	var err error
	if r.Key, err = asString(items[0]); err != nil {
		return Record{}, err
	}
	r.Value = items[1]
	if r.CreatedAtMs, err = asInt64(fieldCreatedAtMs, items[2]); err != nil {
		return Record{}, err
	}
	if r.ExpiresAtMs, r.HasExpiry, err = asOptionalInt64(fieldExpiresAtMs, items[3]); err != nil {
		return Record{}, err
	}
	if r.LastAccessedMs, err = asInt64(fieldLastAccessedMs, items[4]); err != nil {
		return Record{}, err
	}
	return r, nil
}

// asString reads the key field.
func asString(v jsonv.Value) (string, error) {
	s, ok := v.AsString()
	if !ok {
		return "", fail("invalid type: " + v.Kind().String() + ", expected a string")
	}
	return s, nil
}

// asInt64 reads a required i64 field.
func asInt64(name string, v jsonv.Value) (int64, error) {
	n, ok := v.AsInt()
	if !ok {
		return 0, fail("invalid " + name + ": " + v.Kind().String() + ", expected i64")
	}
	return n, nil
}

// asOptionalInt64 reads an Option<i64> field: null is none.
func asOptionalInt64(name string, v jsonv.Value) (int64, bool, error) {
	if v.IsNull() {
		return 0, false, nil
	}
	n, err := asInt64(name, v)
	return n, err == nil, err
}

// fail returns a decoding error.
func fail(msg string) error { return errors.New("cache record: " + msg) }

// wrap returns a syntax error as a decoding error.
func wrap(err error) error { return fail(err.Error()) }
