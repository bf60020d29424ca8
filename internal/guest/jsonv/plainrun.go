package jsonv

// plainRun returns the index of the first byte of s at or after i that is
// not plainASCII (a byte a canonical string holds as it is), or len(s).
// Eight bytes are tested at a time: Go compiles the shifted loads below to
// one 64-bit load, and the string scans that use plainRun (parsing,
// checking and writing strings) are most of the guest's time on long text.
func plainRun[T string | []byte](s T, i int) int {
	for ; i+8 <= len(s); i += 8 {
		w := s[i : i+8]
		x := uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
			uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
		if !plainWord(x) {
			break // the byte loop finds which one
		}
	}
	for i < len(s) && plainASCII[s[i]] {
		i++
	}
	return i
}

// plainWord reports whether all eight bytes of x are plainASCII: none of
// them is 0x80 or above, below 0x20, '"' or '\\'. The tests are the
// classic word-at-a-time ones (a byte below n: (x - n*ones) &^ x & highs,
// exact about whether one exists for n <= 0x80), a false answer only costs
// the byte loop.
func plainWord(x uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	quote, backslash := x^('"'*ones), x^('\\'*ones)
	bad := x | (x-0x20*ones)&^x |
		(quote-ones)&^quote | (backslash-ones)&^backslash
	return bad&highs == 0
}
