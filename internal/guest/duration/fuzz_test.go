package duration

import (
	"strconv"
	"strings"
	"testing"
)

// FuzzParse checks that Parse never panics, that its errors are exactly
// the original's two texts with the argument quoted as Rust quotes it, and
// that the result ignores ASCII case and surrounding white space, as the
// original's trim and to_ascii_lowercase make it. The seed corpus is in
// testdata/fuzz/FuzzParse; `go test` runs it.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"", "  ", "10", "+10", "1.5h", "500ms", "2d", "3 mins", "-5s", "5 weeks", "1w", "1e3s", "inf s",
		"NaN ms", "infinity h", ".5m", "1.s", "18446744073709551615", "18446744073709551616",
		"99999999999999999999999d", "1e309s", "0x10s", "1_000s", "\u00a010s\u2003", "1 SEC", "ms", "s",
		"\x00", "\xff", "1\ns", "１s",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		n, err := Parse(text)
		if err != nil {
			q := Quote(text)
			msg := err.Error()
			if msg != "cache duration "+q+" has an invalid number" && msg != "cache duration "+q+" must use ms, s, m, h, or d" {
				t.Fatalf("Parse(%q): unexpected error text %q", text, msg)
			}
		}
		kind := func(err error) string {
			switch {
			case err == nil:
				return "ok"
			case strings.HasSuffix(err.Error(), "has an invalid number"):
				return "number"
			}
			return "suffix"
		}
		// ASCII case does not matter.
		up := strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' {
				return r - 'a' + 'A'
			}
			return r
		}, text)
		if n2, err2 := Parse(up); n2 != n || kind(err2) != kind(err) {
			t.Fatalf("Parse(%q) = %d, %v but Parse(%q) = %d, %v", text, n, err, up, n2, err2)
		}
		// Surrounding white space does not matter.
		padded := " \t" + text + "\n "
		if n2, err2 := Parse(padded); n2 != n || kind(err2) != kind(err) {
			t.Fatalf("Parse(%q) = %d, %v but Parse(%q) = %d, %v", text, n, err, padded, n2, err2)
		}
		// Plain integers are seconds; with a seconds suffix too.
		trimmed := strings.TrimSpace(text)
		if u, perr := strconv.ParseUint(trimmed, 10, 64); perr == nil && trimmed != "" && trimmed[0] != '+' {
			if err != nil || n != u {
				t.Fatalf("Parse(%q) = %d, %v; want %d", text, n, err, u)
			}
			if u < 1<<53 {
				if n2, err2 := Parse(trimmed + "s"); err2 != nil || n2 != u {
					t.Fatalf("Parse(%q) = %d, %v; want %d", trimmed+"s", n2, err2, u)
				}
			}
		}
	})
}
