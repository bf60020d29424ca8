// Package duration parses the original cache's duration strings
// (docs/SPEC.md §3): "10", "1.5h", "500ms", "3 mins", ...
package duration

import (
	"errors"
	"math"
	"strings"
)

// DefaultSeconds is what an empty (or all-space) duration means.
const DefaultSeconds = 600

// suffixes are tried in this order; the first that ends the lower-cased
// text wins. The multipliers are those of the original, ms being
// 1.0/1000.0 multiplied (not divided) to round as it does.
var suffixes = [...]struct {
	suffix     string
	multiplier float64
}{
	{"secs", 1},
	{"sec", 1},
	{"ms", 1.0 / 1000.0},
	{"mins", 60},
	{"min", 60},
	{"hrs", 3600},
	{"hr", 3600},
	{"s", 1},
	{"m", 60},
	{"h", 3600},
	{"d", 86400},
}

// Parse returns the number of seconds text means, as the original's
// parse_duration_seconds computes it:
//
//  1. text is trimmed (Unicode white space); empty means DefaultSeconds;
//  2. an unsigned 64-bit integer (optional leading '+') is that many seconds;
//  3. otherwise the ASCII-lower-cased text must end in one of secs, sec, ms,
//     mins, min, hrs, hr, s, m, h, d (the first match wins) after a decimal
//     number as Rust's f64::from_str reads it (inf, infinity and nan too);
//     the result is ceil(max(x, 0) × multiplier), saturating at 2^64-1, and
//     0 for NaN.
//
// Errors, with text quoted as Rust's {:?} quotes it (see Quote):
// `cache duration "<text>" has an invalid number` when a suffix matched but
// the number did not parse, `cache duration "<text>" must use ms, s, m, h,
// or d` when no suffix matched.
func Parse(text string) (uint64, error) {
	trimmed := strings.TrimSpace(text)
	if trimmed == "" {
		return DefaultSeconds, nil
	}
	if n, ok := parseUint(trimmed); ok {
		return n, nil
	}
	lower := asciiLower(trimmed)
	for _, s := range suffixes {
		number, ok := strings.CutSuffix(lower, s.suffix)
		if !ok {
			continue
		}
		x, ok := parseFloat(strings.TrimSpace(number))
		if !ok {
			return 0, errors.New("cache duration " + Quote(text) + " has an invalid number")
		}
		return seconds(x, s.multiplier), nil
	}
	return 0, errors.New("cache duration " + Quote(text) + " must use ms, s, m, h, or d")
}

// seconds computes (x.max(0.0) * multiplier).ceil() as u64 with Rust's
// semantics: f64::max ignores NaN, and the cast saturates.
func seconds(x, multiplier float64) uint64 {
	if math.IsNaN(x) || x < 0 {
		x = 0
	}
	y := math.Ceil(x * multiplier)
	switch {
	case math.IsNaN(y) || y <= 0:
		return 0
	case y >= 1<<64:
		return math.MaxUint64
	}
	return uint64(y)
}

// parseUint parses s as Rust's u64::from_str does: an optional '+', then
// one or more ASCII digits, no overflow.
func parseUint(s string) (uint64, bool) {
	s, _ = strings.CutPrefix(s, "+")
	if s == "" {
		return 0, false
	}
	var n uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if n > (math.MaxUint64-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	return n, true
}

// asciiLower lower-cases the ASCII letters of s and leaves every other byte
// alone, as Rust's str::to_ascii_lowercase does.
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}
