// Command compare-revisions measures the sandboxed/native ratios of two
// revisions of this repository in one run, interleaved, so that machine
// noise falls on both alike: "The sandbox holds" asks that the ratios be no
// worse than those of the revision it was filed against.
//
//	go run ./scripts/compare-revisions -base 82fd4fa [-head HEAD] [-rounds 7]
//	    [-ops GetHit,GetMiss,Put,Delete] [-entries 1000,100000] [-n 20000]
//
// Each revision is checked out in a temporary git worktree and its host
// benchmarks are built as a test binary (package internal/host, or host in
// older revisions). Every round then runs, for each case, each revision's
// sandboxed and native benchmark (sqlite, one caller) for n operations
// (get-miss: 5n, it is short); a case's figures are the medians over the
// rounds of µs per operation and of each round's ratio. The table goes to
// stdout, one progress line per round to stderr.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/sandcache/sandcache/internal/hostbench"
)

func main() {
	base := flag.String("base", "", "the revision to compare against (required)")
	head := flag.String("head", "HEAD", "the revision to measure")
	rounds := flag.Int("rounds", 7, "rounds (each runs every case of both revisions)")
	ops := flag.String("ops", "GetHit,GetMiss,Put,Delete", "benchmarks, comma-separated")
	entries := flag.String("entries", "1000,100000", "namespace sizes, comma-separated")
	n := flag.Int("n", 20000, "operations per run (get-miss: 5n)")
	flag.Parse()
	if *base == "" || *rounds < 1 || *n < 1 {
		flag.Usage()
		os.Exit(2)
	}
	sizes, err := parseInts(*entries)
	if err == nil {
		err = run([2]string{*base, *head}, strings.Split(*ops, ","), sizes, *rounds, *n, os.Stdout, os.Stderr)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "compare-revisions:", err)
		os.Exit(1)
	}
}

// sides are the two halves of every case, in the order they run.
var sides = [2]string{"sandboxed", "native"}

// sample is one run: µs per operation.
type sample struct {
	rev, side int
	op        string
	entries   int
	us        float64
}

func run(revs [2]string, ops []string, sizes []int, rounds, n int, out, log io.Writer) error {
	tmp, err := os.MkdirTemp("", "compare-revisions-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	var bins [2]string
	for i, rev := range revs {
		dir := filepath.Join(tmp, strconv.Itoa(i))
		if err := git("worktree", "add", "--detach", dir, rev); err != nil {
			return err
		}
		defer git("worktree", "remove", "--force", dir)
		if bins[i], err = buildBench(dir); err != nil {
			return fmt.Errorf("%s: %w", rev, err)
		}
	}
	var samples []sample
	for r := 1; r <= rounds; r++ {
		for _, size := range sizes {
			for _, op := range ops {
				for rev, bin := range bins {
					for side := range sides {
						us, err := bench(bin, op, size, side, n)
						if err != nil {
							return fmt.Errorf("%s: %w", revs[rev], err)
						}
						samples = append(samples, sample{rev, side, op, size, us})
					}
				}
			}
		}
		fmt.Fprintf(log, "round %d of %d done\n", r, rounds)
	}
	fmt.Fprint(out, table(revs, ops, sizes, samples))
	return nil
}

func git(args ...string) error {
	c := exec.Command("git", args...)
	var stderr bytes.Buffer
	c.Stderr = &stderr
	if err := c.Run(); err != nil {
		return fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// buildBench builds the host benchmarks of the worktree dir.
func buildBench(dir string) (string, error) {
	for _, pkg := range []string{"internal/host", "host"} {
		if _, err := os.Stat(filepath.Join(dir, pkg, "bench_test.go")); err != nil {
			continue
		}
		bin := filepath.Join(dir, "bench.test")
		c := exec.Command("go", "test", "-c", "-o", bin, "./"+pkg)
		c.Dir = dir
		if b, err := c.CombinedOutput(); err != nil {
			return "", fmt.Errorf("go test -c ./%s: %v: %s", pkg, err, b)
		}
		return bin, nil
	}
	return "", errors.New("no host benchmarks (internal/host or host/bench_test.go)")
}

// bench runs one case of one side and returns its µs per operation.
func bench(bin, op string, entries, side, n int) (float64, error) {
	if op == "GetMiss" {
		n *= 5
	}
	pattern := fmt.Sprintf("^Benchmark%s$/^sqlite$/^entries=%d$/^callers=1$/^%s$", op, entries, sides[side])
	c := exec.Command(bin, "-test.run", "^$", "-test.bench", pattern, "-test.benchtime", strconv.Itoa(n)+"x")
	c.Dir = filepath.Dir(bin)
	b, err := c.CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("%s %s: %v: %s", op, sides[side], err, b)
	}
	return parseNsPerOp(b)
}

var nsPerOp = regexp.MustCompile(`\s([0-9.]+) ns/op`)

// parseNsPerOp reads the one benchmark line of a test binary's output, in
// µs per operation.
func parseNsPerOp(out []byte) (float64, error) {
	m := nsPerOp.FindAllSubmatch(out, -1)
	if len(m) != 1 {
		return 0, fmt.Errorf("%d benchmark results in %q", len(m), out)
	}
	ns, err := strconv.ParseFloat(string(m[0][1]), 64)
	return ns / 1e3, err
}

// table is the markdown comparison: per case and revision, the medians of
// the sandboxed and native µs/op and of the rounds' ratios.
func table(revs [2]string, ops []string, sizes []int, samples []sample) string {
	var b strings.Builder
	fmt.Fprintf(&b, "| op | entries | %s: sandboxed / native µs (ratio) | %s: sandboxed / native µs (ratio) |\n|---|---|---|---|\n", revs[0], revs[1])
	for _, size := range sizes {
		for _, op := range ops {
			fmt.Fprintf(&b, "| %s | %d |", op, size)
			for rev := range revs {
				var us [2][]float64
				for _, s := range samples {
					if s.rev == rev && s.op == op && s.entries == size {
						us[s.side] = append(us[s.side], s.us)
					}
				}
				var ratios []float64
				for i := range min(len(us[0]), len(us[1])) {
					ratios = append(ratios, us[0][i]/us[1][i])
				}
				fmt.Fprintf(&b, " %.1f / %.1f (%.2f) |", hostbench.Median(us[0]), hostbench.Median(us[1]), hostbench.Median(ratios))
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}

func parseInts(list string) ([]int, error) {
	var out []int
	for f := range strings.SplitSeq(list, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v < 0 {
			return nil, fmt.Errorf("bad number %q in %q", f, list)
		}
		out = append(out, v)
	}
	return out, nil
}
