package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeNode writes an executable that prints out, standing in for node.
func fakeNode(t *testing.T, out string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "node")
	if err := os.WriteFile(p, []byte("#!/bin/sh\ncat <<'EOF'\n"+out+"\nEOF\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestNodeSideParsesBenchOutput(t *testing.T) {
	node := fakeNode(t, `{"results":[{"op":"put","median_us":90.5},{"op":"get-hit","median_us":52.6}]}`)
	m, err := nodeSide(node, "bench.mjs", 10, "--in-thread")
	if err != nil || m["put"] != 90.5 || m["get-hit"] != 52.6 {
		t.Fatalf("got %v, %v", m, err)
	}
	for _, bad := range []string{`not json`, `{"results":[]}`} {
		if _, err := nodeSide(fakeNode(t, bad), "bench.mjs", 10, ""); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
	if _, err := nodeSide(filepath.Join(t.TempDir(), "missing"), "bench.mjs", 10, ""); err == nil || !strings.Contains(err.Error(), "bench.mjs") {
		t.Errorf("missing node: %v", err)
	}
}

func TestMedianAndTimeCalls(t *testing.T) {
	if m := median([]float64{5, 1, 3}); m != 3 {
		t.Errorf("median = %v; want 3", m)
	}
	calls := 0
	if _, err := timeCalls(5, func(int) error { calls++; return nil }); err != nil || calls != 5 {
		t.Errorf("timeCalls: %d calls, %v", calls, err)
	}
	if _, err := timeCalls(5, func(i int) error {
		if i == 2 {
			return os.ErrInvalid
		}
		return nil
	}); err != os.ErrInvalid {
		t.Errorf("timeCalls did not stop on an error: %v", err)
	}
}

func TestGoSideHitsEveryKey(t *testing.T) {
	m, err := goSide(20)
	if err != nil || m["put"] <= 0 || m["get-hit"] <= 0 {
		t.Fatalf("goSide: %v, %v", m, err)
	}
}
