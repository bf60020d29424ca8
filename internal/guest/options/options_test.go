package options

import (
	"math"
	"testing"
)

func TestDefault(t *testing.T) {
	want := Options{Backend: SQLite, Namespace: "default", TTLMillis: 600000, MaxEntries: 256}
	if got := Default(); got != want {
		t.Errorf("Default() = %+v, want %+v", got, want)
	}
}

func TestBackendString(t *testing.T) {
	for b, want := range map[Backend]string{SQLite: "sqlite", FS: "fs", Mem: "mem", 7: "backend(7)"} {
		if b.String() != want {
			t.Errorf("Backend(%d).String() = %q, want %q", b, b.String(), want)
		}
	}
	if SQLite != 0 || FS != 1 || Mem != 2 {
		t.Error("backend values do not match the WIT enum")
	}
}

func TestTTLMillisFromSeconds(t *testing.T) {
	const maxSafe = math.MaxInt64 / 1000
	tests := []struct{ in, want uint64 }{
		{0, 0},
		{1, 1000},
		{600, 600000},
		{maxSafe, maxSafe * 1000},
		{maxSafe + 1, maxSafe * 1000},
		{math.MaxUint64, maxSafe * 1000},
	}
	for _, tt := range tests {
		if got := TTLMillisFromSeconds(tt.in); got != tt.want {
			t.Errorf("TTLMillisFromSeconds(%d) = %d, want %d", tt.in, got, tt.want)
		}
	}
	if TTLMillisFromSeconds(math.MaxUint64) > math.MaxInt64 {
		t.Error("ttl does not fit an int64")
	}
}

func TestClampMaxEntries(t *testing.T) {
	tests := []struct {
		in   int64
		want uint32
	}{
		{math.MinInt64, 1}, {-1, 1}, {0, 1}, {1, 1}, {2, 2}, {256, 256},
		{100000, 100000}, {100001, 100000}, {math.MaxInt64, 100000},
	}
	for _, tt := range tests {
		if got := ClampMaxEntries(tt.in); got != tt.want {
			t.Errorf("ClampMaxEntries(%d) = %d, want %d", tt.in, got, tt.want)
		}
	}
}
