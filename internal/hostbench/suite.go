package hostbench

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/sandcache/sandcache/internal/host"
)

// Config selects what Suite measures.
type Config struct {
	Backends []host.Backend
	// Entries lists the namespace sizes per backend; nil means
	// DefaultEntries.
	Entries func(host.Backend) []int
	Callers []int // goroutines calling at once; nil means 1, 2, 4
	Runs    int   // measurements per case and side; medians are reported
	// Limit bounds each measurement. When it is zero, Window must be set.
	Limit Limit
	// Window, used when Limit is zero, calibrates each case: after a
	// warm-up of Window/3, a sandboxed run of Window counts how many operations fit in it, and
	// that count (at least MinOps) is then the fixed size of every
	// measurement of the case, on both sides and in every run.
	Window  time.Duration
	TempDir string
	// PostgresDSN is the server of the postgres backend (host.Postgres in
	// Backends), measured on PostgresOps only.
	PostgresDSN string
	// Logf, if not nil, receives progress lines: one per case, and one per
	// store filled.
	Logf func(format string, args ...any)
}

// MinOps is the least number of operations a calibrated measurement runs
// per caller.
const MinOps = 16

// DefaultEntries returns the namespace sizes measured for a backend:
// 1 000 and 100 000 entries, except fs (one file per entry), measured at
// 1 000 and 10 000, and postgres (filled through both sides) at 1 000.
// quick returns 50 and 200 for every backend.
func DefaultEntries(b host.Backend, quick bool) []int {
	switch {
	case quick:
		return []int{50, 200}
	case b == host.FS:
		return []int{1000, 10_000}
	case b == host.Postgres:
		return []int{1000} // filled through both sides, one put at a time
	}
	return []int{1000, 100_000}
}

// DefaultCallers are the parallel caller counts measured.
var DefaultCallers = []int{1, 2, 4}

// Result is one case: an operation on one backend, namespace size and
// number of callers, on both sides.
type Result struct {
	Op        Op         `json:"op"`
	Backend   string     `json:"backend"` // "-" for llm-key, which touches no store
	Callers   int        `json:"callers"`
	Entries   int        `json:"entries"` // namespace size; 0 for llm-key
	Sandboxed SideResult `json:"sandboxed"`
	Native    SideResult `json:"native"`
	// Ratio is the median sandboxed ns/op over the median native ns/op.
	Ratio float64 `json:"ratio"`
	// CPURatio is the same ratio of CPU time per operation (0 where the
	// system does not tell): steadier than Ratio on a loaded machine.
	CPURatio float64 `json:"cpu_ratio"`
	// OpsPerRun is the operations of each measurement when they are
	// counted (--ops, or calibrated from a window); 0 when time-bound.
	OpsPerRun int64 `json:"ops_per_run"`
	// Error is the first failure of the case's measurements, if any
	// ("sandboxed: ..." or "native: ..."); the figures are then those of
	// the runs that succeeded, or zero.
	Error string `json:"error,omitempty"`
}

// SideResult is one side of a case: medians over the runs.
type SideResult struct {
	NsPerOp     float64   `json:"ns_per_op"`
	OpsPerSec   float64   `json:"ops_per_sec"` // all callers together
	AllocsPerOp float64   `json:"allocs_per_op"`
	BytesPerOp  float64   `json:"bytes_per_op"`
	RunsNsPerOp []float64 `json:"runs_ns_per_op"`
	Ops         int64     `json:"ops"` // operations timed, all runs together
	// CPUNsPerOp is the median of the process's CPU time per operation
	// (user and system; see Sample.CPUNsPerOp).
	CPUNsPerOp float64 `json:"cpu_ns_per_op"`
	// Spread is (slowest run - fastest run) / median, in ns/op: 0.1 means
	// the runs lay within 10 % of the median's size.
	Spread float64 `json:"spread"`
	// Scaling is OpsPerSec over the same case's OpsPerSec with 1 caller
	// (set by Report.Evaluate).
	Scaling float64 `json:"scaling"`
}

// Suite measures every case of cfg and returns the results in a stable
// order: backend, entries, op, callers (llm-key last).
//
// It builds one Fixture per backend and size, measures its cases, and
// closes it before building the next. A case is measured on both sides
// back to back, cfg.Runs times, alternating which side goes first, so that
// both sides of a ratio see the same machine load; each measurement warms
// up first (Fixture.Measure). With cfg.Window, the case's operation count
// is calibrated once, so that every run of a case does the same work. One
// progress line per case goes to cfg.Logf. A case that fails (a guest
// fault, say) is reported in its Result.Error; the others still run.
func Suite(ctx context.Context, cfg Config) ([]Result, error) {
	if cfg.Runs < 1 {
		cfg.Runs = 1
	}
	if cfg.Callers == nil {
		cfg.Callers = DefaultCallers
	}
	if cfg.Entries == nil {
		cfg.Entries = func(b host.Backend) []int { return DefaultEntries(b, false) }
	}
	if cfg.Limit.Ops <= 0 && cfg.Limit.Duration <= 0 && cfg.Window <= 0 {
		return nil, errors.New("hostbench: a suite needs a Limit or a Window")
	}
	logf := cfg.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	pool := slices.Max(cfg.Callers)

	type group struct {
		backend host.Backend
		entries int
		ops     []Op
	}
	var groups []group
	for _, b := range cfg.Backends {
		for _, n := range cfg.Entries(b) {
			ops := StoreOps
			if b == host.Postgres {
				ops = PostgresOps
			}
			groups = append(groups, group{backend: b, entries: n, ops: ops})
		}
	}
	// llm-key touches no store: one fixture without entries.
	groups = append(groups, group{backend: host.Mem, ops: []Op{LLMKey}})
	total := 0
	for _, g := range groups {
		total += len(g.ops) * len(cfg.Callers)
	}

	var results []Result
	done := 0
	for _, g := range groups {
		dsn := ""
		if g.backend == host.Postgres {
			dsn = cfg.PostgresDSN
		}
		f, ferr := newFixture(ctx, cfg.TempDir, g.backend, dsn, g.entries, pool, logf)
		if ferr != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			logf("%v, %d entries: %v", g.backend, g.entries, ferr)
		}
		for _, op := range g.ops {
			for _, c := range cfg.Callers {
				done++
				r := Result{Op: op, Backend: g.backend.String(), Callers: c, Entries: g.entries}
				if g.entries == 0 {
					r.Backend = "-"
				}
				if ferr != nil {
					r.Error = "fixture: " + ferr.Error()
				} else if err := measureCase(ctx, f, &r, cfg); err != nil {
					f.Close()
					return nil, err
				}
				results = append(results, r)
				logf("[%d/%d] %s", done, total, r.Progress())
			}
		}
		if f != nil {
			f.Close()
		}
	}
	return results, nil
}

// measureCase measures r's case on f and fills r's figures (or r.Error).
// It returns an error only when ctx ends.
func measureCase(ctx context.Context, f *Fixture, r *Result, cfg Config) error {
	lim := cfg.Limit
	fail := func(side Side, err error) {
		if r.Error == "" {
			r.Error = side.String() + ": " + err.Error()
		}
	}
	if lim.Ops <= 0 && lim.Duration <= 0 {
		// Warm up first (the first calls of a case grow the guest's heap
		// and fill caches), so that the count is not calibrated on them.
		_, err := f.Run(nopTimer{}, Sandboxed, r.Op, r.Callers, Limit{Duration: cfg.Window / 3})
		var n int64
		if err == nil {
			n, err = f.Run(nopTimer{}, Sandboxed, r.Op, r.Callers, Limit{Duration: cfg.Window})
		}
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			fail(Sandboxed, err)
			return nil
		}
		lim = Limit{Ops: max(n, MinOps*int64(r.Callers))}
	}
	r.OpsPerRun = lim.Ops
	var samples [2][]Sample
	for run := range cfg.Runs {
		order := Sides
		if run%2 == 1 {
			order = []Side{Native, Sandboxed}
		}
		for _, side := range order {
			if err := ctx.Err(); err != nil {
				return err
			}
			s, err := f.Measure(side, r.Op, r.Callers, lim)
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				fail(side, err)
				continue
			}
			samples[side] = append(samples[side], s)
		}
	}
	r.Sandboxed, r.Native = summarize(samples[Sandboxed]), summarize(samples[Native])
	if r.Native.NsPerOp > 0 && r.Sandboxed.NsPerOp > 0 {
		r.Ratio = r.Sandboxed.NsPerOp / r.Native.NsPerOp
	}
	if r.Native.CPUNsPerOp > 0 && r.Sandboxed.CPUNsPerOp > 0 {
		r.CPURatio = r.Sandboxed.CPUNsPerOp / r.Native.CPUNsPerOp
	}
	return nil
}

func summarize(ss []Sample) SideResult {
	r := SideResult{RunsNsPerOp: []float64{}}
	ns := []float64{}
	var allocs, bytes, cpu []float64
	for _, s := range ss {
		ns = append(ns, s.NsPerOp)
		cpu = append(cpu, s.CPUNsPerOp)
		allocs = append(allocs, s.AllocsPerOp)
		bytes = append(bytes, s.BytesPerOp)
		r.Ops += s.Ops
	}
	r.RunsNsPerOp = ns
	r.NsPerOp = Median(ns)
	if r.NsPerOp > 0 {
		r.OpsPerSec = 1e9 / r.NsPerOp
	}
	r.AllocsPerOp = Median(allocs)
	r.BytesPerOp = Median(bytes)
	r.CPUNsPerOp = Median(cpu)
	r.Spread = spread(ns)
	return r
}

// spread is (max - min) / median of xs: how far apart the runs were.
func spread(xs []float64) float64 {
	m := Median(xs)
	if len(xs) < 2 || m <= 0 {
		return 0
	}
	return (slices.Max(xs) - slices.Min(xs)) / m
}

// Median returns the median of xs (the mean of the middle two for an even
// count; 0 for none).
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	m := len(s) / 2
	if len(s)%2 == 1 {
		return s[m]
	}
	return (s[m-1] + s[m]) / 2
}

// Progress describes a result in one line, for people watching a run.
func (r Result) Progress() string {
	who := fmt.Sprintf("%s %s %d entries, %d caller(s)", r.Op, r.Backend, r.Entries, r.Callers)
	if r.Op == LLMKey {
		who = fmt.Sprintf("%s, %d caller(s)", r.Op, r.Callers)
	}
	if r.Error != "" {
		return who + ": FAILED: " + firstLine(r.Error)
	}
	return fmt.Sprintf("%s: sandboxed %s, native %s, ratio %.2f, cpu ratio %.2f (%d+%d runs of %d ops, spread %.0f%%/%.0f%%)",
		who, perOp(r.Sandboxed.NsPerOp), perOp(r.Native.NsPerOp), r.Ratio, r.CPURatio,
		len(r.Sandboxed.RunsNsPerOp), len(r.Native.RunsNsPerOp), r.OpsPerRun,
		100*r.Sandboxed.Spread, 100*r.Native.Spread)
}

func perOp(ns float64) string {
	if ns >= 1000 {
		return fmt.Sprintf("%.1f µs/op", ns/1000)
	}
	return fmt.Sprintf("%.0f ns/op", ns)
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// String describes a result in one line (for logs).
func (r Result) String() string {
	return fmt.Sprintf("%s %s callers=%d entries=%d: sandboxed %.0f ns/op, native %.0f ns/op, ratio %.2f",
		r.Op, r.Backend, r.Callers, r.Entries, r.Sandboxed.NsPerOp, r.Native.NsPerOp, r.Ratio)
}
