package jsonv

// Canonical returns the canonical JSON of data: the compact form with
// object keys sorted (recursively) by UTF-8 bytes, as the original's
// canonical_json_bytes writes it, or Parse's error. The result may be data
// itself (when data is canonical already).
func Canonical(data []byte) ([]byte, error) {
	if IsCanonical(data) {
		return data, nil
	}
	return appendRewritten(make([]byte, 0, len(data)), data)
}

// Normalize returns what Canonical returns, for text that is seldom
// canonical already (a value a caller is about to store): past the quick
// one-loop check it rewrites the text at once instead of first checking
// all of it, so its result is a copy even where data was canonical. For a
// value whose keys need sorting that is one pass over it instead of three.
func Normalize(data []byte) ([]byte, error) {
	if quickCanonical(data) {
		return data, nil
	}
	return appendRewritten(make([]byte, 0, len(data)), data)
}

// AppendCanonical appends the canonical JSON of data (as Canonical gives
// it) to dst, or returns dst unchanged and Parse's error.
func AppendCanonical(dst, data []byte) ([]byte, error) {
	if quickCanonical(data) {
		return append(dst, data...), nil
	}
	return appendRewritten(dst, data)
}

// appendRewritten appends the canonical JSON of data to dst, rewriting it
// in one pass without building a Value (appendCanonical); the rare text
// that pass leaves, invalid text included, takes Parse and AppendCompact,
// which decide the result and the error.
func appendRewritten(dst, data []byte) ([]byte, error) {
	if out, ok := appendCanonical(dst, data); ok {
		return out, nil
	}
	v, err := Parse(data)
	if err != nil {
		return dst, err
	}
	return v.AppendCompact(dst), nil
}
