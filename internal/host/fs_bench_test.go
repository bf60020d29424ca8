package host

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sandcache/sandcache/internal/filecap"
	"github.com/sandcache/sandcache/internal/guest/cache"
	"github.com/sandcache/sandcache/internal/guest/jsonv"
	"github.com/sandcache/sandcache/internal/guest/options"
	"github.com/sandcache/sandcache/internal/guest/record"
)

// BenchmarkFSPutScale measures an fs put into a namespace that holds 10
// and 10 000 entries (docs/SPEC.md §6: the two must cost about the same),
// through the sandbox and natively, with and without eviction:
//
//   - replace: max_entries 100000, each put replaces one of the existing
//     entries (the count stays put, nothing is evicted);
//   - evict: max_entries = the count, each put adds a new key and evicts
//     the least recently used one.
//
// SANDCACHE_BENCH_DIR=/dev/shm runs them on tmpfs, where fsync costs
// nothing and what grows with the entry count stands out (on a loaded
// disk the fsyncs of each put vary more than the whole difference).
//
// The namespace is filled by writing record files directly (no fsync), and
// one put before the timer builds the store's index, so the loop measures
// the steady state. Compare the entries=10 and entries=10000 lines:
//
//	go test ./internal/host -run '^$' -bench FSPutScale -count 5
func BenchmarkFSPutScale(b *testing.B) {
	for _, mode := range []string{"replace", "evict"} {
		for _, side := range []string{"sandbox", "native"} {
			for _, n := range []int{10, 10_000} {
				b.Run(fmt.Sprintf("%s/%s/entries=%d", mode, side, n), func(b *testing.B) {
					benchFSPut(b, side, mode, n)
				})
			}
		}
	}
}

// fsBenchDir is a fresh folder, under $SANDCACHE_BENCH_DIR when set.
func fsBenchDir(b *testing.B) string {
	parent := os.Getenv("SANDCACHE_BENCH_DIR")
	if parent == "" {
		return b.TempDir()
	}
	dir, err := os.MkdirTemp(parent, "fsbench")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func benchFSPut(b *testing.B, side, mode string, n int) {
	dir := fsBenchDir(b)
	fillFSNamespace(b, filepath.Join(dir, "files", "bench"), n)
	max := uint32(100_000)
	if mode == "evict" {
		max = uint32(n)
	}
	put := fsPutter(b, side, dir, max)
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("key-%d", i)
	}
	next := 0
	key := func() string {
		if mode == "replace" {
			k := keys[next%n]
			next++
			return k
		}
		next++
		return fmt.Sprintf("new-%d", next)
	}
	if err := put(key()); err != nil { // builds the index
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := put(key()); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	names, err := filepath.Glob(filepath.Join(dir, "files", "bench", "*.json"))
	if err != nil || len(names) != n {
		b.Fatalf("namespace holds %d records, want %d (%v)", len(names), n, err)
	}
}

// fillFSNamespace writes n records key-0 .. key-<n-1>, one millisecond apart.
func fillFSNamespace(b *testing.B, dir string, n int) {
	if err := os.MkdirAll(dir, 0o777); err != nil {
		b.Fatal(err)
	}
	v, _ := jsonv.Parse(fsBenchValue)
	base := time.Now().UnixMilli() - int64(n) - 1000
	for i := range n {
		key := fmt.Sprintf("key-%d", i)
		r := record.New(key, v, base+int64(i), 3_600_000)
		if err := os.WriteFile(filepath.Join(dir, cache.EntryFileName(key)), r.Encode(), 0o666); err != nil {
			b.Fatal(err)
		}
	}
}

// fsPutter returns a put of fsBenchValue into namespace "bench" of the fs
// backend, through the sandbox or natively.
func fsPutter(b *testing.B, side, dir string, max uint32) func(key string) error {
	ctx := context.Background()
	if side == "sandbox" {
		sb, err := Open(ctx, dir, NewConfig().WithPoolSize(1))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { sb.Close() })
		o := Options{}
		o.Backend, o.Namespace, o.MaxEntries, o.TTLMillis = FS, "bench", int64(max), 3_600_000
		return func(key string) error {
			_, err := sb.Put(ctx, key, fsBenchValue, o)
			return err
		}
	}
	files, err := filecap.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	e := cache.New(nil, files, func() int64 { return time.Now().UnixMilli() })
	b.Cleanup(func() {
		e.Close()
		files.Close()
	})
	o := options.Default()
	o.Backend, o.Namespace, o.MaxEntries, o.TTLMillis = options.FS, "bench", max, 3_600_000
	return func(key string) error {
		_, err := e.Put(key, fsBenchValue, o)
		return err
	}
}

var fsBenchValue = []byte(`{"answer":"The quick brown fox jumps over the lazy dog.","tokens":[1,2,3,4,5],"score":0.75}`)

// BenchmarkFSPutScaleParallel is the evict case through one sandbox with
// two instances putting at once. Each instance's puts remove the other's
// index token, so both list the folder on every put (fsstore_watch.go):
// this is the cost when several writers share a large namespace.
func BenchmarkFSPutScaleParallel(b *testing.B) {
	for _, n := range []int{10, 10_000} {
		b.Run(fmt.Sprintf("entries=%d", n), func(b *testing.B) {
			dir := fsBenchDir(b)
			fillFSNamespace(b, filepath.Join(dir, "files", "bench"), n)
			ctx := context.Background()
			sb, err := Open(ctx, dir, NewConfig().WithPoolSize(2))
			if err != nil {
				b.Fatal(err)
			}
			defer sb.Close()
			o := Options{}
			o.Backend, o.Namespace, o.MaxEntries, o.TTLMillis = FS, "bench", int64(n), 3_600_000
			var next atomic.Int64
			put := func() {
				if _, err := sb.Put(ctx, fmt.Sprintf("new-%d", next.Add(1)), fsBenchValue, o); err != nil {
					b.Error(err)
				}
			}
			put()
			put()
			b.SetParallelism(1) // GOMAXPROCS goroutines
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					put()
				}
			})
		})
	}
}
