// Package cache is sandcache's cache logic: keys, values, TTL, LRU and the
// backends, written against the capabilities the host lends
// (package capability). It holds every rule of SPEC.md; the host holds none.
//
// An Engine is not safe for concurrent use: a guest instance runs one call at
// a time, and so does each Engine.
package cache

import (
	"strconv"
	"unicode/utf8"

	"github.com/sandcache/sandcache/internal/guest/capability"
	"github.com/sandcache/sandcache/internal/guest/jsonv"
	"github.com/sandcache/sandcache/internal/guest/options"
)

// Default locations inside the granted folder.
const (
	DefaultSQLitePath = "cache.sqlite"
	DefaultFSPath     = "files"
	memoryName        = "mem"
	// DefaultServerLabel names the server database in messages when the
	// postgres backend is given no path.
	DefaultServerLabel = "server"
)

// Lookup is the outcome of Get.
type Lookup struct {
	Value   []byte // compact JSON, read-only (it may share the memory of a string); nil on a miss
	Hit     bool
	Expired bool // an expired entry was found and removed
}

// PutOutcome is what a put removed while enforcing TTL and max entries.
type PutOutcome struct {
	Expired uint32
	Evicted uint32
}

// Stats is what the store holds for one namespace.
type Stats struct {
	Entries uint64 // live entries
	Expired uint64 // expired entries not yet removed
}

// store is one backend instance (one SQLite database or one fs root).
type store interface {
	get(ns, key string, now int64) (Lookup, error)
	put(ns, key string, v jsonv.Value, compact []byte, now int64, ttlMs uint64, max uint32) (PutOutcome, error)
	delete(ns, key string, now int64) (bool, error)
	clear(ns string) error
	stats(ns string, now int64) (Stats, error)
	purge(now int64) (uint64, error)
	keys(ns, prefix string, now int64) ([]string, error)
}

// Engine runs cache operations over the host's capabilities.
type Engine struct {
	sql    capability.SQL
	files  capability.Files
	now    func() int64
	stores map[storeID]store
	memo   memo
}

type storeID struct {
	backend options.Backend
	path    string
}

// New returns an Engine over the given capabilities; now returns the wall
// clock in milliseconds since the Unix epoch.
func New(sql capability.SQL, files capability.Files, now func() int64) *Engine {
	return &Engine{sql: sql, files: files, now: now, stores: map[storeID]store{}}
}

// Close releases every store the engine opened.
func (e *Engine) Close() {
	e.memo.forget()
	for id, s := range e.stores {
		if c, ok := s.(interface{ close() }); ok {
			c.close()
		}
		delete(e.stores, id)
	}
}

// resolved is a validated, normalised request target.
type resolved struct {
	id    storeID
	store store
	ns    string
	opts  options.Options
}

// resolve resolves the call's options (after its arguments were checked)
// and opens their store. (A pointer: in Go compiled to wasm, copying the
// struct is a call to memmove.)
func (e *Engine) resolve(src options.Source) (*resolved, error) {
	if r, ok := e.memo.get(src); ok {
		return r, nil
	}
	o, err := src.Resolve()
	if err != nil {
		return nil, capability.Invalid(err)
	}
	return e.openFor(src, o)
}

// openFor opens the store of o, the options src resolved to, and
// remembers that in the memo.
func (e *Engine) openFor(src options.Source, o options.Options) (*resolved, error) {
	r, err := e.open(o)
	if err != nil {
		return nil, err
	}
	return e.memo.set(src, r), nil
}

// open opens the store of complete options.
func (e *Engine) open(o options.Options) (resolved, error) {
	ns, err := options.SanitizeNamespace(o.Namespace)
	if err != nil {
		return resolved{}, capability.Invalid(err)
	}
	o.Namespace = ns
	o.MaxEntries = options.ClampMaxEntries(int64(o.MaxEntries))
	id := storeID{backend: o.Backend}
	switch o.Backend {
	case options.SQLite:
		id.path = o.Path
		if id.path == "" {
			id.path = DefaultSQLitePath
		}
	case options.FS:
		id.path = o.Path
		if id.path == "" {
			id.path = DefaultFSPath
		}
	case options.Mem:
		id.path = memoryName
	case options.Postgres:
		id.path = o.Path
		if id.path == "" {
			id.path = DefaultServerLabel
		}
	default:
		return resolved{}, capability.New(capability.InvalidArgument, "cache backend "+strconv.Itoa(int(o.Backend))+" is unknown")
	}
	s, ok := e.stores[id]
	if !ok {
		var err error
		switch o.Backend {
		case options.FS:
			s, err = openFS(e.files, id.path)
		case options.SQLite:
			// The same statements' meaning on a server when the host
			// lends PostgreSQL (the path is then only a label).
			if e.sql.Dialect() == "postgres" {
				s, err = openPG(e.sql, func(name string) (capability.DB, error) { return e.sql.Open(name, false) }, id.path)
				break
			}
			s, err = openSQL(e.sql, id.path, false)
		case options.Postgres:
			server, ok := e.sql.(capability.ServerSQL)
			if !ok {
				return resolved{}, capability.New(capability.NotPermitted, "cache postgres error: the host lends no database server")
			}
			s, err = openPG(e.sql, server.OpenServer, id.path)
		default:
			s, err = openSQL(e.sql, id.path, o.Backend == options.Mem)
		}
		if err != nil {
			return resolved{}, err
		}
		e.stores[id] = s
	}
	return resolved{id: id, store: s, ns: ns, opts: o}, nil
}

// fail returns err, first forgetting the store when err says it may be
// unusable (corrupt file, broken invariant), so the next call reopens it.
func (e *Engine) fail(r *resolved, err error) error {
	if c := capability.CodeOf(err); c == capability.Corrupt || c == capability.Internal {
		if s, ok := e.stores[r.id]; ok {
			if c, ok := s.(interface{ close() }); ok {
				c.close()
			}
			delete(e.stores, r.id)
			e.memo.forget()
		}
	}
	return err
}

func checkKey(key, signature string) error {
	if key == "" {
		return capability.New(capability.InvalidArgument, signature+": argument 1 must be a non-empty string; got string")
	}
	if !utf8.ValidString(key) {
		return capability.New(capability.InvalidArgument, signature+": argument 1 must be valid UTF-8")
	}
	return nil
}

// Signatures used in argument errors, as the original names its builtins.
const (
	sigGet    = "__cache_get(key, options?)"
	sigPut    = "__cache_put(key, value, options?)"
	sigDelete = "cache delete(key, options?)"
	sigKeys   = "cache keys(prefix, options?)"
)

// onStore resolves src and runs op on the store it names; op's error goes
// through fail (a corrupt store is dropped).
func onStore[T any](e *Engine, src options.Source, op func(r *resolved) (T, error)) (T, error) {
	var zero T
	r, err := e.resolve(src)
	if err != nil {
		return zero, err
	}
	v, err := op(r)
	if err != nil {
		return zero, e.fail(r, err)
	}
	return v, nil
}

// Get looks key up; a hit refreshes its LRU position.
func (e *Engine) Get(key string, o options.Source) (Lookup, error) {
	if err := checkKey(key, sigGet); err != nil {
		return Lookup{}, err
	}
	// Not through onStore: in Go compiled to wasm, each call level copies
	// the Lookup it returns (a call to memmove), and gets are the hot path.
	r, err := e.resolve(o)
	if err != nil {
		return Lookup{}, err
	}
	l, err := r.store.get(r.ns, key, e.now())
	if err != nil {
		return Lookup{}, e.fail(r, err)
	}
	return l, nil
}

// Put stores value (JSON text) under key, then removes the namespace's
// expired entries and its least recently used beyond max entries.
func (e *Engine) Put(key string, value []byte, src options.Source) (PutOutcome, error) {
	if err := checkKey(key, sigPut); err != nil {
		return PutOutcome{}, err
	}
	// The value is an argument: its error comes before an option error.
	r, memoized := e.memo.get(src)
	var o options.Options
	var oerr error
	var backend options.Backend
	if memoized {
		backend = r.opts.Backend
	} else if o, oerr = src.Resolve(); oerr == nil {
		backend = o.Backend
	}
	// Only the fs backend needs a tree (to pretty-print it); the others
	// store the canonical text, which Normalize mostly gets without one.
	var v jsonv.Value
	var compact []byte
	var err error
	if oerr != nil || backend == options.FS {
		if v, err = jsonv.Parse(value); err == nil {
			compact = v.AppendCompact(nil)
		}
	} else {
		compact, err = jsonv.Normalize(value)
	}
	if err != nil {
		return PutOutcome{}, capability.New(capability.InvalidArgument, "cache value is not valid JSON: "+err.Error())
	}
	if oerr != nil {
		return PutOutcome{}, capability.Invalid(oerr)
	}
	if !memoized {
		if r, err = e.openFor(src, o); err != nil {
			return PutOutcome{}, err
		}
	}
	out, err := r.store.put(r.ns, key, v, compact, e.now(), r.opts.TTLMillis, r.opts.MaxEntries)
	if err != nil {
		return PutOutcome{}, e.fail(r, err)
	}
	return out, nil
}

// Delete removes key; it reports whether a live entry existed.
func (e *Engine) Delete(key string, o options.Source) (bool, error) {
	if err := checkKey(key, sigDelete); err != nil {
		return false, err
	}
	return onStore(e, o, func(r *resolved) (bool, error) { return r.store.delete(r.ns, key, e.now()) })
}

// Clear removes every entry of the namespace.
func (e *Engine) Clear(o options.Source) error {
	_, err := onStore(e, o, func(r *resolved) (struct{}, error) { return struct{}{}, r.store.clear(r.ns) })
	return err
}

// Stats counts the namespace's entries.
func (e *Engine) Stats(o options.Source) (Stats, error) {
	return onStore(e, o, func(r *resolved) (Stats, error) { return r.store.stats(r.ns, e.now()) })
}

// Purge removes the expired entries of every namespace of the store.
func (e *Engine) Purge(o options.Source) (uint64, error) {
	return onStore(e, o, func(r *resolved) (uint64, error) { return r.store.purge(e.now()) })
}

// Keys lists the live keys of the namespace that start with prefix, sorted.
func (e *Engine) Keys(prefix string, o options.Source) ([]string, error) {
	if !utf8.ValidString(prefix) {
		return nil, capability.New(capability.InvalidArgument, sigKeys+": prefix must be valid UTF-8")
	}
	k, err := onStore(e, o, func(r *resolved) ([]string, error) { return r.store.keys(r.ns, prefix, e.now()) })
	if err != nil {
		return nil, err
	}
	// A planted or damaged store may hold a key that is not UTF-8; the
	// result type is a list of strings, so that is the store's fault.
	for _, key := range k {
		if !utf8.ValidString(key) {
			return nil, capability.New(capability.Corrupt, sigKeys+": the store holds a key that is not valid UTF-8")
		}
	}
	return k, nil
}
