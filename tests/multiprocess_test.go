package tests

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sandcache/sandcache/sdk"
)

// TestMultiProcess runs 8 OS processes (this test binary, re-executed) on
// one SQLite file and on one fs root, each with two goroutines doing mixed
// operations for a bounded time, in two phases:
//
//   - durable: large max_entries and a long TTL, so nothing may vanish:
//     every acknowledged put of a worker's own keys must read back exactly
//     (during the run and afterwards from a fresh process), a worker's
//     keys() must list exactly its live keys, and a value read for another
//     worker's key must never go back to an older version once a newer
//     one was seen;
//   - bound: max_entries 20 for 8×2×12 keys, so puts evict all the time;
//     once quiet, the namespace holds at most 20 entries.
//
// Any error fails (no "database is locked"); every fs record must parse and
// the SQLite file must pass PRAGMA integrity_check.
func TestMultiProcess(t *testing.T) {
	const procs = 8
	warmCompileCache(t)
	var totalOps, totalPuts int
	for _, b := range []sdk.Backend{sdk.SQLite, sdk.FS} {
		t.Run(backendName(b), func(t *testing.T) {
			dir := t.TempDir()
			ops, puts := contentionPhases(t, dir, b, procs, "")
			totalOps += ops
			totalPuts += puts
			checkStoreIntegrity(t, dir, b)
		})
	}
	t.Logf("%d processes × 2 goroutines: %d operations in all (%d acknowledged puts), zero errors", procs, totalOps, totalPuts)
}

// contentionPhases runs runContention's two phases one after the other on
// backend b in dir, each as a subtest: durable, then bound (see
// TestMultiProcess). It returns the operations and acknowledged puts of
// both.
func contentionPhases(t *testing.T, dir string, b sdk.Backend, procs int, dsn string) (ops, puts int) {
	durable := scale(2*time.Second, 600*time.Millisecond, 15*time.Second)
	bound := scale(time.Second, 400*time.Millisecond, 8*time.Second)
	for _, phase := range []struct {
		name string
		d    time.Duration
		max  int
	}{{"durable", durable, 100000}, {"bound", bound, 20}} {
		t.Run(phase.name, func(t *testing.T) {
			o, p := runContention(t, dir, b, procs, phase.name, phase.d, phase.max, dsn)
			ops, puts = ops+o, puts+p
		})
	}
	return ops, puts
}

// contendArgs are a contend helper's arguments.
type contendArgs struct {
	Dir      string
	Backend  sdk.Backend
	ID       int
	Procs    int
	Phase    string // "durable" or "bound"
	Max      int
	Duration time.Duration
	Seed     uint64
	DSN      string // the postgres backend's server
}

// contendFinal is what a contend helper reports when done.
type contendFinal struct {
	Own     map[string]int64 // own key → last acknowledged version; -1 deleted
	Ops     int
	Puts    int
	Hits    int
	Checks  int // cross-process monotonicity checks made
	Evicted int // own keys found evicted (bound phase)
}

func runContention(t *testing.T, dir string, b sdk.Backend, procs int, phase string, d time.Duration, maxEntries int, dsn string) (ops, puts int) {
	var wg sync.WaitGroup
	finals := make([]*contendFinal, procs)
	errs := make([]error, procs)
	for id := range procs {
		args, _ := json.Marshal(contendArgs{Dir: dir, Backend: b, ID: id, Procs: procs, Phase: phase, Max: maxEntries, Duration: d, Seed: uint64(id*7919 + 1), DSN: dsn})
		h := startHelper(t, "contend", string(args))
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := h.lines(func(line string) {
				if rest, ok := strings.CutPrefix(line, "FINAL "); ok {
					finals[id] = &contendFinal{}
					if err := json.Unmarshal([]byte(rest), finals[id]); err != nil {
						errs[id] = err
					}
				}
			})
			if err != nil {
				errs[id] = fmt.Errorf("process %d: %v\n%s", id, err, h.stderr.String())
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	ns := sdk.InNamespace("shared-" + phase)
	c := openCache(t, dir, contendConfig(dsn))
	ctx := context.Background()
	opts := []sdk.Option{sdk.WithBackend(b), ns}
	checked, evicted := 0, 0
	for id, f := range finals {
		if f == nil {
			t.Fatalf("process %d reported nothing", id)
		}
		ops += f.Ops
		puts += f.Puts
		for key, version := range f.Own {
			v, hit, err := c.Get(ctx, key, opts...)
			if err != nil {
				t.Fatalf("get %s: %v", key, err)
			}
			checked++
			switch {
			case version < 0 && hit:
				t.Errorf("%s: deleted, but reads %s", key, v)
			case version > 0 && !hit && phase == "bound":
				evicted++
			case version > 0 && !hit:
				t.Errorf("%s: acknowledged version %d is gone", key, version)
			case version > 0 && gotVersion(v) != version:
				t.Errorf("%s: acknowledged version %d, reads %s", key, version, v)
			}
		}
	}
	if b == sdk.FS && phase == "bound" {
		// Each process evicts from its own view of the folder; two puts
		// racing in different processes may each miss the other's new
		// record, leaving one entry too many until the next put. Logged
		// (failed with SANDCACHE_KNOWN_BUGS=1); one more put, from a
		// process that has just read the folder, must restore the bound.
		records, _ := fsCheck(t, filepath.Join(dir, "files", "shared-"+phase))
		if len(records) > maxEntries {
			knownBug(t, fmt.Sprintf("fs: %d records on disk once quiet, max_entries is %d", len(records), maxEntries))
		}
		if err := c.Put(ctx, "quiet", []byte("1"), append(opts, sdk.MaxEntries(maxEntries), sdk.TTL(time.Hour))...); err != nil {
			t.Fatal(err)
		}
		if records, _ = fsCheck(t, filepath.Join(dir, "files", "shared-"+phase)); len(records) > maxEntries {
			t.Errorf("fs: %d records on disk after a put from a fresh process, max_entries is %d", len(records), maxEntries)
		}
	}
	st, err := c.Stats(ctx, opts...)
	if err != nil {
		t.Fatal(err)
	}
	if phase == "bound" && st.Entries > uint64(maxEntries) {
		t.Errorf("%s: %d entries once quiet, max_entries is %d", b, st.Entries, maxEntries)
	}
	t.Logf("%s/%s: %d processes, %d ops, %d acknowledged puts; afterwards %d own keys checked (%d evicted by LRU), %d entries",
		b, phase, procs, ops, puts, checked, evicted, st.Entries)
	return ops, puts
}

// gotVersion reads "v" from a contend value.
func gotVersion(v []byte) int64 {
	var x struct{ V int64 }
	if json.Unmarshal(v, &x) != nil {
		return -2
	}
	return x.V
}

// warmCompileCache fills the shared compilation cache once, so that the
// helper processes do not all compile the guest at the same time.
func warmCompileCache(t testing.TB) {
	t.Helper()
	c, err := sdk.Open(context.Background(), helperConfig().WithDir(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
}

// contendConfig is helperConfig lending the server dsn names, if any.
func contendConfig(dsn string) sdk.Config {
	if dsn == "" {
		return helperConfig()
	}
	return helperConfig().WithPostgres(dsn)
}

// helperContend is the contend role: two goroutines, each owning 12 keys.
func helperContend(argsJSON string) error {
	var a contendArgs
	if err := json.Unmarshal([]byte(argsJSON), &a); err != nil {
		return err
	}
	c, err := sdk.Open(context.Background(), contendConfig(a.DSN).WithDir(a.Dir))
	if err != nil {
		return err
	}
	defer c.Close()
	deadline := time.Now().Add(a.Duration)
	var (
		mu    sync.Mutex
		final = contendFinal{Own: map[string]int64{}}
		errs  []error
		wg    sync.WaitGroup
	)
	seen := &seenVersions{m: map[string]int64{}}
	for g := range 2 {
		wg.Go(func() {
			w := &contendWorker{c: c, a: a, g: g, rng: rand.New(rand.NewPCG(a.Seed, uint64(g))),
				own: map[string]int64{}, seen: seen}
			err := w.run(deadline)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
			}
			for k, v := range w.own {
				final.Own[k] = v
			}
			final.Ops += w.ops
			final.Puts += w.puts
			final.Hits += w.hits
			final.Checks += w.checks
			final.Evicted += w.evicted
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	out, _ := json.Marshal(final)
	fmt.Printf("FINAL %s\n", out)
	return nil
}

const contendKeys = 12

type contendWorker struct {
	c                                *sdk.Cache
	a                                contendArgs
	g                                int
	rng                              *rand.Rand
	version                          int64
	own                              map[string]int64 // acknowledged version; -1 deleted; absent never written
	seen                             *seenVersions    // newest version this process has read of other workers' keys
	ops, puts, hits, checks, evicted int
}

func contendKey(p, g, j int) string { return fmt.Sprintf("p%dg%d-k%02d", p, g, j) }

func (w *contendWorker) run(deadline time.Time) error {
	ctx := context.Background()
	opts := []sdk.Option{sdk.WithBackend(w.a.Backend), sdk.InNamespace("shared-" + w.a.Phase),
		sdk.MaxEntries(w.a.Max), sdk.TTL(time.Hour)}
	bound := w.a.Phase == "bound"
	for time.Now().Before(deadline) {
		w.ops++
		j := w.rng.IntN(contendKeys)
		key := contendKey(w.a.ID, w.g, j)
		switch p := w.rng.IntN(100); {
		case p < 40: // put an own key, with a newer version
			w.version++
			v := fmt.Sprintf(`{"p":%d,"g":%d,"k":%d,"v":%d}`, w.a.ID, w.g, j, w.version)
			if err := w.c.Put(ctx, key, []byte(v), opts...); err != nil {
				return fmt.Errorf("put %s: %w", key, err)
			}
			w.own[key] = w.version
			w.puts++
		case p < 65: // read an own key back
			v, hit, err := w.c.Get(ctx, key, opts...)
			if err != nil {
				return fmt.Errorf("get %s: %w", key, err)
			}
			want, written := w.own[key]
			switch {
			case hit && (!written || want < 0):
				return fmt.Errorf("get %s: never written or deleted, yet reads %s", key, v)
			case hit && gotVersion(v) != want:
				return fmt.Errorf("get %s: acknowledged version %d, reads %s", key, want, v)
			case !hit && written && want > 0 && !bound:
				return fmt.Errorf("get %s: acknowledged version %d is gone", key, want)
			case !hit && written && want > 0:
				w.evicted++
				w.own[key] = -1 // evicted: from now on a miss is expected
			case hit:
				w.hits++
			}
		case p < 88: // read another worker's key: never an older version
			other := contendKey(w.rng.IntN(w.a.Procs), w.rng.IntN(2), w.rng.IntN(contendKeys))
			before := w.seen.get(other) // seen by a read of this process that has finished
			v, hit, err := w.c.Get(ctx, other, opts...)
			if err != nil {
				return fmt.Errorf("get %s: %w", other, err)
			}
			if hit {
				w.hits++
				got := gotVersion(v)
				if got < before {
					return fmt.Errorf("get %s: read version %d after this process had read %d: a stale value came back", other, got, before)
				}
				w.seen.update(other, got)
				w.checks++
			}
		case p < 93: // delete an own key
			existed, err := w.c.Delete(ctx, key, opts...)
			if err != nil {
				return fmt.Errorf("delete %s: %w", key, err)
			}
			want := w.own[key] > 0
			if existed != want && !(bound && !existed) {
				return fmt.Errorf("delete %s: existed=%v, expected %v", key, existed, want)
			}
			if _, written := w.own[key]; written {
				w.own[key] = -1
			}
		case p < 97: // keys: exactly this worker's live keys
			prefix := fmt.Sprintf("p%dg%d-", w.a.ID, w.g)
			keys, err := w.c.Keys(ctx, prefix, opts...)
			if err != nil {
				return fmt.Errorf("keys: %w", err)
			}
			var want []string
			for k, v := range w.own {
				if v > 0 {
					want = append(want, k)
				}
			}
			slices.Sort(want)
			if bound {
				// Evictions by other processes: a subset.
				for _, k := range keys {
					if w.own[k] <= 0 {
						return fmt.Errorf("keys lists %s, which is not live", k)
					}
				}
			} else if !slices.Equal(keys, want) {
				return fmt.Errorf("keys %q: got %q, want %q", prefix, keys, want)
			}
		default:
			st, err := w.c.Stats(ctx, opts...)
			if err != nil {
				return fmt.Errorf("stats: %w", err)
			}
			if !bound && st.Entries > uint64(w.a.Procs*2*contendKeys) {
				return fmt.Errorf("stats: %d entries, more than were ever written", st.Entries)
			}
			if _, err := w.c.Purge(ctx, opts...); err != nil {
				return fmt.Errorf("purge: %w", err)
			}
		}
	}
	return nil
}

// seenVersions is the newest version of each key a process has read.
type seenVersions struct {
	mu sync.Mutex
	m  map[string]int64
}

func (s *seenVersions) get(k string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[k]
}

func (s *seenVersions) update(k string, v int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[k] = max(s.m[k], v)
}
