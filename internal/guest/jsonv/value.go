// Package jsonv is a JSON value model that keeps integers and floats apart
// and writes exactly the bytes serde_json writes (docs/SPEC.md §7).
//
// Parse accepts what serde_json::from_slice accepts into a Value: strict
// RFC 8259, no trailing data, nesting up to MaxDepth. Objects are held with
// their members sorted by key bytes and with unique keys (the last duplicate
// wins), the order the original cache gets from its BTreeMap dicts, so
// AppendCompact writes canonical JSON without sorting again.
package jsonv

import (
	"math"
	"slices"
	"strings"
)

// Member is one key/value pair of an object.
type Member struct {
	Key   string
	Value Value
}

// Value is an immutable JSON value. The zero Value is null.
//
// Build values with Parse or the constructors (Null, Bool, Int, Uint, Float,
// String, Array, Object); they keep the invariants AppendCompact relies on.
type Value struct {
	kind    Kind
	bits    uint64 // Bool: 0 or 1; Int: two's complement; Uint; Float: IEEE 754 bits
	str     string
	items   []Value
	members []Member
}

// Null returns the JSON null.
func Null() Value { return Value{} }

// Bool returns a JSON boolean.
func Bool(b bool) Value {
	v := Value{kind: KindBool}
	if b {
		v.bits = 1
	}
	return v
}

// Int returns a JSON integer.
func Int(i int64) Value { return Value{kind: KindInt, bits: uint64(i)} }

// Uint returns a JSON integer. Values up to math.MaxInt64 are of KindInt;
// only larger ones are of KindUint, so every integer has one representation.
func Uint(u uint64) Value {
	if u <= math.MaxInt64 {
		return Int(int64(u))
	}
	return Value{kind: KindUint, bits: u}
}

// Float returns a JSON float. NaN and ±Inf have no JSON form and give null,
// as serde_json's Number::from_f64 does for the original.
func Float(f float64) Value {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return Value{}
	}
	return Value{kind: KindFloat, bits: math.Float64bits(f)}
}

// String returns a JSON string. s should be valid UTF-8; the encoders write
// each invalid byte as U+FFFD.
func String(s string) Value { return Value{kind: KindString, str: s} }

// Array returns a JSON array holding a copy of items.
func Array(items ...Value) Value {
	return Value{kind: KindArray, items: slices.Clone(items)}
}

// Object returns a JSON object of a copy of members, sorted by key bytes;
// when a key repeats, the last member with it wins.
func Object(members ...Member) Value {
	return Value{kind: KindObject, members: normalizeMembers(slices.Clone(members))}
}

// normalizeMembers sorts ms by key in place (stably) and drops every member
// whose key is repeated later, keeping the last value. It returns the
// shortened slice.
func normalizeMembers(ms []Member) []Member {
	sorted := true
	for i := 1; i < len(ms); i++ {
		if ms[i-1].Key >= ms[i].Key {
			sorted = false
			break
		}
	}
	if sorted {
		return ms
	}
	slices.SortStableFunc(ms, func(a, b Member) int { return strings.Compare(a.Key, b.Key) })
	out := ms[:1]
	for _, m := range ms[1:] {
		if m.Key == out[len(out)-1].Key {
			out[len(out)-1].Value = m.Value
		} else {
			out = append(out, m)
		}
	}
	clear(ms[len(out):])
	return out
}

// Kind reports the kind of v.
func (v Value) Kind() Kind { return v.kind }

// IsNull reports whether v is null.
func (v Value) IsNull() bool { return v.kind == KindNull }

// AsBool returns the boolean of a KindBool value.
func (v Value) AsBool() (b, ok bool) { return v.bits == 1, v.kind == KindBool }

// AsInt returns the integer of a KindInt value.
func (v Value) AsInt() (int64, bool) { return int64(v.bits), v.kind == KindInt }

// AsUint returns the integer of a KindUint value or of a non-negative
// KindInt value.
func (v Value) AsUint() (uint64, bool) {
	switch v.kind {
	case KindUint:
		return v.bits, true
	case KindInt:
		return v.bits, int64(v.bits) >= 0
	}
	return 0, false
}

// AsFloat returns the float of a KindFloat value (integers are not floats
// here; see Number).
func (v Value) AsFloat() (float64, bool) {
	return math.Float64frombits(v.bits), v.kind == KindFloat
}

// Number returns any numeric value as a float64 (integers converted, as
// Rust's `as f64` does).
func (v Value) Number() (float64, bool) {
	switch v.kind {
	case KindInt:
		return float64(int64(v.bits)), true
	case KindUint:
		return float64(v.bits), true
	case KindFloat:
		return math.Float64frombits(v.bits), true
	}
	return 0, false
}

// AsString returns the text of a KindString value.
func (v Value) AsString() (string, bool) { return v.str, v.kind == KindString }

// Items returns the elements of an array (nil for other kinds). The slice
// is shared: do not modify it.
func (v Value) Items() []Value { return v.items }

// Members returns the members of an object in key order (nil for other
// kinds). The slice is shared: do not modify it.
func (v Value) Members() []Member { return v.members }

// Len returns the number of elements of an array or members of an object,
// and 0 for other kinds.
func (v Value) Len() int {
	switch v.kind {
	case KindArray:
		return len(v.items)
	case KindObject:
		return len(v.members)
	}
	return 0
}

// Get returns the value of the member named key of an object.
func (v Value) Get(key string) (Value, bool) {
	i, ok := slices.BinarySearchFunc(v.members, key, func(m Member, k string) int {
		return strings.Compare(m.Key, k)
	})
	if !ok {
		return Value{}, false
	}
	return v.members[i].Value, true
}

// TypeName returns the Harn type name of v: nil, bool, int, float, string,
// list or dict. Integers beyond int64 are "int" too.
func (v Value) TypeName() string { return v.kind.TypeName() }

// VMTypeName returns the type name the original's Harn VM reports for v
// once its json_to_vm_value has converted it: as TypeName, except that an
// integer beyond int64 (KindUint) has become a "float".
func (v Value) VMTypeName() string {
	if v.kind == KindUint {
		return "float"
	}
	return v.kind.TypeName()
}
