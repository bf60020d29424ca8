package duration

import (
	"github.com/sandcache/sandcache/tests/golden"
	"strconv"
	"testing"
)

const maxU64 = "18446744073709551615"

// Every expectation below was checked against the original (the oracle).
// parseTests pairs texts with the seconds they give, or with the error text
// where it is the quoting in the message that is checked.
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
	{"1e3s", "1000"},
	{"1E3S", "1000"},
	{"1e+3s", "1000"},
	{"1e-3s", "1"},
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

// badNumber lists texts rejected with "cache duration <text> has an invalid
// number"; noUnit those rejected with "cache duration <text> must use ms, s,
// m, h, or d" (<text> as Quote writes it).
var (
	badNumber = []string{
		".s", "5..s", "s", "ms", "1es", "1 . 5h", "0x10s", "1_000s", "1,5s", "--5s", "+-5s", "٣s", "１s",
		"5 weeks", "xs", "1ss", "1mss", "1 ms s",
	}
	noUnit = []string{
		"++10", "-0", "-10", "+", "18446744073709551616", "99999999999999999999", "1e3", "1e", "1w",
		"abc", "s10",
	}
)

func TestParse(t *testing.T) {
	check := func(in, want string) {
		t.Helper()
		n, err := Parse(in)
		got := strconv.FormatUint(n, 10)
		if err != nil {
			got = err.Error()
		}
		if got != want {
			t.Errorf("Parse(%q) = %s, want %s", in, got, want)
		}
	}
	for _, tt := range parseTests {
		check(tt.in, tt.want)
	}
	for _, in := range badNumber {
		check(in, "cache duration "+Quote(in)+" has an invalid number")
	}
	for _, in := range noUnit {
		check(in, "cache duration "+Quote(in)+" must use ms, s, m, h, or d")
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
