package tests

import (
	"flag"
	"os"
	"sync"
	"testing"
	"time"
)

// The test binary's flags, environment and TestMain: the compilation cache
// it shares with its helper processes (helperprocess_test.go), and the
// scale of the reliability suite (sim, multiprocess, crash, faults, close,
// fuzz).
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
