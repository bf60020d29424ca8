package cache

import (
	"math"
	"strings"
)

// nsIndex is what an fs store knows of one namespace folder: every entry
// file it has seen, with the fields eviction needs, plus two lazy heaps so
// that a put finds the expired and the least recently used entries without
// looking at every entry.
//
// The heaps are lazy: set pushes a new item and leaves the old one, which
// is skipped when it surfaces (it no longer matches entries). They are
// rebuilt when stale items outnumber live ones, so each operation costs
// O(log n) amortised.
type nsIndex struct {
	entries map[string]lru // by file name
	byAge   heap           // (last, created, name) ascending: eviction order
	byExp   heap           // (expires, name) ascending; entries with an expiry only

	newest      int64 // largest last_accessed_ms of entries (valid unless newestStale)
	newestStale bool  // an entry holding newest went away: recompute on use

	// unseenNewest is the largest last_accessed_ms of the records merge
	// read for the first time since put reset it.
	unseenNewest int64

	watch watchState // see fsstore_watch.go
}

// lru is the part of a record that eviction needs.
type lru struct {
	last, created int64
	expires       int64
	hasExpiry     bool
}

func (l lru) expired(now int64) bool { return l.hasExpiry && l.expires <= now }

func newIndex() *nsIndex {
	return &nsIndex{
		entries: map[string]lru{},
		byAge:   heap{less: olderThan},
		byExp:   heap{less: expiresBefore},
		newest:  math.MinInt64,
		watch:   watchState{nextBackoff: backoffMin},
	}
}

// set records that file name holds a record with fields l.
func (x *nsIndex) set(name string, l lru) {
	old, had := x.entries[name]
	if had && old == l {
		return
	}
	x.entries[name] = l
	x.byAge.push(item{name, l})
	if l.hasExpiry {
		x.byExp.push(item{name, l})
	}
	switch {
	case had && old.last >= x.newest && l.last < old.last:
		x.newestStale = true
	case l.last > x.newest:
		x.newest = l.last
	}
	x.compact()
}

// drop records that file name holds no record (any more).
func (x *nsIndex) drop(name string) {
	old, had := x.entries[name]
	if !had {
		return
	}
	delete(x.entries, name)
	if old.last >= x.newest {
		x.newestStale = true
	}
	x.compact()
}

// newestLast returns the largest last_accessed_ms of the namespace's
// entries, math.MinInt64 when there are none.
func (x *nsIndex) newestLast() int64 {
	if x.newestStale {
		x.newest = math.MinInt64
		for _, l := range x.entries {
			x.newest = max(x.newest, l.last)
		}
		x.newestStale = false
	}
	return x.newest
}

// stampAfter is the docs/SPEC.md §4 LRU clock: max(now, newest + 1),
// saturating.
func stampAfter(now, newest int64) int64 {
	if newest == math.MaxInt64 {
		return newest
	}
	return max(now, newest+1)
}

// oldest pops the least recently used entry, if any.
func (x *nsIndex) oldest() (item, bool) {
	for x.byAge.len() > 0 {
		it := x.byAge.pop()
		if x.valid(it) {
			return it, true
		}
	}
	return item{}, false
}

// nextExpired pops an entry that has expired at now, if any.
func (x *nsIndex) nextExpired(now int64) (item, bool) {
	for x.byExp.len() > 0 {
		it := x.byExp.top()
		if !x.valid(it) {
			x.byExp.pop()
			continue
		}
		if !it.l.expired(now) {
			return item{}, false
		}
		return x.byExp.pop(), true
	}
	return item{}, false
}

func (x *nsIndex) valid(it item) bool {
	cur, ok := x.entries[it.name]
	return ok && cur == it.l
}

// compact rebuilds the heaps when stale items outnumber live entries.
func (x *nsIndex) compact() {
	n := len(x.entries)
	if x.byAge.len() <= 2*n+64 && x.byExp.len() <= 2*n+64 {
		return
	}
	x.byAge.items = x.byAge.items[:0]
	x.byExp.items = x.byExp.items[:0]
	for name, l := range x.entries {
		x.byAge.items = append(x.byAge.items, item{name, l})
		if l.hasExpiry {
			x.byExp.items = append(x.byExp.items, item{name, l})
		}
	}
	x.byAge.init()
	x.byExp.init()
}

// item is one heap element: an entry file name and its fields when pushed.
type item struct {
	name string
	l    lru
}

// olderThan is the LRU order: (last_accessed_ms, created_at_ms) ascending
// (docs/SPEC.md §4), then the file name so the order is total.
func olderThan(a, b *item) bool {
	if a.l.last != b.l.last {
		return a.l.last < b.l.last
	}
	if a.l.created != b.l.created {
		return a.l.created < b.l.created
	}
	return strings.Compare(a.name, b.name) < 0
}

func expiresBefore(a, b *item) bool {
	if a.l.expires != b.l.expires {
		return a.l.expires < b.l.expires
	}
	return strings.Compare(a.name, b.name) < 0
}

// heap is a binary min-heap of items.
type heap struct {
	items []item
	less  func(a, b *item) bool
}

func (h *heap) len() int  { return len(h.items) }
func (h *heap) top() item { return h.items[0] }
func (h *heap) push(it item) {
	h.items = append(h.items, it)
	h.up(len(h.items) - 1)
}

func (h *heap) pop() item {
	it := h.items[0]
	last := len(h.items) - 1
	h.items[0] = h.items[last]
	h.items[last] = item{}
	h.items = h.items[:last]
	if last > 0 {
		h.down(0)
	}
	return it
}

func (h *heap) init() {
	for i := len(h.items)/2 - 1; i >= 0; i-- {
		h.down(i)
	}
}

func (h *heap) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !h.less(&h.items[i], &h.items[p]) {
			return
		}
		h.items[i], h.items[p] = h.items[p], h.items[i]
		i = p
	}
}

func (h *heap) down(i int) {
	n := len(h.items)
	for {
		c := 2*i + 1
		if c >= n {
			return
		}
		if r := c + 1; r < n && h.less(&h.items[r], &h.items[c]) {
			c = r
		}
		if !h.less(&h.items[c], &h.items[i]) {
			return
		}
		h.items[i], h.items[c] = h.items[c], h.items[i]
		i = c
	}
}
