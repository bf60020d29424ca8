package duration

import (
	"fmt"
	"testing"
)

// Expectations checked against Rust's {:?} (the oracle) where an argv can
// carry them; \0 from Rust's documented escape_debug.
func TestQuote(t *testing.T) {
	check := func(in, want string) {
		t.Helper()
		if got := Quote(in); got != want {
			t.Errorf("Quote(%q) = %s, want %s", in, got, want)
		}
	}
	for _, tt := range []struct{ in, want string }{
		{"", `""`},
		{"\x00", `"\0"`},
		{"\t\r\n", `"\t\r\n"`},
		{`a"b\c`, `"a\"b\\c"`},
		{"\x01\x07\x1b\x1f", `"\u{1}\u{7}\u{1b}\u{1f}"`},
		{"e\u0301", `"e\u{301}"`},
		{"a\xffb", "\"a\uFFFDb\""},
	} {
		check(tt.in, tt.want)
	}
	// Written raw.
	for _, in := range []string{
		"plain text", "'", "é ✓ 🌍 Привет 你好",
		"\U000105C0", // Todhri (Unicode 16)
	} {
		check(in, `"`+in+`"`)
	}
	// Written as \u{hex}.
	for _, r := range []rune{
		0x7f, 0x80, 0x9f, 0xa0, 0xad, 0x200b, 0x200d, 0x2028, 0x2029, 0xfeff, 0xe0001, 0x10ffff, 0xe000,
		0xcc0, // Kannada sign: grapheme extender in Rust
	} {
		check(string(r), fmt.Sprintf(`"\u{%x}"`, r))
	}
}

func TestRangesSorted(t *testing.T) {
	for name, rs := range map[string][]runeRange{"rustRaw": rustRaw, "rustEscaped": rustEscaped} {
		for i, r := range rs {
			if r.lo > r.hi || i > 0 && rs[i-1].hi >= r.lo {
				t.Errorf("%s[%d] = %x..%x out of order", name, i, r.lo, r.hi)
			}
		}
	}
}
