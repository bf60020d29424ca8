// Command compare-node measures the Go host and the Node host (examples/node)
// on the same operations in one run, and prints their ratios: the sqlite
// backend, put of new keys then get-hit of them, timed call by call, median
// of N calls after 200 warm-up puts and gets, as examples/node/bench.mjs
// does (it runs that script for the Node side: SandCache, the guest in a
// worker thread with a deadline per call, and GuestCache, in-thread).
//
//	go run ./scripts/compare-node [-n 2000] [-node node] [-rounds 3]
//
// Rounds alternate Go, Node worker, Node in-thread; each figure is the median
// over rounds of the per-round medians. Ratio = Go / Node (<= 1.5 is the
// target of "Faster").
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/sandcache/sandcache/sdk"
)

const warmup = 200

func main() {
	n := flag.Int("n", 2000, "timed calls per operation")
	node := flag.String("node", "node", "the node executable")
	rounds := flag.Int("rounds", 3, "rounds of each side")
	flag.Parse()
	if err := run(*n, *node, *rounds); err != nil {
		fmt.Fprintln(os.Stderr, "compare-node:", err)
		os.Exit(1)
	}
}

// medians of one side's rounds, by operation.
type side map[string][]float64

func run(n int, node string, rounds int) error {
	bench, err := filepath.Abs("examples/node/bench.mjs")
	if err != nil {
		return err
	}
	if _, err := os.Stat(bench); err != nil {
		return fmt.Errorf("run from the repository root: %w", err)
	}
	sides := map[string]side{"go": {}, "node-worker": {}, "node-in-thread": {}}
	for r := 0; r < rounds; r++ {
		g, err := goSide(n)
		if err != nil {
			return err
		}
		add(sides["go"], g)
		for _, s := range []struct{ name, flag string }{{"node-worker", ""}, {"node-in-thread", "--in-thread"}} {
			m, err := nodeSide(node, bench, n, s.flag)
			if err != nil {
				return err
			}
			add(sides[s.name], m)
		}
	}
	fmt.Printf("median us per call (median of %d rounds of %d calls), sqlite backend\n", rounds, n)
	fmt.Printf("%-8s %10s %12s %15s %12s %15s\n", "op", "go", "node-worker", "node-in-thread", "go/worker", "go/in-thread")
	for _, op := range []string{"put", "get-hit"} {
		g, w, t := median(sides["go"][op]), median(sides["node-worker"][op]), median(sides["node-in-thread"][op])
		fmt.Printf("%-8s %10.1f %12.1f %15.1f %11.2fx %14.2fx\n", op, g, w, t, g/w, g/t)
	}
	return nil
}

func add(s side, m map[string]float64) {
	for op, v := range m {
		s[op] = append(s[op], v)
	}
}

func median(v []float64) float64 {
	v = slices.Clone(v)
	slices.Sort(v)
	return v[len(v)/2]
}

// goSide runs bench.mjs's operations through the Go SDK.
func goSide(n int) (map[string]float64, error) {
	dir, err := os.MkdirTemp("", "sandcache-compare-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	c, err := sdk.Open(ctx, sdk.NewConfig().WithDir(dir))
	if err != nil {
		return nil, err
	}
	defer c.Close()
	opts := []sdk.Option{sdk.InNamespace("bench"), sdk.MaxEntries(100_000)}
	value := func(i int) []byte {
		return []byte(`{"i":` + strconv.Itoa(i) + `,"payload":"value-` + strconv.Itoa(i) + `"}`)
	}
	if _, _, err := c.Get(ctx, "warm", opts...); err != nil {
		return nil, err
	}
	for i := 0; i < warmup; i++ {
		if err := c.Put(ctx, "w"+strconv.Itoa(i), value(i), opts...); err != nil {
			return nil, err
		}
	}
	for i := 0; i < warmup; i++ {
		if _, _, err := c.Get(ctx, "w"+strconv.Itoa(i), opts...); err != nil {
			return nil, err
		}
	}
	put, err := timeCalls(n, func(i int) error { return c.Put(ctx, "k"+strconv.Itoa(i), value(i), opts...) })
	if err != nil {
		return nil, err
	}
	get, err := timeCalls(n, func(i int) error {
		_, hit, err := c.Get(ctx, "k"+strconv.Itoa(i), opts...)
		if err == nil && !hit {
			err = fmt.Errorf("miss on k%d", i)
		}
		return err
	})
	return map[string]float64{"put": put, "get-hit": get}, err
}

// timeCalls returns the median microseconds of n calls of fn.
func timeCalls(n int, fn func(i int) error) (float64, error) {
	us := make([]float64, n)
	for i := range us {
		s := time.Now()
		if err := fn(i); err != nil {
			return 0, err
		}
		us[i] = float64(time.Since(s).Nanoseconds()) / 1e3
	}
	slices.Sort(us)
	return us[n/2], nil
}

// nodeSide runs examples/node/bench.mjs and returns its medians.
func nodeSide(node, bench string, n int, flag string) (map[string]float64, error) {
	args := []string{bench, strconv.Itoa(n)}
	if flag != "" {
		args = append(args, flag)
	}
	out, err := exec.Command(node, args...).Output()
	if err != nil {
		return nil, fmt.Errorf("%s %v: %w", node, args, err)
	}
	var r struct {
		Results []struct {
			Op       string  `json:"op"`
			MedianUs float64 `json:"median_us"`
		} `json:"results"`
	}
	if err := json.Unmarshal(out, &r); err != nil {
		return nil, fmt.Errorf("bench.mjs output: %w", err)
	}
	m := map[string]float64{}
	for _, x := range r.Results {
		m[x.Op] = x.MedianUs
	}
	if _, ok := m["put"]; !ok {
		return nil, fmt.Errorf("bench.mjs printed no put result")
	}
	return m, nil
}
