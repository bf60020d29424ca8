package jsonv

// Equal reports whether a and b are the same JSON value: the same kind and
// contents, floats compared bit for bit (so -0.0 differs from 0.0, and 1
// differs from 1.0).
func Equal(a, b Value) bool {
	if a.kind != b.kind || a.bits != b.bits || a.str != b.str {
		return false
	}
	if len(a.items) != len(b.items) || len(a.members) != len(b.members) {
		return false
	}
	for i := range a.items {
		if !Equal(a.items[i], b.items[i]) {
			return false
		}
	}
	for i := range a.members {
		if a.members[i].Key != b.members[i].Key || !Equal(a.members[i].Value, b.members[i].Value) {
			return false
		}
	}
	return true
}
