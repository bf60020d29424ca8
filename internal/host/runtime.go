package host

import (
	"context"
	"crypto/sha256"
	"fmt"
	"runtime"
	"sync"
	"time"

	guestbin "github.com/sandcache/sandcache/host"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// guestWasm is the guest module, embedded by the public package host
// (host/guest.wasm, built by build.sh from ./guest): a view of the binary's
// read-only data, never written (the instrumenter and wazero only read
// their input).
var guestWasm = ownedBytes(guestbin.GuestWasmString())

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
	guest    [sha256.Size]byte // the guest's SHA-256
}

var (
	enginesMu sync.Mutex
	engines   = map[engineKey]*engine{}
)

// engineFor returns the shared engine for cfg, creating it on first use.
// guest is the module to run: nil for the embedded guest.
func engineFor(ctx context.Context, cfg Config, guest []byte) (*engine, error) {
	key := engineKey{cacheDir: cfg.compileCacheDir, pages: cfg.memoryPages}
	if guest != nil {
		key.guest = sha256.Sum256(guest)
	} else {
		guest, key.guest = guestWasm, guestbin.GuestWasmSHA256()
	}
	enginesMu.Lock()
	defer enginesMu.Unlock()
	if e, ok := engines[key]; ok {
		return e, nil
	}
	// No WithCloseOnContextDone: the guest is instrumented instead (see
	// interrupt.go). The features are pinned to what the instrumenter
	// understands.
	rc := wazero.NewRuntimeConfigCompiler().
		WithCoreFeatures(api.CoreFeaturesV2).
		WithMemoryLimitPages(cfg.memoryPages)
	cacheDir := ""
	if cfg.compileCacheDir != "" {
		dir, err := versionCacheDir(cfg.compileCacheDir, key.guest, time.Now())
		if err != nil {
			return nil, fmt.Errorf("sandcache: compilation cache: %w", err)
		}
		cache, err := wazero.NewCompilationCacheWithDir(dir)
		if err != nil {
			return nil, fmt.Errorf("sandcache: compilation cache: %w", err)
		}
		rc, cacheDir = rc.WithCompilationCache(cache), dir
	}
	instrumented, err := instrumentCached(cacheDir, guest, key.guest)
	if err != nil {
		return nil, fmt.Errorf("sandcache: %w", err)
	}
	rt := wazero.NewRuntimeWithConfig(ctx, rc)
	e, err := newEngine(ctx, rt, instrumented)
	if err != nil {
		rt.Close(ctx)
		return nil, err
	}
	engines[key] = e
	return e, nil
}

// newEngine instantiates the host modules in rt and compiles guest (an
// instrumented module) in it.
func newEngine(ctx context.Context, rt wazero.Runtime, guest []byte) (*engine, error) {
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, rt); err != nil {
		return nil, fmt.Errorf("sandcache: wasi: %w", err)
	}
	if err := instantiateCapabilities(ctx, rt); err != nil {
		return nil, fmt.Errorf("sandcache: capabilities: %w", err)
	}
	if err := instantiateInterrupt(ctx, rt); err != nil {
		return nil, fmt.Errorf("sandcache: interrupt check: %w", err)
	}
	// Compiling is the cold start's cost (~1.7 s of one core for the
	// guest): spread its functions over every core the process may use.
	ctx = experimental.WithCompilationWorkers(ctx, runtime.GOMAXPROCS(0))
	compiled, err := rt.CompileModule(ctx, guest)
	if err != nil {
		return nil, fmt.Errorf("sandcache: compile guest: %w", err)
	}
	return &engine{rt: rt, compiled: compiled}, nil
}

// hostFunc registers a Go function with the given core signature.
func hostFunc(b wazero.HostModuleBuilder, name string, fn api.GoModuleFunc, params, results []api.ValueType) {
	b.NewFunctionBuilder().WithGoModuleFunction(fn, params, results).Export(name)
}

var i32 = api.ValueTypeI32

func types(t ...api.ValueType) []api.ValueType { return t }
