package host

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/sandcache/sandcache/guest/cache"
	"github.com/sandcache/sandcache/guest/options"
	"github.com/sandcache/sandcache/host/internal/filecap"
	"github.com/sandcache/sandcache/host/internal/sqlcap"
)

// The benchmarks run each operation twice over the same SQLite settings:
// through the sandbox (wasm guest under wazero, capabilities across the
// boundary) and through the same guest logic compiled natively, calling the
// capabilities directly. The ratio of the two is the cost of the sandbox.

// benchOps is one side of the comparison.
type benchOps struct {
	get func(key string) (bool, error)
	put func(key string, value []byte) error
}

func sandboxOps(b *testing.B, backend Backend) benchOps {
	ctx := context.Background()
	sb, err := Open(ctx, b.TempDir(), NewConfig().WithPoolSize(1))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { sb.Close() })
	o := DefaultOptions()
	o.Backend = backend
	return benchOps{
		get: func(key string) (bool, error) {
			l, err := sb.Get(ctx, key, o)
			return l.Hit, err
		},
		put: func(key string, value []byte) error {
			_, err := sb.Put(ctx, key, value, o)
			return err
		},
	}
}

func nativeOps(b *testing.B, backend Backend) benchOps {
	dir := b.TempDir()
	grant, err := sqlcap.NewGrant(dir)
	if err != nil {
		b.Fatal(err)
	}
	files, err := filecap.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	session := sqlcap.NewSession(grant)
	e := cache.New(session, files, func() int64 { return time.Now().UnixMilli() })
	b.Cleanup(func() {
		e.Close()
		session.CloseAll()
		files.Close()
		grant.Close()
	})
	o := options.Default()
	o.Backend = options.Backend(backend)
	return benchOps{
		get: func(key string) (bool, error) {
			l, err := e.Get(key, o)
			return l.Hit, err
		},
		put: func(key string, value []byte) error {
			_, err := e.Put(key, value, o)
			return err
		},
	}
}

var benchValue = []byte(`{"answer":"The quick brown fox jumps over the lazy dog.","tokens":[1,2,3,4,5],"score":0.75}`)

func benchSides(b *testing.B, run func(b *testing.B, ops benchOps)) {
	for _, backend := range []Backend{SQLite, Mem} {
		for _, side := range []struct {
			name string
			ops  func(*testing.B, Backend) benchOps
		}{{"sandbox", sandboxOps}, {"native", nativeOps}} {
			b.Run(fmt.Sprintf("%s/%s", backend, side.name), func(b *testing.B) {
				run(b, side.ops(b, backend))
			})
		}
	}
}

func BenchmarkGetHit(b *testing.B) {
	benchSides(b, func(b *testing.B, ops benchOps) {
		if err := ops.put("hit", benchValue); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if hit, err := ops.get("hit"); err != nil || !hit {
				b.Fatal(hit, err)
			}
		}
	})
}

func BenchmarkGetMiss(b *testing.B) {
	benchSides(b, func(b *testing.B, ops benchOps) {
		if err := ops.put("other", benchValue); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if hit, err := ops.get("missing"); err != nil || hit {
				b.Fatal(hit, err)
			}
		}
	})
}

// BenchmarkPut cycles over 1024 keys with max_entries 256: every put evicts.
func BenchmarkPut(b *testing.B) {
	benchSides(b, func(b *testing.B, ops benchOps) {
		keys := make([]string, 1024)
		for i := range keys {
			keys[i] = fmt.Sprintf("key-%d", i)
		}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if err := ops.put(keys[i%len(keys)], benchValue); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}
