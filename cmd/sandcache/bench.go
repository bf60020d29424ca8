package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sandcache/sandcache/internal/host"
	"github.com/sandcache/sandcache/internal/hostbench"
)

// `sandcache bench` measures the cache through the sandbox and through the
// same cache logic compiled natively, side by side (package
// internal/hostbench does the measuring; `go test -bench` in ./host runs the
// same cases), then the start-up of a fresh `sandcache get` process and
// the cost of a guest instance.

const benchUsage = "bench [--full | --quick] [--runs N] [--ops N | --duration D] [--backends sqlite,fs,mem,postgres] [--entries N,N] [--callers N,N] [--against harncache=PATH]"

// benchValues are bench's flags.
type benchValues struct {
	runs, ops, duration, backends, entries, callers, against string
	quick, full                                              bool
}

func benchFlags(a *app, fs *flagSet) {
	v := &a.bench
	fs.str("runs", &v.runs)
	fs.str("ops", &v.ops)
	fs.str("duration", &v.duration)
	fs.str("backends", &v.backends)
	fs.str("entries", &v.entries)
	fs.str("callers", &v.callers)
	fs.boolean("quick", &v.quick)
	fs.boolean("full", &v.full)
	fs.str("against", &v.against)
}

// benchPlan is bench's flags, checked.
type benchPlan struct {
	runs     int
	limit    hostbench.Limit
	window   time.Duration // calibration window, when limit is zero
	backends []host.Backend
	entries  []int // nil: the defaults per backend
	callers  []int
	quick    bool
	full     bool
	against  string // harncache's path; "" when not compared
	againstN int    // puts then gets per comparison run
	dsn      string // the postgres backend's server (postgres.go)

	startupWarm, startupCold int // samples
	instances, instSamples   int
}

// The default run (no flags) is sized to finish in about a minute on two
// busy cores: sqlite at 1 000 and 100 000 entries and mem at 1 000, 1 and
// 2 callers, 5 runs of a calibrated ~40 ms window per case and side, 3
// cold and 6 warm start-ups. Here (2 cores at load 8) it took 97 s with
// 60 ms windows and 5+10 start-ups: the 100 000-entry fill (~16 s), the
// start-ups (~19 s; each cold one compiles the guest) and the deletes'
// put-backs weigh most. --full is the whole matrix: every backend at
// DefaultEntries, 1, 2 and 4 callers, 5 runs of ~200 ms, 5 cold and 10
// warm start-ups. --quick is a smoke test (1 run of 10 ms).
func (a *app) benchPlan() (benchPlan, error) {
	v := a.bench
	given := a.flags.given
	p := benchPlan{runs: 5, quick: v.quick, full: v.full, callers: []int{1, 2},
		window: 40 * time.Millisecond, againstN: 1000,
		backends:    []host.Backend{host.SQLite, host.Mem},
		startupWarm: 6, startupCold: 3, instances: 4, instSamples: 5}
	switch {
	case v.quick && v.full:
		return p, usagef("flags --quick and --full exclude each other")
	case v.full:
		p.window = 200 * time.Millisecond
		p.startupWarm, p.startupCold = 10, 5
		p.callers = hostbench.DefaultCallers
		p.backends = []host.Backend{host.SQLite, host.FS, host.Mem}
	case v.quick:
		p.runs = 1
		p.window = 0
		p.limit.Duration = 10 * time.Millisecond
		p.callers = hostbench.DefaultCallers
		p.backends = []host.Backend{host.SQLite, host.FS, host.Mem}
		p.startupWarm, p.startupCold, p.instances, p.instSamples = 2, 1, 2, 2
		p.againstN = 50
	}
	if given["runs"] {
		n, err := strconv.Atoi(v.runs)
		if err != nil || n < 1 {
			return p, usagef("flag --runs must be a positive integer; got %q", v.runs)
		}
		p.runs = n
		if !v.quick {
			p.startupCold = max(n, 3)
			p.startupWarm = max(2*n, 5)
		}
	}
	if given["ops"] || given["duration"] {
		p.limit = hostbench.Limit{}
	}
	if given["ops"] {
		n, err := strconv.ParseInt(v.ops, 10, 64)
		if err != nil || n < 1 {
			return p, usagef("flag --ops must be a positive integer; got %q", v.ops)
		}
		p.limit.Ops = n
	}
	if given["duration"] {
		d, err := time.ParseDuration(v.duration)
		if err != nil || d <= 0 {
			return p, usagef("flag --duration must be a positive Go duration such as 200ms; got %q", v.duration)
		}
		p.limit.Duration = d
	}
	if given["backends"] {
		p.backends = nil
		for _, s := range strings.Split(v.backends, ",") {
			b, err := parseBackend(s)
			if err != nil || strings.TrimSpace(s) == "" {
				return p, usagef("flag --backends must list sqlite, fs, mem or postgres, separated by commas; got %q", v.backends)
			}
			if !slices.Contains(p.backends, b) {
				p.backends = append(p.backends, b)
			}
		}
	}
	var err error
	if given["against"] {
		name, path, ok := strings.Cut(v.against, "=")
		if !ok || name != "harncache" || path == "" {
			return p, usagef("flag --against must be harncache=PATH (the original's oracle CLI); got %q", v.against)
		}
		if p.against, err = exec.LookPath(path); err == nil {
			p.against, err = filepath.Abs(p.against) // the oracle runs in another folder
		}
		if err != nil {
			return p, usagef("flag --against: cannot run harncache at %q: %v", path, err)
		}
	}
	if given["entries"] {
		if p.entries, err = intList("entries", v.entries, 1, 100_000); err != nil {
			return p, err
		}
	}
	if given["callers"] {
		if p.callers, err = intList("callers", v.callers, 1, 64); err != nil {
			return p, err
		}
	}
	return p, a.benchServer(&p)
}

// intList parses "1,2,4" with every number in lo..hi.
func intList(name, s string, lo, hi int) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < lo || n > hi {
			return nil, usagef("flag --%s must list integers from %d to %d, separated by commas; got %q", name, lo, hi, s)
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out, nil
}

func (p benchPlan) entriesOf(b host.Backend) []int {
	switch {
	case p.entries != nil:
		return p.entries
	case p.quick || p.full:
		return hostbench.DefaultEntries(b, p.quick)
	case b == host.SQLite:
		return []int{1000, 100_000}
	}
	return []int{1000}
}

func cmdBench(a *app, _ []string) error {
	p, err := a.benchPlan()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "sandcache-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	logf := func(format string, args ...any) {
		fmt.Fprintf(a.stderr, "bench: "+format+"\n", args...)
	}

	r := hostbench.NewReport(version)
	r.Settings = hostbench.Settings{
		Runs: p.runs, Ops: p.limit.Ops, DurationMs: float64(p.limit.Duration) / 1e6,
		Entries: map[string][]int{}, Callers: p.callers, Pool: slices.Max(p.callers), Quick: p.quick,
		Full: p.full,
	}
	if p.limit == (hostbench.Limit{}) {
		r.Settings.WindowMs = float64(p.window) / 1e6
	}
	for _, b := range p.backends {
		r.Settings.Backends = append(r.Settings.Backends, b.String())
		r.Settings.Entries[b.String()] = p.entriesOf(b)
	}
	r.Notes = benchNotes(p)

	r.Results, err = hostbench.Suite(a.ctx, hostbench.Config{
		Backends: p.backends, Entries: p.entriesOf, Callers: p.callers,
		Runs: p.runs, Limit: p.limit, Window: p.window, TempDir: tmp, Logf: logf,
		PostgresDSN: p.dsn,
	})
	if err != nil {
		return err
	}
	logf("start-up of sandcache get")
	if r.Startup, err = measureStartup(a.ctx, tmp, p.startupWarm, p.startupCold); err != nil {
		return err
	}
	logf("guest instances")
	inst, err := hostbench.MeasureInstances(a.ctx, tmp, p.instances, p.instSamples)
	if err != nil {
		return err
	}
	r.Instances = &inst
	if p.against != "" {
		logf("against the original: %d puts then %d gets, %d runs per store", p.againstN, p.againstN, p.runs)
		if r.Against, err = hostbench.MeasureAgainst(a.ctx, p.against, p.againstN, p.runs, hostbench.AgainstDirs(), logf); err != nil {
			return err
		}
	}
	r.Evaluate()
	r.Machine.LoadAfter = hostbench.LoadAverage()

	if a.g.json {
		out, err := json.Marshal(r)
		if err != nil {
			return err
		}
		_, err = a.stdout.Write(append(out, '\n'))
		return err
	}
	return writeBenchTable(a.stdout, r)
}

func benchNotes(p benchPlan) []string {
	notes := []string{
		"sandboxed: guest.wasm under wazero through host.Sandbox (instance pool, capabilities across the boundary); " +
			"native: the same cache logic (internal/guest/cache) compiled into the process over the same capabilities " +
			"(sqlcap, filecap) and SQLite settings, with a pool of engines",
		"ns/op with several callers is wall time over all their operations; ops/s = 1e9 / ns/op; " +
			"scaling = ops/s over the same case's ops/s with 1 caller",
		"figures are medians of the runs; ratio = median sandboxed ns/op / median native ns/op",
		"the native side is the internal/guest/cache source compiled into this binary, the sandboxed side the embedded guest.wasm " +
			"(sha256 in --json): they are the same logic only when guest.wasm is current (./build.sh check)",
		"put writes new keys into a full namespace (max_entries = its size), so every put evicts one entry",
		"delete removes present entries; they are put back between rounds of deletes, off the clock",
		"llm-key hashes a ~1 KB chat prompt and touches no store: it is measured once (backend -)",
		"allocs/op and B/op count host-side Go heap allocations (the guest allocates inside its linear memory)",
		"stores are filled before measuring by the cache engine compiled natively (same file format), except the " +
			"sandboxed mem database, which lives inside its Sandbox and is filled through it",
	}
	if p.limit == (hostbench.Limit{}) {
		notes = append(notes, fmt.Sprintf("each case's operation count was calibrated once to about %v of sandboxed work "+
			"(ops_per_run), then every run of both sides did that many; spread = (slowest - fastest run) / median",
			p.window))
	}
	if p.entries == nil && p.full && slices.Contains(p.backends, host.FS) {
		notes = append(notes, "fs keeps one file per entry: it is measured at 1 000 and 10 000 entries instead of 100 000")
	}
	return notes
}
