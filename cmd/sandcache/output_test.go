package main

import (
	"math"
	"testing"

	"github.com/sandcache/sandcache/internal/guest/jsonv"
)

// TestJSONTextMatchesGuest checks the CLI's own string and float writers
// against the guest's canonical JSON (package jsonv, linked only into this
// test), which the recorded vectors pin to serde_json.
func TestJSONTextMatchesGuest(t *testing.T) {
	strs := []string{"", "plain", `q"b\s`, "\b\t\n\f\r\x00\x01\x1f\x7f", "é<>&\u2028\U0001F600", "bad\xff\xfeutf8", "\xc3"}
	for _, s := range strs {
		if got, want := string(jsonString(s)), string(jsonv.AppendString(nil, s)); got != want {
			t.Errorf("jsonString(%q) = %s, want %s", s, got, want)
		}
	}
	floats := []float64{0, math.Copysign(0, -1), 1, -1, 0.5, 1.0 / 3, 2.0 / 3, 1e-5, 1e-4, 1.5e-7, 123456789012345678,
		1e15, 1e16, 1e17, 1.25e16, 1e21, 1e300, 5e-324, math.MaxFloat64, 0.1, 100, 12.34, 0.001234, -7.5e-10}
	for _, f := range floats {
		if got, want := string(jsonFloat(f)), string(jsonv.AppendFloat(nil, f)); got != want {
			t.Errorf("jsonFloat(%v) = %s, want %s", f, got, want)
		}
	}
	for _, f := range []float64{math.NaN(), math.Inf(1)} {
		if got := string(jsonFloat(f)); got != "null" {
			t.Errorf("jsonFloat(%v) = %s, want null", f, got)
		}
	}
	obj := jsonObject("b", jsonUint(2), "a", jsonBool(true), "é", jsonString("x"), "A", []byte("null"))
	want := jsonv.Object(
		jsonv.Member{Key: "b", Value: jsonv.Uint(2)}, jsonv.Member{Key: "a", Value: jsonv.Bool(true)},
		jsonv.Member{Key: "é", Value: jsonv.String("x")}, jsonv.Member{Key: "A", Value: jsonv.Null()},
	).AppendCompact(nil)
	if string(obj) != string(want) {
		t.Errorf("jsonObject = %s, want %s", obj, want)
	}
	if got := string(jsonArrayOfStrings([]string{"b", "a\n"})); got != `["b","a\n"]` {
		t.Errorf("jsonArrayOfStrings = %s", got)
	}
}
