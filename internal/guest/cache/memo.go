package cache

import (
	"bytes"

	"github.com/sandcache/sandcache/internal/guest/options"
)

// memo remembers the last options a host gave (as *options.Given) and what
// they resolved to. Hosts repeat the same options call after call, and in
// the sandbox resolving them (parse the dictionary, sanitise the
// namespace, look the store up) is a fair part of a get-miss; a repeat
// skips all of it.
//
// Resolving depends only on the options and on which stores are open, so
// the memo is forgotten whenever a store is closed.
type memo struct {
	ok    bool
	given options.Given // Dict is memo's own copy: a caller may reuse its slice
	r     resolved
}

// get returns what src resolved to last time, if src repeats the memo's
// options exactly.
func (m *memo) get(src options.Source) (*resolved, bool) {
	g, ok := src.(*options.Given)
	if !ok || !m.ok {
		return nil, false
	}
	h := &m.given
	if g.Backend != h.Backend || g.HasBackend != h.HasBackend ||
		g.Namespace != h.Namespace || g.Path != h.Path ||
		g.TTLMillis != h.TTLMillis || g.HasTTL != h.HasTTL ||
		g.MaxEntries != h.MaxEntries || g.HasMax != h.HasMax ||
		!bytes.Equal(g.Dict, h.Dict) {
		return nil, false
	}
	return &m.r, true
}

// set remembers that src resolved to r and returns r: the memo's copy,
// valid until the next set, or for a src the memo cannot keep, r's own.
func (m *memo) set(src options.Source, r resolved) *resolved {
	g, ok := src.(*options.Given)
	if !ok {
		m.ok = false
		return &r
	}
	dict := append(m.given.Dict[:0], g.Dict...)
	m.given = *g
	m.given.Dict = dict
	m.r = r
	m.ok = true
	return &m.r
}

// forget drops the memo.
func (m *memo) forget() { m.ok = false }
