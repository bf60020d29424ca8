package tests

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sandcache/sandcache/internal/guest/jsonv"
	"github.com/sandcache/sandcache/internal/host"
	"github.com/sandcache/sandcache/sdk"
	"github.com/sandcache/sandcache/tests/golden"
)

// Shared helpers of the reliability suite (sim, multiprocess, crash,
// faults, close, fuzz).
//
// Long variants: SANDCACHE_LONG=1 multiplies seeds, rounds and durations;
// -short divides them.

var (
	flagSimSeed    = flag.Int64("sim.seed", 0, "TestSim: run only this seed (0: the default seeds)")
	flagSimOps     = flag.Int("sim.ops", 0, "TestSim: operations per seed (0: the default)")
	flagSimBackend = flag.String("sim.backend", "", "TestSim: run only this backend (sqlite, fs, mem)")
)

// Environment of helper processes (see TestHelperProcess).
const (
	envHelperRole = "SANDCACHE_TEST_HELPER" // the role a re-executed test binary plays
	envHelperArgs = "SANDCACHE_TEST_ARGS"   // its arguments, JSON
	envCompileDir = "SANDCACHE_TEST_COMPILE_DIR"
)

// longRun reports whether SANDCACHE_LONG=1 asks for the long variants.
func longRun() bool { return os.Getenv("SANDCACHE_LONG") == "1" }

// scale picks a count or a duration for the normal run, -short and
// SANDCACHE_LONG=1.
func scale[T int | time.Duration](normal, short, long T) T {
	switch {
	case longRun():
		return long
	case testing.Short():
		return short
	}
	return normal
}

var (
	compileDirOnce sync.Once
	compileDir     string
)

// sharedCompileDir is a wazero compilation cache shared by this test binary
// and the helper processes it starts, so that a helper opens a cache in tens
// of milliseconds instead of compiling the guest again. It is removed by
// TestMain.
func sharedCompileDir() string {
	compileDirOnce.Do(func() {
		if d := os.Getenv(envCompileDir); d != "" {
			compileDir = d
			return
		}
		d, err := os.MkdirTemp("", "sandcache-tests-compiled-")
		if err != nil {
			panic(err)
		}
		compileDir = d
	})
	return compileDir
}

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	closePGServer() // postgres_test.go
	if os.Getenv(envHelperRole) == "" && compileDir != "" {
		os.RemoveAll(compileDir)
	}
	os.Exit(code)
}

// fakeClock is an injected wall clock in milliseconds.
type fakeClock struct{ ms atomic.Int64 }

func newFakeClock(ms int64) *fakeClock {
	c := &fakeClock{}
	c.ms.Store(ms)
	return c
}

func (c *fakeClock) Now() time.Time { return time.UnixMilli(c.ms.Load()) }
func (c *fakeClock) Set(ms int64)   { c.ms.Store(ms) }
func (c *fakeClock) Add(ms int64)   { c.ms.Add(ms) }
func (c *fakeClock) NowMs() int64   { return c.ms.Load() }

// openCache opens a cache on dir with cfg (its folder set to dir) and closes
// it when the test ends.
func openCache(t testing.TB, dir string, cfg sdk.Config) *sdk.Cache {
	t.Helper()
	c, err := sdk.Open(context.Background(), cfg.WithDir(dir))
	if err != nil {
		t.Fatalf("open %s: %v", dir, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// openSandbox opens a Sandbox on dir with cfg. The caller closes it (a
// test with a leak check, before the check).
func openSandbox(t testing.TB, dir string, cfg host.Config) *host.Sandbox {
	t.Helper()
	sb, err := host.Open(context.Background(), dir, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return sb
}

// backendName returns the backend's name as the tests spell it.
func backendName(b sdk.Backend) string { return b.String() }

var allBackends = []sdk.Backend{sdk.SQLite, sdk.FS, sdk.Mem}

// canonical returns the canonical compact form of the JSON text v.
func canonical(t testing.TB, v []byte) []byte {
	t.Helper()
	c, err := jsonv.Canonical(v)
	if err != nil {
		t.Fatalf("canonical(%q): %v", v, err)
	}
	return c
}

// jsonEqual reports whether two JSON texts hold equal values (numbers keep
// their int/float kind, as the cache does).
func jsonEqual(a, b []byte) bool {
	va, err := jsonv.Parse(a)
	if err != nil {
		return false
	}
	vb, err := jsonv.Parse(b)
	if err != nil {
		return false
	}
	return jsonv.Equal(va, vb)
}

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

// helper is a running helper process.
type helper struct {
	cmd    *exec.Cmd
	pipe   io.ReadCloser
	stdout *bufio.Scanner
	stderr *lockedWriter
}

// startHelper re-executes the test binary as TestHelperProcess playing
// role, with args (JSON) in its environment.
func startHelper(t testing.TB, role, args string) *helper {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1", "-test.timeout=5m")
	cmd.Env = append(os.Environ(),
		envHelperRole+"="+role,
		envHelperArgs+"="+args,
		envCompileDir+"="+sharedCompileDir(),
	)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	h := &helper{cmd: cmd, pipe: out, stderr: &lockedWriter{w: &strings.Builder{}}}
	cmd.Stderr = h.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	h.stdout = bufio.NewScanner(out)
	h.stdout.Buffer(nil, 1<<20)
	return h
}

// lines calls f for each stdout line until EOF, then waits for the process.
func (h *helper) lines(f func(line string)) error {
	for h.stdout.Scan() {
		f(h.stdout.Text())
	}
	_, _ = io.Copy(io.Discard, h.pipe)
	return h.cmd.Wait()
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (l *lockedWriter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return fmt.Sprint(l.w)
}

// TestHelperProcess is not a test: the multi-process and crash tests
// re-execute the test binary with -test.run=^TestHelperProcess$ and
// SANDCACHE_TEST_HELPER set to the role to play (as ncruces/go-sqlite3's
// tests/parallel does). Without it, it does nothing.
func TestHelperProcess(t *testing.T) {
	role := os.Getenv(envHelperRole)
	if role == "" {
		t.Skip("only runs as a helper process")
	}
	args := os.Getenv(envHelperArgs)
	var err error
	switch role {
	case "contend":
		err = helperContend(args)
	case "crashwriter":
		err = helperCrashWriter(args)
	case "pgmachine":
		err = helperPGMachine(args) // postgres_test.go
	default:
		err = fmt.Errorf("unknown helper role %q", role)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "helper %s: %v\n", role, err)
		os.Exit(3)
	}
	os.Exit(0)
}

// helperConfig is the SDK configuration helper processes use.
func helperConfig() sdk.Config {
	return sdk.NewConfig().WithCompilationCacheDir(sharedCompileDir())
}

// vectorClock is the clock of a replay of recorded cases: a case's
// HARNCACHE_NOW_MS when it has one, else the real time.
type vectorClock struct {
	nowMs atomic.Int64
	real  atomic.Bool
}

func (c *vectorClock) now() time.Time {
	if c.real.Load() {
		return time.Now()
	}
	return time.UnixMilli(c.nowMs.Load())
}

// set moves the clock to case v's time.
func (c *vectorClock) set(t *testing.T, v golden.Case) {
	t.Helper()
	ms, ok := v.Env["HARNCACHE_NOW_MS"]
	c.real.Store(!ok)
	if !ok {
		return
	}
	n, err := strconv.ParseInt(ms, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	c.nowMs.Store(n)
}
