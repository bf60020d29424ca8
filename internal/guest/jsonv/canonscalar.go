package jsonv

import (
	"math"
	"strconv"
	"unicode/utf8"
)

// appendStringLit appends the string literal at s[i] (its opening quote)
// as AppendString writes the text it stands for, and returns the index
// after its closing quote. ok is false where Parse fails: an escape it
// rejects (a lone surrogate among them), a control character, invalid
// UTF-8, no closing quote. Plain text is copied in runs; only escapes are
// decoded and written again.
func appendStringLit(out, s []byte, i int) (_ []byte, next int, ok bool) {
	out = append(out, '"')
	i++
	start := i // s[start:i] is pending, to be copied as it is
	for {
		i = plainRun(s, i)
		if i >= len(s) {
			return out, i, false
		}
		switch c := s[i]; {
		case c == '"':
			return append(out, s[start:i+1]...), i + 1, true
		case c == '\\':
			out = append(out, s[start:i]...)
			var r rune
			if r, i = unescape(s, i); r < 0 {
				return out, i, false
			}
			out = appendRune(out, r)
			start = i
		case c < 0x20:
			return out, i, false
		default:
			r, size := utf8.DecodeRune(s[i:])
			if r == utf8.RuneError && size == 1 {
				return out, i, false
			}
			i += size
		}
	}
}

// unescape decodes the escape at s[i] (a backslash) as Parse does, and
// returns the rune and the index after the escape; the rune is -1 for an
// escape Parse rejects.
func unescape(s []byte, i int) (rune, int) {
	if i+1 >= len(s) {
		return -1, i
	}
	c := s[i+1]
	if shortUnescapes[c] != 0 {
		return rune(shortUnescapes[c]), i + 2
	}
	switch c {
	case 'u':
		r := hex4(s, i+2)
		switch {
		case r >= 0xD800 && r <= 0xDBFF: // a leading surrogate: its pair must follow
			if i+7 >= len(s) || s[i+6] != '\\' || s[i+7] != 'u' {
				return -1, i
			}
			lo := hex4(s, i+8)
			if lo < 0xDC00 || lo > 0xDFFF {
				return -1, i
			}
			return 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00), i + 12
		case r >= 0xDC00 && r <= 0xDFFF: // a lone trailing surrogate
			return -1, i
		}
		return r, i + 6 // -1 when hex4 failed
	}
	return -1, i
}

// hex4 returns the value of the four hex digits at s[i:], or -1.
func hex4(s []byte, i int) rune {
	if i+4 > len(s) {
		return -1
	}
	var r rune
	for _, c := range s[i : i+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return -1
		}
		r = r<<4 | rune(c)
	}
	return r
}

// appendRune appends r as AppendString writes it inside a literal.
func appendRune(out []byte, r rune) []byte {
	if r >= utf8.RuneSelf {
		return utf8.AppendRune(out, r)
	}
	c := byte(r)
	if e := shortEscapes[c]; e != 0 {
		return append(out, '\\', e)
	}
	if c < 0x20 {
		return append(out, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
	}
	return append(out, c)
}

// appendNumber appends the number at s[i] ('-' or a digit) as
// AppendCompact writes the value Parse reads from it, and returns the
// index after it; ok is false where Parse fails. The text is copied as it
// is when that is its canonical form (integers of int64 or uint64, floats
// isShortPlainFloat accepts), and converted otherwise.
func appendNumber(out, s []byte, i int) (_ []byte, next int, ok bool) {
	start := i
	if s[i] == '-' {
		i++
	}
	digits := i
	switch {
	case i >= len(s):
		return out, i, false
	case s[i] == '0':
		i++
		if i < len(s) && isDigit(s[i]) {
			return out, i, false
		}
	case isDigit(s[i]):
		i = skipDigits(s, i)
	default:
		return out, i, false
	}
	nDigits := i - digits
	isFloat := false
	if i < len(s) && s[i] == '.' {
		isFloat = true
		if i+1 >= len(s) || !isDigit(s[i+1]) {
			return out, i, false
		}
		i = skipDigits(s, i+1)
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		isFloat = true
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i >= len(s) || !isDigit(s[i]) {
			return out, i, false
		}
		i = skipDigits(s, i)
	}
	text := s[start:i]
	switch {
	case !isFloat && nDigits == 1 && s[digits] == '0' && digits > start:
		return append(out, "-0.0"...), i, true // -0 is the float -0.0
	case !isFloat && nDigits <= 18:
		return append(out, text...), i, true // an int64
	case !isFloat:
		if u, err := strconv.ParseUint(string(s[digits:i]), 10, 64); err == nil && (digits == start || u <= 1<<63) {
			return append(out, text...), i, true // an int64 or a uint64
		}
	case isShortPlainFloat(text):
		return append(out, text...), i, true
	}
	f, err := strconv.ParseFloat(string(text), 64)
	if err != nil || math.IsInf(f, 0) {
		return out, i, false // out of range
	}
	return AppendFloat(out, f), i, true
}

// skipDigits returns the index of the first byte of s at or after i that
// is not an ASCII digit, or len(s).
func skipDigits(s []byte, i int) int {
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return i
}
