package filecap

import (
	"math/rand/v2"
	"strconv"
	"unicode/utf8"
)

// Temp files are named ".<name>.<16 hex>.tmp", name shortened (at a rune
// boundary) so the whole stays within MaxNameBytes.
const (
	tempRandLen = 16
	tempSuffix  = ".tmp"
	tempExtra   = 1 + 1 + tempRandLen + len(tempSuffix) // ".", ".", hex, ".tmp"
)

// tempName returns a fresh temp file name for name.
func tempName(name string) string {
	if max := MaxNameBytes - tempExtra; len(name) > max {
		name = name[:max]
		for len(name) > 0 && !utf8.ValidString(name) {
			name = name[:len(name)-1]
		}
	}
	h := strconv.FormatUint(rand.Uint64(), 16)
	for len(h) < tempRandLen {
		h = "0" + h
	}
	return "." + name + "." + h + tempSuffix
}

// IsTempName reports whether name has the form of a temp file of
// WriteAtomic: ".<name>.<16 hex>.tmp".
func IsTempName(name string) bool {
	n := len(name)
	if n < tempExtra || name[0] != '.' || name[n-len(tempSuffix):] != tempSuffix || name[n-tempExtra+1] != '.' {
		return false
	}
	for _, c := range []byte(name[n-len(tempSuffix)-tempRandLen : n-len(tempSuffix)]) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
