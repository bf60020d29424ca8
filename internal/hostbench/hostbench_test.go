package hostbench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/sandcache/sandcache/internal/host"
)

// Every op on every backend, both sides, with parallel callers, a count
// and a time limit: the fixtures must measure what they claim (Run checks
// each result).
func TestFixtureRuns(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, b := range []host.Backend{host.SQLite, host.FS, host.Mem} {
		f, err := NewFixture(ctx, t.TempDir(), b, 40, 2, t.Logf)
		if err != nil {
			t.Fatal(err)
		}
		for _, op := range Ops {
			for _, side := range Sides {
				for _, c := range []int{1, 2} {
					// 50 deletes: more than one round (20) and than the namespace (40).
					n, err := f.Run(nopTimer{}, side, op, c, Limit{Ops: 50})
					if err != nil || n != 50 {
						t.Fatalf("%v %s %s callers=%d: %d ops, %v", b, side, op, c, n, err)
					}
				}
				s, err := f.Measure(side, op, 2, Limit{Duration: 5 * time.Millisecond})
				if err != nil || s.Ops == 0 || s.NsPerOp <= 0 {
					t.Fatalf("%v %s %s: %+v, %v", b, side, op, s, err)
				}
			}
		}
		if err := f.Close(); err != nil {
			t.Error(err)
		}
	}
}

func TestFixtureErrors(t *testing.T) {
	f, err := NewFixture(context.Background(), t.TempDir(), host.Mem, 0, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Run(nopTimer{}, Sandboxed, GetHit, 1, Limit{Ops: 1}); err == nil {
		t.Error("get-hit without entries ran")
	}
	if _, err := f.Run(nopTimer{}, Sandboxed, LLMKey, 2, Limit{Ops: 1}); err == nil {
		t.Error("2 callers on a pool of 1 ran")
	}
	if _, err := f.Run(nopTimer{}, Sandboxed, LLMKey, 1, Limit{}); err == nil {
		t.Error("no limit ran")
	}
	if _, err := NewFixture(context.Background(), t.TempDir(), host.Mem, 100_001, 1, nil); err == nil {
		t.Error("100 001 entries accepted")
	}
}

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		in   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{5, 1, 3}, 3}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := Median(c.in); got != c.want {
			t.Errorf("Median(%v) = %v; want %v", c.in, got, c.want)
		}
	}
}

func TestEvaluate(t *testing.T) {
	side := func(ns float64) SideResult { return SideResult{NsPerOp: ns, OpsPerSec: 1e9 / ns} }
	r := NewReport("test")
	r.Results = []Result{
		{Op: GetHit, Backend: "mem", Callers: 1, Entries: 10, Sandboxed: side(100), Native: side(80), Ratio: 1.25},
		{Op: GetHit, Backend: "mem", Callers: 2, Entries: 10, Sandboxed: side(60), Native: side(40), Ratio: 1.5},
		{Op: GetHit, Backend: "mem", Callers: 1, Entries: 1000, Sandboxed: side(250), Native: side(100), Ratio: 2.5},
		{Op: LLMKey, Backend: "-", Callers: 1, Sandboxed: side(350), Native: side(100), Ratio: 3.5},
	}
	r.Startup = &Startup{WarmMs: 70, ColdMs: 900}
	r.Against = &Against{Stores: []AgainstStore{
		{Store: "disk", FSType: "ext4", PutRatio: 25, GetRatio: 12},
		{Store: "tmpfs", FSType: "tmpfs", PutRatio: 6, GetRatio: 14},
		{Store: "other", FSType: "xfs", Error: "harncache bench-put: ..."},
	}}
	r.Evaluate()
	if s := r.Results[1].Sandboxed.Scaling; s < 1.66 || s > 1.67 {
		t.Errorf("scaling %v", s)
	}
	want := map[string]bool{
		TargetRatio + "/get-hit mem 10":          true,
		TargetRatio + "/get-hit mem 1000":        false,
		TargetScaling + "/get-hit mem 10":        false,
		TargetSize + "/get-hit mem 1000 vs 10":   false,
		TargetWarm + "/median":                   false,
		TargetCold + "/median":                   true,
		TargetRatioLLM + "/llm-key":              true,
		TargetOriginal + "/put on disk (ext4)":   true,
		TargetOriginal + "/get on disk (ext4)":   false,
		TargetOriginal + "/put on tmpfs (tmpfs)": true,
		TargetOriginal + "/get on tmpfs (tmpfs)": false,
	}
	if len(r.Targets) != len(want) {
		t.Errorf("targets: %+v", r.Targets)
	}
	for _, tg := range r.Targets {
		if met, ok := want[tg.Name+"/"+tg.Case]; !ok || met != tg.Met {
			t.Errorf("target %+v", tg)
		}
	}
}

// Suite with a calibration window: one result per case, each with the
// same operation count in every run of both sides, and one progress line
// per case.
func TestSuiteWindow(t *testing.T) {
	t.Parallel()
	var lines []string
	res, err := Suite(context.Background(), Config{
		Backends: []host.Backend{host.Mem}, Entries: func(host.Backend) []int { return []int{20} },
		Callers: []int{1, 2}, Runs: 3, Window: 2 * time.Millisecond, TempDir: t.TempDir(),
		Logf: func(format string, args ...any) { lines = append(lines, fmt.Sprintf(format, args...)) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != (len(StoreOps)+1)*2 {
		t.Fatalf("%d results", len(res))
	}
	progress := 0
	for _, l := range lines {
		if strings.HasPrefix(l, "[") {
			progress++
		}
	}
	if progress != len(res) || !strings.HasPrefix(lines[len(lines)-1], fmt.Sprintf("[%d/%d] llm-key, 2 caller(s): sandboxed ", len(res), len(res))) {
		t.Errorf("progress lines:\n%s", strings.Join(lines, "\n"))
	}
	for _, r := range res {
		if r.Error != "" {
			t.Errorf("%s: %s", r, r.Error)
			continue
		}
		if r.OpsPerRun < MinOps*int64(r.Callers) {
			t.Errorf("%s: %d ops per run", r, r.OpsPerRun)
		}
		for _, sr := range []SideResult{r.Sandboxed, r.Native} {
			if len(sr.RunsNsPerOp) != 3 || sr.Ops != 3*r.OpsPerRun || sr.Spread < 0 || sr.NsPerOp != Median(sr.RunsNsPerOp) ||
				(runtime.GOOS == "linux" && sr.CPUNsPerOp <= 0) {
				t.Errorf("%s: %+v", r, sr)
			}
		}
	}
	if _, err := Suite(context.Background(), Config{Backends: []host.Backend{host.Mem}}); err == nil {
		t.Error("a suite without a limit or window ran")
	}
}

func TestCPUModel(t *testing.T) {
	info := "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13\nflags\t\t: fpu\n\nprocessor\t: 1\nmodel name\t: AMD EPYC 7B13\n"
	if got := cpuModel(info); got != "AMD EPYC 7B13" {
		t.Errorf("cpuModel = %q", got)
	}
	if got := cpuModel("processor : 0\n"); got != "" {
		t.Errorf("cpuModel without a model = %q", got)
	}
}

// A fixture whose context has ended stops filling at once and leaves
// nothing behind.
func TestFixtureCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	tmp := t.TempDir()
	for _, b := range []host.Backend{host.SQLite, host.FS, host.Mem} {
		if _, err := NewFixture(ctx, tmp, b, 100_000, 1, nil); !errors.Is(err, context.Canceled) {
			t.Errorf("%v: %v; want context.Canceled", b, err)
		}
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("%d entries left behind", len(left))
	}
}
