package jsonv

import (
	"math"
	"slices"
	"strconv"
	"sync"
	"unicode/utf8"
)

// MaxDepth is the deepest nesting of arrays and objects Parse accepts; one
// more level fails with "recursion limit exceeded", as serde_json's default
// limit of 128 does (it allows 127 levels).
const MaxDepth = 127

// Parse parses one JSON text, as serde_json::from_slice parses it into a
// serde_json::Value:
//
//   - whitespace (space, tab, CR, LF) is allowed around the value, nothing
//     else may follow it;
//   - no comments, no NaN or Infinity, no trailing commas;
//   - strings must be valid UTF-8 without raw control characters; \u escapes
//     of surrogates must come in valid pairs;
//   - an integer literal (no fraction or exponent) is an Int when it fits
//     int64, else a Uint when it fits uint64, else a Float; "-0" is the float
//     -0.0 (serde_json parses it so);
//   - other numbers are correctly rounded floats; one that overflows to ±Inf
//     is an error ("number out of range"), one that underflows is ±0.0;
//   - objects keep the last value of a repeated key and are sorted by key.
//
// The returned value's strings may share memory with one copy of data.
func Parse(data []byte) (Value, error) {
	p := parsers.Get().(*parser)
	defer p.release()
	p.s, p.i = string(data), 0
	p.skipSpace()
	v, err := p.value(0)
	if err != nil {
		return Value{}, err
	}
	p.skipSpace()
	if p.i < len(p.s) {
		return Value{}, p.fail("trailing characters")
	}
	return v, nil
}

// parser is the state of one Parse call.
type parser struct {
	s string
	i int
	// vals and mems are scratch stacks for the elements of the containers
	// being parsed; a finished container copies its part into a slice of
	// exactly its size, so each container costs one allocation.
	vals   []Value
	mems   []Member
	hiVals int // the most elements vals held during this Parse
	hiMems int // the most elements mems held during this Parse
}

// parsers recycles parsers and their scratch stacks.
var parsers = sync.Pool{New: func() any { return new(parser) }}

// release clears p (dropping references into the parsed input) and returns
// it to the pool.
func (p *parser) release() {
	p.vals = recycle(p.vals, max(p.hiVals, len(p.vals)))
	p.mems = recycle(p.mems, max(p.hiMems, len(p.mems)))
	p.s, p.hiVals, p.hiMems = "", 0, 0
	parsers.Put(p)
}

// maxScratch is the largest scratch stack kept for the next Parse.
const maxScratch = 1024

// recycle empties a scratch stack whose first used elements were in use.
func recycle[T any](stack []T, used int) []T {
	if cap(stack) > maxScratch {
		return nil
	}
	clear(stack[:used])
	return stack[:0]
}

// fail returns a SyntaxError at the current position.
func (p *parser) fail(msg string) error { return newSyntaxError(p.s, p.i, msg) }

// skipSpace skips JSON whitespace.
func (p *parser) skipSpace() { p.i = skipSpace(p.s, p.i) }

// skipSpace returns the index of the first byte of s at or after i that is
// not JSON whitespace, or len(s).
func skipSpace[T string | []byte](s T, i int) int {
	for i < len(s) {
		switch s[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// value parses the value at p.i; depth is the number of enclosing arrays
// and objects.
func (p *parser) value(depth int) (Value, error) {
	if p.i >= len(p.s) {
		return Value{}, p.fail("EOF while parsing a value")
	}
	switch c := p.s[p.i]; {
	case c == 'n':
		return Value{}, p.literal("null")
	case c == 't':
		return Bool(true), p.literal("true")
	case c == 'f':
		return Bool(false), p.literal("false")
	case c == '"':
		s, err := p.string()
		return String(s), err
	case c == '[':
		return p.array(depth + 1)
	case c == '{':
		return p.object(depth + 1)
	case c == '-' || c >= '0' && c <= '9':
		return p.number()
	}
	return Value{}, p.fail("expected value")
}

// literal consumes the keyword word (null, true or false).
func (p *parser) literal(word string) error {
	for k := 0; k < len(word); k++ {
		if p.i >= len(p.s) {
			return p.fail("EOF while parsing a value")
		}
		if p.s[p.i] != word[k] {
			return p.fail("expected ident")
		}
		p.i++
	}
	return nil
}

// array parses an array starting at '['; depth counts this array.
func (p *parser) array(depth int) (Value, error) {
	if depth > MaxDepth {
		return Value{}, p.fail("recursion limit exceeded")
	}
	p.i++ // '['
	p.skipSpace()
	if p.i < len(p.s) && p.s[p.i] == ']' {
		p.i++
		return Value{kind: KindArray, items: []Value{}}, nil
	}
	mark := len(p.vals)
	for {
		v, err := p.value(depth)
		if err != nil {
			return Value{}, err
		}
		p.vals = append(p.vals, v)
		p.skipSpace()
		if p.i >= len(p.s) {
			return Value{}, p.fail("EOF while parsing a list")
		}
		switch p.s[p.i] {
		case ',':
			p.i++
			p.skipSpace()
			if p.i < len(p.s) && p.s[p.i] == ']' {
				return Value{}, p.fail("trailing comma")
			}
		case ']':
			p.i++
			items := slices.Clone(p.vals[mark:])
			p.hiVals = max(p.hiVals, len(p.vals))
			p.vals = p.vals[:mark]
			return Value{kind: KindArray, items: items}, nil
		default:
			return Value{}, p.fail("expected `,` or `]`")
		}
	}
}

// object parses an object starting at '{'; depth counts this object.
func (p *parser) object(depth int) (Value, error) {
	members, err := p.members(depth)
	if err != nil {
		return Value{}, err
	}
	return Value{kind: KindObject, members: normalizeMembers(members)}, nil
}

// members parses an object starting at '{' and returns its members in
// document order, repeated keys included; depth counts this object.
func (p *parser) members(depth int) ([]Member, error) {
	if depth > MaxDepth {
		return nil, p.fail("recursion limit exceeded")
	}
	p.i++ // '{'
	p.skipSpace()
	if p.i < len(p.s) && p.s[p.i] == '}' {
		p.i++
		return []Member{}, nil
	}
	mark := len(p.mems)
	for {
		if p.i >= len(p.s) {
			return nil, p.fail("EOF while parsing an object")
		}
		if p.s[p.i] != '"' {
			return nil, p.fail("key must be a string")
		}
		key, err := p.string()
		if err != nil {
			return nil, err
		}
		p.skipSpace()
		if p.i >= len(p.s) {
			return nil, p.fail("EOF while parsing an object")
		}
		if p.s[p.i] != ':' {
			return nil, p.fail("expected `:`")
		}
		p.i++
		p.skipSpace()
		v, err := p.value(depth)
		if err != nil {
			return nil, err
		}
		p.mems = append(p.mems, Member{Key: key, Value: v})
		p.skipSpace()
		if p.i >= len(p.s) {
			return nil, p.fail("EOF while parsing an object")
		}
		switch p.s[p.i] {
		case ',':
			p.i++
			p.skipSpace()
			if p.i < len(p.s) && p.s[p.i] == '}' {
				return nil, p.fail("trailing comma")
			}
		case '}':
			p.i++
			members := slices.Clone(p.mems[mark:])
			p.hiMems = max(p.hiMems, len(p.mems))
			p.mems = p.mems[:mark]
			return members, nil
		default:
			return nil, p.fail("expected `,` or `}`")
		}
	}
}

// number parses a number starting at '-' or a digit.
func (p *parser) number() (Value, error) {
	start := p.i
	neg := p.s[p.i] == '-'
	if neg {
		p.i++
	}
	digitsStart := p.i
	switch {
	case p.i >= len(p.s):
		return Value{}, p.fail("EOF while parsing a value")
	case p.s[p.i] == '0':
		p.i++
		if p.i < len(p.s) && isDigit(p.s[p.i]) {
			return Value{}, p.fail("invalid number")
		}
	case isDigit(p.s[p.i]):
		p.skipDigits()
	default:
		return Value{}, p.fail("invalid number")
	}
	digitsEnd := p.i
	isFloat := false
	if p.i < len(p.s) && p.s[p.i] == '.' {
		isFloat = true
		p.i++
		if err := p.needDigit(); err != nil {
			return Value{}, err
		}
		p.skipDigits()
	}
	if p.i < len(p.s) && (p.s[p.i] == 'e' || p.s[p.i] == 'E') {
		isFloat = true
		p.i++
		if p.i < len(p.s) && (p.s[p.i] == '+' || p.s[p.i] == '-') {
			p.i++
		}
		if err := p.needDigit(); err != nil {
			return Value{}, err
		}
		p.skipDigits()
	}
	if !isFloat {
		if u, err := strconv.ParseUint(p.s[digitsStart:digitsEnd], 10, 64); err == nil {
			switch {
			case !neg:
				return Uint(u), nil
			case u == 0:
				return Float(math.Copysign(0, -1)), nil
			case u <= 1<<63:
				return Int(int64(-u)), nil
			}
		}
	}
	f, err := strconv.ParseFloat(p.s[start:p.i], 64)
	if err != nil || math.IsInf(f, 0) {
		return Value{}, p.fail("number out of range")
	}
	return Float(f), nil
}

// needDigit fails unless a digit is at p.i.
func (p *parser) needDigit() error {
	switch {
	case p.i >= len(p.s):
		return p.fail("EOF while parsing a value")
	case !isDigit(p.s[p.i]):
		return p.fail("invalid number")
	}
	return nil
}

// skipDigits skips ASCII digits.
func (p *parser) skipDigits() {
	for p.i < len(p.s) && isDigit(p.s[p.i]) {
		p.i++
	}
}

// isDigit reports whether c is an ASCII digit.
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// string parses a string starting at '"' and returns its text. A string
// without escapes is returned as a substring of the input (no copy).
func (p *parser) string() (string, error) {
	// The index lives in a local and plain ASCII runs are skipped by
	// plainRun: in WebAssembly, a field store per byte was most of the time.
	s, i := p.s, p.i+1 // past the opening quote
	start := i
	var buf []byte // nil until the first escape
	for {
		i = plainRun(s, i)
		if i >= len(s) {
			p.i = i
			return "", p.fail("EOF while parsing a string")
		}
		switch c := s[i]; {
		case c == '"':
			p.i = i + 1
			if buf == nil {
				return s[start:i], nil
			}
			return string(append(buf, s[start:i]...)), nil
		case c == '\\':
			buf = append(buf, s[start:i]...)
			p.i = i
			var err error
			if buf, err = p.escape(buf); err != nil {
				return "", err
			}
			i = p.i
			start = i
		case c < 0x20:
			p.i = i
			return "", p.fail("control character (\\u0000-\\u001F) found while parsing a string")
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				p.i = i
				return "", p.fail("invalid unicode code point")
			}
			i += size
		}
	}
}

// escape decodes the escape sequence at p.i (a backslash) onto buf.
func (p *parser) escape(buf []byte) ([]byte, error) {
	p.i++ // backslash
	if p.i >= len(p.s) {
		return nil, p.fail("EOF while parsing a string")
	}
	c := p.s[p.i]
	p.i++
	if shortUnescapes[c] != 0 {
		return append(buf, shortUnescapes[c]), nil
	}
	switch c {
	case 'u':
		r, err := p.hex4()
		if err != nil {
			return nil, err
		}
		switch {
		case r >= 0xDC00 && r <= 0xDFFF:
			return nil, p.fail("lone leading surrogate in hex escape")
		case r >= 0xD800 && r <= 0xDBFF:
			if p.i+1 >= len(p.s) || p.s[p.i] != '\\' || p.s[p.i+1] != 'u' {
				return nil, p.fail("unexpected end of hex escape")
			}
			p.i += 2
			lo, err := p.hex4()
			if err != nil {
				return nil, err
			}
			if lo < 0xDC00 || lo > 0xDFFF {
				return nil, p.fail("lone leading surrogate in hex escape")
			}
			r = 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00)
		}
		return utf8.AppendRune(buf, r), nil
	}
	p.i--
	return nil, p.fail("invalid escape")
}

// hex4 reads the four hex digits of a \u escape.
func (p *parser) hex4() (rune, error) {
	var r rune
	for k := 0; k < 4; k++ {
		if p.i >= len(p.s) {
			return 0, p.fail("EOF while parsing a string")
		}
		c := p.s[p.i]
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, p.fail("invalid escape")
		}
		r = r<<4 | rune(d)
		p.i++
	}
	return r, nil
}
