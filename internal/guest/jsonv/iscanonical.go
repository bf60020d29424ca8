package jsonv

import (
	"bytes"
	"strconv"
	"unicode/utf8"
)

// IsCanonical reports whether data is exactly what Parse followed by
// AppendCompact would produce from it: valid JSON, no whitespace, object
// keys in strictly increasing byte order, strings and numbers in serde_json's
// form. It allocates nothing, so callers can skip building a Value for text
// that is already canonical (what sandcache and the original store).
//
// It may answer false for some canonical texts (object keys with escapes);
// it never answers true for a text that is not canonical.
func IsCanonical(data []byte) bool {
	return quickCanonical(data) || fullCanonical(data)
}

// fullCanonical is IsCanonical's full check, token by token; it decides
// what quickCanonical leaves.
func fullCanonical(data []byte) bool {
	c := canonChecker{s: data}
	return c.value(0) && c.i == len(data)
}

type canonChecker struct {
	s []byte
	i int
}

func (c *canonChecker) value(depth int) bool {
	if c.i >= len(c.s) {
		return false
	}
	switch c.s[c.i] {
	case '{':
		return c.object(depth + 1)
	case '[':
		return c.array(depth + 1)
	}
	return c.scalar()
}

// scalar checks the string, number or literal at c.i.
func (c *canonChecker) scalar() bool {
	if c.i >= len(c.s) {
		return false
	}
	switch b := c.s[c.i]; {
	case b == '"':
		_, ok := c.str()
		return ok
	case b == '-' || '0' <= b && b <= '9':
		return c.number()
	case b == 't':
		return c.word("true")
	case b == 'f':
		return c.word("false")
	case b == 'n':
		return c.word("null")
	}
	return false
}

func (c *canonChecker) word(w string) bool {
	if !bytes.HasPrefix(c.s[c.i:], []byte(w)) {
		return false
	}
	c.i += len(w)
	return true
}

func (c *canonChecker) array(depth int) bool {
	if empty, ok := c.open(depth, ']'); empty || !ok {
		return ok
	}
	for {
		if !c.value(depth) {
			return false
		}
		if end, ok := c.next(']'); end || !ok {
			return ok
		}
	}
}

func (c *canonChecker) object(depth int) bool {
	if empty, ok := c.open(depth, '}'); empty || !ok {
		return ok
	}
	var prev []byte
	for {
		if c.i >= len(c.s) || c.s[c.i] != '"' {
			return false
		}
		key, ok := c.str()
		// A key with escapes would need unescaping to compare: leave it
		// to the full parser.
		if !ok || bytes.IndexByte(key, '\\') >= 0 {
			return false
		}
		if prev != nil && bytes.Compare(prev, key) >= 0 {
			return false // unsorted or duplicate
		}
		prev = key
		if c.i >= len(c.s) || c.s[c.i] != ':' {
			return false
		}
		c.i++
		if !c.value(depth) {
			return false
		}
		if end, ok := c.next('}'); end || !ok {
			return ok
		}
	}
}

// open reads the opening bracket of a container at c.i, nested depth deep;
// empty is true when close follows at once (the container is read). ok is
// false past MaxDepth.
func (c *canonChecker) open(depth int, close byte) (empty, ok bool) {
	if depth > MaxDepth {
		return false, false
	}
	c.i++ // [ or {
	if c.i < len(c.s) && c.s[c.i] == close {
		c.i++
		return true, true
	}
	return false, true
}

// next reads what follows an element of a container: ',' (another element
// follows) or close (end is true: the container is read). ok is false for
// anything else or the end of the text.
func (c *canonChecker) next(close byte) (end, ok bool) {
	if c.i >= len(c.s) {
		return false, false
	}
	switch c.s[c.i] {
	case ',':
		c.i++
		return false, true
	case close:
		c.i++
		return true, true
	}
	return false, false
}

// str checks a string at c.i and returns its raw content (between quotes).
func (c *canonChecker) str() ([]byte, bool) {
	c.i++ // "
	start := c.i
	for c.i < len(c.s) {
		// The plain ASCII run (most of a value's bytes).
		s, i := c.s, plainRun(c.s, c.i)
		c.i = i
		if i >= len(s) {
			break
		}
		switch b := s[i]; {
		case b == '"':
			c.i++
			return s[start:i], true
		case b < 0x20:
			return nil, false
		case b == '\\':
			if !c.escape() {
				return nil, false
			}
		default:
			r, size := utf8.DecodeRune(s[i:])
			if r == utf8.RuneError && size == 1 {
				return nil, false
			}
			c.i += size
		}
	}
	return nil, false
}

// plainASCII marks the bytes a canonical string holds as they are: ASCII
// from 0x20 up, but for '"' and '\\'.
var plainASCII = func() (t [256]bool) {
	for b := 0x20; b < utf8.RuneSelf; b++ {
		t[b] = b != '"' && b != '\\'
	}
	return t
}()

// escape checks that the escape at c.i is the one serde_json writes.
func (c *canonChecker) escape() bool {
	if c.i+1 >= len(c.s) {
		return false
	}
	switch c.s[c.i+1] {
	case '"', '\\', 'b', 'f', 'n', 'r', 't':
		c.i += 2
		return true
	case 'u':
		// Only control characters other than \b \f \n \r \t, as \u00xx
		// with lower-case hex.
		if c.i+6 > len(c.s) || string(c.s[c.i+2:c.i+4]) != "00" {
			return false
		}
		hi, lo := c.s[c.i+4], c.s[c.i+5]
		if hi != '0' && hi != '1' || !('0' <= lo && lo <= '9' || 'a' <= lo && lo <= 'f') {
			return false
		}
		switch string(c.s[c.i+4 : c.i+6]) {
		case "08", "09", "0a", "0c", "0d":
			return false
		}
		c.i += 6
		return true
	}
	return false
}

// number checks that the number at c.i is written as serde_json writes the
// value it parses to.
func (c *canonChecker) number() bool {
	start := c.i
	isFloat := false
	for c.i < len(c.s) {
		b := c.s[c.i]
		if '0' <= b && b <= '9' || b == '-' || b == '+' {
			c.i++
			continue
		}
		if b == '.' || b == 'e' || b == 'E' {
			isFloat = true
			c.i++
			continue
		}
		break
	}
	text := c.s[start:c.i]
	if !isFloat {
		// An integer that fits i64 or u64, in its shortest form; "-0"
		// parses as the float -0.0.
		if len(text) == 0 || string(text) == "-0" {
			return false
		}
		digits := text
		if digits[0] == '-' {
			digits = digits[1:]
		}
		if len(digits) == 0 || digits[0] == '0' && len(digits) > 1 {
			return false
		}
		if len(digits) <= 18 && allDigits(digits) {
			return true // fits int64 and uint64
		}
		var buf [24]byte
		if text[0] == '-' {
			n, err := strconv.ParseInt(string(text), 10, 64)
			return err == nil && bytes.Equal(strconv.AppendInt(buf[:0], n, 10), text)
		}
		n, err := strconv.ParseUint(string(text), 10, 64)
		return err == nil && bytes.Equal(strconv.AppendUint(buf[:0], n, 10), text)
	}
	if isShortPlainFloat(text) {
		return true
	}
	f, err := strconv.ParseFloat(string(text), 64)
	if err != nil {
		return false
	}
	var buf [40]byte
	return bytes.Equal(AppendFloat(buf[:0], f), text)
}

// isShortPlainFloat reports, without converting it, that text is a float
// as AppendFloat writes it in plain decimal with at most 15 significant
// digits (a false answer decides nothing). Such digits are the shortest
// that round-trip: two decimals of at most 15 significant digits never
// round to the same float64, so no shorter decimal reads back as the same
// value. What remains is AppendFloat's layout for 10^(k-1) <= |f| < 10^k:
// integral values with k <= 16 end in ".0" ("1000.0"), others with
// 0 < k <= 16 split their digits at the point ("12.34"), and -5 < k <= 0
// writes "0." and -k zeros before them ("0.001234"); no trailing zero
// after the point except the one of ".0", and ±0 is "0.0" or "-0.0". It
// spares a get-hit's check of a stored value the float round trip, about
// a third of the guest's time on a small value with one float.
func isShortPlainFloat(text []byte) bool {
	if len(text) > 0 && text[0] == '-' {
		text = text[1:]
	}
	point := bytes.IndexByte(text, '.')
	if point <= 0 {
		return false
	}
	whole, frac := text[:point], text[point+1:]
	if len(frac) == 0 || !allDigits(whole) || !allDigits(frac) {
		return false
	}
	if whole[0] == '0' {
		if len(whole) != 1 {
			return false
		}
		if len(frac) == 1 && frac[0] == '0' {
			return true // 0.0
		}
		d := bytes.TrimLeft(frac, "0")
		zeros := len(frac) - len(d)
		return len(d) > 0 && zeros <= 4 && len(d) <= 15 && d[len(d)-1] != '0'
	}
	if len(whole) > 16 {
		return false
	}
	if len(frac) == 1 && frac[0] == '0' {
		return len(bytes.TrimRight(whole, "0")) <= 15
	}
	return frac[len(frac)-1] != '0' && len(whole)+len(frac) <= 15
}

// allDigits reports whether b holds only ASCII digits.
func allDigits(b []byte) bool {
	for _, c := range b {
		if !isDigit(c) {
			return false
		}
	}
	return true
}
