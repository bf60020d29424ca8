package jsonv

import (
	"math"
	"strconv"
)

// AppendFloat appends f as serde_json 1.0.149 writes an f64 (its zmij
// formatter, which is ryu's output with a '+' on positive exponents):
//
//   - the shortest digits that round-trip;
//   - with k the decimal exponent (10^(k-1) <= |f| < 10^k), plain decimal
//     when -5 < k <= 16, integral values keeping ".0" (1.0, -0.0,
//     1000000000000000.0, 0.0001);
//   - otherwise scientific, d[.ddd]e±x: 1e+16, 1e+21, 1.5e-7, 1e-6.
//
// NaN and ±Inf are written as null, as the original stores them.
func AppendFloat(dst []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(dst, "null"...)
	}
	if f == 0 {
		if math.Signbit(f) {
			return append(dst, "-0.0"...)
		}
		return append(dst, "0.0"...)
	}
	if f < 0 {
		dst = append(dst, '-')
		f = -f
	}
	// Shortest digits via strconv in scientific form "d.ddde±xx", moved to a
	// stack buffer so dst can be rewritten in place.
	start := len(dst)
	dst = strconv.AppendFloat(dst, f, 'e', -1, 64)
	var sci [32]byte
	n := copy(sci[:], dst[start:])
	dst = dst[:start]

	var digits [17]byte
	nd := 0
	i := 0
	for ; i < n && sci[i] != 'e'; i++ {
		if sci[i] != '.' {
			digits[nd] = sci[i]
			nd++
		}
	}
	exp := 0
	expNeg := false
	for i++; i < n; i++ {
		switch c := sci[i]; c {
		case '-':
			expNeg = true
		case '+':
		default:
			exp = exp*10 + int(c-'0')
		}
	}
	if expNeg {
		exp = -exp
	}
	d := digits[:nd]
	k := exp + 1 // 10^(k-1) <= f < 10^k

	switch {
	case k >= nd && k <= 16: // 1234e7 -> 12340000000.0
		dst = append(dst, d...)
		for j := nd; j < k; j++ {
			dst = append(dst, '0')
		}
		return append(dst, '.', '0')
	case k > 0 && k <= 16: // 1234e-2 -> 12.34
		dst = append(dst, d[:k]...)
		dst = append(dst, '.')
		return append(dst, d[k:]...)
	case k > -5 && k <= 0: // 1234e-6 -> 0.001234
		dst = append(dst, '0', '.')
		for j := k; j < 0; j++ {
			dst = append(dst, '0')
		}
		return append(dst, d...)
	}
	dst = append(dst, d[0])
	if nd > 1 {
		dst = append(dst, '.')
		dst = append(dst, d[1:]...)
	}
	dst = append(dst, 'e')
	if e := k - 1; e < 0 {
		dst = append(dst, '-')
		dst = strconv.AppendInt(dst, int64(-e), 10)
	} else {
		dst = append(dst, '+')
		dst = strconv.AppendInt(dst, int64(e), 10)
	}
	return dst
}
