package options

import (
	"bytes"
	"errors"
	"math"
	"strings"

	"github.com/sandcache/sandcache/internal/guest/duration"
	"github.com/sandcache/sandcache/internal/guest/jsonv"
)

// ParseDict parses the JSON text of a Harn option dictionary exactly as
// the original's parse_cache_options does (docs/SPEC.md §2.1), including
// its error texts and the order in which it reports them. Empty input or
// null gives Default(). The namespace comes back sanitised.
func ParseDict(dict []byte) (Options, error) {
	if len(bytes.TrimSpace(dict)) == 0 {
		return Default(), nil
	}
	v, err := jsonv.Parse(dict)
	if err != nil {
		return Options{}, errors.New("cache options are not valid JSON: " + err.Error())
	}
	return FromValue(v)
}

// FromValue applies the rules of ParseDict to an already parsed value.
//
// Values are typed as the original's VM types them after its
// json_to_vm_value, so an integer beyond int64 counts as a float there: a
// ttl of 18446744073709551615 saturates as a float ttl does, and a
// max_entries of it is "must be an int; got float", as the original says.
func FromValue(v jsonv.Value) (Options, error) {
	var top jsonv.Value // an object, or null for none
	switch v.Kind() {
	case jsonv.KindObject, jsonv.KindNull:
		top = v
	default:
		return Options{}, errors.New("cache options must be a dict or nil; got " + v.VMTypeName())
	}

	var store jsonv.Value // the store dict, or null
	storeField, _ := top.Get("store")
	switch storeField.Kind() {
	case jsonv.KindObject:
		store = storeField
	case jsonv.KindString, jsonv.KindNull:
	default:
		return Options{}, errors.New("cache options.store must be a string, dict, or nil; got " + storeField.VMTypeName())
	}

	o := Options{Backend: SQLite}
	if name, ok := firstString(field{store, "backend"}, field{top, "backend"}); ok {
		b, err := parseBackend(name)
		if err != nil {
			return Options{}, err
		}
		o.Backend = b
	}

	namespace, ok := firstString(field{store, "namespace"}, field{store, "name"})
	if !ok {
		if name, isString := storeField.AsString(); isString {
			namespace, ok = name, true // even "", which sanitises to the default
		}
	}
	if !ok {
		namespace, ok = firstString(field{top, "namespace"}, field{top, "name"})
	}
	if !ok {
		namespace = DefaultNamespace
	}

	o.Path, _ = firstString(field{store, "path"}, field{store, "cache_dir"}, field{top, "path"}, field{top, "cache_dir"})

	ttl, err := firstDuration(field{store, "ttl"}, field{store, "ttl_seconds"}, field{top, "ttl"}, field{top, "ttl_seconds"}, field{top, "max_age_seconds"})
	if err != nil {
		return Options{}, err
	}
	o.TTLMillis = TTLMillisFromSeconds(ttl)

	o.MaxEntries, err = firstMaxEntries(field{store, "max_entries"}, field{top, "max_entries"})
	if err != nil {
		return Options{}, err
	}

	if o.Namespace, err = SanitizeNamespace(namespace); err != nil {
		return Options{}, err
	}
	return o, nil
}

// field names one member of an option dict (dict null: no such dict).
type field struct {
	dict jsonv.Value
	key  string
}

// get returns the member, or null when it or its dict is absent.
func (f field) get() jsonv.Value {
	v, _ := f.dict.Get(f.key)
	return v
}

// firstString returns the first field that is a non-empty string; fields
// of other types are skipped silently (read_string_field).
func firstString(fields ...field) (string, bool) {
	for _, f := range fields {
		if s, ok := f.get().AsString(); ok && s != "" {
			return s, true
		}
	}
	return "", false
}

// parseBackend maps a backend name, trimmed and ASCII-lower-cased.
func parseBackend(name string) (Backend, error) {
	lowered := asciiLower(strings.TrimSpace(name))
	switch lowered {
	case "", "sqlite":
		return SQLite, nil
	case "fs", "file", "files":
		return FS, nil
	case "mem", "memory", "lru":
		return Mem, nil
	case "postgres", "postgresql", "pg": // sandcache's own; Harn has no server backend
		return Postgres, nil
	}
	// The original's text, from before mem and postgres.
	return 0, errors.New(`cache backend must be "sqlite" or "fs"; got ` + duration.Quote(lowered))
}

// firstDuration reads every ttl field in order (each one is parsed even
// when an earlier one is set, so a bad later field is still an error) and
// returns the first that is set, else DefaultTTLSeconds.
func firstDuration(fields ...field) (uint64, error) {
	seconds, found := uint64(DefaultTTLSeconds), false
	for _, f := range fields {
		s, ok, err := durationField(f)
		if err != nil {
			return 0, err
		}
		if ok && !found {
			seconds, found = s, true
		}
	}
	return seconds, nil
}

// durationField reads one ttl field (read_duration_field): null or absent
// is unset; an int n is max(n, 0); a float is max(f, 0) truncated toward
// zero, saturating; a string is a duration (docs/SPEC.md §3).
func durationField(f field) (uint64, bool, error) {
	v := f.get()
	switch v.Kind() {
	case jsonv.KindNull:
		return 0, false, nil
	case jsonv.KindInt:
		n, _ := v.AsInt()
		return uint64(max(n, 0)), true, nil
	case jsonv.KindFloat, jsonv.KindUint: // the VM holds integers beyond int64 as floats
		x, _ := v.Number()
		return floatToUint(x), true, nil
	case jsonv.KindString:
		s, _ := v.AsString()
		n, err := duration.Parse(s)
		return n, err == nil, err
	}
	return 0, false, errors.New("cache option " + f.key + " must be seconds or a duration string; got " + v.VMTypeName())
}

// floatToUint is Rust's `x.max(0.0) as u64`: truncation toward zero,
// saturating, NaN giving 0.
func floatToUint(x float64) uint64 {
	switch {
	case !(x > 0):
		return 0
	case x >= 1<<64:
		return math.MaxUint64
	}
	return uint64(x)
}

// firstMaxEntries reads both max_entries fields in order (both parsed) and
// returns the first that is set, clamped to 1..MaxMaxEntries, else
// DefaultMaxEntries.
func firstMaxEntries(fields ...field) (uint32, error) {
	n, found := uint32(DefaultMaxEntries), false
	for _, f := range fields {
		v := f.get()
		var m uint32
		switch v.Kind() {
		case jsonv.KindNull:
			continue
		case jsonv.KindInt:
			i, _ := v.AsInt()
			m = ClampMaxEntries(i)
		default: // a KindUint too: the VM holds it as a float
			return 0, errors.New("cache option " + f.key + " must be an int; got " + v.VMTypeName())
		}
		if !found {
			n, found = m, true
		}
	}
	return n, nil
}

// asciiLower lower-cases ASCII letters only (Rust's to_ascii_lowercase).
func asciiLower(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'A' && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, s)
}
