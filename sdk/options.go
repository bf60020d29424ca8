package sdk

import (
	"fmt"
	"time"

	"github.com/sandcache/sandcache/internal/host"
)

// Backend selects where entries live.
type Backend = host.Backend

// Backends.
const (
	SQLite = host.SQLite // one SQLite file, <dir>/cache.sqlite (default)
	FS     = host.FS     // one JSON file per entry under <dir>/files
	Mem    = host.Mem    // in memory, shared by the cache's instances, gone at Close
)

// Options are the settings of one call, as the caller gives them: the
// guest fills what is unset with the original's defaults (sqlite, namespace
// "default", the backend's path, a 600 s TTL, 256 entries) and clamps
// MaxEntries to 1..100000. The zero Options give nothing. A non-zero field
// counts as given; the Option functions (TTL(0), MaxEntries(0), ...) also
// give a zero.
type Options struct {
	Backend    Backend
	Namespace  string        // sanitised by the guest; "" is unset
	Path       string        // relative to the cache folder; "" is unset
	TTL        time.Duration // time to live, fixed at put time; rounded up to whole ms
	MaxEntries int           // per namespace; clamped to 1..100000 by the guest

	set  host.Fields // fields given as zero
	dict string      // a Harn option dictionary (WithOptionDict)

	// exact keeps a TTL parsed from an option dictionary that a Duration
	// cannot hold (beyond ~292 years), used while TTL is left unchanged.
	exact *exactTTL
}

type exactTTL struct {
	millis uint64
	as     time.Duration
}

// Option changes the Options of one call (or, given to Config.WithDefaults,
// of every call).
type Option func(*Options)

// InNamespace selects the namespace.
func InNamespace(ns string) Option { return func(o *Options) { o.Namespace = ns } }

// WithBackend selects the backend.
func WithBackend(b Backend) Option {
	return func(o *Options) { o.Backend = b; o.set |= host.SetBackend }
}

// AtPath selects the SQLite file (sqlite) or root folder (fs), relative to
// the cache folder.
func AtPath(p string) Option { return func(o *Options) { o.Path = p } }

// TTL sets the time to live of a put. It is rounded up to whole
// milliseconds; a negative TTL is an error.
func TTL(d time.Duration) Option { return func(o *Options) { o.TTL = d; o.set |= host.SetTTL } }

// ExactTTL sets the time to live in milliseconds, over the original's
// whole range (a Duration holds about 292 years; TTL saturates there).
func ExactTTL(ms uint64) Option {
	return func(o *Options) {
		o.set |= host.SetTTL
		o.TTL, o.exact = ttlOf(ms)
	}
}

// TTLMillis returns the time to live in milliseconds: the exact value a
// dictionary or ExactTTL gave, else TTL rounded up to whole milliseconds.
func (o Options) TTLMillis() uint64 {
	if o.exact != nil && o.exact.as == o.TTL {
		return o.exact.millis
	}
	return uint64((o.TTL + time.Millisecond - 1) / time.Millisecond)
}

// ttlOf is ms as a Duration, saturating, with the exact value when the
// Duration cannot hold it.
func ttlOf(ms uint64) (time.Duration, *exactTTL) {
	ttl := time.Duration(1<<63 - 1)
	if ms <= uint64(ttl/time.Millisecond) {
		return time.Duration(ms) * time.Millisecond, nil
	}
	return ttl, &exactTTL{millis: ms, as: ttl}
}

// MaxEntries sets how many entries the namespace keeps (LRU beyond that).
func MaxEntries(n int) Option {
	return func(o *Options) { o.MaxEntries = n; o.set |= host.SetMaxEntries }
}

// WithOptionDict gives a Harn option dictionary (JSON text), which the
// guest parses with the original's rules and error texts; the other
// options override what it sets. As in the original, an error in the call's
// arguments (an empty key, a value that is not JSON) is reported before an
// error in the dictionary.
func WithOptionDict(dict []byte) Option { return func(o *Options) { o.dict = string(dict) } }

// WithOptions replaces all options at once.
func WithOptions(v Options) Option { return func(o *Options) { *o = v } }

// lower turns Options into what the guest is given.
func (o Options) lower() (host.Options, error) {
	if o.TTL < 0 {
		return host.Options{}, &Error{Op: "options", Kind: ErrInvalidArgument, Message: fmt.Sprintf("ttl %v is negative", o.TTL)}
	}
	return host.Options{Backend: o.Backend, Namespace: o.Namespace, Path: o.Path, TTLMillis: o.TTLMillis(),
		MaxEntries: int64(o.MaxEntries), Set: o.set, Dict: o.dict}, nil
}

// lift turns parse-options' result (every field set) into Options; a TTL
// beyond what a Duration holds (about 292 years) saturates.
func lift(h host.Options) Options {
	o := Options{Backend: h.Backend, Namespace: h.Namespace, Path: h.Path, MaxEntries: int(h.MaxEntries), set: h.Set}
	o.TTL, o.exact = ttlOf(h.TTLMillis)
	return o
}
