package sdk

import (
	"fmt"
	"time"

	"github.com/sandcache/sandcache/host"
)

// Backend selects where entries live.
type Backend = host.Backend

// Backends.
const (
	SQLite = host.SQLite // one SQLite file, <dir>/cache.sqlite (default)
	FS     = host.FS     // one JSON file per entry under <dir>/files
	Mem    = host.Mem    // in memory, shared by the cache's instances, gone at Close
)

// Defaults for Options.
const (
	DefaultNamespace  = "default"
	DefaultTTL        = 600 * time.Second
	DefaultMaxEntries = 256
	MaxMaxEntries     = 100_000
)

// Options are the settings of one call. Every field is explicit, as in the
// original: start from DefaultOptions (or the cache's defaults) rather than
// the zero value, whose TTL of 0 means "expired at once".
type Options struct {
	Backend    Backend
	Namespace  string        // sanitised by the guest; "" means "default"
	Path       string        // relative to the cache folder; "" = the backend's default
	TTL        time.Duration // time to live, fixed at put time; rounded up to whole ms
	MaxEntries int           // per namespace; clamped to 1..100000 as the original does

	// exact keeps a TTL parsed from an option dictionary that a Duration
	// cannot hold (beyond ~292 years), used while TTL is left unchanged.
	exact *exactTTL
}

type exactTTL struct {
	millis uint64
	as     time.Duration
}

// DefaultOptions returns sqlite, "default", the default path, 600 s, 256.
func DefaultOptions() Options {
	return Options{Backend: SQLite, Namespace: DefaultNamespace, TTL: DefaultTTL, MaxEntries: DefaultMaxEntries}
}

// Option changes the Options of one call (or, given to Config.WithDefaults,
// of every call).
type Option func(*Options)

// InNamespace selects the namespace.
func InNamespace(ns string) Option { return func(o *Options) { o.Namespace = ns } }

// WithBackend selects the backend.
func WithBackend(b Backend) Option { return func(o *Options) { o.Backend = b } }

// AtPath selects the SQLite file (sqlite) or root folder (fs), relative to
// the cache folder.
func AtPath(p string) Option { return func(o *Options) { o.Path = p } }

// TTL sets the time to live of a put. It is rounded up to whole
// milliseconds; a negative TTL is an error.
func TTL(d time.Duration) Option { return func(o *Options) { o.TTL = d } }

// MaxEntries sets how many entries the namespace keeps (LRU beyond that).
func MaxEntries(n int) Option { return func(o *Options) { o.MaxEntries = n } }

// WithOptions replaces all options at once.
func WithOptions(v Options) Option { return func(o *Options) { *o = v } }

// lower turns Options into the guest's record.
func (o Options) lower() (host.Options, error) {
	if o.TTL < 0 {
		return host.Options{}, &Error{Op: "options", Kind: ErrInvalidArgument, Message: fmt.Sprintf("ttl %v is negative", o.TTL)}
	}
	h := host.Options{Backend: o.Backend, Namespace: o.Namespace, Path: o.Path}
	h.TTLMillis = uint64((o.TTL + time.Millisecond - 1) / time.Millisecond)
	if o.exact != nil && o.exact.as == o.TTL {
		h.TTLMillis = o.exact.millis
	}
	switch {
	case o.MaxEntries < 1:
		h.MaxEntries = 1
	case o.MaxEntries > MaxMaxEntries:
		h.MaxEntries = MaxMaxEntries
	default:
		h.MaxEntries = uint32(o.MaxEntries)
	}
	return h, nil
}

// lift turns the guest's record into Options; a TTL beyond what a Duration
// holds (about 292 years) saturates.
func lift(h host.Options) Options {
	ttl := time.Duration(1<<63 - 1)
	if h.TTLMillis <= uint64(ttl/time.Millisecond) {
		ttl = time.Duration(h.TTLMillis) * time.Millisecond
	}
	o := Options{Backend: h.Backend, Namespace: h.Namespace, Path: h.Path, TTL: ttl, MaxEntries: int(h.MaxEntries)}
	if uint64(ttl/time.Millisecond) != h.TTLMillis {
		o.exact = &exactTTL{millis: h.TTLMillis, as: ttl}
	}
	return o
}
