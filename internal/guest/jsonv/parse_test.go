package jsonv

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func TestParseCompact(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"null", "null", "null"},
		{"true", "true", "true"},
		{"false", " \t\r\nfalse\n ", "false"},
		{"zero", "0", "0"},
		{"int", "-12", "-12"},
		{"minus zero is float", "-0", "-0.0"},
		{"minus zero list", "[-0,0]", "[-0.0,0]"},
		{"float keeps .0", "1.0", "1.0"},
		{"int64 max", "9223372036854775807", "9223372036854775807"},
		{"int64 min", "-9223372036854775808", "-9223372036854775808"},
		{"uint64", "9223372036854775808", "9223372036854775808"},
		{"uint64 max", "18446744073709551615", "18446744073709551615"},
		{"beyond uint64 is float", "18446744073709551616", "1.8446744073709552e+19"},
		{"beyond int64 min is float", "-9223372036854775809", "-9.223372036854776e+18"},
		{"long integer", "1" + strings.Repeat("0", 30), "1e+30"},
		{"exponent", "1e3", "1000.0"},
		{"exponent upper", "1E+3", "1000.0"},
		{"neg exponent", "25e-1", "2.5"},
		{"underflow", "1e-400", "0.0"},
		{"neg underflow", "-1e-400", "-0.0"},
		{"zero huge exponent", "0e99999999999999999999", "0.0"},
		{"float forms", "[1.0,1,0.1,1e21,1e-7,-0.0,1e16,1e15,123456789.125,2.5e-300]",
			"[1.0,1,0.1,1e+21,1e-7,-0.0,1e+16,1000000000000000.0,123456789.125,2.5e-300]"},
		{"string", `"a"`, `"a"`},
		{"escapes", `"\"\\\/\b\f\n\r\t"`, `"\"\\/\b\f\n\r\t"`},
		{"unicode escape", `"\u00e9\u0041\u0000\u001F\u007f"`, "\"\u00e9A\\u0000\\u001f\x7f\""},
		{"surrogate pair", `"\ud83c\udf0d"`, "\"\U0001F30D\""},
		{"raw unicode", "\"é ✓ 🌍 \u2028\"", "\"é ✓ 🌍 \u2028\""},
		{"html kept", `"<b>&amp;</b>"`, `"<b>&amp;</b>"`},
		{"empty array", "[ ]", "[]"},
		{"empty object", "{ }", "{}"},
		{"nested", `[ [ ] , { } , [ 1 , [ 2 ] ] ]`, `[[],{},[1,[2]]]`},
		{"sorted object", `{"b":1,"a":{"y":2,"x":[3,{"d":4,"c":5}]}}`, `{"a":{"x":[3,{"c":5,"d":4}],"y":2},"b":1}`},
		{"byte order", `{"é":1,"z":2,"Z":3,"":4,"aa":5,"a":6}`, `{"":4,"Z":3,"a":6,"aa":5,"z":2,"é":1}`},
		{"duplicate keeps last", `{"a":1,"b":2,"a":3}`, `{"a":3,"b":2}`},
		{"duplicate three", `{"a":1,"a":2,"a":3}`, `{"a":3}`},
		{"escaped key", `{"\u0061":1,"a":2}`, `{"a":2}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for name, canonical := range map[string]func([]byte) ([]byte, error){
				"Canonical": Canonical, "Parse+AppendCompact": viaParse,
			} {
				got, err := canonical([]byte(tt.in))
				if err != nil {
					t.Fatalf("%s(%q): %v", name, tt.in, err)
				}
				if string(got) != tt.want {
					t.Errorf("%s(%q) = %s, want %s", name, tt.in, got, tt.want)
				}
			}
		})
	}
}

func TestParseKinds(t *testing.T) {
	tests := []struct {
		in   string
		kind Kind
	}{
		{"null", KindNull},
		{"false", KindBool},
		{"0", KindInt},
		{"-9223372036854775808", KindInt},
		{"9223372036854775807", KindInt},
		{"9223372036854775808", KindUint},
		{"18446744073709551616", KindFloat},
		{"-0", KindFloat},
		{"1.0", KindFloat},
		{"1e0", KindFloat},
		{`""`, KindString},
		{"[]", KindArray},
		{"{}", KindObject},
	}
	for _, tt := range tests {
		v, err := Parse([]byte(tt.in))
		if err != nil {
			t.Fatalf("Parse(%q): %v", tt.in, err)
		}
		if v.Kind() != tt.kind {
			t.Errorf("Parse(%q).Kind() = %v, want %v", tt.in, v.Kind(), tt.kind)
		}
	}
	v, _ := Parse([]byte("-0"))
	if f, ok := v.AsFloat(); !ok || f != 0 || !math.Signbit(f) {
		t.Errorf("-0 parsed as %v, want -0.0", f)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", "EOF while parsing a value at line 1 column 0"},
		{"space", "  ", "EOF while parsing a value"},
		{"trailing", "1 2", "trailing characters at line 1 column 3"},
		{"trailing garbage", "{}x", "trailing characters"},
		{"trailing comma array", "[1,]", "trailing comma at line 1 column 4"},
		{"trailing comma object", `{"a":1,}`, "trailing comma"},
		{"missing comma", "[1 2]", "expected `,` or `]`"},
		{"missing colon", `{"a" 1}`, "expected `:`"},
		{"key not string", `{1:2}`, "key must be a string"},
		{"unclosed array", "[1", "EOF while parsing a list"},
		{"unclosed object", `{"a":1`, "EOF while parsing an object"},
		{"unclosed string", `"abc`, "EOF while parsing a string"},
		{"NaN", "NaN", "expected value"},
		{"Infinity", "Infinity", "expected value"},
		{"neg Infinity", "-Infinity", "invalid number"},
		{"comment", "// x\n1", "expected value"},
		{"single quotes", "'a'", "expected value"},
		{"bad literal", "nul", "EOF while parsing a value"},
		{"bad literal 2", "nulx", "expected ident"},
		{"True", "True", "expected value"},
		{"plus", "+1", "expected value"},
		{"leading zero", "01", "invalid number"},
		{"neg leading zero", "-01", "invalid number"},
		{"lone minus", "-", "EOF while parsing a value"},
		{"dot", "1.", "EOF while parsing a value at line 1 column 2"},
		{"dot letter", "1.x", "invalid number"},
		{"leading dot", ".5", "expected value"},
		{"exp no digits", "1e", "EOF while parsing a value"},
		{"exp letter", "1ex", "invalid number"},
		{"exp sign no digits", "1e+", "EOF while parsing a value"},
		{"exp sign letter", "1e+]", "invalid number"},
		{"hex", "0x10", "trailing characters"},
		{"overflow", "1e400", "number out of range"},
		{"neg overflow", "-1e400", "number out of range"},
		{"long integer overflow", "1" + strings.Repeat("0", 400), "number out of range"},
		{"control char", "\"a\x01b\"", "control character (\\u0000-\\u001F) found while parsing a string"},
		{"raw newline", "\"a\nb\"", "control character"},
		{"bad escape", `"\x"`, "invalid escape"},
		{"short unicode escape", `"\u12"`, "invalid escape"},
		{"lone high surrogate", `"\ud800"`, "unexpected end of hex escape"},
		{"high then letter", `"\ud800x"`, "unexpected end of hex escape"},
		{"lone low surrogate", `"\udc00"`, "lone leading surrogate in hex escape"},
		{"high then non-low", `"\ud800\u0041"`, "lone leading surrogate in hex escape"},
		{"invalid utf8", "\"\xff\"", "invalid unicode code point"},
		{"utf8 surrogate", "\"\xed\xa0\x80\"", "invalid unicode code point"},
		{"overlong utf8", "\"\xc0\xaf\"", "invalid unicode code point"},
		{"non-ascii outside string", "\xc3\xa9", "expected value"},
		{"bom", "\ufeff1", "expected value"},
		{"form feed space", "\f1", "expected value"},
		{"depth", strings.Repeat("[", 128) + strings.Repeat("]", 128), "recursion limit exceeded at line 1 column 128"},
		{"depth object", strings.Repeat(`{"a":`, 128) + "1" + strings.Repeat("}", 128), "recursion limit exceeded"},
		{"second line", "[\n1,\n]", "trailing comma at line 3 column 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := Parse([]byte(tt.in))
			if err == nil {
				t.Fatalf("Parse(%q) = %s, want error %q", tt.in, v.Compact(), tt.want)
			}
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %T is not a *SyntaxError", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse(%q) error = %q, want it to contain %q", tt.in, err, tt.want)
			}
		})
	}
}

func TestParseDepthLimit(t *testing.T) {
	ok := strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth)
	if _, err := Parse([]byte(ok)); err != nil {
		t.Errorf("%d nested arrays: %v", MaxDepth, err)
	}
	mixed := strings.Repeat(`[{"k":`, MaxDepth/2) + "[]" + strings.Repeat("}]", MaxDepth/2)
	if _, err := Parse([]byte(mixed)); err != nil {
		t.Errorf("%d nested containers: %v", MaxDepth, err)
	}
}

func TestParseSharesUnescapedStrings(t *testing.T) {
	v, err := Parse([]byte(`{"k":"plain","e":"a\nb"}`))
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := v.Get("k"); s.str != "plain" {
		t.Errorf("k = %q", s.str)
	}
	if s, _ := v.Get("e"); s.str != "a\nb" {
		t.Errorf("e = %q", s.str)
	}
}
