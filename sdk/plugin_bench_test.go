package sdk

import (
	"context"
	"strconv"
	"testing"

	"github.com/tetratelabs/wazero"
)

// BenchmarkPluginRoute compares a keyvalue call's routing (handle lookup,
// value mapping, byte ledger) with the Cache call underneath.
func BenchmarkPluginRoute(b *testing.B) {
	ctx := context.Background()
	rt := wazero.NewRuntime(ctx)
	defer rt.Close(ctx)
	p, err := InstantiatePluginImports(ctx, rt, NewPluginConfig(NewConfig().WithDir(b.TempDir())))
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	k := kvImports{p}
	h, e := k.Open(ctx, "bench")
	if e != nil {
		b.Fatal(e)
	}
	value := []byte(`{"a":1,"b":"text"}`)
	b.Run("keyvalue-set", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if e := k.BucketSet(ctx, h, "k"+strconv.Itoa(i%100), value); e != nil {
				b.Fatal(e)
			}
		}
	})
	b.Run("cache-put", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if err := p.cache.Put(ctx, "k"+strconv.Itoa(i%100), value, p.bucketOpt("bench", 0)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("keyvalue-get", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, e := k.BucketGet(ctx, h, "k"+strconv.Itoa(i%100)); e != nil {
				b.Fatal(e)
			}
		}
	})
	b.Run("cache-get", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, _, err := p.cache.Get(ctx, "k"+strconv.Itoa(i%100), p.bucketOpt("bench", 0)); err != nil {
				b.Fatal(err)
			}
		}
	})
}
