package jsonv

// Canonical parses data and returns its canonical JSON: the compact form
// with object keys sorted (recursively) by UTF-8 bytes, as the original's
// canonical_json_bytes writes it.
func Canonical(data []byte) ([]byte, error) {
	v, err := Parse(data)
	if err != nil {
		return nil, err
	}
	return v.AppendCompact(make([]byte, 0, len(data))), nil
}
