package witabi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/sandcache/sandcache/internal/cabi/hostrt"
	"github.com/sandcache/sandcache/internal/witypes"
)

// memFiles is a Files over a map, enough for the guest's fs backend.
type memFiles struct {
	mu    sync.Mutex
	files map[string][]byte
	calls map[string]int
}

func (f *memFiles) count(name string) {
	f.calls[name]++
}

func (f *memFiles) Read(_ context.Context, path string) (Option[[]byte], *Error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.count("read")
	b, ok := f.files[path]
	return Option[[]byte]{Some: ok, Value: bytes.Clone(b)}, nil
}

func (f *memFiles) WriteAtomic(_ context.Context, path string, data []byte) *Error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.count("write-atomic")
	if strings.Contains(path, "..") {
		return &Error{Code: witypes.ErrorCodeNotPermitted, Message: "path " + path + " leaves the grant"}
	}
	f.files[path] = bytes.Clone(data)
	return nil
}

func (f *memFiles) Remove(_ context.Context, path string) (bool, *Error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.count("remove")
	_, ok := f.files[path]
	delete(f.files, path)
	return ok, nil
}

func (f *memFiles) Replace(_ context.Context, path string, expected []byte, data Option[[]byte]) (bool, *Error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.count("replace")
	cur, ok := f.files[path]
	if !ok || !bytes.Equal(cur, expected) {
		return false, nil
	}
	if data.Some {
		f.files[path] = bytes.Clone(data.Value)
	} else {
		delete(f.files, path)
	}
	return true, nil
}

func (f *memFiles) List(_ context.Context, path string) ([]string, *Error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.count("list")
	prefix := strings.TrimSuffix(path, "/") + "/"
	if path == "" {
		prefix = ""
	}
	seen := map[string]bool{}
	for name := range f.files {
		rest, ok := strings.CutPrefix(name, prefix)
		if !ok {
			continue
		}
		if dir, _, isDir := strings.Cut(rest, "/"); isDir {
			seen[dir+"/"] = true
		} else {
			seen[rest] = true
		}
	}
	out := []string{}
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out, nil
}

func (f *memFiles) RemoveDir(_ context.Context, path string) (bool, *Error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.count("remove-dir")
	found := false
	for name := range f.files {
		if strings.HasPrefix(name, path+"/") {
			delete(f.files, name)
			found = true
		}
	}
	return found, nil
}

// noSQL refuses every database, to check errors crossing both ways.
type noSQL struct{}

func (noSQL) Dialect(context.Context) string { return "none" }
func (noSQL) Open(_ context.Context, name string, memory bool) (uint32, *Error) {
	return 0, &Error{Code: witypes.ErrorCodeIo, Message: "no database here: " + name}
}
func (noSQL) OpenServer(_ context.Context, name string) (uint32, *Error) {
	return 0, &Error{Code: witypes.ErrorCodeNotPermitted, Message: "no server here: " + name}
}
func (noSQL) Close(context.Context, uint32) {}
func (noSQL) Exec(context.Context, uint32, string) *Error {
	return &Error{Code: witypes.ErrorCodeInternal, Message: "closed"}
}
func (noSQL) Prepare(context.Context, uint32, string) (uint32, *Error) {
	return 0, &Error{Code: witypes.ErrorCodeInternal, Message: "closed"}
}
func (noSQL) BindNull(context.Context, uint32, uint32) *Error           { return nil }
func (noSQL) BindInt(context.Context, uint32, uint32, int64) *Error     { return nil }
func (noSQL) BindFloat(context.Context, uint32, uint32, float64) *Error { return nil }
func (noSQL) BindText(context.Context, uint32, uint32, string) *Error   { return nil }
func (noSQL) BindBlob(context.Context, uint32, uint32, []byte) *Error   { return nil }
func (noSQL) Step(context.Context, uint32) (bool, *Error)               { return false, nil }
func (noSQL) ColumnCount(context.Context, uint32) uint32                { return 0 }
func (noSQL) ColumnKind(context.Context, uint32, uint32) StorageClass {
	return witypes.StorageClassNull
}
func (noSQL) ColumnInt(context.Context, uint32, uint32) int64     { return 0 }
func (noSQL) ColumnFloat(context.Context, uint32, uint32) float64 { return 0 }
func (noSQL) ColumnText(context.Context, uint32, uint32) string   { return "" }
func (noSQL) ColumnBlob(context.Context, uint32, uint32) []byte   { return nil }
func (noSQL) Changes(context.Context, uint32) int64               { return 0 }
func (noSQL) Reset(context.Context, uint32) *Error                { return nil }
func (noSQL) Finalize(context.Context, uint32)                    {}
func (noSQL) Run(context.Context, hostrt.Elements[Call], hostrt.Elements[Value]) (RunResult, *Error) {
	return RunResult{}, nil
}

// sha256Digest is the digest import, as the hosts implement it.
type sha256Digest struct{}

func (sha256Digest) Sha256(_ context.Context, data []byte) []byte {
	sum := sha256.Sum256(data)
	return sum[:]
}

// fixedClock is a clock import that always returns the same time.
type fixedClock int64

func (c fixedClock) NowMs(context.Context) int64 { return int64(c) }

// compiled shares the guest's machine code between the tests' runtimes.
var compiled = wazero.NewCompilationCache()

// instantiate runs host/guest.wasm with the generated import glue.
func instantiate(t *testing.T, files Files) (api.Module, *CacheExports) {
	t.Helper()
	ctx := context.Background()
	wasm, err := os.ReadFile("../../host/guest.wasm")
	if err != nil {
		t.Fatal(err)
	}
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithCompilationCache(compiled))
	t.Cleanup(func() { rt.Close(ctx) })
	wasi_snapshot_preview1.MustInstantiate(ctx, rt)
	var g *Instance // bound once the module is instantiated
	if _, err := RegisterSQL(rt.NewHostModuleBuilder(SQLModule), func(context.Context, api.Module) (SQL, *Instance) { return noSQL{}, g }).Instantiate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := RegisterFiles(rt.NewHostModuleBuilder(FilesModule), func(context.Context, api.Module) (Files, *Instance) { return files, g }).Instantiate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := RegisterClock(rt.NewHostModuleBuilder(ClockModule), func(context.Context, api.Module) (Clock, *Instance) { return fixedClock(1_000), g }).Instantiate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := RegisterDigest(rt.NewHostModuleBuilder(DigestModule), func(context.Context, api.Module) (Digest, *Instance) { return sha256Digest{}, g }).Instantiate(ctx); err != nil {
		t.Fatal(err)
	}
	mod, err := rt.InstantiateWithConfig(ctx, wasm, wazero.NewModuleConfig().WithName("").WithStartFunctions("_initialize"))
	if err != nil {
		t.Fatal(err)
	}
	x, err := BindCacheExports(mod)
	if err != nil {
		t.Fatal(err)
	}
	g = x.Instance()
	return mod, x
}

// TestGeneratedGlueAgainstGuest drives the real guest through the generated
// export calls and import registration: every export, every files import,
// and errors in both directions.
func TestGeneratedGlueAgainstGuest(t *testing.T) {
	ctx := context.Background()
	files := &memFiles{files: map[string][]byte{}, calls: map[string]int{}}
	_, x := instantiate(t, files)

	o, e, err := x.ParseOptions(ctx, `{"backend":"fs","namespace":"ns","ttl":60,"max_entries":5}`)
	if err != nil || e != nil {
		t.Fatalf("ParseOptions: %v %v", err, e)
	}
	want := Options{
		Backend: Option[Backend]{Some: true, Value: witypes.BackendFs}, Namespace: "ns",
		TTLMs: Option[uint64]{Some: true, Value: 60000}, MaxEntries: Option[int64]{Some: true, Value: 5},
	}
	if o != want {
		t.Fatalf("ParseOptions = %+v", o)
	}
	if _, e, err = x.ParseOptions(ctx, `{"backend":"nope"}`); err != nil || e == nil || e.Code != witypes.ErrorCodeInvalidArgument || e.Message == "" {
		t.Fatalf("ParseOptions(bad backend) = %v, %+v", err, e)
	}
	if secs, e, err := x.ParseDuration(ctx, "1.5h"); err != nil || e != nil || secs != 5400 {
		t.Fatalf("ParseDuration(1.5h) = %d %v %v", secs, e, err)
	}
	k1, e, err := x.LLMKey(ctx, `"hi"`, Option[string]{}, `null`)
	if err != nil || e != nil || !strings.HasPrefix(k1, "sha256:") || len(k1) != 7+64 {
		t.Fatalf("LLMKey = %q %v %v", k1, e, err)
	}
	k2, _, _ := x.LLMKey(ctx, `"hi"`, Option[string]{Some: true, Value: `"be brief"`}, `null`)
	if k2 == k1 || !strings.HasPrefix(k2, "sha256:") {
		t.Fatalf("LLMKey with a system prompt = %q, without %q", k2, k1)
	}

	if out, e, err := x.Put(ctx, "alpha", `{"a": 1.50}`, o); err != nil || e != nil || out != (PutOutcome{}) {
		t.Fatalf("Put = %+v %v %v", out, e, err)
	}
	if _, e, err := x.Put(ctx, "beta", `[1,2]`, o); err != nil || e != nil {
		t.Fatalf("Put beta: %v %v", e, err)
	}
	l, e, err := x.Get(ctx, "alpha", o)
	if err != nil || e != nil || !l.Value.Some || l.Value.Value != `{"a":1.5}` || l.Expired {
		t.Fatalf("Get = %+v %v %v", l, e, err)
	}
	if l, _, _ := x.Get(ctx, "missing", o); l.Value.Some || l.Expired {
		t.Fatalf("Get(missing) = %+v", l)
	}
	keys, e, err := x.Keys(ctx, "", o)
	if err != nil || e != nil || strings.Join(keys, ",") != "alpha,beta" {
		t.Fatalf("Keys = %q %v %v", keys, e, err)
	}
	if s, e, err := x.Stats(ctx, o); err != nil || e != nil || s.Entries != 2 {
		t.Fatalf("Stats = %+v %v %v", s, e, err)
	}
	if ok, e, err := x.Delete(ctx, "alpha", o); err != nil || e != nil || !ok {
		t.Fatalf("Delete = %v %v %v", ok, e, err)
	}
	if n, e, err := x.Purge(ctx, o); err != nil || e != nil || n != 0 {
		t.Fatalf("Purge = %d %v %v", n, e, err)
	}
	if e, err := x.Clear(ctx, o); err != nil || e != nil {
		t.Fatalf("Clear = %v %v", e, err)
	}
	if keys, _, _ := x.Keys(ctx, "", o); len(keys) != 0 {
		t.Fatalf("Keys after Clear = %q", keys)
	}
	for _, fn := range []string{"read", "write-atomic", "list"} {
		if files.calls[fn] == 0 {
			t.Errorf("the guest never called files.%s", fn)
		}
	}

	// An import's error lifted by the guest and lowered back to the host.
	sqlite := o
	sqlite.Backend = Option[Backend]{Some: true, Value: witypes.BackendSqlite}
	_, e, err = x.Get(ctx, "k", sqlite)
	if err != nil || e == nil || e.Code != witypes.ErrorCodeIo || !strings.Contains(e.Message, "no database here") {
		t.Fatalf("Get(sqlite) = %+v %v, want the import's io error", e, err)
	}
	// Argument errors from the guest.
	if _, e, err = x.Get(ctx, "", o); err != nil || e == nil || e.Code != witypes.ErrorCodeInvalidArgument {
		t.Fatalf("Get(empty key) = %+v %v", e, err)
	}
	bad := o
	bad.Backend = Option[Backend]{Some: true, Value: 9}
	if _, e, err = x.Get(ctx, "k", bad); err != nil || e == nil || e.Code != witypes.ErrorCodeInvalidArgument {
		t.Fatalf("Get(backend 9) = %+v %v", e, err)
	}
	// Argument errors come before errors in the option dictionary.
	dict := o
	dict.Dict = `{"ttl":"soon"}`
	if _, e, err = x.Put(ctx, "", "1", dict); err != nil || e == nil || !strings.Contains(e.Message, "argument 1 must be a non-empty string") {
		t.Fatalf("Put(empty key, bad dict) = %+v %v", e, err)
	}
	if _, e, err = x.Put(ctx, "k", "{", dict); err != nil || e == nil || !strings.Contains(e.Message, "not valid JSON") {
		t.Fatalf("Put(bad value, bad dict) = %+v %v", e, err)
	}
	if _, e, err = x.Put(ctx, "k", "1", dict); err != nil || e == nil || e.Code != witypes.ErrorCodeInvalidArgument || strings.Contains(e.Message, "JSON") {
		t.Fatalf("Put(bad dict) = %+v %v, want the dictionary's error", e, err)
	}
}
