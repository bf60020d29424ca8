package main

import "fmt"

// cmdBench is a placeholder until the benchmarks land (issue 5).
func cmdBench(a *app, pos []string) error {
	fmt.Fprintln(a.stdout, "bench: see issue 5")
	return exitCode(2)
}
