package hostbench

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/sandcache/sandcache/internal/filecap"
	"github.com/sandcache/sandcache/internal/guest/cache"
	"github.com/sandcache/sandcache/internal/guest/capability"
	"github.com/sandcache/sandcache/internal/guest/llmkey"
	"github.com/sandcache/sandcache/internal/guest/options"
	"github.com/sandcache/sandcache/internal/host"
	"github.com/sandcache/sandcache/internal/pgcap"
	"github.com/sandcache/sandcache/internal/sqlcap"
)

// Side is one side of the comparison.
type Side int

// The two sides.
const (
	// Sandboxed runs guest.wasm under wazero through host.Sandbox, with its
	// pool of instances and the capabilities crossing the boundary.
	Sandboxed Side = iota
	// Native runs the same cache logic (package internal/guest/cache) compiled into
	// this process, over the same capability implementations (sqlcap,
	// filecap) and SQLite settings, with a pool of engines standing in for
	// the pool of instances.
	Native
)

// Sides lists both sides, sandboxed first.
var Sides = []Side{Sandboxed, Native}

// String returns "sandboxed" or "native".
func (s Side) String() string {
	if s == Native {
		return "native"
	}
	return "sandboxed"
}

// nsOpts are one namespace's options in both sides' types, made once so
// that no side pays a conversion per call. The native side passes what the
// guest's export glue passes the engine: the options as given, by pointer.
type nsOpts struct {
	h host.Options
	n options.Given
}

func makeOpts(b host.Backend, ns string, maxEntries int) nsOpts {
	h := host.Options{Backend: b, Namespace: ns, TTLMillis: benchTTL, MaxEntries: int64(maxEntries)}
	return nsOpts{h: h, n: options.Given{
		Backend: options.Backend(b), HasBackend: true, Namespace: ns,
		TTLMillis: benchTTL, HasTTL: true, MaxEntries: int64(maxEntries), HasMax: true,
	}}
}

// benchTTL keeps entries alive however long a benchmark runs (30 days).
const benchTTL = 30 * 24 * 3600 * 1000

// target is one side opened on a folder. It is safe for concurrent use.
type target interface {
	get(key string, o *nsOpts) (hit bool, err error)
	put(key string, value []byte, o *nsOpts) (evicted uint32, err error)
	del(key string, o *nsOpts) (existed bool, err error)
	llmKey(prompt, system, request []byte) (string, error)
	close() error
}

// sandboxTarget is the sandboxed side: a host.Sandbox.
type sandboxTarget struct {
	ctx context.Context
	sb  *host.Sandbox
}

// openSandbox opens a Sandbox whose guest clock is clock (the CLI sets a
// clock too; the barrier lets the fixture make the pool create all its
// instances).
func openSandbox(ctx context.Context, dir string, pool int, clock func() time.Time, dsn string) (*sandboxTarget, error) {
	cfg := host.NewConfig().WithPoolSize(pool).WithClock(clock)
	if dsn != "" {
		cfg = cfg.WithPostgres(dsn)
	}
	sb, err := host.Open(ctx, dir, cfg)
	if err != nil {
		return nil, err
	}
	return &sandboxTarget{ctx: ctx, sb: sb}, nil
}

func (t *sandboxTarget) get(key string, o *nsOpts) (bool, error) {
	l, err := t.sb.Get(t.ctx, key, o.h)
	return l.Hit, err
}

func (t *sandboxTarget) put(key string, value []byte, o *nsOpts) (uint32, error) {
	out, err := t.sb.Put(t.ctx, key, value, o.h)
	return out.Evicted, err
}

func (t *sandboxTarget) del(key string, o *nsOpts) (bool, error) {
	return t.sb.Delete(t.ctx, key, o.h)
}

func (t *sandboxTarget) llmKey(prompt, system, request []byte) (string, error) {
	return t.sb.LLMKey(t.ctx, prompt, system, request)
}

func (t *sandboxTarget) close() error { return t.sb.Close() }

// nativeTarget is the native side: cache.Engines over sqlcap and filecap,
// lent one call at a time like the sandbox's instances (made on demand, up
// to the pool size, each with its own SQL session as each instance has).
type nativeTarget struct {
	grant  *sqlcap.Grant
	files  *filecap.Files
	server *pgcap.Capability // the postgres backend's server, or nil
	ctx    context.Context   // the context of calls to the server (as the sandbox's)
	sem    chan struct{}

	mu     sync.Mutex
	idle   []*nativeEngine
	all    []*nativeEngine
	closed bool
}

type nativeEngine struct {
	e       *cache.Engine
	session nativeSession
}

// nativeSession is an engine's SQL capability with the host's controls.
type nativeSession interface {
	capability.SQL
	SetContext(ctx context.Context)
	CloseAll() error
}

// openNative opens the native side on dir and, when dsn is set, the
// postgres server (postgres.go).
func openNative(ctx context.Context, dir string, pool int, dsn string) (*nativeTarget, error) {
	grant, err := sqlcap.NewGrant(dir)
	if err != nil {
		return nil, err
	}
	files, err := filecap.Open(dir)
	if err != nil {
		grant.Close()
		return nil, err
	}
	t := &nativeTarget{grant: grant, files: files, ctx: ctx, sem: make(chan struct{}, max(pool, 1))}
	if dsn != "" {
		if t.server, err = connectNative(dsn, pool); err != nil {
			files.Close()
			grant.Close()
			return nil, err
		}
	}
	return t, nil
}

func nowMillis() int64 { return time.Now().UnixMilli() }

func (t *nativeTarget) acquire() (*nativeEngine, error) {
	t.sem <- struct{}{}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		<-t.sem
		return nil, errors.New("hostbench: native side is closed")
	}
	if n := len(t.idle); n > 0 {
		e := t.idle[n-1]
		t.idle = t.idle[:n-1]
		if t.server != nil {
			// As the host does before each call: statements run under
			// the call's context (pgx watches it for cancellation).
			e.session.SetContext(t.ctx)
		}
		return e, nil
	}
	var s nativeSession = sqlcap.NewSession(t.grant)
	if t.server != nil {
		s = newNativeServerSession(t.server)
		s.SetContext(t.ctx)
	}
	e := &nativeEngine{e: cache.New(s, t.files, nowMillis), session: s}
	t.all = append(t.all, e)
	return e, nil
}

func (t *nativeTarget) release(e *nativeEngine) {
	if t.server != nil {
		// As the host does after each call: the connection goes back.
		e.session.SetContext(context.Background())
	}
	t.mu.Lock()
	t.idle = append(t.idle, e)
	t.mu.Unlock()
	<-t.sem
}

func (t *nativeTarget) get(key string, o *nsOpts) (bool, error) {
	e, err := t.acquire()
	if err != nil {
		return false, err
	}
	defer t.release(e)
	l, err := e.e.Get(key, &o.n)
	return l.Hit, err
}

func (t *nativeTarget) put(key string, value []byte, o *nsOpts) (uint32, error) {
	e, err := t.acquire()
	if err != nil {
		return 0, err
	}
	defer t.release(e)
	out, err := e.e.Put(key, value, &o.n)
	return out.Evicted, err
}

func (t *nativeTarget) del(key string, o *nsOpts) (bool, error) {
	e, err := t.acquire()
	if err != nil {
		return false, err
	}
	defer t.release(e)
	return e.e.Delete(key, &o.n)
}

// llmKey is pure computation: the guest export calls exactly this.
func (t *nativeTarget) llmKey(prompt, system, request []byte) (string, error) {
	return llmkey.Key(prompt, system, request)
}

func (t *nativeTarget) close() error {
	for range cap(t.sem) {
		t.sem <- struct{}{}
	}
	t.mu.Lock()
	t.closed = true
	for _, e := range t.all {
		e.e.Close()
		e.session.CloseAll()
	}
	t.all, t.idle = nil, nil
	t.mu.Unlock()
	for range cap(t.sem) {
		<-t.sem
	}
	t.files.Close()
	if t.server != nil {
		t.server.Close()
	}
	return t.grant.Close()
}
