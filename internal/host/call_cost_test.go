package host

import (
	"context"
	"testing"

	"github.com/sandcache/sandcache/internal/witabi"
)

// BenchmarkEmptyCall measures the boundary alone: an export with no
// arguments that does nothing (flush, no stamps pending) through the pool,
// the context and countdown, the call, its result and cabi_post
// (docs/RATIONALE.md, "Where a sandboxed call's time goes").
// BenchmarkParseDurationCall adds one string argument and the guest's
// parsing of "1s", for comparison. BenchmarkRealloc is the guest's
// cabi_realloc alone, the call through which the host places arguments
// and import results.
//
//	go test ./internal/host -run '^$' -bench 'Call$|Realloc$' -count 5
func BenchmarkEmptyCall(b *testing.B) {
	sb := benchSandbox(b)
	ctx := context.Background()
	for b.Loop() {
		err := sb.invoke(ctx, "flush", func(ctx context.Context, x *witabi.CacheExports) (*witabi.Error, error) {
			return x.Flush(ctx)
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseDurationCall(b *testing.B) {
	sb := benchSandbox(b)
	ctx := context.Background()
	for b.Loop() {
		if _, err := sb.ParseDuration(ctx, "1s"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRealloc(b *testing.B) {
	sb := benchSandbox(b)
	ctx := context.Background()
	in, err := sb.pool.get(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer sb.pool.put(in, true) // its pins are left as they are
	realloc := in.mod.ExportedFunction("cabi_realloc")
	// Each call reallocates the previous buffer, so the guest keeps one
	// pin: a 24-byte buffer, its copy, and the call.
	st := make([]uint64, 4)
	var last uint64
	for b.Loop() {
		st[0], st[1], st[2], st[3] = last, 24, 8, 24
		if err := realloc.CallWithStack(ctx, st); err != nil {
			b.Fatal(err)
		}
		last = st[0]
	}
}

// benchSandbox opens a Sandbox of one instance, made before the timer
// starts.
func benchSandbox(b *testing.B) *Sandbox {
	b.Helper()
	sb, err := Open(context.Background(), b.TempDir(), NewConfig().WithPoolSize(1))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { sb.Close() })
	if _, err := sb.ParseDuration(context.Background(), "1s"); err != nil {
		b.Fatal(err)
	}
	return sb
}
