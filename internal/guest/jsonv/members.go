package jsonv

// ParseMembers parses a JSON text that must be one object, with the rules
// of Parse, and returns the object's members in document order with
// repeated keys kept (nested objects are normalised as usual). It is for
// decoders that must reject or otherwise see duplicates, as serde's derived
// structs do. A text holding another kind of value is an error.
func ParseMembers(data []byte) ([]Member, error) {
	p := parsers.Get().(*parser)
	defer p.release()
	p.s, p.i = string(data), 0
	p.skipSpace()
	if p.i >= len(p.s) {
		return nil, p.fail("EOF while parsing a value")
	}
	if p.s[p.i] != '{' {
		return nil, p.fail("expected an object")
	}
	members, err := p.members(1)
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.i < len(p.s) {
		return nil, p.fail("trailing characters")
	}
	return members, nil
}
