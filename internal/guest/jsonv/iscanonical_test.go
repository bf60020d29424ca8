package jsonv

import "testing"

func TestIsCanonical(t *testing.T) {
	yes := []string{
		`null`, `true`, `false`, `0`, `-1`, `1`, `18446744073709551615`, `-9223372036854775808`,
		`1.0`, `-0.0`, `0.1`, `1e+21`, `1e-7`, `2.5e-300`, `1000000000000000.0`, `123456789.125`,
		`""`, `"a"`, "\"é<>&\u2028\"", `"\"\\\b\f\n\r\t\u0001\u001f"`, "\"\x7f\"",
		`[]`, `{}`, `[1,[2,{}]]`, `{"a":1,"b":{"c":[true,null]}}`,
		`{"answer":"The quick brown fox","score":0.75,"tokens":[1,2,3]}`,
	}
	no := []string{
		``, ` 1`, `1 `, `[1, 2]`, `{"b":1,"a":2}`, `{"a":1,"a":2}`, `-0`, `01`, `1.`, `.5`, `1e21`, `1E+21`,
		`1.50`, `0.10`, `1e400`, `18446744073709551616`, `-9223372036854775809`, `"\/"`, `"\u0041"`,
		`"\u000a"`, `"\u001F"`, "\"\x01\"", "\"\xff\"", `"abc`, `tru`, `nul`, `[1,]`, `{"a"}`, `{"a":}`,
		`{"\u0001":1}`, `NaN`, `[1]x`, `+1`, `1e+16x`,
	}
	for _, s := range yes {
		if !IsCanonical([]byte(s)) {
			t.Errorf("IsCanonical(%q) = false", s)
		}
		if got, err := Canonical([]byte(s)); err != nil || string(got) != s {
			t.Errorf("Canonical(%q) = %q, %v: the test's own expectation is wrong", s, got, err)
		}
	}
	for _, s := range no {
		if IsCanonical([]byte(s)) {
			t.Errorf("IsCanonical(%q) = true", s)
		}
	}
}

// FuzzIsCanonical checks IsCanonical never says yes to a text that the full
// parser would write differently.
func FuzzIsCanonical(f *testing.F) {
	for _, s := range []string{`{"a":[1,2.5,null]}`, `"\u0001"`, `-0.0`, `1e+21`, `[{"b":{}}]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if !IsCanonical(data) {
			return
		}
		got, err := Canonical(data)
		if err != nil || string(got) != string(data) {
			t.Fatalf("IsCanonical(%q) but Canonical = %q, %v", data, got, err)
		}
	})
}
