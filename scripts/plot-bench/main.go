// Command plot-bench turns the JSON of `sandcache bench --json` into an
// SVG chart of operations per second (all callers together) by operation,
// backend, namespace size and number of callers, sandboxed beside native,
// on a logarithmic axis; with -markdown, the README's tables instead. It
// needs nothing but the standard library.
//
//	sandcache bench --json --against harncache=PATH > docs/bench.json
//	go run ./scripts/plot-bench < docs/bench.json > docs/bench.svg
//	go run ./scripts/plot-bench -markdown < docs/bench.json
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
)

// report is the part of the bench JSON the chart uses.
type report struct {
	Sandcache string `json:"sandcache"`
	CPUs      int    `json:"cpus"`
	Settings  struct {
		Runs int `json:"runs"`
	} `json:"settings"`
	Results []result `json:"results"`
}

type result struct {
	Op        string `json:"op"`
	Backend   string `json:"backend"`
	Callers   int    `json:"callers"`
	Entries   int    `json:"entries"`
	Sandboxed side   `json:"sandboxed"`
	Native    side   `json:"native"`
	Error     string `json:"error"`
}

type side struct {
	OpsPerSec float64 `json:"ops_per_sec"`
}

func main() {
	out := plot
	switch {
	case len(os.Args) == 2 && os.Args[1] == "-markdown":
		out = markdown
	case len(os.Args) > 1:
		fmt.Fprintln(os.Stderr, "usage: go run ./scripts/plot-bench [-markdown] < bench.json > chart.svg")
		os.Exit(2)
	}
	if err := out(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "plot-bench:", err)
		os.Exit(1)
	}
}

// Layout, in SVG units.
const (
	panelW  = 460
	panelH  = 250
	marginL = 64
	marginT = 56
	gapX    = 40
	gapY    = 70
	cols    = 2
	barW    = 9
)

// colours per number of callers: sandboxed, native (lighter).
var colours = map[int][2]string{
	1: {"#1f5fa8", "#9cc1ea"},
	2: {"#c25a10", "#f2b98c"},
	4: {"#2e8540", "#a5d6a7"},
}

func colour(callers int, s int) string {
	if c, ok := colours[callers]; ok {
		return c[s]
	}
	return [2]string{"#555555", "#bbbbbb"}[s]
}

// group is one cluster of bars: a backend and namespace size.
type group struct {
	backend string
	entries int
}

func (g group) label() string {
	if g.backend == "-" {
		return "no store"
	}
	return g.backend + " " + size(g.entries)
}

func size(n int) string {
	switch {
	case n >= 1000 && n%1000 == 0:
		return strconv.Itoa(n/1000) + "k"
	}
	return strconv.Itoa(n)
}

// plot reads a bench report from r and writes the chart to w.
func plot(r io.Reader, w io.Writer) error {
	var rep report
	if err := json.NewDecoder(r).Decode(&rep); err != nil {
		return fmt.Errorf("reading the bench JSON: %w", err)
	}
	var ops []string
	var callers []int
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, res := range rep.Results {
		if res.Error != "" {
			continue
		}
		if !slices.Contains(ops, res.Op) {
			ops = append(ops, res.Op)
		}
		if !slices.Contains(callers, res.Callers) {
			callers = append(callers, res.Callers)
		}
		for _, v := range []float64{res.Sandboxed.OpsPerSec, res.Native.OpsPerSec} {
			if v > 0 {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	if len(ops) == 0 {
		return errors.New("no successful case in the bench JSON")
	}
	slices.Sort(callers)
	// Decades that hold every value.
	yLo, yHi := math.Floor(math.Log10(lo)), math.Ceil(math.Log10(hi))
	if yHi == yLo {
		yHi++
	}
	rows := (len(ops) + cols - 1) / cols
	width := marginL + cols*(panelW+gapX)
	height := marginT + rows*(panelH+gapY) + 30

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="11">`+"\n", width, height, width, height)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="white"/>`+"\n", width, height)
	fmt.Fprintf(&b, `<text x="%d" y="20" font-size="15" font-weight="bold">sandcache %s: operations per second (all callers together), sandboxed vs native</text>`+"\n",
		marginL, html.EscapeString(rep.Sandcache))
	fmt.Fprintf(&b, `<text x="%d" y="38" fill="#444">medians of %d runs on %d CPUs; log scale; dark = sandboxed (guest.wasm under wazero), light = native (same logic compiled in)</text>`+"\n",
		marginL, rep.Settings.Runs, rep.CPUs)
	// Legend.
	lx := marginL + 20
	ly := height - 18
	for _, c := range callers {
		for s, name := range []string{"sandboxed", "native"} {
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="12" height="12" fill="%s"/><text x="%d" y="%d">%d caller(s), %s</text>`+"\n",
				lx, ly-10, colour(c, s), lx+16, ly, c, name)
			lx += 150
		}
	}

	for i, op := range ops {
		x0 := marginL + (i%cols)*(panelW+gapX)
		y0 := marginT + (i/cols)*(panelH+gapY)
		var groups []group
		byCase := map[group]map[int]result{}
		for _, res := range rep.Results {
			if res.Op != op || res.Error != "" {
				continue
			}
			g := group{res.Backend, res.Entries}
			if byCase[g] == nil {
				byCase[g] = map[int]result{}
				groups = append(groups, g)
			}
			byCase[g][res.Callers] = res
		}
		y := func(v float64) float64 {
			return float64(y0+panelH) - (math.Log10(v)-yLo)/(yHi-yLo)*panelH
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="13" font-weight="bold">%s</text>`+"\n", x0, y0-8, html.EscapeString(op))
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#999"/>`+"\n", x0, y0, panelW, panelH)
		for d := yLo; d <= yHi; d++ {
			yy := y(math.Pow(10, d))
			fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>`, x0, yy, x0+panelW, yy)
			fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end">%s</text>`+"\n", x0-4, yy+4, decade(d))
		}
		slot := float64(panelW) / float64(max(len(groups), 1))
		for gi, g := range groups {
			bars := 2 * len(callers)
			gx := float64(x0) + slot*float64(gi) + (slot-float64(bars*barW+(len(callers)-1)*4))/2
			for ci, c := range callers {
				res, ok := byCase[g][c]
				for s, v := range []float64{res.Sandboxed.OpsPerSec, res.Native.OpsPerSec} {
					bx := gx + float64(ci*(2*barW+4)+s*barW)
					if !ok || v <= 0 {
						continue
					}
					top := y(v)
					fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%d" height="%.1f" fill="%s"><title>%s %s, %d caller(s), %s: %s ops/s</title></rect>`+"\n",
						bx, top, barW, float64(y0+panelH)-top, colour(c, s), html.EscapeString(op), html.EscapeString(g.label()), c,
						[]string{"sandboxed", "native"}[s], group3(v))
				}
			}
			fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`+"\n",
				float64(x0)+slot*(float64(gi)+0.5), y0+panelH+14, html.EscapeString(g.label()))
		}
	}
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func decade(d float64) string {
	switch v := math.Pow(10, d); {
	case v >= 1e6:
		return strconv.FormatFloat(v/1e6, 'f', -1, 64) + "M"
	case v >= 1e3:
		return strconv.FormatFloat(v/1e3, 'f', -1, 64) + "k"
	default:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
}

// group3 formats a rounded number with thousands separators.
func group3(v float64) string {
	s := strconv.FormatInt(int64(math.Round(v)), 10)
	var out strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out.WriteByte(',')
		}
		out.WriteRune(c)
	}
	return out.String()
}
