package main

import (
	"strings"
	"testing"
)

func TestParseNsPerOp(t *testing.T) {
	out := []byte("goos: linux\nBenchmarkGetHit/sqlite/entries=1000/callers=1/sandboxed-2 \t   20000\t     56295 ns/op\t    1513 B/op\t       3 allocs/op\nPASS\n")
	us, err := parseNsPerOp(out)
	if err != nil || us != 56.295 {
		t.Fatalf("got %v, %v; want 56.295", us, err)
	}
	for _, bad := range []string{"PASS\n", "a 1 ns/op\nb 2 ns/op\n"} {
		if _, err := parseNsPerOp([]byte(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestTable(t *testing.T) {
	var samples []sample
	add := func(rev int, sandboxed, native float64) {
		samples = append(samples, sample{rev, 0, "Put", 1000, sandboxed}, sample{rev, 1, "Put", 1000, native})
	}
	add(0, 30, 20) // 1.5
	add(0, 12, 10) // 1.2
	add(0, 26, 20) // 1.3
	add(1, 11, 10) // 1.1
	add(1, 10, 10) // 1.0
	add(1, 14, 10) // 1.4
	got := table([2]string{"old", "new"}, []string{"Put"}, []int{1000}, samples)
	want := "| Put | 1000 | 26.0 / 20.0 (1.30) | 11.0 / 10.0 (1.10) |\n"
	if !strings.HasSuffix(got, want) {
		t.Fatalf("table:\n%s\nwant a last line\n%s", got, want)
	}
}

func TestParseInts(t *testing.T) {
	if v, err := parseInts("1000, 100000"); err != nil || len(v) != 2 || v[1] != 100000 {
		t.Errorf("parseInts = %v, %v", v, err)
	}
	if _, err := parseInts("1000,x"); err == nil {
		t.Error("parseInts accepted x")
	}
}
