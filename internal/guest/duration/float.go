package duration

import (
	"math"
	"strconv"
	"strings"
)

// parseFloat parses s as Rust's f64::from_str does: an optional sign, then
// either inf, infinity or nan (any case), or a decimal number
// digits[.digits][(e|E)[sign]digits] with at least one digit before or
// after the point ("1." and ".5" are numbers, "." is not). No hex, no
// underscores, no surrounding space. The result is correctly rounded.
func parseFloat(s string) (float64, bool) {
	body := s
	neg := false
	if body != "" && (body[0] == '+' || body[0] == '-') {
		neg = body[0] == '-'
		body = body[1:]
	}
	switch {
	case strings.EqualFold(body, "inf"), strings.EqualFold(body, "infinity"):
		return math.Inf(sign(neg)), true
	case strings.EqualFold(body, "nan"):
		return math.NaN(), true
	}
	if !isDecimal(body) {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !isRangeError(err) {
		return 0, false
	}
	return f, true // out of range: ParseFloat gives ±Inf, as Rust does
}

// sign returns -1 when neg, else 1.
func sign(neg bool) int {
	if neg {
		return -1
	}
	return 1
}

// isRangeError reports whether err is strconv's "value out of range".
func isRangeError(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// isDecimal reports whether s (without sign) matches
// digits[.digits][(e|E)[+|-]digits] with at least one mantissa digit.
func isDecimal(s string) bool {
	i, mantissa := 0, 0
	for i < len(s) && isDigit(s[i]) {
		i, mantissa = i+1, mantissa+1
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && isDigit(s[i]) {
			i, mantissa = i+1, mantissa+1
		}
	}
	if mantissa == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		exp := 0
		for i < len(s) && isDigit(s[i]) {
			i, exp = i+1, exp+1
		}
		if exp == 0 {
			return false
		}
	}
	return i == len(s)
}

// isDigit reports whether c is an ASCII digit.
func isDigit(c byte) bool { return c >= '0' && c <= '9' }
