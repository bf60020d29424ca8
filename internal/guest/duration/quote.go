package duration

import (
	"slices"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// Quote returns s in double quotes as Rust's {:?} formats a str, the form
// the original's error messages use: \0 \t \r \n \\ \" escaped with a
// backslash; grapheme extenders and characters that are not printable
// (controls, format characters, separators other than ' ', unassigned code
// points) as \u{hex} in lower-case hex; everything else raw, the single quote included.
// Bytes that are not valid UTF-8 count as U+FFFD.
func Quote(s string) string {
	b := make([]byte, 0, len(s)+2)
	b = append(b, '"')
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if r < utf8.RuneSelf && rustShortEscapes[r] != 0 {
			b = append(b, '\\', rustShortEscapes[r])
		} else if rustEscapes(r) {
			b = append(b, '\\', 'u', '{')
			b = strconv.AppendUint(b, uint64(r), 16)
			b = append(b, '}')
		} else {
			b = utf8.AppendRune(b, r)
		}
	}
	return string(append(b, '"'))
}

// rustShortEscapes maps the ASCII characters Rust's {:?} escapes with a
// backslash to the character written after it (0 for the others).
var rustShortEscapes = [utf8.RuneSelf]byte{0: '0', '\t': 't', '\r': 'r', '\n': 'n', '\\': '\\', '"': '"'}

// rustEscapes reports whether Rust's {:?} writes r (not one of the
// backslash-escaped characters) as \u{hex}.
func rustEscapes(r rune) bool {
	if r < 0x7f {
		return r < 0x20
	}
	switch {
	case inRanges(rustRaw, r):
		return false
	case inRanges(rustEscaped, r):
		return true
	}
	return isGraphemeExtend(r) || !isPrintable(r)
}

// runeRange is an inclusive range of code points.
type runeRange struct{ lo, hi rune }

// inRanges reports whether r is in one of the sorted, disjoint ranges rs.
func inRanges(rs []runeRange, r rune) bool {
	i, _ := slices.BinarySearchFunc(rs, r, func(rr runeRange, r rune) int {
		switch {
		case rr.hi < r:
			return -1
		case rr.lo > r:
			return 1
		}
		return 0
	})
	return i < len(rs) && rs[i].lo <= r && r <= rs[i].hi
}

// isGraphemeExtend reports the Unicode Grapheme_Extend property
// (Mn + Me + Other_Grapheme_Extend).
func isGraphemeExtend(r rune) bool {
	return r >= 0x300 && unicode.In(r, unicode.Mn, unicode.Me, unicode.Other_Grapheme_Extend)
}

// isPrintable follows Rust's core::unicode::printable: a character is
// printable unless it is a control, format, surrogate, private-use or
// unassigned code point, or a separator other than ' '.
func isPrintable(r rune) bool {
	switch {
	case r < 0x20:
		return false
	case r < 0x7f:
		return true
	}
	return unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S)
}
