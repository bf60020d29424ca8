package hostbench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/sandcache/sandcache/sdk"
)

// Against compares sandcache with the original design, run by harncache
// (the Rust oracle CLI, which runs harn-vm's cache.rs unchanged: one
// connection and one fully synchronous transaction per operation): Ops
// puts of k0..k{Ops-1} then Ops gets of the same keys, with the default
// options (sqlite, namespace "default", max_entries 256, so the puts evict
// and the last 256 gets hit), through sandcache's SDK and through
// `harncache bench-put` / `bench-get`, in fresh folders, on each store.
type Against struct {
	Harncache string         `json:"harncache"` // the oracle's path
	Ops       int            `json:"ops"`       // puts, then as many gets, per run
	Runs      int            `json:"runs"`
	Stores    []AgainstStore `json:"stores"`
}

// AgainstStore is the comparison on one file system.
type AgainstStore struct {
	Store  string `json:"store"`   // "disk" or "tmpfs"
	Dir    string `json:"dir"`     // where the runs' folders were made
	FSType string `json:"fs_type"` // the file system found there ("ext4", "tmpfs", ...)
	// Sandcache and Original are medians over the runs, in µs per operation.
	Sandcache AgainstSide `json:"sandcache"`
	Original  AgainstSide `json:"original"`
	// PutRatio and GetRatio are the original's µs/op over sandcache's:
	// how many times faster sandcache is.
	PutRatio float64 `json:"put_ratio"`
	GetRatio float64 `json:"get_ratio"`
	// Error is the first failure on this store, if any.
	Error string `json:"error,omitempty"`
}

// AgainstSide is one design on one store.
type AgainstSide struct {
	PutUs     float64   `json:"put_us_per_op"` // median
	GetUs     float64   `json:"get_us_per_op"` // median
	Hits      int       `json:"hits"`          // of the gets, in the last run
	RunsPutUs []float64 `json:"runs_put_us_per_op"`
	RunsGetUs []float64 `json:"runs_get_us_per_op"`
}

// AgainstDirs returns where the comparison runs: "disk" in the system's
// temporary folder and "tmpfs" in /dev/shm, when that folder exists.
func AgainstDirs() [][2]string {
	dirs := [][2]string{{"disk", os.TempDir()}}
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		dirs = append(dirs, [2]string{"tmpfs", "/dev/shm"})
	}
	return dirs
}

// MeasureAgainst runs the comparison: runs rounds on each of dirs (pairs
// of a store name and a parent folder), alternating which design goes
// first. A failure on a store is recorded in its Error and the other
// stores still run; an error is returned only when ctx ends.
func MeasureAgainst(ctx context.Context, harncache string, ops, runs int, dirs [][2]string, logf func(string, ...any)) (*Against, error) {
	if ops < 1 || runs < 1 {
		return nil, errors.New("hostbench: against needs ops ≥ 1 and runs ≥ 1")
	}
	if logf == nil {
		logf = func(string, ...any) {}
	}
	a := &Against{Harncache: harncache, Ops: ops, Runs: runs, Stores: []AgainstStore{}}
	for _, d := range dirs {
		s := AgainstStore{Store: d[0], Dir: d[1], FSType: FSType(d[1])}
		var sc, orig []sideRun
		for r := range runs {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			first, second := runSandcache, runOriginal
			if r%2 == 1 {
				first, second = runOriginal, runSandcache
			}
			var err error
			for _, run := range []func(context.Context, string, string, int) (sideRun, error){first, second} {
				var sr sideRun
				if sr, err = inFreshDir(d[1], func(dir string) (sideRun, error) { return run(ctx, harncache, dir, ops) }); err != nil {
					break
				}
				if sr.original {
					orig = append(orig, sr)
				} else {
					sc = append(sc, sr)
				}
			}
			if err != nil {
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				s.Error = err.Error()
				break
			}
		}
		s.Sandcache, s.Original = summarizeAgainst(sc), summarizeAgainst(orig)
		if s.Error == "" && len(sc) > 0 && s.Sandcache.Hits != s.Original.Hits {
			s.Error = fmt.Sprintf("the designs disagree: sandcache's gets hit %d times, the original's %d", s.Sandcache.Hits, s.Original.Hits)
		}
		if s.Sandcache.PutUs > 0 && s.Sandcache.GetUs > 0 {
			s.PutRatio = s.Original.PutUs / s.Sandcache.PutUs
			s.GetRatio = s.Original.GetUs / s.Sandcache.GetUs
		}
		a.Stores = append(a.Stores, s)
		if s.Error != "" {
			logf("against the original on %s (%s): FAILED: %s", s.Store, s.FSType, s.Error)
		} else {
			logf("against the original on %s (%s): put %.0f µs vs %.0f µs (%.1f×), get %.0f µs vs %.0f µs (%.1f×), %d runs",
				s.Store, s.FSType, s.Sandcache.PutUs, s.Original.PutUs, s.PutRatio, s.Sandcache.GetUs, s.Original.GetUs, s.GetRatio, runs)
		}
	}
	return a, nil
}

// sideRun is one run of one design: µs per put and per get, and hits.
type sideRun struct {
	original     bool
	putUs, getUs float64
	hits         int
}

func inFreshDir(parent string, f func(dir string) (sideRun, error)) (sideRun, error) {
	dir, err := os.MkdirTemp(parent, "sandcache-against-")
	if err != nil {
		return sideRun{}, err
	}
	defer os.RemoveAll(dir)
	return f(dir)
}

// againstValue is what put i stores, as harncache's bench-put does.
func againstValue(i int) []byte {
	return []byte(`{"i":` + strconv.Itoa(i) + `,"payload":"value-` + strconv.Itoa(i) + `"}`)
}

// runSandcache opens an SDK cache on dir (off the clock, with one call that
// makes its guest instance), then times ops puts and ops gets.
func runSandcache(ctx context.Context, _ string, dir string, ops int) (sideRun, error) {
	c, err := sdk.Open(ctx, sdk.NewConfig().WithDir(dir).WithPoolSize(1))
	if err != nil {
		return sideRun{}, fmt.Errorf("sandcache: %w", err)
	}
	defer c.Close()
	if _, err := c.ParseDuration(ctx, "1s"); err != nil {
		return sideRun{}, fmt.Errorf("sandcache: %w", err)
	}
	keys := make([]string, ops)
	values := make([][]byte, ops)
	for i := range keys {
		keys[i], values[i] = "k"+strconv.Itoa(i), againstValue(i)
	}
	start := time.Now()
	for i, k := range keys {
		if err := c.Put(ctx, k, values[i]); err != nil {
			return sideRun{}, fmt.Errorf("sandcache put %s: %w", k, err)
		}
	}
	put := time.Since(start)
	hits := 0
	start = time.Now()
	for _, k := range keys {
		_, hit, err := c.Get(ctx, k)
		if err != nil {
			return sideRun{}, fmt.Errorf("sandcache get %s: %w", k, err)
		}
		if hit {
			hits++
		}
	}
	get := time.Since(start)
	return sideRun{putUs: us(put, ops), getUs: us(get, ops), hits: hits}, nil
}

func us(d time.Duration, ops int) float64 { return float64(d.Nanoseconds()) / 1e3 / float64(ops) }

// runOriginal runs harncache bench-put then bench-get in dir (state root
// dir/state), which time themselves.
func runOriginal(ctx context.Context, harncache, dir string, ops int) (sideRun, error) {
	r := sideRun{original: true}
	for _, cmd := range []string{"bench-put", "bench-get"} {
		c := exec.CommandContext(ctx, harncache, cmd, strconv.Itoa(ops))
		c.Dir = dir
		c.Env = append(os.Environ(), "HARNCACHE_STATE_ROOT="+filepath.Join(dir, "state"))
		var stdout, stderr bytes.Buffer
		c.Stdout, c.Stderr = &stdout, &stderr
		if err := c.Run(); err != nil {
			return r, fmt.Errorf("harncache %s %d: %v: %s", cmd, ops, err, strings.TrimSpace(stdout.String()+" "+stderr.String()))
		}
		res, err := ParseOracleBench(cmd, ops, stdout.Bytes())
		if err != nil {
			return r, err
		}
		if cmd == "bench-put" {
			r.putUs = *res.Seconds * 1e6 / float64(ops)
		} else {
			r.getUs, r.hits = (*res.Seconds)*1e6/float64(ops), *res.Hits
		}
	}
	return r, nil
}

// OracleBench is what harncache's bench-put and bench-get print:
// {"ops":N,"seconds":S} and {"ops":N,"seconds":S,"hits":H}.
type OracleBench struct {
	Ops     *int     `json:"ops"`
	Seconds *float64 `json:"seconds"`
	Hits    *int     `json:"hits"`
}

// ParseOracleBench parses and checks the output of `harncache cmd ops`
// (cmd is bench-put or bench-get): one JSON object with the ops asked for,
// a positive time and, for bench-get, a hit count within 0..ops.
func ParseOracleBench(cmd string, ops int, out []byte) (OracleBench, error) {
	var r OracleBench
	dec := json.NewDecoder(bytes.NewReader(bytes.TrimSpace(out)))
	dec.DisallowUnknownFields()
	bad := func(why string) (OracleBench, error) {
		text := strings.TrimSpace(string(out))
		if len(text) > 200 {
			text = text[:200] + "…"
		}
		return OracleBench{}, fmt.Errorf("harncache %s: %s; it printed %q", cmd, why, text)
	}
	if err := dec.Decode(&r); err != nil {
		return bad("cannot parse its output (" + err.Error() + ")")
	}
	if dec.More() {
		return bad("more than one JSON value")
	}
	switch {
	case r.Ops == nil || r.Seconds == nil:
		return bad(`"ops" or "seconds" missing`)
	case *r.Ops != ops:
		return bad(fmt.Sprintf("ran %d operations, not %d", *r.Ops, ops))
	case !(*r.Seconds > 0) || *r.Seconds > 1e6:
		return bad("the time is not a positive number of seconds")
	case cmd == "bench-get" && (r.Hits == nil || *r.Hits < 0 || *r.Hits > ops):
		return bad(fmt.Sprintf(`"hits" must be 0..%d`, ops))
	case cmd == "bench-put" && r.Hits != nil:
		return bad(`"hits" from a put`)
	}
	return r, nil
}

func summarizeAgainst(rs []sideRun) AgainstSide {
	s := AgainstSide{RunsPutUs: []float64{}, RunsGetUs: []float64{}}
	for _, r := range rs {
		s.RunsPutUs = append(s.RunsPutUs, r.putUs)
		s.RunsGetUs = append(s.RunsGetUs, r.getUs)
		s.Hits = r.hits
	}
	s.PutUs, s.GetUs = Median(s.RunsPutUs), Median(s.RunsGetUs)
	return s
}
