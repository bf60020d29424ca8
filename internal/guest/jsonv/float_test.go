package jsonv

import (
	"math"
	"strconv"
	"testing"
)

// tenth is a variable so that tenth + 2*tenth is float64 arithmetic.
var tenth = 0.1

func TestAppendFloat(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0.0"},
		{math.Copysign(0, -1), "-0.0"},
		{1, "1.0"},
		{-1, "-1.0"},
		{0.1, "0.1"},
		{-2.5, "-2.5"},
		{1.5, "1.5"},
		{123456789.125, "123456789.125"},
		{1e15, "1000000000000000.0"},
		{9999999999999998, "9999999999999998.0"}, // k = 16: still plain
		{1e16, "1e+16"},                          // k = 17: scientific
		{1.5e16, "1.5e+16"},
		{123456789012345680, "1.2345678901234568e+17"},
		{1e21, "1e+21"},
		{1e22, "1e+22"},
		{1.8446744073709552e19, "1.8446744073709552e+19"},
		{math.MaxFloat64, "1.7976931348623157e+308"},
		{-math.MaxFloat64, "-1.7976931348623157e+308"},
		{1234.5678, "1234.5678"},
		{100, "100.0"},
		{0.001234, "0.001234"},
		{0.0001, "0.0001"}, // k = -3
		{0.00012, "0.00012"},
		{0.00001, "0.00001"}, // k = -4: still plain (ryu; the oracle agrees)
		{0.000015, "0.000015"},
		{0.000001, "1e-6"}, // k = -5: scientific
		{0.0000015, "1.5e-6"},
		{1.5e-7, "1.5e-7"},
		{1e-7, "1e-7"},
		{2.5e-300, "2.5e-300"},
		{5e-324, "5e-324"},
		{math.SmallestNonzeroFloat64, "5e-324"},
		{2.2250738585072014e-308, "2.2250738585072014e-308"},
		{0.3, "0.3"},
		{tenth + 2*tenth, "0.30000000000000004"},
		{1.0 / 3, "0.3333333333333333"},
		{2.0 / 3, "0.6666666666666666"},
		{100.0 / 3, "33.333333333333336"},
		{float64(1 << 53), "9007199254740992.0"},
		{math.Pi * 1e10, "31415926535.897934"},
		{math.NaN(), "null"},
		{math.Inf(1), "null"},
		{math.Inf(-1), "null"},
	}
	for _, tt := range tests {
		if got := string(AppendFloat(nil, tt.in)); got != tt.want {
			t.Errorf("AppendFloat(%v) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// TestAppendFloatCutoffs walks every decade: 10^(k-1) has decimal exponent
// k; plain form exactly when -5 < k <= 16.
func TestAppendFloatCutoffs(t *testing.T) {
	for k := -320; k <= 309; k++ {
		f, err := strconv.ParseFloat("1e"+strconv.Itoa(k-1), 64)
		if err != nil || f == 0 {
			continue
		}
		got := string(AppendFloat(nil, f))
		var want string
		switch {
		case k > 16 || k <= -5:
			e := k - 1
			if e >= 0 {
				want = "1e+" + strconv.Itoa(e)
			} else {
				want = "1e" + strconv.Itoa(e)
			}
		case k > 0:
			want = "1" + zeros(k-1) + ".0"
		default:
			want = "0." + zeros(-k) + "1"
		}
		if got != want {
			t.Errorf("AppendFloat(1e%d) = %s, want %s", k-1, got, want)
		}
	}
}

func zeros(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = '0'
	}
	return string(b)
}

// TestAppendFloatRoundTrip checks that the output parses back to the same
// bits, for many values across the range.
func TestAppendFloatRoundTrip(t *testing.T) {
	x := uint64(0x9E3779B97F4A7C15)
	for i := 0; i < 20000; i++ {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		f := math.Float64frombits(x)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			continue
		}
		out := AppendFloat(nil, f)
		v, err := Parse(out)
		if err != nil {
			t.Fatalf("AppendFloat(%v) = %s does not parse: %v", f, out, err)
		}
		g, ok := v.AsFloat()
		if !ok || math.Float64bits(g) != math.Float64bits(f) {
			t.Fatalf("AppendFloat(%v) = %s parses back as %v (kind %v)", f, out, g, v.Kind())
		}
	}
}

func TestAppendFloatAllocs(t *testing.T) {
	buf := make([]byte, 0, 64)
	n := testing.AllocsPerRun(100, func() {
		buf = AppendFloat(buf[:0], 1.2345678901234567e-200)
	})
	if n != 0 {
		t.Errorf("AppendFloat allocates %v times", n)
	}
}
