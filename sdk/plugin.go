package sdk

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/sandcache/sandcache/internal/host"
	"github.com/sandcache/sandcache/internal/pluginabi"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// PluginImports lends one plugin module a cache: the imports of
// wasi:keyvalue@0.2.0-draft2 (store, atomics, batch), of
// wasi:keyvalue@0.2.0-draft (same, older signatures) and of
// sandcache:plugin/cache@0.1.0, instantiated as host modules of a wazero
// runtime by InstantiatePluginImports. Every keyvalue call goes through the
// plugin's sandcache Cache (whose logic runs in the sandcache guest); the
// host only routes: bucket identifiers are the cache's namespaces, keys its
// keys, and values are mapped to JSON as plugin_values.go describes.
//
// Host module names are global to a wazero runtime, so a runtime serves
// one plugin: give each plugin its own runtime (they may share a
// wazero.CompilationCache).
type PluginImports struct {
	cache *Cache
	cfg   PluginConfig
	rt    wazero.Runtime
	mods  []api.Module

	mu      sync.Mutex
	handles map[uint32]*pluginHandle
	next    uint32
	led     ledger
}

// pluginHandle is a bucket, or a CAS operation on one key of a bucket.
type pluginHandle struct {
	bucket  string
	cas     bool
	key     string
	current []byte // the stored JSON when the CAS began
	present bool
}

// maxPluginHandles bounds the handles a plugin holds at once.
const maxPluginHandles = 4096

// InstantiatePluginImports opens the plugin's cache (cfg.Cache(): its own
// grant) and instantiates in rt the host modules a plugin imports, and the
// interrupt check that CompilePlugin's instrumentation calls. Close closes
// those modules and the cache. rt must not hold these modules already.
func InstantiatePluginImports(ctx context.Context, rt wazero.Runtime, cfg PluginConfig) (*PluginImports, error) {
	if cfg.maxEntries < 1 || cfg.maxBytes < 1 || cfg.callTimeout <= 0 || cfg.ttl <= 0 {
		return nil, fmt.Errorf("%w: plugin config: max entries %d, max bytes %d, call timeout %v and TTL %v must be positive",
			ErrInvalidArgument, cfg.maxEntries, cfg.maxBytes, cfg.callTimeout, cfg.ttl)
	}
	c, err := Open(ctx, cfg.cache)
	if err != nil {
		return nil, err
	}
	p := &PluginImports{cache: c, cfg: cfg, rt: rt, handles: map[uint32]*pluginHandle{}}
	self := func(context.Context, api.Module) kvImports { return kvImports{p} }
	draft := func(context.Context, api.Module) draftImports { return draftImports{p} }
	builders := []wazero.HostModuleBuilder{
		pluginabi.RegisterStore(rt.NewHostModuleBuilder(pluginabi.StoreModule), func(ctx context.Context, m api.Module) pluginabi.Store { return self(ctx, m) }),
		pluginabi.RegisterAtomics(rt.NewHostModuleBuilder(pluginabi.AtomicsModule), func(ctx context.Context, m api.Module) pluginabi.Atomics { return self(ctx, m) }),
		pluginabi.RegisterBatch(rt.NewHostModuleBuilder(pluginabi.BatchModule), func(ctx context.Context, m api.Module) pluginabi.Batch { return self(ctx, m) }),
		pluginabi.RegisterCache(rt.NewHostModuleBuilder(pluginabi.CacheModule), func(ctx context.Context, m api.Module) pluginabi.Cache { return self(ctx, m) }),
		pluginabi.RegisterDraftStore(rt.NewHostModuleBuilder(pluginabi.DraftStoreModule), func(ctx context.Context, m api.Module) pluginabi.DraftStore { return draft(ctx, m) }),
		pluginabi.RegisterDraftAtomics(rt.NewHostModuleBuilder(pluginabi.DraftAtomicsModule), func(ctx context.Context, m api.Module) pluginabi.DraftAtomics { return draft(ctx, m) }),
		pluginabi.RegisterDraftBatch(rt.NewHostModuleBuilder(pluginabi.DraftBatchModule), func(ctx context.Context, m api.Module) pluginabi.DraftBatch { return draft(ctx, m) }),
	}
	for _, b := range builders {
		m, err := b.Instantiate(ctx)
		if err != nil {
			p.Close()
			return nil, fmt.Errorf("instantiating plugin imports: %w", err)
		}
		p.mods = append(p.mods, m)
	}
	if err := host.InstantiateInterruptCheck(ctx, rt); err != nil {
		p.Close()
		return nil, fmt.Errorf("instantiating the interrupt check: %w", err)
	}
	if m := rt.Module("sandcache:host"); m != nil {
		p.mods = append(p.mods, m)
	}
	return p, nil
}

// CompilePlugin instruments a plugin module (so that a plugin that loops
// ends at its context's deadline: see host.InstrumentPlugin) and compiles
// it in the runtime. Instantiate the result with a context whose deadline
// bounds the plugin's run.
func (p *PluginImports) CompilePlugin(ctx context.Context, wasm []byte) (wazero.CompiledModule, error) {
	inst, err := host.InstrumentPlugin(wasm)
	if err != nil {
		return nil, fmt.Errorf("%w: plugin module: %v", ErrInvalidArgument, err)
	}
	return p.rt.CompileModule(ctx, inst)
}

// Cache returns the plugin's cache, for the embedder's own reads.
func (p *PluginImports) Cache() *Cache { return p.cache }

// Close closes the host modules and the plugin's cache.
func (p *PluginImports) Close() error {
	var errs []error
	for _, m := range p.mods {
		errs = append(errs, m.Close(context.Background()))
	}
	p.mods = nil
	errs = append(errs, p.cache.Close())
	return errors.Join(errs...)
}

// call runs f under the plugin's lock and call deadline, and maps a
// failure to keyvalue error::other.
func (p *PluginImports) call(ctx context.Context, f func(ctx context.Context) error) *pluginabi.Error {
	p.mu.Lock()
	defer p.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, p.cfg.callTimeout)
	defer cancel()
	err := p.load(ctx)
	if err == nil {
		err = f(ctx)
	}
	if err == nil {
		return nil
	}
	var ke kvError
	if errors.As(err, &ke) {
		return ke.e
	}
	return kvOther(err.Error())
}

// kvError carries a keyvalue error case other than `other`.
type kvError struct{ e *pluginabi.Error }

func (k kvError) Error() string { return pluginabi.ErrorCaseNames[k.e.Case] }

func kvOther(msg string) *pluginabi.Error {
	return &pluginabi.Error{Case: pluginabi.ErrorOther, Other: msg}
}

// bucketOpt selects a bucket's namespace with the plugin's limits.
func (p *PluginImports) bucketOpt(bucket string, ttl time.Duration) Option {
	return func(o *Options) {
		o.Namespace = bucket
		o.Path = ""
		o.MaxEntries = p.cfg.maxEntries
		o.TTL = p.cfg.ttl
		if ttl > 0 {
			o.TTL = ttl
		}
	}
}

// handle returns the bucket (or CAS, when cas) behind h.
func (p *PluginImports) handle(h uint32, cas bool) (*pluginHandle, error) {
	x := p.handles[h]
	if x == nil || x.cas != cas {
		return nil, fmt.Errorf("handle %d is not an open %s", h, map[bool]string{false: "bucket", true: "CAS operation"}[cas])
	}
	return x, nil
}

func (p *PluginImports) newHandle(x *pluginHandle) (uint32, error) {
	if len(p.handles) >= maxPluginHandles {
		return 0, fmt.Errorf("too many open handles (%d): drop some", maxPluginHandles)
	}
	for {
		p.next++
		if p.next != 0 && p.handles[p.next] == nil {
			p.handles[p.next] = x
			return p.next, nil
		}
	}
}

func (p *PluginImports) drop(h uint32) {
	p.mu.Lock()
	delete(p.handles, h)
	p.mu.Unlock()
}

// get returns the bytes stored under key in bucket.
func (p *PluginImports) get(ctx context.Context, bucket, key string) ([]byte, bool, error) {
	v, hit, err := p.cache.Get(ctx, key, p.bucketOpt(bucket, 0))
	if err != nil || !hit {
		return nil, false, err
	}
	return decodePluginValue(v), true, nil
}

// set stores value under key in bucket within the byte quota.
func (p *PluginImports) set(ctx context.Context, bucket, key string, value []byte, ttl time.Duration) error {
	stored, err := encodePluginValue(ctx, p.cache, value)
	if err != nil {
		return err
	}
	if err := p.makeRoom(ctx, bucket, key, int64(len(stored))); err != nil {
		return err
	}
	if err := p.cache.Put(ctx, key, stored, p.bucketOpt(bucket, ttl)); err != nil {
		return err
	}
	return p.record(ctx, bucket, key, int64(len(stored)))
}

func (p *PluginImports) del(ctx context.Context, bucket, key string) error {
	if _, err := p.cache.Delete(ctx, key, p.bucketOpt(bucket, 0)); err != nil {
		return err
	}
	if _, ok := p.bucketLedger(bucket).size[key]; ok {
		return p.record(ctx, bucket, key, -1)
	}
	return nil
}
