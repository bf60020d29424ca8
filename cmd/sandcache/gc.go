package main

import (
	"os"
	"runtime/debug"
	"slices"
)

// oneShotHeapLimit is the heap the collector lets a one-shot command reach
// before it runs: opening the cache decodes and validates the 3.6 MB guest
// once (tens of MB of short-lived allocations), and collecting during that
// costs a fresh `sandcache get` ~10-30 ms and frees nothing it needs again
// (the process's peak RSS is ~55 MB either way).
const oneShotHeapLimit = 256 << 20

// tuneGCForOneShot turns the proportional collector off, under a soft
// memory limit of oneShotHeapLimit, for the short commands (get, put,
// delete, ...): not for bench, run or demo, which run long and allocate as
// they go, and not when the user set GOGC or GOMEMLIMIT. args is the whole
// command line: an argument equal to a long-running command's name (even a
// key) keeps the defaults, which only costs the saving.
func tuneGCForOneShot(args []string) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	for _, long := range []string{"bench", "run", "demo"} {
		if slices.Contains(args, long) {
			return
		}
	}
	debug.SetMemoryLimit(oneShotHeapLimit)
	debug.SetGCPercent(-1)
}
