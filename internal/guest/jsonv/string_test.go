package jsonv

import "testing"

func TestAppendString(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", `""`},
		{"plain", "hello", `"hello"`},
		{"quote backslash", `a"b\c`, `"a\"b\\c"`},
		{"short escapes", "\b\t\n\f\r", `"\b\t\n\f\r"`},
		{"other controls", "\x00\x01\x0b\x0e\x1f", `"\u0000\u0001\u000b\u000e\u001f"`},
		{"slash raw", "a/b", `"a/b"`},
		{"html raw", "<script>&</script>", `"<script>&</script>"`},
		{"del raw", "\x7f", "\"\x7f\""},
		{"line separators raw", "\u2028\u2029", "\"\u2028\u2029\""},
		{"non-ascii raw", "Привет 你好 🌍 café", `"Привет 你好 🌍 café"`},
		{"invalid utf8", "a\xffb\xc3", "\"a\uFFFDb\uFFFD\""},
		{"mixed", "tab\there\nnl \x01 \x1f  \b\f\r end", `"tab\there\nnl \u0001 \u001f  \b\f\r end"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(AppendString(nil, tt.in)); got != tt.want {
				t.Errorf("AppendString(%q) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}

// TestAppendStringRoundTrip checks every byte value through Parse.
func TestAppendStringRoundTrip(t *testing.T) {
	var all []byte
	for c := 0; c < 0x80; c++ {
		all = append(all, byte(c))
	}
	s := string(all) + "é\u2028\U0001F30D"
	v, err := Parse(AppendString(nil, s))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := v.AsString(); got != s {
		t.Errorf("round trip = %q, want %q", got, s)
	}
}
