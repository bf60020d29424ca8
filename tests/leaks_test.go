package tests

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/sandcache/sandcache/sdk"
)

// Leak checks: goroutines and file descriptors a test leaves behind.

// warmLeakCheck warms the engine (warmEngine: its one-time goroutines and
// files exist before the count) and starts leakCheck with no slack; defer the
// function it returns.
func warmLeakCheck(t testing.TB) func() {
	t.Helper()
	warmEngine(t, sdk.NewConfig())
	return leakCheck(t, 0)
}

// leakCheck snapshots the goroutines and open file descriptors; the
// returned function fails the test when, after letting things settle, more
// of either are left than slack allows.
func leakCheck(t testing.TB, slackFDs int) func() {
	t.Helper()
	g0, fd0 := runtime.NumGoroutine(), countFDs(t)
	return func() {
		t.Helper()
		var g, fd int
		for deadline := time.Now().Add(3 * time.Second); ; {
			runtime.GC()
			g, fd = runtime.NumGoroutine(), countFDs(t)
			if (g <= g0 && fd <= fd0+slackFDs) || time.Now().After(deadline) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if g > g0 {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Errorf("goroutine leak: %d before, %d after\n%s", g0, g, buf)
		}
		if fd > fd0+slackFDs {
			t.Errorf("file descriptor leak: %d before, %d after (slack %d)\n%s", fd0, fd, slackFDs, listFDs())
		}
		t.Logf("leak check: goroutines %d → %d, fds %d → %d", g0, g, fd0, fd)
	}
}

// countFDs counts the entries of /proc/self/fd (Linux); 0 elsewhere.
func countFDs(t testing.TB) int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return 0
	}
	return len(ents)
}

// listFDs describes the open descriptors, for leak reports.
func listFDs() string {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return ""
	}
	var b strings.Builder
	for _, e := range ents {
		target, _ := os.Readlink("/proc/self/fd/" + e.Name())
		fmt.Fprintf(&b, "  fd %s -> %s\n", e.Name(), target)
	}
	return b.String()
}

// warmEngine opens and closes a cache once so that the process-wide
// compiled guest (and whatever it keeps) exists before a leak baseline.
func warmEngine(t testing.TB, cfg sdk.Config) {
	t.Helper()
	dir := t.TempDir()
	c, err := sdk.Open(context.Background(), cfg.WithDir(dir))
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range allBackends {
		if err := c.Put(context.Background(), "warm", []byte("1"), sdk.WithBackend(b)); err != nil {
			t.Fatal(err)
		}
	}
	c.Close()
}
