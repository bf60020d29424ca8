package host

import (
	"context"
	_ "embed"
	"fmt"
	"sync"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// guestWasm is the guest module, built by build.sh from ./guest.
//
//go:embed guest.wasm
var guestWasm []byte

// GuestWasm returns the embedded guest module's bytes (for other hosts, or
// to check what is running).
func GuestWasm() []byte { return append([]byte(nil), guestWasm...) }

// engine is a wazero runtime with the guest compiled and the host modules
// (WASI, sql, files) instantiated. One exists per distinct (compilation cache
// folder, memory limit) and lives as long as the process: compiling is the
// expensive part, and instances of it are cheap.
type engine struct {
	rt       wazero.Runtime
	compiled wazero.CompiledModule
}

type engineKey struct {
	cacheDir string
	pages    uint32
}

var (
	enginesMu sync.Mutex
	engines   = map[engineKey]*engine{}
)

// engineFor returns the shared engine for cfg, creating it on first use.
func engineFor(ctx context.Context, cfg Config) (*engine, error) {
	key := engineKey{cfg.compileCacheDir, cfg.memoryPages}
	enginesMu.Lock()
	defer enginesMu.Unlock()
	if e, ok := engines[key]; ok {
		return e, nil
	}
	// No WithCloseOnContextDone: its termination checks at every loop and
	// call made the guest's Go code 4-7x slower. Deadlines are enforced at
	// the capability boundary instead (see instanceFrom).
	rc := wazero.NewRuntimeConfigCompiler().
		WithMemoryLimitPages(cfg.memoryPages)
	if cfg.compileCacheDir != "" {
		cache, err := wazero.NewCompilationCacheWithDir(cfg.compileCacheDir)
		if err != nil {
			return nil, fmt.Errorf("sandcache: compilation cache: %w", err)
		}
		rc = rc.WithCompilationCache(cache)
	}
	rt := wazero.NewRuntimeWithConfig(ctx, rc)
	e, err := newEngine(ctx, rt)
	if err != nil {
		rt.Close(ctx)
		return nil, err
	}
	engines[key] = e
	return e, nil
}

func newEngine(ctx context.Context, rt wazero.Runtime) (*engine, error) {
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, rt); err != nil {
		return nil, fmt.Errorf("sandcache: wasi: %w", err)
	}
	if err := instantiateSQL(ctx, rt); err != nil {
		return nil, fmt.Errorf("sandcache: sql capability: %w", err)
	}
	if err := instantiateFiles(ctx, rt); err != nil {
		return nil, fmt.Errorf("sandcache: files capability: %w", err)
	}
	compiled, err := rt.CompileModule(ctx, guestWasm)
	if err != nil {
		return nil, fmt.Errorf("sandcache: compile guest: %w", err)
	}
	return &engine{rt: rt, compiled: compiled}, nil
}

// hostFunc registers a Go function with the given core signature.
func hostFunc(b wazero.HostModuleBuilder, name string, fn api.GoModuleFunc, params, results []api.ValueType) {
	b.NewFunctionBuilder().WithGoModuleFunction(fn, params, results).Export(name)
}

var (
	i32 = api.ValueTypeI32
	i64 = api.ValueTypeI64
	f64 = api.ValueTypeF64
)

func types(t ...api.ValueType) []api.ValueType { return t }
