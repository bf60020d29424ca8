package duration

import "testing"

// Expectations checked against Rust's {:?} (the oracle) where an argv can
// carry them; \0 from Rust's documented escape_debug.
func TestQuote(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", `""`},
		{"plain text", `"plain text"`},
		{"\x00", `"\0"`},
		{"\t\r\n", `"\t\r\n"`},
		{`a"b\c`, `"a\"b\\c"`},
		{"'", `"'"`},
		{"\x01\x07\x1b\x1f", `"\u{1}\u{7}\u{1b}\u{1f}"`},
		{"\x7f", `"\u{7f}"`},
		{"\u0080\u009f", `"\u{80}\u{9f}"`},
		{"\u00a0", `"\u{a0}"`},
		{"\u00ad", `"\u{ad}"`},
		{"é ✓ 🌍 Привет 你好", `"é ✓ 🌍 Привет 你好"`},
		{"e\u0301", `"e\u{301}"`},
		{"\u200b\u200d\u2028\u2029\ufeff", `"\u{200b}\u{200d}\u{2028}\u{2029}\u{feff}"`},
		{"\U000e0001", `"\u{e0001}"`},
		{"\U0010ffff", `"\u{10ffff}"`},
		{"\uE000", `"\u{e000}"`},
		{"\U000105C0", "\"\U000105C0\""}, // Todhri (Unicode 16): raw in Rust
		{"\u0CC0", `"\u{cc0}"`},          // Kannada sign: grapheme extender in Rust
		{"a\xffb", "\"a\uFFFDb\""},
	}
	for _, tt := range tests {
		if got := Quote(tt.in); got != tt.want {
			t.Errorf("Quote(%q) = %s, want %s", tt.in, got, tt.want)
		}
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
