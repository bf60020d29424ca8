package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// The parts of the bench JSON that only the Markdown tables use.
type tableReport struct {
	Sandcache string `json:"sandcache"`
	Go        string `json:"go"`
	CPUs      int    `json:"cpus"`
	Machine   struct {
		CPUModel   string  `json:"cpu_model"`
		Kernel     string  `json:"kernel"`
		LoadBefore float64 `json:"load_before"`
		LoadAfter  float64 `json:"load_after"`
	} `json:"machine"`
	Settings struct {
		Runs     int     `json:"runs"`
		WindowMs float64 `json:"window_ms"`
	} `json:"settings"`
	Results []struct {
		result
		Ratio     float64 `json:"ratio"`
		CPURatio  float64 `json:"cpu_ratio"`
		Sandboxed struct {
			NsPerOp float64 `json:"ns_per_op"`
			Scaling float64 `json:"scaling"`
		} `json:"sandboxed"`
		Native struct {
			NsPerOp float64 `json:"ns_per_op"`
			Scaling float64 `json:"scaling"`
		} `json:"native"`
	} `json:"results"`
	Startup *struct {
		WarmMs float64 `json:"warm_ms"`
		ColdMs float64 `json:"cold_ms"`
	} `json:"startup"`
	Against *struct {
		Ops    int `json:"ops"`
		Runs   int `json:"runs"`
		Stores []struct {
			Store     string `json:"store"`
			FSType    string `json:"fs_type"`
			Error     string `json:"error"`
			Sandcache struct {
				PutUs float64 `json:"put_us_per_op"`
				GetUs float64 `json:"get_us_per_op"`
				Hits  int     `json:"hits"`
			} `json:"sandcache"`
			Original struct {
				PutUs float64 `json:"put_us_per_op"`
				GetUs float64 `json:"get_us_per_op"`
			} `json:"original"`
			PutRatio float64 `json:"put_ratio"`
			GetRatio float64 `json:"get_ratio"`
		} `json:"stores"`
	} `json:"against"`
}

// markdown writes the README's tables from a bench report: the machine,
// every one-caller case (sandboxed, native, ratios), the two-caller
// scaling, start-up, and the comparison with the original when it ran.
func markdown(r io.Reader, w io.Writer) error {
	var rep tableReport
	if err := json.NewDecoder(r).Decode(&rep); err != nil {
		return fmt.Errorf("reading the bench JSON: %w", err)
	}
	if len(rep.Results) == 0 {
		return errors.New("no case in the bench JSON")
	}
	var b strings.Builder
	m := rep.Machine
	fmt.Fprintf(&b, "Machine: %d CPUs (%s), Linux %s, %s; load average %.1f at the start, %.1f at the end",
		rep.CPUs, orUnknown(m.CPUModel), orUnknown(m.Kernel), rep.Go, m.LoadBefore, m.LoadAfter)
	if m.LoadBefore > float64(rep.CPUs) || m.LoadAfter > float64(rep.CPUs) {
		b.WriteString(" (shared with other work: the machine was loaded)")
	}
	fmt.Fprintf(&b, ". Medians of %d runs per case and side.\n\n", rep.Settings.Runs)

	b.WriteString("| op | backend | entries | sandboxed | native | ratio | cpu ratio | 2 callers / 1 (sandboxed, native) |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|\n")
	type key struct {
		op, backend string
		entries     int
	}
	two := map[key][2]float64{}
	for _, res := range rep.Results {
		if res.Callers == 2 && res.Error == "" {
			two[key{res.Op, res.Backend, res.Entries}] = [2]float64{res.Sandboxed.Scaling, res.Native.Scaling}
		}
	}
	for _, res := range rep.Results {
		if res.Callers != 1 {
			continue
		}
		entries := "–"
		if res.Entries > 0 {
			entries = group3(float64(res.Entries))
		}
		if res.Error != "" {
			fmt.Fprintf(&b, "| %s | %s | %s | failed | | | | |\n", res.Op, res.Backend, entries)
			continue
		}
		scaling := ""
		if s, ok := two[key{res.Op, res.Backend, res.Entries}]; ok {
			scaling = fmt.Sprintf("%.2f×, %.2f×", s[0], s[1])
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %.2f | %.2f | %s |\n", res.Op, strings.ReplaceAll(res.Backend, "-", "–"), entries,
			micro(res.Sandboxed.NsPerOp/1e3), micro(res.Native.NsPerOp/1e3), res.Ratio, res.CPURatio, scaling)
	}
	if s := rep.Startup; s != nil {
		fmt.Fprintf(&b, "\n`sandcache get` in a fresh process: %.0f ms with a warm compilation cache, %.0f ms with an empty one.\n", s.WarmMs, s.ColdMs)
	}
	if a := rep.Against; a != nil {
		fmt.Fprintf(&b, "\nAgainst the original (`harncache bench-put`/`bench-get`, %d puts then %d gets, default options, max_entries 256; medians of %d runs; ratio = original / sandcache):\n\n",
			a.Ops, a.Ops, a.Runs)
		b.WriteString("| store on | sandcache put | original put | ratio | sandcache get | original get | ratio |\n")
		b.WriteString("|---|---|---|---|---|---|---|\n")
		for _, s := range a.Stores {
			store := s.Store
			if s.FSType != "unknown" && s.FSType != s.Store {
				store += " (" + s.FSType + ")"
			}
			if s.Error != "" {
				fmt.Fprintf(&b, "| %s | failed | | | | | |\n", store)
				continue
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %.1f× | %s | %s | %.1f× |\n", store,
				micro(s.Sandcache.PutUs), micro(s.Original.PutUs), s.PutRatio,
				micro(s.Sandcache.GetUs), micro(s.Original.GetUs), s.GetRatio)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// micro formats microseconds with three significant digits, as µs or ms.
func micro(us float64) string {
	if us >= 1000 {
		return sig3(us/1000) + " ms"
	}
	return sig3(us) + " µs"
}

func sig3(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2f", v)
}
