package tests

import (
	"context"
	"errors"
	"fmt"
	"github.com/sandcache/sandcache/tests/golden"
	"github.com/sandcache/sandcache/tests/lrumodel"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sandcache/sandcache/internal/guest/cache"
	"github.com/sandcache/sandcache/internal/guest/jsonv"
	"github.com/sandcache/sandcache/internal/guest/record"
	"github.com/sandcache/sandcache/sdk"
)

// The fs backend shares folders with the original (docs/SPEC.md §6,
// "compatible") and with other sandcache processes.

// compatWrite makes dir/<rel> hold exactly files (rel → text), removing
// anything else under dir/<rel>.
func compatWrite(t *testing.T, dir, rel string, files map[string]string) {
	t.Helper()
	if err := os.RemoveAll(filepath.Join(dir, rel)); err != nil {
		t.Fatal(err)
	}
	for p, text := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o777); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(text), 0o666); err != nil {
			t.Fatal(err)
		}
	}
}

// compatOpen opens a cache on dir whose clock reads *now (ms).
func compatOpen(t *testing.T, dir string, now *atomic.Int64) *sdk.Cache {
	t.Helper()
	c, err := sdk.Open(context.Background(), sdk.NewConfig().WithDir(dir).WithPoolSize(1).
		WithClock(func() time.Time { return time.UnixMilli(now.Load()) }))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestFSFolderFromOriginal replays the recorded fs cases, each by a fresh
// cache (a new process, with no index), starting from the very files the
// original left after the case before: sandcache reads and updates a
// folder written by the original, and must leave the bytes the original
// left. (TestVectors replays them in one cache, from its own files.)
func TestFSFolderFromOriginal(t *testing.T) {
	root := t.TempDir()
	ctx := context.Background()
	var now atomic.Int64
	var prev map[string]string // the original's files after the previous case
	n := 0
	for _, v := range golden.Load(t, "testdata/harn-golden.jsonl") {
		if !strings.HasPrefix(v.ID, "fs-") {
			continue
		}
		if prev != nil {
			compatWrite(t, root, "fsdir", prev)
		}
		ms, err := strconv.ParseInt(v.Env["HARNCACHE_NOW_MS"], 10, 64)
		if err != nil {
			t.Fatal(v.ID, err)
		}
		now.Store(ms)
		c := compatOpen(t, root, &now)
		out, exit := run(ctx, c, v.Cmd)
		c.Close()
		if out != v.Stdout || exit != v.Exit {
			t.Errorf("%s: %s (exit %d); the original printed %s (exit %d)", v.ID, out, exit, v.Stdout, v.Exit)
		}
		prev = nil
		if v.FS != nil {
			n++
			if got := fsFiles(t, root, "fsdir"); !maps.Equal(got, v.FS) {
				t.Errorf("%s: files\n got  %q\n want %q", v.ID, got, v.FS)
			}
			prev = v.FS
		}
	}
	if n != 7 {
		t.Fatalf("%d fs snapshots compared; the recorded file has 7", n)
	}
}

// compatRecord is a record file as the original writes it:
// serde_json::to_vec_pretty of its CacheRecord, written out by hand.
func compatRecord(key, prettyValue string, created int64, expires string, last int64) string {
	v := strings.ReplaceAll(prettyValue, "\n", "\n  ")
	return fmt.Sprintf("{\n  \"key\": %s,\n  \"value\": %s,\n  \"created_at_ms\": %d,\n  \"expires_at_ms\": %s,\n  \"last_accessed_ms\": %d\n}",
		jsonv.String(key).AppendCompact(nil), v, created, expires, last)
}

// compatTricky is a value whose record exercises the original's formatting:
// sorted members, floats (integral, negative zero, exponents), escapes,
// non-ASCII and U+2028 raw, empty containers, nesting.
const (
	compatTrickyJSON   = `{"b":[1,2.0,-0.0,1e21,1.5e-7,{},[]],"a":"é\u0001\"\\/<>` + "\u2028" + `","c":{"z":null,"y":true},"m":-9223372036854775808}`
	compatTrickyPretty = "{\n  \"a\": \"é\\u0001\\\"\\\\/<>\u2028\",\n  \"b\": [\n    1,\n    2.0,\n    -0.0,\n    1e+21,\n    1.5e-7,\n    {},\n    []\n  ],\n" +
		"  \"c\": {\n    \"y\": true,\n    \"z\": null\n  },\n  \"m\": -9223372036854775808\n}"
	compatTrickyCompact = `{"a":"é\u0001\"\\/<>` + "\u2028" + `","b":[1,2.0,-0.0,1e+21,1.5e-7,{},[]],"c":{"y":true,"z":null},"m":-9223372036854775808}`
)

// TestFSRecordsAsOriginal: what sandcache writes is byte for byte what the
// original writes (puts, hits, a key that is not ASCII, a namespace that is
// sanitised), and records the original may leave (no expiry, null expiry,
// unknown members, the sequence form, other files) are read as it reads
// them.
func TestFSRecordsAsOriginal(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	var now atomic.Int64
	now.Store(1000)
	c := compatOpen(t, dir, &now)
	defer c.Close()
	o := []sdk.Option{sdk.WithBackend(sdk.FS), sdk.InNamespace("my ns/é"), sdk.TTL(60 * time.Second), sdk.MaxEntries(10)}
	nsDir := filepath.Join(dir, "files", "my_ns__")
	file := func(key string) string {
		b, err := os.ReadFile(filepath.Join(nsDir, cache.EntryFileName(key)))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	if err := c.Put(ctx, "tricky", []byte(compatTrickyJSON), o...); err != nil {
		t.Fatal(err)
	}
	if got, want := file("tricky"), compatRecord("tricky", compatTrickyPretty, 1000, "61000", 1000); got != want {
		t.Fatalf("put wrote\n%s\nthe original writes\n%s", got, want)
	}
	now.Store(2500)
	v, hit, err := c.Get(ctx, "tricky", o...)
	if err != nil || !hit || string(v) != compatTrickyCompact {
		t.Fatalf("get = %s %v %v", v, hit, err)
	}
	if got, want := file("tricky"), compatRecord("tricky", compatTrickyPretty, 1000, "61000", 2500); got != want {
		t.Fatalf("the hit wrote\n%s\nthe original writes\n%s", got, want)
	}
	if err := c.Put(ctx, "ключ 🔑", []byte(`[]`), append(o, sdk.TTL(500*time.Millisecond))...); err != nil {
		t.Fatal(err)
	}
	if got, want := file("ключ 🔑"), compatRecord("ключ 🔑", "[]", 2500, "3000", 2501); got != want {
		// last_accessed_ms 2501: after tricky's 2500 in the same ms (fixed).
		t.Fatalf("put wrote\n%s\nwant\n%s", got, want)
	}

	// Records the original (or an older one, or a person) may leave.
	plant := map[string]string{
		"noexp":   `{"key":"noexp","value":1,"created_at_ms":1,"last_accessed_ms":1}`,
		"nullexp": `{"extra":[1],"key":"nullexp","value":{"x":2},"created_at_ms":1,"expires_at_ms":null,"last_accessed_ms":1}`,
		"seq":     `["seq",3,1,null,1]`,
		"expired": compatRecord("expired", "4", 1, "2500", 1),
		"other":   compatRecord("not other", "5", 1, "null", 1),
		"broken":  `{"key":"broken",`,
	}
	for k, text := range plant {
		if err := os.WriteFile(filepath.Join(nsDir, cache.EntryFileName(k)), []byte(text), 0o666); err != nil {
			t.Fatal(err)
		}
	}
	foreign := map[string]string{"notes.txt": "keep", strings.Repeat("f", 64) + ".json": "not a record", "README": "keep"}
	for name, text := range foreign {
		if err := os.WriteFile(filepath.Join(nsDir, name), []byte(text), 0o666); err != nil {
			t.Fatal(err)
		}
	}
	now.Store(2999)
	for _, k := range []string{"noexp", "nullexp", "seq"} {
		want := map[string]string{"noexp": "1", "nullexp": `{"x":2}`, "seq": "3"}[k]
		now.Add(1)
		v, hit, err := c.Get(ctx, k, o...)
		if err != nil || !hit || string(v) != want {
			t.Fatalf("%s: %s %v %v", k, v, hit, err)
		}
	}
	// A hit on a record without expiry writes "expires_at_ms": null, as
	// serde writes None; unknown members are dropped, as the original does.
	if got, want := file("nullexp"), compatRecord("nullexp", "{\n  \"x\": 2\n}", 1, "null", 3001); got != want {
		t.Fatalf("hit on a record without expiry wrote\n%s\nwant\n%s", got, want)
	}
	for _, k := range []string{"expired", "other", "broken", "ключ 🔑"} {
		if v, hit, err := c.Get(ctx, k, o...); err != nil || hit {
			t.Fatalf("%s: %s %v %v; want a miss", k, v, hit, err)
		}
		if _, err := os.Stat(filepath.Join(nsDir, cache.EntryFileName(k))); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("%s: the unusable record was not removed (%v)", k, err)
		}
	}
	// Eviction and clear leave every file that is not a record alone.
	for i := range 12 {
		now.Add(1)
		if err := c.Put(ctx, fmt.Sprintf("e%d", i), []byte(`1`), append(o, sdk.MaxEntries(3))...); err != nil {
			t.Fatal(err)
		}
	}
	keys, err := c.Keys(ctx, "", o...)
	if err != nil || !slices.Equal(keys, []string{"e10", "e11", "e9"}) {
		t.Fatalf("keys after eviction to 3: %q %v", keys, err)
	}
	if err := c.Clear(ctx, o...); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	ents, err := os.ReadDir(nsDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, _ := os.ReadFile(filepath.Join(nsDir, e.Name()))
		got[e.Name()] = string(b)
	}
	if !maps.Equal(got, foreign) {
		t.Fatalf("after clear the folder holds %q; want only %q", got, foreign)
	}
}

// TestFSSharedWithOriginal runs the original (SANDCACHE_ORACLE=<path to
// harncache>) and sandcache on one folder in turns: the same puts give the
// same bytes; each reads, hits and evicts the other's records.
func TestFSSharedWithOriginal(t *testing.T) {
	bin := compatOracle(t)
	ctx := context.Background()
	dir := t.TempDir()
	var now atomic.Int64
	c := compatOpen(t, dir, &now)
	defer c.Close()
	opts := func(max int) string {
		return fmt.Sprintf(`{"backend":"fs","path":"fsdir","namespace":"shared ns","ttl":60,"max_entries":%d}`, max)
	}
	harn := func(ms int64, args ...string) string {
		t.Helper()
		out, code := compatHarn(t, bin, dir, ms, args...)
		if code != 0 {
			t.Fatalf("harncache %q: %s", args, out)
		}
		return out
	}
	ours := func(ms int64, max int) []sdk.Option {
		now.Store(ms)
		o, err := c.ParseOptions(ctx, []byte(opts(max)))
		if err != nil {
			t.Fatal(err)
		}
		return []sdk.Option{sdk.WithOptions(o)}
	}
	files := func() map[string]string { return fsFiles(t, dir, "fsdir") }

	// The same put by each, in an empty folder: the same files.
	for _, tc := range []struct{ key, value string }{
		{"tricky", compatTrickyJSON}, {"ключ 🔑", `"x"`}, {"n", `1.0`}, {"e", `{}`},
	} {
		os.RemoveAll(filepath.Join(dir, "fsdir"))
		harn(1000, "put", tc.key, tc.value, opts(10))
		want := files()
		os.RemoveAll(filepath.Join(dir, "fsdir"))
		if err := c.Put(ctx, tc.key, []byte(tc.value), ours(1000, 10)...); err != nil {
			t.Fatal(err)
		}
		if got := files(); !maps.Equal(got, want) {
			t.Errorf("put %s: sandcache wrote\n%q\nthe original\n%q", tc.key, got, want)
		}
	}

	// Turns on one folder: each reads what the other wrote, hits rewrite
	// alike, and eviction (max 2) ranks both sides' records together.
	os.RemoveAll(filepath.Join(dir, "fsdir"))
	harn(1000, "put", "a", `"from harn"`, opts(2))
	if err := c.Put(ctx, "b", []byte(`"from sandcache"`), ours(2000, 2)...); err != nil {
		t.Fatal(err)
	}
	if out := harn(3000, "get", "b", opts(2)); out != `{"hit":true,"value":"from sandcache"}` {
		t.Fatalf("the original reads sandcache's record: %s", out)
	}
	if v, hit, err := c.Get(ctx, "a", ours(4000, 2)...); err != nil || !hit || string(v) != `"from harn"` {
		t.Fatalf("sandcache reads the original's record: %s %v %v", v, hit, err)
	}
	// a was hit last (4000), b at 3000: the original's put of c evicts b.
	harn(5000, "put", "c", `3`, opts(2))
	if _, hit, _ := c.Get(ctx, "b", ours(5001, 2)...); hit {
		t.Fatal("the original's eviction kept b, the least recently used")
	}
	// Now a (4000) is older than c (5000): sandcache's put of d evicts a.
	if err := c.Put(ctx, "d", []byte(`4`), ours(6000, 2)...); err != nil {
		t.Fatal(err)
	}
	if out := harn(6001, "get", "a", opts(2)); out != `{"hit":false}` {
		t.Fatalf("sandcache's eviction kept a: %s", out)
	}
	if out := harn(6002, "get", "c", opts(2)); out != `{"hit":true,"value":3}` {
		t.Fatalf("c: %s", out)
	}
	want := map[string]string{
		"fsdir/shared_ns/" + cache.EntryFileName("c"): compatRecord("c", "3", 5000, "65000", 6002),
		"fsdir/shared_ns/" + cache.EntryFileName("d"): compatRecord("d", "4", 6000, "66000", 6000),
	}
	if got := files(); !maps.Equal(got, want) {
		t.Fatalf("files\n got  %q\n want %q", got, want)
	}
	// The original's clear removes the namespace folder; sandcache then
	// starts afresh in it.
	harn(7000, "clear", opts(2))
	if v, hit, err := c.Get(ctx, "c", ours(7001, 2)...); err != nil || hit {
		t.Fatalf("after the original's clear: %s %v %v", v, hit, err)
	}
	if err := c.Put(ctx, "e", []byte(`5`), ours(7002, 2)...); err != nil {
		t.Fatal(err)
	}
	if out := harn(7003, "get", "e", opts(2)); out != `{"hit":true,"value":5}` {
		t.Fatalf("e: %s", out)
	}
}

// TestFSHitRaceTwoCaches: two caches (as two processes) on one folder; one
// keeps putting a counter, the other keeps getting it. A hit rewrites the
// record it read (last_accessed_ms) only if it is unchanged, so a value,
// once put and acknowledged, is never replaced by an older one: every get
// returns at least the last value acknowledged before it began. (The
// original rewrites the record it read and can bring an old value back.)
func TestFSHitRaceTwoCaches(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	cfg := sdk.NewConfig().WithPoolSize(2)
	writer, reader := openCache(t, dir, cfg), openCache(t, dir, cfg)
	o := []sdk.Option{sdk.WithBackend(sdk.FS), sdk.InNamespace("race")}
	if err := writer.Put(ctx, "k", []byte("0"), o...); err != nil {
		t.Fatal(err)
	}
	var acked atomic.Int64
	var stop atomic.Bool
	var wg sync.WaitGroup
	var hits, stale atomic.Int64
	for range 2 {
		wg.Go(func() {
			for !stop.Load() {
				floor := acked.Load()
				v, hit, err := reader.Get(ctx, "k", o...)
				if err != nil {
					t.Error(err)
					return
				}
				if !hit {
					t.Error("miss: the entry vanished")
					return
				}
				n, _ := strconv.ParseInt(string(v), 10, 64)
				hits.Add(1)
				if n < floor {
					stale.Add(1)
					t.Errorf("get returned %d after %d was acknowledged", n, floor)
				}
			}
		})
	}
	deadline := time.Now().Add(scale(time.Second, 300*time.Millisecond, time.Second))
	i := int64(0)
	for time.Now().Before(deadline) {
		i++
		if err := writer.Put(ctx, "k", []byte(strconv.FormatInt(i, 10)), o...); err != nil {
			t.Fatal(err)
		}
		acked.Store(i)
	}
	stop.Store(true)
	wg.Wait()
	v, hit, err := writer.Get(ctx, "k", o...)
	if err != nil || !hit || string(v) != strconv.FormatInt(i, 10) {
		t.Fatalf("final value %s %v %v; want %d (a stale hit overwrote the last put)", v, hit, err, i)
	}
	t.Logf("%d puts, %d concurrent hits, %d stale", i, hits.Load(), stale.Load())
}

// TestFSLargeNamespaceTwoCaches: two caches take turns in bursts on a
// namespace large enough for index tokens (fsstore_watch.go), so most puts
// evict from the index without listing the folder. After every operation
// the folder must hold exactly the newest max_entries keys.
func TestFSLargeNamespaceTwoCaches(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	const maxEntries, prefill = 150, 150
	nsDir := filepath.Join(dir, "files", "big")
	if err := os.MkdirAll(nsDir, 0o777); err != nil {
		t.Fatal(err)
	}
	base := time.Now().UnixMilli() - 10_000
	last := map[string]int64{}
	for i := range prefill {
		k := fmt.Sprintf("p%d", i)
		v, _ := jsonv.Parse([]byte("null"))
		r := record.New(k, v, base+int64(i), uint64(time.Hour/time.Millisecond))
		if err := os.WriteFile(filepath.Join(nsDir, cache.EntryFileName(k)), r.Encode(), 0o666); err != nil {
			t.Fatal(err)
		}
		last[k] = base + int64(i)
	}
	var now atomic.Int64
	now.Store(base + prefill)
	caches := []*sdk.Cache{compatOpen(t, dir, &now), compatOpen(t, dir, &now)}
	defer caches[0].Close()
	defer caches[1].Close()
	o := []sdk.Option{sdk.WithBackend(sdk.FS), sdk.InNamespace("big"), sdk.MaxEntries(maxEntries), sdk.TTL(time.Hour)}
	ops := 300
	if testing.Short() {
		ops = 120
	}
	for i := range ops {
		c := caches[(i/20)%2]
		k := fmt.Sprintf("k%d", i%200)
		if i%5 == 4 {
			k = fmt.Sprintf("p%d", (i*7)%prefill)
		}
		now.Add(1)
		if i%3 == 2 {
			_, hit, err := c.Get(ctx, k, o...)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := last[k]; ok != hit {
				t.Fatalf("op %d: get %s hit=%v; model %v", i, k, hit, ok)
			}
			if hit {
				last[k] = now.Load()
			}
		} else {
			if err := c.Put(ctx, k, []byte(`1`), o...); err != nil {
				t.Fatal(err)
			}
			last[k] = now.Load()
			lrumodel.Evict(last, maxEntries)
		}
		names, err := filepath.Glob(filepath.Join(nsDir, "*.json"))
		if err != nil {
			t.Fatal(err)
		}
		if len(names) != len(last) {
			t.Fatalf("op %d: %d records on disk; the model holds %d (max %d)", i, len(names), len(last), maxEntries)
		}
		for k := range last {
			if _, err := os.Stat(filepath.Join(nsDir, cache.EntryFileName(k))); err != nil {
				t.Fatalf("op %d: %s is missing: %v", i, k, err)
			}
		}
	}
	tokens, _ := os.ReadDir(filepath.Join(nsDir, ".sandcache-watch"))
	t.Logf("%d ops; %d tokens in .sandcache-watch at the end", ops, len(tokens))
}

// compatOracle returns the original's CLI (SANDCACHE_ORACLE=<path to
// harncache>, built from ../reference) or skips.
func compatOracle(t *testing.T) string {
	p := os.Getenv("SANDCACHE_ORACLE")
	if p == "" {
		t.Skip("SANDCACHE_ORACLE=<path to harncache> runs the original on the same folder")
	}
	return p
}

// compatHarn runs the original in dir at ms; it returns stdout and the exit code.
func compatHarn(t *testing.T, bin, dir string, ms int64, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HARNCACHE_STATE_ROOT=state", "HARNCACHE_NOW_MS=" + strconv.FormatInt(ms, 10)}
	out, err := cmd.Output()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("harncache %q: %v", args, err)
	}
	return strings.TrimSuffix(string(out), "\n"), cmd.ProcessState.ExitCode()
}
