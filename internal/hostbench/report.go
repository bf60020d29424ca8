package hostbench

import (
	"crypto/sha256"
	"fmt"
	"runtime"

	"github.com/sandcache/sandcache/host"
)

// Report is everything one `sandcache bench` measures, as one JSON document.
type Report struct {
	Sandcache  string `json:"sandcache"` // version
	Go         string `json:"go"`
	OS         string `json:"os"`
	Arch       string `json:"arch"`
	CPUs       int    `json:"cpus"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	// GuestSHA256 identifies the embedded guest.wasm the sandboxed side ran.
	GuestSHA256 string     `json:"guest_wasm_sha256"`
	Machine     Machine    `json:"machine"`
	Settings    Settings   `json:"settings"`
	Results     []Result   `json:"results"`
	Startup     *Startup   `json:"startup"`
	Instances   *Instances `json:"instances"`
	// Against is the comparison with the original design (--against);
	// absent when it was not run.
	Against *Against `json:"against,omitempty"`
	Targets []Target `json:"targets"`
	Notes   []string `json:"notes"`
}

// Settings echo what was measured and how.
type Settings struct {
	Runs       int              `json:"runs"`
	Ops        int64            `json:"ops"`         // per measurement; 0 when time-bound
	DurationMs float64          `json:"duration_ms"` // per measurement; 0 when count-bound
	Backends   []string         `json:"backends"`
	Entries    map[string][]int `json:"entries"` // namespace sizes per backend
	Callers    []int            `json:"callers"`
	Pool       int              `json:"pool"` // instances (sandboxed) or engines (native) per store
	Quick      bool             `json:"quick"`
	// Full is set for the whole matrix (--full).
	Full bool `json:"full"`
	// WindowMs is the time each case's operation count was calibrated to
	// (see Config.Window); 0 when --ops or --duration bound the
	// measurements.
	WindowMs float64 `json:"window_ms"`
}

// Startup is the wall time of `sandcache get` (a hit) in a fresh process.
type Startup struct {
	Command       string    `json:"command"`
	WarmMs        float64   `json:"warm_ms"` // median; compilation cache filled
	ColdMs        float64   `json:"cold_ms"` // median; empty compilation cache
	WarmSamplesMs []float64 `json:"warm_samples_ms"`
	ColdSamplesMs []float64 `json:"cold_samples_ms"`
}

// Target is one performance goal checked against one case.
type Target struct {
	Name  string  `json:"name"`
	Case  string  `json:"case"`
	Value float64 `json:"value"`
	Cmp   string  `json:"cmp"` // "<=", ">=" or "<"
	Limit float64 `json:"limit"`
	Unit  string  `json:"unit"` // "x", "ms", "bytes"
	Met   bool    `json:"met"`
	// Native is the native side's value of the same measure, where it has
	// one (scaling): when it misses too, the machine is the limit.
	Native float64 `json:"native,omitempty"`
}

// Names of the targets.
const (
	TargetRatio    = "sandboxed/native (1 caller)"
	TargetRatioLLM = "sandboxed/native, llm-key (1 caller)"
	TargetScaling  = "get-hit throughput 2 callers / 1 caller (sandboxed)"
	// TargetOriginal is sandcache's speed-up over the original design
	// (--against): the original's time per operation over sandcache's.
	TargetOriginal = "times faster than the original (harncache)"
	TargetSize     = "cost at the large namespace / the small one (sandboxed, 1 caller)"
	TargetWarm     = "sandcache get, fresh process, warm compilation cache"
	TargetCold     = "sandcache get, fresh process, empty compilation cache"
	TargetRSS      = "resident memory per guest instance"
)

// NewReport starts a report with the machine's description.
func NewReport(version string) *Report {
	return &Report{
		Sandcache: version, Go: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH,
		CPUs: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0),
		GuestSHA256: fmt.Sprintf("%x", sha256.Sum256(host.GuestWasm())),
		Machine:     readMachine(),
		Results:     []Result{}, Targets: []Target{}, Notes: []string{},
	}
}

// Evaluate fills each result's Scaling and the report's Targets.
func (r *Report) Evaluate() {
	type caseKey struct {
		op      Op
		backend string
		entries int
	}
	one := map[caseKey]Result{}
	for _, res := range r.Results {
		if res.Callers == 1 {
			one[caseKey{res.Op, res.Backend, res.Entries}] = res
		}
	}
	for i := range r.Results {
		res := &r.Results[i]
		if base, ok := one[caseKey{res.Op, res.Backend, res.Entries}]; ok {
			if base.Sandboxed.OpsPerSec > 0 {
				res.Sandboxed.Scaling = res.Sandboxed.OpsPerSec / base.Sandboxed.OpsPerSec
			}
			if base.Native.OpsPerSec > 0 {
				res.Native.Scaling = res.Native.OpsPerSec / base.Native.OpsPerSec
			}
		}
	}

	r.Targets = r.Targets[:0]
	add := func(name, c string, v float64, cmp string, limit float64, unit string) {
		met := false
		switch cmp {
		case "<=":
			met = v <= limit
		case ">=":
			met = v >= limit
		case "<":
			met = v < limit
		}
		r.Targets = append(r.Targets, Target{Name: name, Case: c, Value: v, Cmp: cmp, Limit: limit, Unit: unit, Met: met})
	}
	// Cases that failed (Error set) are left out: their figures come from
	// some runs only.
	for _, res := range r.Results {
		switch {
		case res.Error != "" || res.Callers != 1 || res.Ratio <= 0:
		case res.Op == LLMKey:
			add(TargetRatioLLM, caseName(res), res.Ratio, "<=", 4, "x")
		default:
			add(TargetRatio, caseName(res), res.Ratio, "<=", 1.3, "x")
		}
	}
	for _, res := range r.Results {
		if res.Error == "" && res.Op == GetHit && res.Callers == 2 && res.Sandboxed.Scaling > 0 {
			add(TargetScaling, caseName(res), res.Sandboxed.Scaling, ">=", 1.7, "x")
			r.Targets[len(r.Targets)-1].Native = res.Native.Scaling
		}
	}
	if a := r.Against; a != nil {
		for _, s := range a.Stores {
			if s.Error != "" || s.PutRatio <= 0 {
				continue
			}
			put, get := 20.0, 20.0
			if s.FSType == "tmpfs" {
				put, get = 5, 15
			}
			add(TargetOriginal, fmt.Sprintf("put on %s (%s)", s.Store, s.FSType), s.PutRatio, ">=", put, "x")
			add(TargetOriginal, fmt.Sprintf("get on %s (%s)", s.Store, s.FSType), s.GetRatio, ">=", get, "x")
		}
	}
	sizes := map[string][2]int{} // backend → smallest, largest entries
	for _, res := range r.Results {
		if res.Entries == 0 {
			continue
		}
		s, ok := sizes[res.Backend]
		if !ok {
			s = [2]int{res.Entries, res.Entries}
		}
		sizes[res.Backend] = [2]int{min(s[0], res.Entries), max(s[1], res.Entries)}
	}
	for _, res := range r.Results {
		s := sizes[res.Backend]
		if res.Error != "" || res.Callers != 1 || res.Entries != s[1] || s[0] == s[1] || res.Sandboxed.NsPerOp == 0 ||
			(res.Op != GetHit && res.Op != GetMiss && res.Op != Put) {
			continue
		}
		small, ok := one[caseKey{res.Op, res.Backend, s[0]}]
		if !ok || small.Error != "" || small.Sandboxed.NsPerOp == 0 {
			continue
		}
		add(TargetSize, fmt.Sprintf("%s %s %d vs %d", res.Op, res.Backend, s[1], s[0]),
			res.Sandboxed.NsPerOp/small.Sandboxed.NsPerOp, "<=", 2, "x")
	}
	if r.Startup != nil {
		add(TargetWarm, "median", r.Startup.WarmMs, "<", 60, "ms")
		add(TargetCold, "median", r.Startup.ColdMs, "<", 1500, "ms")
	}
	if r.Instances != nil && r.Instances.RSSBeforeBytes > 0 {
		add(TargetRSS, fmt.Sprintf("RSS growth, %d instances", r.Instances.Count), r.Instances.RSSPerInstanceBytes, "<", 5<<20, "bytes")
	}
}

func caseName(res Result) string {
	if res.Op == LLMKey {
		return string(res.Op)
	}
	return fmt.Sprintf("%s %s %d", res.Op, res.Backend, res.Entries)
}
