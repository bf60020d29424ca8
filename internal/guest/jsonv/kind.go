package jsonv

// Kind is the type of a Value.
type Kind uint8

// The kinds of Value. KindUint holds only integers above math.MaxInt64.
const (
	KindNull Kind = iota
	KindBool
	KindInt
	KindUint
	KindFloat
	KindString
	KindArray
	KindObject
)

// kindNames are the Go-side names used by String.
var kindNames = [...]string{"null", "bool", "int", "uint", "float", "string", "array", "object"}

// harnNames are Harn's type names, used in the original's error texts.
var harnNames = [...]string{"nil", "bool", "int", "int", "float", "string", "list", "dict"}

// String returns the JSON-side name of k: null, bool, int, uint, float,
// string, array or object.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "invalid"
}

// TypeName returns Harn's name for values of kind k: nil, bool, int, float,
// string, list or dict (KindUint is "int").
func (k Kind) TypeName() string {
	if int(k) < len(harnNames) {
		return harnNames[k]
	}
	return "invalid"
}
