package main

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/sandcache/sandcache/internal/hostbench"
)

// writeBenchTable prints a report for people.
func writeBenchTable(w io.Writer, r *hostbench.Report) error {
	limit := ""
	if r.Settings.Ops > 0 {
		limit = fmt.Sprintf("%d operations", r.Settings.Ops)
	}
	if r.Settings.DurationMs > 0 {
		if limit != "" {
			limit += " or "
		}
		limit += fmt.Sprintf("%s ms", num(r.Settings.DurationMs))
	}
	if limit == "" && r.Settings.WindowMs > 0 {
		limit = fmt.Sprintf("a count calibrated to ~%s ms", num(r.Settings.WindowMs))
	}
	fmt.Fprintf(w, "sandcache %s bench: medians of %d run(s) of %s per case; %s %s/%s, %d CPUs, GOMAXPROCS %d; guest.wasm sha256 %.12s\n",
		r.Sandcache, r.Settings.Runs, limit, r.Go, r.OS, r.Arch, r.CPUs, r.GOMAXPROCS, r.GuestSHA256)
	if m := r.Machine; m.CPUModel != "" || m.Kernel != "" {
		fmt.Fprintf(w, "machine: %s, kernel %s, load average %.2f before, %.2f after\n", m.CPUModel, m.Kernel, m.LoadBefore, m.LoadAfter)
	}
	fmt.Fprintln(w)

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	// tabwriter right-aligns every column: op and backend are padded to a
	// fixed width so that they read left-aligned.
	fmt.Fprintf(tw, "%-8s  %-7s\tcallers\tentries\tsandboxed ns/op\tnative ns/op\tratio\tops/s\tscaling sb/nat\tallocs/op sb/nat\tB/op sb/nat\tcpu ratio\t\n", "op", "backend")
	var failed []hostbench.Result
	for _, res := range r.Results {
		if res.Error != "" {
			failed = append(failed, res)
		}
		entries := "-"
		if res.Entries > 0 {
			entries = group(float64(res.Entries))
		}
		ratio := fmt.Sprintf("%.2f", res.Ratio)
		if res.Error != "" {
			ratio = fmt.Sprintf("err%d", len(failed))
		}
		fmt.Fprintf(tw, "%-8s  %-7s\t%d\t%s\t%s\t%s\t%s\t%s\t%.2f/%.2f\t%s/%s\t%s/%s\t%.2f\t\n",
			res.Op, res.Backend, res.Callers, entries,
			group(res.Sandboxed.NsPerOp), group(res.Native.NsPerOp), ratio,
			group(res.Sandboxed.OpsPerSec), res.Sandboxed.Scaling, res.Native.Scaling,
			num(res.Sandboxed.AllocsPerOp), num(res.Native.AllocsPerOp),
			group(res.Sandboxed.BytesPerOp), group(res.Native.BytesPerOp), res.CPURatio)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "(ops/s is the sandboxed side's, all callers together; scaling = ops/s / ops/s with 1 caller; sb/nat = sandboxed/native;\n cpu ratio = the ratio of process CPU time per operation, which moves less than wall time on a loaded machine)")
	if len(failed) > 0 {
		fmt.Fprintf(w, "\n%d case(s) failed (figures, if any, are from the runs that succeeded; full errors in --json):\n", len(failed))
		for i, res := range failed {
			fmt.Fprintf(w, "  err%d  %s %s %s entries, %d callers: %s\n",
				i+1, res.Op, res.Backend, group(float64(res.Entries)), res.Callers, shortError(res.Error))
		}
	}

	if s := r.Startup; s != nil {
		fmt.Fprintf(w, "\nstart-up, `%s` in a fresh process (wall time, median):\n", s.Command)
		fmt.Fprintf(w, "  warm compilation cache   %8s ms  (%d samples)\n", num(s.WarmMs), len(s.WarmSamplesMs))
		fmt.Fprintf(w, "  empty compilation cache  %8s ms  (%d samples)\n", num(s.ColdMs), len(s.ColdSamplesMs))
	}
	if in := r.Instances; in != nil {
		fmt.Fprintf(w, "\nguest instances (%d at once in one Sandbox):\n", in.Count)
		fmt.Fprintf(w, "  instantiate              %8s ms each (median of %d)\n", num(in.InstantiateMs), len(in.InstantiateSamplesMs))
		fmt.Fprintf(w, "  guest linear memory      %8s MiB each\n", mib(float64(in.GuestMemoryBytes)))
		if in.RSSBeforeBytes > 0 {
			fmt.Fprintf(w, "  resident memory          %8s MiB more per instance (RSS %s → %s MiB; includes its SQLite connection)\n",
				mib(in.RSSPerInstanceBytes), mib(float64(in.RSSBeforeBytes)), mib(float64(in.RSSAfterBytes)))
		} else {
			fmt.Fprintln(w, "  resident memory          unknown (no /proc/self/statm)")
		}
	}

	if a := r.Against; a != nil {
		writeAgainstTable(w, a)
	}

	if len(r.Targets) > 0 {
		met := 0
		for _, t := range r.Targets {
			if t.Met {
				met++
			}
		}
		fmt.Fprintf(w, "\ntargets (%d of %d met", met, len(r.Targets))
		if len(failed) > 0 {
			fmt.Fprintf(w, "; the %d failed case(s) are left out", len(failed))
		}
		fmt.Fprintln(w, "):")
		name := ""
		for _, t := range r.Targets {
			if t.Name != name {
				name = t.Name
				fmt.Fprintf(w, "  %s, %s %s:\n", t.Name, t.Cmp, targetValue(t.Limit, t.Unit))
			}
			mark := "met "
			if !t.Met {
				mark = "MISS"
			}
			fmt.Fprintf(w, "    [%s] %-30s %s", mark, t.Case, targetValue(t.Value, t.Unit))
			if t.Native != 0 {
				fmt.Fprintf(w, "  (native %s)", targetValue(t.Native, t.Unit))
			}
			fmt.Fprintln(w)
		}
	}
	if len(r.Notes) > 0 {
		fmt.Fprintln(w, "\nnotes:")
		for _, n := range r.Notes {
			fmt.Fprintf(w, "  - %s\n", n)
		}
	}
	return nil
}

// writeAgainstTable prints the comparison with the original as a Markdown
// table (the one of the README).
func writeAgainstTable(w io.Writer, a *hostbench.Against) {
	fmt.Fprintf(w, "\nagainst the original (harncache bench-put/bench-get: %d puts then %d gets, default options; medians of %d runs; ratio = original / sandcache):\n\n",
		a.Ops, a.Ops, a.Runs)
	fmt.Fprintln(w, "| store on | sandcache put | original put | ratio | sandcache get | original get | ratio |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|")
	for _, s := range a.Stores {
		store := s.Store
		if s.FSType != "unknown" && s.FSType != s.Store {
			store += " (" + s.FSType + ")"
		}
		if s.Error != "" {
			fmt.Fprintf(w, "| %s | failed: %s | | | | | |\n", store, shortError(s.Error))
			continue
		}
		fmt.Fprintf(w, "| %s | %s | %s | %.1f× | %s | %s | %.1f× |\n", store,
			duration(s.Sandcache.PutUs), duration(s.Original.PutUs), s.PutRatio,
			duration(s.Sandcache.GetUs), duration(s.Original.GetUs), s.GetRatio)
	}
	if len(a.Stores) > 0 && a.Stores[0].Error == "" {
		fmt.Fprintf(w, "(gets that hit: %d of %d on both sides)\n", a.Stores[0].Sandcache.Hits, a.Ops)
	}
}

// duration formats microseconds as µs or ms.
func duration(us float64) string {
	if us >= 1000 {
		return num(us/1000) + " ms"
	}
	return num(us) + " µs"
}

// shortError is the first line of a (guest fault) message and, when there
// are more, the end of the last one, where the host quotes the guest's own
// message ("runtime: out of memory ...").
func shortError(msg string) string {
	lines := strings.Split(strings.TrimSpace(msg), "\n")
	out := lines[0]
	if len(out) > 120 {
		out = out[:120] + "…"
	}
	if len(lines) > 1 {
		last := lines[len(lines)-1]
		if i := strings.Index(last, ") i32 ("); i >= 0 {
			last = last[i+len(") i32 "):]
		}
		if len(last) > 120 {
			last = last[:120] + "…"
		}
		out += " … " + strings.TrimSpace(last)
	}
	return out
}

func targetValue(v float64, unit string) string {
	switch unit {
	case "x":
		return fmt.Sprintf("%.2f×", v)
	case "bytes":
		return mib(v) + " MiB"
	}
	return num(v) + " " + unit
}

// group formats a rounded number with thousands separators.
func group(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "-"
	}
	s := strconv.FormatInt(int64(math.Round(math.Abs(v))), 10)
	var b strings.Builder
	if v < 0 && s != "0" {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// num formats a small figure with up to three significant decimals.
func num(v float64) string {
	switch a := math.Abs(v); {
	case a >= 100:
		return group(v)
	case a >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case a >= 1 || a == 0:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
	return strconv.FormatFloat(v, 'f', 3, 64)
}

func mib(b float64) string { return strconv.FormatFloat(b/(1<<20), 'f', 2, 64) }
