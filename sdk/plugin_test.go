package sdk_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/sandcache/sandcache/sdk"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// pluginTestCompiled keeps compiled plugins across the tests' runtimes.
var pluginTestCompiled = wazero.NewCompilationCache()

// pluginTestConfig is a plugin's default config over a fresh grant; the
// sandcache guest's compilation is cached across tests.
func pluginTestConfig(t *testing.T, dir string) sdk.PluginConfig {
	return sdk.NewPluginConfig(sdk.NewConfig().WithDir(dir).WithCompilationCacheDir(pluginTestCompileDir))
}

// compilePlugin compiles plugins/testdata/NAME.wasm through
// InstantiatePluginImports(cfg) in a runtime of its own (with WASI, and
// pluginTestCompiled as its compilation cache); done closes the imports and
// the runtime.
func compilePlugin(ctx context.Context, t *testing.T, cfg sdk.PluginConfig, name string) (rt wazero.Runtime, cm wazero.CompiledModule, done func()) {
	t.Helper()
	wasm, err := os.ReadFile("../plugins/testdata/" + name + ".wasm")
	if err != nil {
		t.Fatal(err)
	}
	rt = wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithCompilationCache(pluginTestCompiled))
	wasi_snapshot_preview1.MustInstantiate(ctx, rt)
	p, err := sdk.InstantiatePluginImports(ctx, rt, cfg)
	if err != nil {
		rt.Close(ctx)
		t.Fatal(err)
	}
	done = func() {
		p.Close()
		rt.Close(ctx)
	}
	cm, err = p.CompilePlugin(ctx, wasm)
	if err != nil {
		done()
		t.Fatal(err)
	}
	return rt, cm, done
}

// runNotes runs plugins/testdata/notes.wasm (written only against
// wasi:keyvalue) through InstantiatePluginImports with args, in its own
// runtime, and returns its stdout, stderr and error.
func runNotes(t *testing.T, cfg sdk.PluginConfig, args ...string) (string, string, error) {
	t.Helper()
	if testing.Short() {
		// A Go plugin and the sandcache guest per run: minutes under -race.
		t.Skip("runs the Go plugin notes.wasm: skipped with -short")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rt, cm, done := compilePlugin(ctx, t, cfg, "notes")
	defer done()
	var out, errOut bytes.Buffer
	_, err := rt.InstantiateModule(ctx, cm, wazero.NewModuleConfig().WithArgs(append([]string{"notes"}, args...)...).WithStdout(&out).WithStderr(&errOut))
	return out.String(), errOut.String(), err
}

func TestPluginValuesRoundTripAndPersist(t *testing.T) {
	cfg := pluginTestConfig(t, t.TempDir())
	values := []string{`{"a":1}`, `{"a": 1.0}`, "\xff\x01binary", `{"$bytes":"AAAA"}`, `{"$json":1,"$text":"x"}`, `"s"`, ``}
	for i, v := range values {
		key := "k" + string(rune('0'+i))
		if _, e, err := runNotes(t, cfg, "set", "b", key, v); err != nil {
			t.Fatalf("set %q: %v %s", v, err, e)
		}
	}
	for i, v := range values { // separate runs: the entries persist
		key := "k" + string(rune('0'+i))
		out, e, err := runNotes(t, cfg, "get", "b", key)
		if err != nil || out != v+"\n" {
			t.Fatalf("get %s = %q, %v %s; want %q", key, out, err, e, v)
		}
	}
	c, err := sdk.Open(context.Background(), cfg.Cache())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	got, hit, err := c.Get(context.Background(), "k0", sdk.InNamespace("b"))
	if err != nil || !hit || string(got) != `{"a":1}` {
		t.Fatalf("the SDK reads %q %v %v, want the JSON as stored", got, hit, err)
	}
}

func TestPluginIsolationByGrant(t *testing.T) {
	aDir := t.TempDir()
	a := pluginTestConfig(t, aDir)
	b := pluginTestConfig(t, t.TempDir())
	if _, e, err := runNotes(t, a, "set", "secrets", "token", `"hunter2"`); err != nil {
		t.Fatal(err, e)
	}
	for _, bucket := range []string{"secrets", "default", "", "SECRETS", "secrets "} {
		out, e, err := runNotes(t, b, "get", bucket, "token")
		if err != nil || out != "(none)\n" {
			t.Fatalf("plugin b reading bucket %q: %q %v %s", bucket, out, err, e)
		}
	}
	for _, bucket := range []string{"../secrets", "/secrets", aDir + "/secrets", `..\secrets`, "c:secrets", "a\x01"} {
		out, e, err := runNotes(t, b, "get", bucket, "token")
		if err == nil || out != "" || !strings.Contains(e, "access-denied") {
			t.Fatalf("plugin b opening bucket %q: %q %v %s, want access-denied", bucket, out, err, e)
		}
	}
	// Plugin a still reads its own secret.
	if out, _, err := runNotes(t, a, "get", "secrets", "token"); err != nil || out != "\"hunter2\"\n" {
		t.Fatalf("plugin a: %q %v", out, err)
	}
}

func TestPluginByteQuotaRefuses(t *testing.T) {
	cfg := pluginTestConfig(t, t.TempDir()).WithMaxBytes(40)
	if _, e, err := runNotes(t, cfg, "set", "b", "k1", `"`+strings.Repeat("x", 20)+`"`); err != nil {
		t.Fatal(err, e)
	}
	_, e, err := runNotes(t, cfg, "set", "b", "k2", `"`+strings.Repeat("y", 20)+`"`)
	if err == nil || !strings.Contains(e, "byte quota exceeded") {
		t.Fatalf("second set over the quota: err %v, stderr %q", err, e)
	}
	// Replacing the same key within the quota is fine, and deleting frees it.
	if _, e, err := runNotes(t, cfg, "set", "b", "k1", `"small"`); err != nil {
		t.Fatal(err, e)
	}
	if _, e, err := runNotes(t, cfg, "set", "b", "k2", `"`+strings.Repeat("y", 20)+`"`); err != nil {
		t.Fatal(err, e)
	}
}

func TestPluginByteQuotaEvicts(t *testing.T) {
	cfg := pluginTestConfig(t, t.TempDir()).WithMaxBytes(40).WithEvictOverQuota(true)
	for _, k := range []string{"k1", "k2"} {
		if _, e, err := runNotes(t, cfg, "set", "b", k, `"`+strings.Repeat("x", 20)+`"`); err != nil {
			t.Fatal(err, e)
		}
	}
	out, _, err := runNotes(t, cfg, "list", "b")
	if err != nil || out != "k2\n" {
		t.Fatalf("after eviction: %q %v, want only k2", out, err)
	}
}

func TestPluginMaxEntriesLRU(t *testing.T) {
	cfg := pluginTestConfig(t, t.TempDir()).WithMaxEntries(2)
	for _, k := range []string{"k1", "k2", "k3"} {
		if _, e, err := runNotes(t, cfg, "set", "b", k, "1"); err != nil {
			t.Fatal(err, e)
		}
	}
	out, _, err := runNotes(t, cfg, "list", "b")
	if err != nil || out != "k2\nk3\n" {
		t.Fatalf("list = %q %v, want k2 k3", out, err)
	}
}

// TestPluginCallDeadline: each keyvalue call runs under the plugin's call
// timeout; past it the call fails with error::other, the plugin goes on.
func TestPluginCallDeadline(t *testing.T) {
	cfg := pluginTestConfig(t, t.TempDir()).WithCallTimeout(time.Nanosecond)
	_, e, err := runNotes(t, cfg, "set", "b", "k", "1")
	if err == nil || !strings.Contains(e, "deadline") {
		t.Fatalf("a call past its timeout: err %v, stderr %q", err, e)
	}
}

// TestPluginLoopEndsAtDeadline: an instrumented plugin that loops ends at
// its context's deadline; the grant is usable by the next run.
func TestPluginLoopEndsAtDeadline(t *testing.T) {
	cfg := pluginTestConfig(t, t.TempDir())
	ctx := context.Background()
	rt, cm, done := compilePlugin(ctx, t, cfg, "counter")
	defer done()
	runCtx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := rt.InstantiateModule(runCtx, cm, wazero.NewModuleConfig().WithArgs("counter", "loop"))
	if err == nil || !strings.Contains(err.Error(), "deadline") {
		t.Fatalf("looping plugin: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("a looping plugin with a 100 ms deadline ran %v", d)
	}
	if out, e, err := runNotes(t, cfg, "set", "b", "k", "1"); err != nil {
		t.Fatalf("after the loop: %q %v %s", out, err, e)
	}
}

// TestPluginImportsConfigErrors: bad quotas are refused before anything opens.
func TestPluginImportsConfigErrors(t *testing.T) {
	ctx := context.Background()
	rt := wazero.NewRuntime(ctx)
	defer rt.Close(ctx)
	base := pluginTestConfig(t, t.TempDir())
	for _, cfg := range []sdk.PluginConfig{base.WithMaxEntries(0), base.WithMaxBytes(0), base.WithCallTimeout(0), base.WithTTL(-1)} {
		if _, err := sdk.InstantiatePluginImports(ctx, rt, cfg); !errors.Is(err, sdk.ErrInvalidArgument) {
			t.Errorf("config %+v: %v, want ErrInvalidArgument", cfg, err)
		}
	}
	p, err := sdk.InstantiatePluginImports(ctx, rt, base)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if _, err := sdk.InstantiatePluginImports(ctx, rt, base); err == nil {
		t.Error("a second plugin in the same runtime: no error")
	}
	if _, err := p.CompilePlugin(ctx, []byte("not wasm")); !errors.Is(err, sdk.ErrInvalidArgument) {
		t.Errorf("CompilePlugin(garbage): %v", err)
	}
}

// TestPluginBatchCASLLMKey: batch, CAS and the LLM key, through the Go
// plugin package and the host glue.
func TestPluginBatchCASLLMKey(t *testing.T) {
	cfg := pluginTestConfig(t, t.TempDir())
	run := func(want string, args ...string) {
		t.Helper()
		out, e, err := runNotes(t, cfg, args...)
		if err != nil || out != want {
			t.Fatalf("notes %q = %q, %v %s; want %q", args, out, err, e, want)
		}
	}
	run("", "mset", "b", "k1", `"one"`, "k2", "\xfe", "k3", "3")
	run("k1=\"one\"\nk2=\xfe\nk3=3\nk4=(none)\n", "mget", "b", "k1", "k2", "k3", "k4")
	run("", "mdel", "b", "k1", "k2", "nope")
	run("k3\n", "list", "b")
	run("current=3 some=true\nswapped\n", "cas", "b", "k3", `"new"`)
	run("current=\"new\" some=true\ncas-failed\n", "cas", "b", "k3", "race")
	run("\"raced\"\n", "get", "b", "k3")
	run("current= some=false\nswapped\n", "cas", "b", "fresh", "1")
	run("4\n", "incr", "b", "fresh", "3")

	c, err := sdk.Open(context.Background(), cfg.Cache())
	if err != nil {
		t.Fatal(err)
	}
	want, err := c.LLMKeyJSON(context.Background(), []byte(`"hi"`), nil, nil)
	c.Close()
	if err != nil {
		t.Fatal(err)
	}
	run(want+"\n", "llmkey", "b", `{"prompt":"hi"}`)
}

// TestPluginSetWithTTL: sandcache:plugin/cache's set-with-ttl expires on
// the cache's clock (injected).
func TestPluginSetWithTTL(t *testing.T) {
	now := time.UnixMilli(1_700_000_000_000)
	dir := t.TempDir()
	cfg := func() sdk.PluginConfig {
		return sdk.NewPluginConfig(sdk.NewConfig().WithDir(dir).WithCompilationCacheDir(pluginTestCompileDir).WithClock(func() time.Time { return now }))
	}
	if _, e, err := runNotes(t, cfg(), "setttl", "b", "k", "1", "1000"); err != nil {
		t.Fatal(err, e)
	}
	if out, _, err := runNotes(t, cfg(), "get", "b", "k"); err != nil || out != "1\n" {
		t.Fatalf("before the TTL: %q %v", out, err)
	}
	now = now.Add(1500 * time.Millisecond)
	if out, _, err := runNotes(t, cfg(), "get", "b", "k"); err != nil || out != "(none)\n" {
		t.Fatalf("after the TTL: %q %v", out, err)
	}
}

// TestPluginCraftedLedger: a byte ledger planted in the grant with sizes
// that would overflow the total is refused (every call fails, clearly),
// not trusted.
func TestPluginCraftedLedger(t *testing.T) {
	dir := t.TempDir()
	cfg := pluginTestConfig(t, dir)
	c, err := sdk.Open(context.Background(), cfg.Cache())
	if err != nil {
		t.Fatal(err)
	}
	err = c.Put(context.Background(), "b:x", []byte(`[["a",9223372036854775807],["b",9223372036854775807]]`),
		sdk.InNamespace("ledger"), sdk.AtPath("plugin-ledger.sqlite"), sdk.TTL(time.Hour))
	c.Close()
	if err != nil {
		t.Fatal(err)
	}
	_, e, err := runNotes(t, cfg, "set", "b", "k", "1")
	if err == nil || !strings.Contains(e, "plugin ledger entry") {
		t.Fatalf("crafted ledger: err %v, stderr %q", err, e)
	}
}

// TestPluginListKeysPages: list-keys pages by 1000 keys with a cursor;
// the Go plugin follows it to the end.
func TestPluginListKeysPages(t *testing.T) {
	cfg := pluginTestConfig(t, t.TempDir()).WithMaxEntries(1500).WithCallTimeout(time.Minute) // one set-many of 1500 keys
	args := []string{"mset", "b"}
	var want strings.Builder
	for i := 0; i < 1500; i++ {
		k := fmt.Sprintf("k%04d", i)
		args = append(args, k, "1")
		want.WriteString(k + "\n")
	}
	if _, e, err := runNotes(t, cfg, args...); err != nil {
		t.Fatal(err, e)
	}
	out, e, err := runNotes(t, cfg, "list", "b")
	if err != nil || out != want.String() {
		t.Fatalf("list: %d bytes, %v %s; want the 1500 keys in order", len(out), err, e)
	}
}
