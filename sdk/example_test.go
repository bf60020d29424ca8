package sdk_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/sandcache/sandcache/sdk"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// Open a cache on a folder, store a value and read it back.
func Example() {
	dir, _ := os.MkdirTemp("", "sandcache-example")
	defer os.RemoveAll(dir)
	ctx := context.Background()

	c, err := sdk.Open(ctx, sdk.NewConfig().WithDir(dir))
	if err != nil {
		panic(err)
	}
	defer c.Close()

	if err := c.Put(ctx, "greeting", []byte(`{"text":"hello","n":1.0}`), sdk.TTL(time.Hour)); err != nil {
		panic(err)
	}
	v, ok, err := c.Get(ctx, "greeting")
	fmt.Println(string(v), ok, err)
	// Output: {"n":1.0,"text":"hello"} true <nil>
}

// exampleCache opens a cache granted a fresh temporary folder, as Example
// shows; done closes it and removes the folder.
func exampleCache(ctx context.Context) (c *sdk.Cache, done func()) {
	dir, err := os.MkdirTemp("", "sandcache-example")
	if err != nil {
		panic(err)
	}
	c, err = sdk.Open(ctx, sdk.NewConfig().WithDir(dir))
	if err != nil {
		os.RemoveAll(dir)
		panic(err)
	}
	return c, func() {
		c.Close()
		os.RemoveAll(dir)
	}
}

// A test clock makes TTLs expire without sleeping.
func ExampleConfig_WithClock() {
	dir, _ := os.MkdirTemp("", "sandcache-example")
	defer os.RemoveAll(dir)
	ctx := context.Background()
	now := time.UnixMilli(1_000_000)

	c, _ := sdk.Open(ctx, sdk.NewConfig().WithDir(dir).WithClock(func() time.Time { return now }))
	defer c.Close()

	_ = c.Put(ctx, "k", []byte(`"v"`), sdk.TTL(10*time.Second))
	now = now.Add(10 * time.Second)
	_, ok, _ := c.Get(ctx, "k")
	fmt.Println("hit after 10s:", ok)
	// Output: hit after 10s: false
}

// Memoize computes a missing value once and serves it from the cache after.
func ExampleMemoize() {
	ctx := context.Background()
	c, done := exampleCache(ctx)
	defer done()

	slowSquare := func(n int) func(context.Context) (int, error) {
		return func(context.Context) (int, error) {
			fmt.Println("computing", n)
			return n * n, nil
		}
	}
	a, _ := sdk.Memoize(ctx, c, "square:12", slowSquare(12))
	b, _ := sdk.Memoize(ctx, c, "square:12", slowSquare(12))
	fmt.Println(a, b)
	// Output:
	// computing 12
	// 144 144
}

// MemoizeLLM keys a model request the way the Harn runtime does and calls
// the model only on a miss.
func ExampleMemoizeLLM() {
	ctx := context.Background()
	c, done := exampleCache(ctx)
	defer done()

	model := func(_ context.Context, req sdk.LLMRequest) (string, error) {
		fmt.Println("calling the model")
		return "Bonjour", nil
	}
	req := sdk.LLMRequest{Provider: "openai", Model: "gpt-4o", Prompt: "Say hello in French"}
	first, _ := sdk.MemoizeLLM(ctx, c, req, model)
	second, _ := sdk.MemoizeLLM(ctx, c, req, model)
	fmt.Println(first, second)
	// Output:
	// calling the model
	// Bonjour Bonjour
}

// LLMKey gives the original's canonical key.
func ExampleCache_LLMKey() {
	ctx := context.Background()
	c, done := exampleCache(ctx)
	defer done()

	key, _ := c.LLMKey(ctx, sdk.LLMRequest{Prompt: "hello"})
	fmt.Println(key)
	// Output: sha256:8922b2d3bf6f734b2915ae3765d7e8310fb0e554952c57c7c183fdacc057e315
}

// PutJSON and GetJSON store and load Go values.
func ExamplePutJSON() {
	ctx := context.Background()
	c, done := exampleCache(ctx)
	defer done()

	type user struct {
		Name string `json:"name"`
		Age  int    `json:"age"`
	}
	_ = sdk.PutJSON(ctx, c, "user:1", user{"Ada", 36}, sdk.InNamespace("users"))
	u, ok, _ := sdk.GetJSON[user](ctx, c, "user:1", sdk.InNamespace("users"))
	fmt.Println(u.Name, u.Age, ok)
	// Output: Ada 36 true
}

// Stats combines what the store holds with what this Cache saw.
func ExampleCache_Stats() {
	ctx := context.Background()
	c, done := exampleCache(ctx)
	defer done()

	for _, k := range []string{"a", "b", "c"} {
		_ = c.Put(ctx, k, []byte(`1`), sdk.MaxEntries(2), sdk.InNamespace("small"))
	}
	_, _, _ = c.Get(ctx, "c", sdk.InNamespace("small"))
	_, _, _ = c.Get(ctx, "a", sdk.InNamespace("small"))
	s, _ := c.Stats(ctx, sdk.InNamespace("small"))
	fmt.Printf("entries=%d hits=%d misses=%d evictions=%d hit rate=%.2f\n", s.Entries, s.Hits, s.Misses, s.Evictions, s.HitRate())
	// Output: entries=2 hits=1 misses=1 evictions=1 hit rate=0.50
}

// Each backend keeps the same semantics; mem lives as long as the Cache.
func ExampleWithBackend() {
	ctx := context.Background()
	c, done := exampleCache(ctx)
	defer done()

	for _, b := range []sdk.Backend{sdk.SQLite, sdk.FS, sdk.Mem} {
		_ = c.Put(ctx, "k", []byte(`"`+b.String()+`"`), sdk.WithBackend(b))
		v, _, _ := c.Get(ctx, "k", sdk.WithBackend(b))
		fmt.Println(string(v))
	}
	// Output:
	// "sqlite"
	// "fs"
	// "mem"
}

// A wazero embedder lends a WebAssembly plugin (here a WASI command written
// against wasi:keyvalue; it counts its runs) a cache granted the plugin's
// own folder, with its quotas. One runtime per plugin: the imports are
// host modules of the runtime.
func ExampleInstantiatePluginImports() {
	dir, _ := os.MkdirTemp("", "sandcache-plugin")
	defer os.RemoveAll(dir)
	wasm, err := os.ReadFile("../plugins/testdata/counter.wasm")
	if err != nil {
		panic(err)
	}
	cfg := sdk.NewPluginConfig(sdk.NewConfig().WithDir(dir)).
		WithMaxEntries(100).   // per bucket, least recently used evicted beyond
		WithMaxBytes(1 << 20). // per plugin; a set over it is refused
		WithCallTimeout(30 * time.Second)
	for run := 0; run < 2; run++ {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // the plugin's deadline
		rt := wazero.NewRuntime(ctx)
		wasi_snapshot_preview1.MustInstantiate(ctx, rt)
		imports, err := sdk.InstantiatePluginImports(ctx, rt, cfg)
		if err != nil {
			panic(err)
		}
		mod, err := imports.CompilePlugin(ctx, wasm) // instrumented: a loop ends at the deadline
		if err != nil {
			panic(err)
		}
		if _, err := rt.InstantiateModule(ctx, mod, wazero.NewModuleConfig().WithStdout(os.Stdout)); err != nil {
			panic(err)
		}
		imports.Close()
		rt.Close(ctx)
		cancel()
	}
	// Output:
	// 1
	// 2
}
