// Package hostbench measures sandcache's cost: every cache operation run
// through the sandbox (guest.wasm under wazero, host.Sandbox) and through
// the same cache logic compiled natively into the process (package
// internal/guest/cache over the host's own capability implementations, sqlcap and
// filecap, with the same SQLite settings), side by side on equal stores.
//
// `sandcache bench` (cmd/sandcache) and the Go benchmarks of package host
// (`go test ./internal/host -bench .`) both run on it. It is internal so that the
// native copy of the cache logic is linked only into the bench command
// (and the host's benchmarks), never into a program that imports sdk:
//
//   - Fixture holds the two sides of one backend and namespace size, filled
//     and warmed up; Fixture.Run performs one operation N times or for a
//     duration with any number of parallel callers, driving a Timer
//     (*testing.B, or a Stopwatch that also counts allocations);
//     Fixture.Measure is one measurement for the CLI.
//   - Suite measures a whole matrix (backends × namespace sizes × ops ×
//     callers × runs), case by case (a count calibrated once per case, or a
//     fixed count or time), and returns medians and ratios of wall and CPU
//     time; Report collects them with start-up, instance and machine
//     figures and checks them against the project's targets
//     (Report.Evaluate), without asserting anything.
//   - MeasureAgainst compares sandcache's SDK with the original design,
//     run by the harncache oracle CLI (bench-put, bench-get), on disk and
//     on tmpfs.
//   - MeasureInstances measures instantiation time, guest linear memory and
//     resident memory per guest instance.
//
// Profiling a case: see the comment at the top of internal/host/bench_test.go.
package hostbench
