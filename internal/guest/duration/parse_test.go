package duration

import (
	"github.com/sandcache/sandcache/tests/golden"
	"strconv"
	"testing"
)

const maxU64 = "18446744073709551615"

// Every expectation below was checked against the original (the oracle).
var parseTests = []struct {
	in   string
	want string // seconds, or the error text
}{
	{"", "600"},
	{" ", "600"},
	{"\t\n", "600"},
	{"10", "10"},
	{"+10", "10"},
	{"007", "7"},
	{"0", "0"},
	{maxU64, maxU64},
	{"+" + maxU64, maxU64},
	{"++10", `cache duration "++10" must use ms, s, m, h, or d`},
	{"-0", `cache duration "-0" must use ms, s, m, h, or d`},
	{"-10", `cache duration "-10" must use ms, s, m, h, or d`},
	{"+", `cache duration "+" must use ms, s, m, h, or d`},
	{"18446744073709551616", `cache duration "18446744073709551616" must use ms, s, m, h, or d`},
	{"99999999999999999999", `cache duration "99999999999999999999" must use ms, s, m, h, or d`},
	{"1.5h", "5400"},
	{"1.5H", "5400"},
	{"500ms", "1"},
	{"500MS", "1"},
	{"0.5ms", "1"},
	{"1000ms", "1"},
	{"1001ms", "2"},
	{"999999ms", "1000"},
	{"0.00001ms", "1"},
	{"1.ms", "1"},
	{".5s", "1"},
	{"+.5s", "1"},
	{"-.5s", "0"},
	{"5.s", "5"},
	{".s", `cache duration ".s" has an invalid number`},
	{"5..s", `cache duration "5..s" has an invalid number`},
	{"s", `cache duration "s" has an invalid number`},
	{"ms", `cache duration "ms" has an invalid number`},
	{"1e3s", "1000"},
	{"1E3S", "1000"},
	{"1e+3s", "1000"},
	{"1e-3s", "1"},
	{"1e3", `cache duration "1e3" must use ms, s, m, h, or d`},
	{"1e", `cache duration "1e" must use ms, s, m, h, or d`},
	{"1es", `cache duration "1es" has an invalid number`},
	{"1e400s", maxU64},
	{"-1e400s", "0"},
	{"1e-400s", "0"},
	{"4.9e-324s", "1"},
	{"infs", maxU64},
	{"INFs", maxU64},
	{"infinitys", maxU64},
	{"Infinity s", maxU64},
	{"+infs", maxU64},
	{"infms", maxU64},
	{"-infs", "0"},
	{"nans", "0"},
	{"NaNs", "0"},
	{"-nans", "0"},
	{"nanms", "0"},
	{"1.5 h", "5400"},
	{"1 . 5h", `cache duration "1 . 5h" has an invalid number`},
	{"0x10s", `cache duration "0x10s" has an invalid number`},
	{"1_000s", `cache duration "1_000s" has an invalid number`},
	{"1,5s", `cache duration "1,5s" has an invalid number`},
	{"--5s", `cache duration "--5s" has an invalid number`},
	{"+-5s", `cache duration "+-5s" has an invalid number`},
	{"٣s", `cache duration "٣s" has an invalid number`},
	{"１s", `cache duration "１s" has an invalid number`},
	{" 3 mins ", "180"},
	{"3mins", "180"},
	{"3min", "180"},
	{"3 m", "180"},
	{"2 hrs", "7200"},
	{"2hr", "7200"},
	{"1d", "86400"},
	{"1.5d", "129600"},
	{"0.1d", "8640"},
	{"1 sec", "1"},
	{"1secs", "1"},
	{"1 SECS", "1"},
	{"10 s", "10"},
	{"1w", `cache duration "1w" must use ms, s, m, h, or d`},
	{"5 weeks", `cache duration "5 weeks" has an invalid number`},
	{"xs", `cache duration "xs" has an invalid number`},
	{"abc", `cache duration "abc" must use ms, s, m, h, or d`},
	{"s10", `cache duration "s10" must use ms, s, m, h, or d`},
	{"1ss", `cache duration "1ss" has an invalid number`},
	{"1mss", `cache duration "1mss" has an invalid number`},
	{"1 ms s", `cache duration "1 ms s" has an invalid number`},
	{"\u00a010s\u00a0", "10"},
	{"\u300010s", "10"},
	{"10s\u200b", `cache duration "10s\u{200b}" must use ms, s, m, h, or d`},
	{"1.0001m", "61"},
	{"0.0001s", "1"},
	{"0.001s", "1"},
	{"0.1ms", "1"},
	{"1.000000000000001s", "2"},
	{"-5s", "0"},
	{"-0.0s", "0"},
	{"1.7976931348623157e308d", maxU64},
	{"184467440737095516.15s", "184467440737095520"},
	{"18446744073709551615s", maxU64},
	{"18446744073709551616s", maxU64},
	{"18446744073709551615.5s", maxU64},
	{"1e19s", "10000000000000000000"},
	{"1.8446744073709552e19s", maxU64},
	{"9.223372036854776e18s", "9223372036854775808"},
	{"213503982334601d", "18446744073709527040"},
	{"213503982334602d", maxU64},
	{`"q"s`, `cache duration "\"q\"s" has an invalid number`},
	{"tab\tw", `cache duration "tab\tw" must use ms, s, m, h, or d`},
	{"e\u0301w", `cache duration "e\u{301}w" must use ms, s, m, h, or d`},
	{"\x7fw", `cache duration "\u{7f}w" must use ms, s, m, h, or d`},
}

func TestParse(t *testing.T) {
	for _, tt := range parseTests {
		n, err := Parse(tt.in)
		got := strconv.FormatUint(n, 10)
		if err != nil {
			got = err.Error()
		}
		if got != tt.want {
			t.Errorf("Parse(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// TestGoldenVectors replays every "duration" case recorded from the
// original.
func TestGoldenVectors(t *testing.T) {
	for _, c := range golden.LoadCommand(t, "../../../tests/testdata/harn-golden.jsonl", "duration", 20) {
		n, err := Parse(c.Cmd[1])
		got := strconv.FormatUint(n, 10)
		if err != nil {
			got = golden.ErrorOutput(err)
		}
		if got != c.Stdout {
			t.Errorf("%s: got %s, want %s", c.ID, got, c.Stdout)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("1.5h"); err != nil {
			b.Fatal(err)
		}
	}
}
