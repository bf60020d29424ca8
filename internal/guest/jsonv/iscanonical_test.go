package jsonv

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
)

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
		if got, err := viaParse([]byte(s)); err != nil || string(got) != s {
			t.Errorf("viaParse(%q) = %q, %v: the test's own expectation is wrong", s, got, err)
		}
	}
	for _, s := range no {
		if IsCanonical([]byte(s)) {
			t.Errorf("IsCanonical(%q) = true", s)
		}
	}
}

// TestQuickCanonical checks the one-loop path takes the common canonical
// forms and never answers yes where the full check says no, over the
// cases of TestIsCanonical too.
func TestQuickCanonical(t *testing.T) {
	for _, s := range []string{
		`null`, `true`, `false`, `0`, `-1`, `0.5`, `-0.5`, `-0.0`, `123456789012345678`, `""`, `"a b"`,
		`[]`, `{}`, `[1,[2,{}]]`, `{"":0,"a":[true,null,false]}`, `{"a":{"a":1,"b":2},"b":[{"c":3}]}`,
		`{"answer":"The quick brown fox jumps over the lazy dog.","score":0.75,"tokens":[1,2,3,4,5]}`,
	} {
		if !quickCanonical([]byte(s)) {
			t.Errorf("quickCanonical(%q) = false; it should take it", s)
		}
	}
	for _, s := range []string{
		`-0`, `1234567890123456789`, `1e+21`, `"é"`, `"\n"`, `{"\u0001":1}`, `{"b":1,"a":2}`, `{"a":1,"a":2}`,
		`[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]`, `[1,]`, `{"a"}`, `[1]x`, `tru`, ` 1`,
	} {
		if quickCanonical([]byte(s)) {
			t.Errorf("quickCanonical(%q) = true; the full check decides it", s)
		}
	}
}

// FuzzIsCanonical checks IsCanonical never says yes to a text that the full
// parser would write differently, and that its quick path never says yes
// where the full check says no.
func FuzzIsCanonical(f *testing.F) {
	for _, s := range []string{`{"a":[1,2.5,null]}`, `"\u0001"`, `-0.0`, `1e+21`, `[{"b":{}}]`, `{"a":{"a":1,"b":2},"b":[-0.5,"x"]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if quickCanonical(data) && !fullCanonical(data) {
			t.Fatalf("quickCanonical(%q) but not the full check", data)
		}
		if !IsCanonical(data) {
			return
		}
		got, err := viaParse(data)
		if err != nil || string(got) != string(data) {
			t.Fatalf("IsCanonical(%q) but Parse+AppendCompact = %q, %v", data, got, err)
		}
	})
}

// TestShortPlainFloat checks the float fast path against the round trip
// it spares: it fires on the common plain forms, and whenever it says yes
// the round trip agrees, over random decimals near every boundary (digit
// counts 14 to 17, point positions, leading and trailing zeros).
func TestShortPlainFloat(t *testing.T) {
	for _, s := range []string{"0.75", "-12.34", "1000.0", "0.001234", "0.0", "-0.0", "123456789012345.0", "0.0001", "0.00001", "9999999999999990.0"} {
		if !isShortPlainFloat([]byte(s)) {
			t.Errorf("isShortPlainFloat(%q) = false; the fast path should take it", s)
		}
	}
	for _, s := range []string{"0.000001", "1.50", "01.5", "1e+21", "1.2345678901234567", "12345678901234567.0", "0.", ".5", "1.-5", "--1.0"} {
		if isShortPlainFloat([]byte(s)) {
			t.Errorf("isShortPlainFloat(%q) = true", s)
		}
	}
	slow := func(text []byte) bool {
		f, err := strconv.ParseFloat(string(text), 64)
		return err == nil && string(AppendFloat(nil, f)) == string(text)
	}
	r := rand.New(rand.NewPCG(1, 2))
	digits := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte('0' + r.IntN(10))
		}
		return b
	}
	fired := 0
	for range 200000 {
		var s []byte
		if r.IntN(2) == 0 {
			s = append(s, '-')
		}
		s = append(s, digits(1+r.IntN(17))...)
		s = append(s, '.')
		s = append(s, digits(1+r.IntN(17))...)
		if r.IntN(4) == 0 { // a float's own text, cut to a random precision
			s = strconv.AppendFloat(nil, (r.Float64()-0.5)*math.Pow(10, float64(r.IntN(40)-20)), 'f', r.IntN(18), 64)
		}
		if isShortPlainFloat(s) {
			fired++
			if !slow(s) {
				t.Fatalf("isShortPlainFloat(%q) = true, but AppendFloat writes %q", s, AppendFloat(nil, mustFloat(t, s)))
			}
		}
	}
	if fired < 1000 {
		t.Fatalf("the fast path fired on %d random decimals; the test checks too little", fired)
	}
}

func mustFloat(t *testing.T, s []byte) float64 {
	f, err := strconv.ParseFloat(string(s), 64)
	if err != nil {
		t.Fatal(err)
	}
	return f
}
