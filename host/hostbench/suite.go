package hostbench

import (
	"context"
	"fmt"
	"slices"

	"github.com/sandcache/sandcache/host"
)

// Config selects what Suite measures.
type Config struct {
	Backends []host.Backend
	// Entries lists the namespace sizes per backend; nil means
	// DefaultEntries.
	Entries func(host.Backend) []int
	Callers []int // goroutines calling at once; nil means 1, 2, 4
	Runs    int   // measurements per case; medians are reported
	Limit   Limit // per measurement
	TempDir string
	// Logf, if not nil, receives progress lines.
	Logf func(format string, args ...any)
}

// DefaultEntries returns the namespace sizes measured for a backend:
// 1 000 and 100 000 entries, except fs (one file per entry), measured at
// 1 000 and 10 000. quick returns 50 and 200 for every backend.
func DefaultEntries(b host.Backend, quick bool) []int {
	switch {
	case quick:
		return []int{50, 200}
	case b == host.FS:
		return []int{1000, 10_000}
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
	// Scaling is OpsPerSec over the same case's OpsPerSec with 1 caller
	// (set by Report.Evaluate).
	Scaling float64 `json:"scaling"`
}

// Suite measures every case of cfg and returns the results in a stable
// order: backend, entries, op, callers (llm-key last).
//
// It builds one Fixture per backend and size (all of them first), then
// makes cfg.Runs passes over all of them; within a pass, each op and
// callers count is measured on both sides back to back (alternating which
// side goes first), so that both sides of a ratio see the same machine
// load, and the runs of one case are spread over the whole suite, so that
// a burst of load on a shared machine hits one run of each case rather
// than every run of a few. A case that fails (a guest fault, say) is
// reported in its Result.Error; the others still run.
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
	logf := cfg.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	pool := slices.Max(cfg.Callers)

	type group struct {
		backend host.Backend
		entries int
		ops     []Op
		f       *Fixture
		err     error
		m       *matrix
	}
	var groups []*group
	for _, b := range cfg.Backends {
		for _, n := range cfg.Entries(b) {
			groups = append(groups, &group{backend: b, entries: n, ops: StoreOps})
		}
	}
	// llm-key touches no store: one fixture without entries.
	groups = append(groups, &group{backend: host.Mem, ops: []Op{LLMKey}})
	defer func() {
		for _, g := range groups {
			if g.f != nil {
				g.f.Close()
			}
		}
	}()
	for _, g := range groups {
		g.m = newMatrix(g.ops, cfg.Callers)
		g.f, g.err = NewFixture(ctx, cfg.TempDir, g.backend, g.entries, pool, logf)
		if g.err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			logf("%v, %d entries: %v", g.backend, g.entries, g.err)
		}
	}
	for r := range cfg.Runs {
		for _, g := range groups {
			if g.f == nil {
				continue
			}
			logf("run %d of %d: %v, %d entries", r+1, cfg.Runs, g.backend, g.entries)
			if err := g.m.measure(ctx, g.f, r, cfg.Limit, logf); err != nil {
				return nil, err
			}
		}
	}
	var results []Result
	for _, g := range groups {
		rs := g.m.results(g.backend, g.entries, g.err)
		if g.entries == 0 {
			for i := range rs {
				rs[i].Backend = "-"
			}
		}
		results = append(results, rs...)
	}
	return results, nil
}

// matrix collects the samples of one fixture's cases over the runs.
type matrix struct {
	ops     []Op
	callers []int
	samples map[caseID]*[2][]Sample
	errs    map[caseID]string
}

type caseID struct {
	op      Op
	callers int
}

func newMatrix(ops []Op, callers []int) *matrix {
	return &matrix{ops: ops, callers: callers, samples: map[caseID]*[2][]Sample{}, errs: map[caseID]string{}}
}

// measure runs run r of every case on f.
func (m *matrix) measure(ctx context.Context, f *Fixture, r int, lim Limit, logf func(string, ...any)) error {
	for _, op := range m.ops {
		for _, c := range m.callers {
			k := caseID{op, c}
			if m.samples[k] == nil {
				m.samples[k] = &[2][]Sample{}
			}
			order := Sides
			if r%2 == 1 {
				order = []Side{Native, Sandboxed}
			}
			for _, side := range order {
				if err := ctx.Err(); err != nil {
					return err
				}
				s, err := f.Measure(side, op, c, lim)
				if err != nil {
					if ctx.Err() != nil {
						return ctx.Err()
					}
					logf("%s %v %d entries, %d callers: %s: %v", op, f.Backend, f.Entries, c, side, err)
					if m.errs[k] == "" {
						m.errs[k] = side.String() + ": " + err.Error()
					}
					continue
				}
				m.samples[k][side] = append(m.samples[k][side], s)
			}
		}
	}
	return nil
}

// results summarizes the cases; fixtureErr, if not nil, failed them all.
func (m *matrix) results(b host.Backend, entries int, fixtureErr error) []Result {
	var out []Result
	for _, op := range m.ops {
		for _, c := range m.callers {
			k := caseID{op, c}
			ss := m.samples[k]
			if ss == nil {
				ss = &[2][]Sample{}
			}
			r := Result{
				Op: op, Backend: b.String(), Callers: c, Entries: entries,
				Sandboxed: summarize(ss[Sandboxed]), Native: summarize(ss[Native]),
				Error: m.errs[k],
			}
			if fixtureErr != nil {
				r.Error = "fixture: " + fixtureErr.Error()
			}
			if r.Native.NsPerOp > 0 && r.Sandboxed.NsPerOp > 0 {
				r.Ratio = r.Sandboxed.NsPerOp / r.Native.NsPerOp
			}
			out = append(out, r)
		}
	}
	return out
}

func summarize(ss []Sample) SideResult {
	r := SideResult{RunsNsPerOp: []float64{}}
	ns := []float64{}
	var allocs, bytes []float64
	for _, s := range ss {
		ns = append(ns, s.NsPerOp)
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
	return r
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

// String describes a result in one line (for logs).
func (r Result) String() string {
	return fmt.Sprintf("%s %s callers=%d entries=%d: sandboxed %.0f ns/op, native %.0f ns/op, ratio %.2f",
		r.Op, r.Backend, r.Callers, r.Entries, r.Sandboxed.NsPerOp, r.Native.NsPerOp, r.Ratio)
}
