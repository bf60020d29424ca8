package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/sandcache/sandcache/internal/host"
	"github.com/sandcache/sandcache/internal/hostbench"
)

// TestBenchQuickJSON runs `sandcache bench --quick --json` end to end and
// checks the document's shape and coverage (not the figures).
func TestBenchQuickJSON(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	r := c.run("bench", "--quick", "--json")
	if r.code != 0 {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	if strings.Count(strings.TrimSpace(r.stdout), "\n") != 0 {
		t.Fatalf("want one JSON document on one line; got %q", r.stdout)
	}

	// Exactly these top-level fields.
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(r.stdout), &raw); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r.stdout)
	}
	var keys []string
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	want := []string{"arch", "cpus", "go", "gomaxprocs", "guest_wasm_sha256", "instances", "machine", "notes", "os", "results", "sandcache", "settings", "startup", "targets"}
	if !slices.Equal(keys, want) {
		t.Errorf("top-level fields %v; want %v", keys, want)
	}
	var res map[string]json.RawMessage
	if err := json.Unmarshal(raw["results"][1:bytes.IndexByte(raw["results"], '}')+1], &res); err == nil {
		for _, k := range []string{"op", "backend", "callers", "entries", "sandboxed", "native", "ratio"} {
			if _, ok := res[k]; !ok {
				t.Errorf("result lacks %q: %s", k, raw["results"][:200])
			}
		}
	}

	dec := json.NewDecoder(strings.NewReader(r.stdout))
	dec.DisallowUnknownFields()
	var rep hostbench.Report
	if err := dec.Decode(&rep); err != nil {
		t.Fatalf("decode: %v", err)
	}
	if rep.Sandcache != version || rep.Go == "" || rep.CPUs < 1 || rep.GOMAXPROCS < 1 || len(rep.GuestSHA256) != 64 {
		t.Errorf("header: %+v", rep)
	}
	s := rep.Settings
	if s.Runs != 1 || !s.Quick || s.DurationMs <= 0 || !slices.Equal(s.Callers, []int{1, 2, 4}) ||
		!slices.Equal(s.Backends, []string{"sqlite", "fs", "mem"}) {
		t.Errorf("settings: %+v", s)
	}

	// Every case, once, with figures on both sides, or an error (a failing
	// case is reported, not fatal to the run: that is the shape too).
	seen := map[string]bool{}
	failed := 0
	for _, res := range rep.Results {
		id := fmt.Sprintf("%s/%s/%d/%d", res.Op, res.Backend, res.Entries, res.Callers)
		if seen[id] {
			t.Errorf("case %s twice", id)
		}
		seen[id] = true
		if res.Error != "" {
			t.Logf("case %s failed: %s", id, res.Error)
			failed++
			continue
		}
		for side, sr := range map[string]hostbench.SideResult{"sandboxed": res.Sandboxed, "native": res.Native} {
			if sr.NsPerOp <= 0 || sr.OpsPerSec <= 0 || sr.Ops <= 0 || len(sr.RunsNsPerOp) != s.Runs ||
				sr.AllocsPerOp < 0 || sr.BytesPerOp < 0 || sr.Scaling < 0 {
				t.Errorf("%s %s: %+v", id, side, sr)
			}
		}
		if res.Ratio <= 0 {
			t.Errorf("%s: ratio %v", id, res.Ratio)
		}
	}
	for _, c := range []int{1, 2, 4} {
		for _, b := range []string{"sqlite", "fs", "mem"} {
			for _, n := range s.Entries[b] {
				for _, op := range hostbench.StoreOps {
					if id := fmt.Sprintf("%s/%s/%d/%d", op, b, n, c); !seen[id] {
						t.Errorf("no case %s", id)
					}
				}
			}
		}
		if id := fmt.Sprintf("llm-key/-/0/%d", c); !seen[id] {
			t.Errorf("no case %s", id)
		}
	}
	if len(seen) != 3*(3*2*4+1) {
		t.Errorf("%d cases", len(seen))
	}
	if failed > len(seen)/2 {
		t.Errorf("%d of %d cases failed", failed, len(seen))
	}

	if st := rep.Startup; st == nil || st.WarmMs <= 0 || st.ColdMs <= 0 || len(st.WarmSamplesMs) == 0 || len(st.ColdSamplesMs) == 0 {
		t.Errorf("startup: %+v", st)
	}
	if in := rep.Instances; in == nil || in.Count != 2 || in.InstantiateMs <= 0 || in.GuestMemoryBytes == 0 {
		t.Errorf("instances: %+v", in)
	}
	names := map[string]bool{}
	for _, tg := range rep.Targets {
		names[tg.Name] = true
		if tg.Case == "" || tg.Limit <= 0 || tg.Value == 0 || tg.Unit == "" || !slices.Contains([]string{"<=", ">=", "<"}, tg.Cmp) {
			t.Errorf("target: %+v", tg)
		}
	}
	for _, n := range []string{hostbench.TargetRatio, hostbench.TargetScaling, hostbench.TargetSize, hostbench.TargetWarm, hostbench.TargetCold} {
		if !names[n] {
			t.Errorf("no target %q", n)
		}
	}
	if len(rep.Notes) == 0 {
		t.Error("no notes")
	}
}

func TestBenchUsage(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	for _, args := range [][]string{
		{"bench", "--runs", "0"},
		{"bench", "--runs", "x"},
		{"bench", "--ops", "-3"},
		{"bench", "--duration", "soon"},
		{"bench", "--backends", "sqlite,nope"},
		{"bench", "--backends", ""},
		{"bench", "--entries", "0"},
		{"bench", "--callers", "1,x"},
		{"bench", "now"},
		{"bench", "--quick", "--full"},
		{"bench", "--against", "/bin/true"},
		{"bench", "--against", "oracle=/bin/true"},
		{"bench", "--against", "harncache="},
		{"bench", "--against", "harncache=/nonexistent/harncache"},
	} {
		if r := c.run(args...); r.code != 2 || !strings.Contains(r.stderr, "usage: sandcache") {
			t.Errorf("sandcache %q: exit %d, stderr %q", args, r.code, r.stderr)
		}
	}
}

// benchPlanOf parses a bench command line into its plan.
func benchPlanOf(t *testing.T, args ...string) benchPlan {
	t.Helper()
	a := &app{flags: newFlagSet()}
	a.g.register(a.flags)
	benchFlags(a, a.flags)
	if _, _, err := a.flags.parse(args, false); err != nil {
		t.Fatal(err)
	}
	p, err := a.benchPlan()
	if err != nil {
		t.Fatalf("%q: %v", args, err)
	}
	return p
}

// TestBenchPlan pins what each mode measures: the default run is sized to
// finish in about a minute (see benchPlan), --full is the whole matrix.
func TestBenchPlan(t *testing.T) {
	p := benchPlanOf(t)
	if p.runs != 5 || p.window != 40*time.Millisecond || p.limit != (hostbench.Limit{}) ||
		!slices.Equal(p.callers, []int{1, 2}) || !slices.Equal(p.backends, []host.Backend{host.SQLite, host.Mem}) ||
		!slices.Equal(p.entriesOf(host.SQLite), []int{1000, 100_000}) || !slices.Equal(p.entriesOf(host.Mem), []int{1000}) ||
		p.against != "" || p.startupCold != 3 || p.startupWarm != 6 {
		t.Errorf("default plan: %+v", p)
	}
	p = benchPlanOf(t, "--full")
	if p.runs != 5 || p.window != 200*time.Millisecond || !slices.Equal(p.callers, []int{1, 2, 4}) || p.startupCold != 5 ||
		!slices.Equal(p.backends, []host.Backend{host.SQLite, host.FS, host.Mem}) ||
		!slices.Equal(p.entriesOf(host.FS), []int{1000, 10_000}) || !slices.Equal(p.entriesOf(host.Mem), []int{1000, 100_000}) {
		t.Errorf("--full plan: %+v", p)
	}
	p = benchPlanOf(t, "--quick")
	if p.runs != 1 || p.limit.Duration != 10*time.Millisecond || p.againstN != 50 {
		t.Errorf("--quick plan: %+v", p)
	}
	p = benchPlanOf(t, "--full", "--ops", "300", "--runs", "7", "--backends", "mem", "--against", "harncache=/bin/sh")
	if p.runs != 7 || p.limit != (hostbench.Limit{Ops: 300}) || !slices.Equal(p.backends, []host.Backend{host.Mem}) ||
		p.against != "/bin/sh" || p.againstN != 1000 {
		t.Errorf("explicit flags: %+v", p)
	}
}

// TestBenchAgainstJSON runs the comparison with the original against a
// fake harncache (a script printing fixed timings: the real one is not
// needed) and checks the JSON and the table.
func TestBenchAgainstJSON(t *testing.T) {
	t.Parallel()
	oracle := filepath.Join(t.TempDir(), "harncache")
	script := `#!/bin/sh
case "$1" in
bench-put) printf '{"ops":%s,"seconds":0.5}\n' "$2";;
bench-get) printf '{"ops":%s,"seconds":0.25,"hits":%s}\n' "$2" "$2";;
*) exit 2;;
esac
`
	if err := os.WriteFile(oracle, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	c := newCLI(t)
	r := c.run("bench", "--quick", "--backends", "mem", "--entries", "10", "--callers", "1", "--json", "--against", "harncache="+oracle)
	if r.code != 0 {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	var rep hostbench.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	a := rep.Against
	if a == nil || a.Harncache != oracle || a.Ops != 50 || a.Runs != 1 || len(a.Stores) != len(hostbench.AgainstDirs()) {
		t.Fatalf("against: %+v", a)
	}
	for _, s := range a.Stores {
		if s.Error != "" || s.Original.PutUs != 10_000 || s.Original.GetUs != 5_000 || s.Original.Hits != 50 ||
			s.Sandcache.Hits != 50 || s.PutRatio <= 0 || s.GetRatio <= 0 {
			t.Errorf("store %+v", s)
		}
	}
	n := 0
	for _, tg := range rep.Targets {
		if tg.Name == hostbench.TargetOriginal {
			n++
		}
	}
	if n != 2*len(a.Stores) {
		t.Errorf("%d targets against the original; want %d", n, 2*len(a.Stores))
	}
	if !strings.Contains(r.stderr, "bench: against the original on disk") {
		t.Errorf("no progress line for the comparison:\n%s", r.stderr)
	}

	var out bytes.Buffer
	if err := writeBenchTable(&out, &rep); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "| store on | sandcache put | original put | ratio | sandcache get | original get | ratio |") ||
		!strings.Contains(out.String(), " | 10.0 ms | ") || !strings.Contains(out.String(), " | 5.00 ms | ") {
		t.Errorf("table:\n%s", out.String())
	}
}

// TestBenchTable checks the table for people on a made-up report.
func TestBenchTable(t *testing.T) {
	r := hostbench.NewReport(version)
	r.Settings = hostbench.Settings{Runs: 5, DurationMs: 200, Backends: []string{"sqlite"}, Callers: []int{1, 2}}
	side := func(ns float64) hostbench.SideResult {
		return hostbench.SideResult{NsPerOp: ns, OpsPerSec: 1e9 / ns, AllocsPerOp: 7, BytesPerOp: 512, RunsNsPerOp: []float64{ns}}
	}
	r.Results = []hostbench.Result{
		{Op: hostbench.GetHit, Backend: "sqlite", Callers: 1, Entries: 1000, Sandboxed: side(30000), Native: side(20000), Ratio: 1.5},
		{Op: hostbench.Put, Backend: "sqlite", Callers: 1, Entries: 1000, Sandboxed: side(90000), Native: side(30000), Ratio: 3},
		{Op: hostbench.GetHit, Backend: "sqlite", Callers: 2, Entries: 1000, Sandboxed: side(16000), Native: side(10000), Ratio: 1.6},
		{Op: hostbench.LLMKey, Backend: "-", Callers: 1, Sandboxed: side(9000), Native: side(6000), Ratio: 1.5},
	}
	r.Startup = &hostbench.Startup{Command: "sandcache get k", WarmMs: 35, ColdMs: 800, WarmSamplesMs: []float64{35}, ColdSamplesMs: []float64{800}}
	r.Results = append(r.Results, hostbench.Result{Op: hostbench.Put, Backend: "fs", Callers: 2, Entries: 10000,
		Error: "sandboxed: sandboxed put fs: put: wasm error: unreachable\nwasm stack trace:\n\t.runtime.abort(i32) i32\n" +
			"\t.sandcache_cache_cache_0.1.0_put(i32) i32 (runtime: out of memory: cannot allocate 524288-byte block (129859584 in use))"})
	r.Instances = &hostbench.Instances{Count: 4, InstantiateMs: 3, GuestMemoryBytes: 4 << 20, RSSPerInstanceBytes: 3 << 20, RSSBeforeBytes: 60 << 20, RSSAfterBytes: 69 << 20}
	r.Evaluate()
	var out bytes.Buffer
	if err := writeBenchTable(&out, r); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, want := range []string{
		"sandboxed ns/op", "native ns/op", "ratio", "ops/s",
		"get-hit   sqlite         1    1,000           30,000        20,000   1.50   33,333       1.00/1.00",
		"llm-key   -              1        -            9,000",
		"warm compilation cache       35.0 ms",
		"empty compilation cache       800 ms",
		"[MISS] put sqlite 1000                3.00×",
		"guest linear memory          4.00 MiB each",
		"3.00 MiB more per instance",
		"[met ] get-hit sqlite 1000",
		"[met ] get-hit sqlite 1000            1.87×  (native 2.00×)",
		"put       fs             2   10,000                0             0   err1",
		"err1  put fs 10,000 entries, 2 callers: sandboxed: sandboxed put fs: put: wasm error: unreachable … " +
			"(runtime: out of memory: cannot allocate 524288-byte block (129859584 in use))",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("table lacks %q:\n%s", want, text)
		}
	}
}
