package sdk

import (
	"context"

	"github.com/sandcache/sandcache/internal/host"
)

// Counters are what this Cache saw for one store and namespace since Open.
type Counters struct {
	Hits        uint64
	Misses      uint64
	Puts        uint64
	Evictions   uint64 // entries removed by LRU
	Expirations uint64 // expired entries removed (by get, put or purge)
}

// Stats describes one namespace: what the store holds now and what this
// Cache saw.
type Stats struct {
	Entries uint64 // live entries in the store (all processes' writes)
	Expired uint64 // expired entries still stored
	Counters
}

// HitRate is Hits / (Hits + Misses), or 0 before any get.
func (s Stats) HitRate() float64 {
	if n := s.Hits + s.Misses; n > 0 {
		return float64(s.Hits) / float64(n)
	}
	return 0
}

type counterKey struct {
	backend   host.Backend
	path      string
	namespace string
}

// count updates the counters of h's namespace.
func (c *Cache) count(h host.Options, f func(*Counters)) {
	k := storeKey(h)
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.counters[k]
	if s == nil {
		s = &Counters{}
		c.counters[k] = s
	}
	f(s)
}

// Stats reports the namespace's entries and this Cache's counters for it.
func (c *Cache) Stats(ctx context.Context, opts ...Option) (Stats, error) {
	_, h, err := c.options(opts)
	if err != nil {
		return Stats{}, err
	}
	st, err := c.sb.Stats(ctx, h)
	if err != nil {
		return Stats{}, err
	}
	s := Stats{Entries: st.Entries, Expired: st.Expired}
	c.count(h, func(cs *Counters) { s.Counters = *cs })
	return s, nil
}
