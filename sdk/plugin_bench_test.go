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
	opt := p.bucketOpt("bench", 0)
	keys := make([]string, 100)
	for i := range keys {
		keys[i] = "k" + strconv.Itoa(i)
	}
	// Each keyvalue call beside the Cache call it routes to.
	for _, c := range []struct {
		name string
		call func(key string) error
	}{
		{"keyvalue-set", func(key string) error { return kvErr(k.BucketSet(ctx, h, key, value)) }},
		{"cache-put", func(key string) error { return p.cache.Put(ctx, key, value, opt) }},
		{"keyvalue-get", func(key string) error { _, e := k.BucketGet(ctx, h, key); return kvErr(e) }},
		{"cache-get", func(key string) error { _, _, err := p.cache.Get(ctx, key, opt); return err }},
	} {
		b.Run(c.name, func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				if err := c.call(keys[i%len(keys)]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// kvErr is e as an error (nil when e is).
func kvErr(e *kvError_) error {
	if e == nil {
		return nil
	}
	return kvError{e}
}
