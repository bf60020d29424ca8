package sdk

import (
	"context"
	"sync"

	"github.com/sandcache/sandcache/internal/host"
)

// Cache is a sandboxed cache over one granted folder. It is safe for
// concurrent use; calls run on a pool of guest instances.
type Cache struct {
	sb       *host.Sandbox
	defaults Options

	mu       sync.Mutex
	counters map[counterKey]*Counters
	flights  flights
}

// Open opens the cache in cfg's folder (DefaultDir() if unset), creating it.
// A zero Config means NewConfig().
func Open(ctx context.Context, cfg Config) (*Cache, error) {
	if !cfg.valid {
		cfg = NewConfig().WithDir(cfg.dir)
	}
	dir := cfg.dir
	if dir == "" {
		dir = DefaultDir()
	}
	sb, err := host.Open(ctx, dir, cfg.host)
	if err != nil {
		return nil, err
	}
	return &Cache{sb: sb, defaults: cfg.defaults, counters: map[counterKey]*Counters{}}, nil
}

// Dir returns the folder granted to the cache.
func (c *Cache) Dir() string { return c.sb.Dir() }

// Close waits for calls in flight and releases the cache. Later calls fail
// with ErrClosed; the mem backend's entries are gone.
func (c *Cache) Close() error { return c.sb.Close() }

// Defaults returns the options every call starts from.
func (c *Cache) Defaults() Options { return c.defaults }

// options applies opts to the defaults and lowers the result.
func (c *Cache) options(opts []Option) (Options, host.Options, error) {
	o := c.defaults
	for _, f := range opts {
		f(&o)
	}
	h, err := o.lower()
	return o, h, err
}

// Get returns the value stored under key (compact JSON) and whether it was
// a hit. A hit refreshes the entry's LRU position; an expired entry is
// removed and is a miss.
func (c *Cache) Get(ctx context.Context, key string, opts ...Option) ([]byte, bool, error) {
	_, h, err := c.options(opts)
	if err != nil {
		return nil, false, err
	}
	l, err := c.sb.Get(ctx, key, h)
	if err != nil {
		return nil, false, err
	}
	c.count(h, func(s *Counters) {
		if l.Hit {
			s.Hits++
		} else {
			s.Misses++
		}
		if l.Expired {
			s.Expirations++
		}
	})
	return l.Value, l.Hit, nil
}

// Put stores value, which must be JSON text, under key; it replaces any
// entry there (and its creation time), then removes the namespace's expired
// entries and its least recently used beyond MaxEntries.
func (c *Cache) Put(ctx context.Context, key string, value []byte, opts ...Option) error {
	_, h, err := c.options(opts)
	if err != nil {
		return err
	}
	out, err := c.sb.Put(ctx, key, value, h)
	if err != nil {
		return err
	}
	c.count(h, func(s *Counters) {
		s.Puts++
		s.Evictions += uint64(out.Evicted)
		s.Expirations += uint64(out.Expired)
	})
	return nil
}

// Delete removes key and reports whether a live entry was there.
func (c *Cache) Delete(ctx context.Context, key string, opts ...Option) (bool, error) {
	_, h, err := c.options(opts)
	if err != nil {
		return false, err
	}
	return c.sb.Delete(ctx, key, h)
}

// Clear removes every entry of the namespace.
func (c *Cache) Clear(ctx context.Context, opts ...Option) error {
	_, h, err := c.options(opts)
	if err != nil {
		return err
	}
	return c.sb.Clear(ctx, h)
}

// Purge removes the expired entries of every namespace of the store and
// returns how many it removed.
func (c *Cache) Purge(ctx context.Context, opts ...Option) (uint64, error) {
	_, h, err := c.options(opts)
	if err != nil {
		return 0, err
	}
	n, err := c.sb.Purge(ctx, h)
	if err == nil {
		c.count(h, func(s *Counters) { s.Expirations += n })
	}
	return n, err
}

// Keys lists the namespace's live keys that start with prefix, sorted.
func (c *Cache) Keys(ctx context.Context, prefix string, opts ...Option) ([]string, error) {
	_, h, err := c.options(opts)
	if err != nil {
		return nil, err
	}
	return c.sb.Keys(ctx, prefix, h)
}

// ParseOptions parses a Harn option dictionary (JSON text, docs/SPEC.md
// §2.1) into Options, with the original's exact error texts.
func (c *Cache) ParseOptions(ctx context.Context, dict []byte) (Options, error) {
	h, err := c.sb.ParseOptions(ctx, dict)
	if err != nil {
		return Options{}, err
	}
	return lift(h), nil
}

// ParseDuration parses a Harn duration ("1.5h", "500ms", "10") into whole
// seconds, as the original does.
func (c *Cache) ParseDuration(ctx context.Context, text string) (uint64, error) {
	return c.sb.ParseDuration(ctx, text)
}
