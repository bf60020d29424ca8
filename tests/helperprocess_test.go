package tests

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/sandcache/sandcache/sdk"
)

// Helper processes: the test binary re-executed to play a role in the
// multi-process, crash and postgres tests.

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
