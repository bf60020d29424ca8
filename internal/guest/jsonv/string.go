package jsonv

import "unicode/utf8"

// hexDigits are the lower-case digits serde_json uses in \u00xx escapes.
const hexDigits = "0123456789abcdef"

// shortEscapes maps the ASCII bytes serde_json escapes in a short form to
// the letter written after the backslash; the other bytes below 0x20 are
// written as \u00xx.
var shortEscapes = [utf8.RuneSelf]byte{'"': '"', '\\': '\\', '\b': 'b', '\t': 't', '\n': 'n', '\f': 'f', '\r': 'r'}

// shortUnescapes maps the letter after a backslash in JSON's one-letter
// escapes to the byte it stands for (0: not one of them); any byte indexes it.
var shortUnescapes = [256]byte{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

// AppendString appends s as a JSON string literal, escaped exactly as
// serde_json escapes: `"` and `\` with a backslash; \b \t \n \f \r in their
// short forms; other bytes below 0x20 as \u00xx (lower-case hex). Everything
// else is written raw, including '/', '<', '>', '&', DEL, U+2028, U+2029 and
// all non-ASCII text. Bytes of s that are not valid UTF-8 are written as
// U+FFFD.
func AppendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0 // s[start:i] is pending raw output
	for i := 0; i < len(s); {
		i = plainRun(s, i) // the common case
		if i >= len(s) {
			break
		}
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				dst = append(dst, s[start:i]...)
				dst = append(dst, "\uFFFD"...)
				i++
				start = i
				continue
			}
			i += size
			continue
		}
		dst = append(dst, s[start:i]...)
		if e := shortEscapes[c]; e != 0 {
			dst = append(dst, '\\', e)
		} else {
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
		}
		i++
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
