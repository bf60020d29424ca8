package jsonv

import (
	"math/rand/v2"
	"testing"
)

// TestPlainRun compares plainRun with a byte-at-a-time scan over random
// text mixing plain bytes with every other byte value at every offset.
func TestPlainRun(t *testing.T) {
	slow := func(s []byte, i int) int {
		for i < len(s) && plainASCII[s[i]] {
			i++
		}
		return i
	}
	r := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < 200000; n++ {
		s := make([]byte, r.IntN(40))
		for j := range s {
			s[j] = byte(0x20 + r.IntN(0x5f))
			if r.IntN(12) == 0 {
				s[j] = byte(r.IntN(256))
			}
		}
		i := 0
		if len(s) > 0 {
			i = r.IntN(len(s))
		}
		if got, want := plainRun(s, i), slow(s, i); got != want {
			t.Fatalf("plainRun(%q, %d) = %d, want %d", s, i, got, want)
		}
		if got, want := plainRun(string(s), i), slow(s, i); got != want {
			t.Fatalf("plainRun(string %q, %d) = %d, want %d", s, i, got, want)
		}
	}
	for b := 0; b < 256; b++ {
		for at := 0; at < 8; at++ {
			s := []byte("abcdefghijklmnop")
			s[at] = byte(b)
			if got, want := plainRun(s, 0), slow(s, 0); got != want {
				t.Fatalf("byte %#x at %d: plainRun = %d, want %d", b, at, got, want)
			}
		}
	}
}
