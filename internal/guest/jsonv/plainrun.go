package jsonv

import "math/bits"

// plainRun returns the index of the first byte of s at or after i that is
// not plainASCII (a byte a canonical string holds as it is), or len(s).
// Eight bytes are tested at a time: Go compiles the shifted loads below to
// one 64-bit load, and the string scans that use plainRun (parsing,
// checking and writing strings) are most of the guest's time on long text.
// The word that holds the byte tells which one it is (its lowest flagged
// byte), so only the last bytes of s are ever tested one at a time: in Go
// compiled to wasm every turn of a loop costs a dispatch.
func plainRun[T string | []byte](s T, i int) int {
	for ; i+8 <= len(s); i += 8 {
		w := s[i : i+8]
		x := uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
			uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
		if bad := notPlain(x); bad != 0 {
			return i + bits.TrailingZeros64(bad)/8
		}
	}
	for i < len(s) && plainASCII[s[i]] {
		i++
	}
	return i
}

// notPlain returns the high bits of the bytes of x (little-endian) that
// may not be plainASCII: 0x80 or above, below 0x20, '"' or '\\'. The tests
// are the classic word-at-a-time ones (a byte below n: (x - n*ones) &^ x &
// highs): a flagged byte above a truly non-plain one may be plain (a
// borrow), but the lowest flagged byte is always exact, and a word of
// plain bytes has none.
func notPlain(x uint64) uint64 {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	quote, backslash := x^('"'*ones), x^('\\'*ones)
	bad := x | (x-0x20*ones)&^x |
		(quote-ones)&^quote | (backslash-ones)&^backslash
	return bad & highs
}
