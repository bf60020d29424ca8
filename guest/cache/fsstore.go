package cache

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"

	"github.com/sandcache/sandcache/guest/capability"
	"github.com/sandcache/sandcache/guest/jsonv"
	"github.com/sandcache/sandcache/guest/record"
)

// fsStore is the fs backend (SPEC section 6): one pretty-printed JSON record
// per entry at <root>/<namespace>/<sha256hex(key)>.json, the original's
// layout and bytes.
//
// Unlike the original it does not read every record on every put: each
// namespace has an index (entry file name → LRU fields) built once by a full
// scan and kept current from then on by listing the folder's names, reading
// only records it has not seen. Every rewrite or removal of a record that
// was read first is a compare-and-swap (files.Replace), so a hit or an
// eviction never overwrites or removes a newer record another process wrote
// meanwhile. Only files named <64 hex>.json that parse as records are ever
// touched.
type fsStore struct {
	files capability.Files
	root  string
	index map[string]*nsIndex
}

// nsIndex is what the store knows of one namespace folder.
type nsIndex struct {
	entries map[string]lru // by file name
	newest  int64          // largest last_accessed_ms seen
}

// lru is the part of a record that eviction needs.
type lru struct {
	last, created int64
	expires       int64
	hasExpiry     bool
}

func (l lru) expired(now int64) bool { return l.hasExpiry && l.expires <= now }

func openFS(files capability.Files, root string) (*fsStore, error) {
	root = strings.TrimSuffix(root, "/")
	return &fsStore{files: files, root: root, index: map[string]*nsIndex{}}, nil
}

func (s *fsStore) dir(ns string) string { return s.root + "/" + ns }

func entryName(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:]) + ".json"
}

// isEntryName reports whether name is <64 lower-case hex>.json.
func isEntryName(name string) bool {
	if len(name) != 69 || !strings.HasSuffix(name, ".json") {
		return false
	}
	for i := 0; i < 64; i++ {
		c := name[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

func fsErr(err error) error {
	if e, ok := err.(*capability.Error); ok {
		return &capability.Error{Code: e.Code, Message: "cache fs: " + e.Message}
	}
	return capability.Errorf(capability.Internal, "cache fs: %v", err)
}

func lruOf(r record.Record) lru {
	return lru{last: r.LastAccessedMs, created: r.CreatedAtMs, expires: r.ExpiresAtMs, hasExpiry: r.HasExpiry}
}

// read returns a record file's bytes and record; ok is false when it is
// missing, and bad is true when it exists but is not a record.
func (s *fsStore) read(path string) (data []byte, r record.Record, ok, bad bool, err error) {
	data, ok, err = s.files.Read(path)
	if err != nil || !ok {
		return nil, record.Record{}, false, false, err
	}
	r, derr := record.Decode(data)
	if derr != nil {
		return data, record.Record{}, true, true, nil
	}
	return data, r, true, false, nil
}

func (s *fsStore) get(ns, key string, now int64) (Lookup, error) {
	name := entryName(key)
	path := s.dir(ns) + "/" + name
	data, r, ok, bad, err := s.read(path)
	if err != nil {
		return Lookup{}, fsErr(err)
	}
	idx := s.index[ns]
	if !ok {
		if idx != nil {
			delete(idx.entries, name)
		}
		return Lookup{}, nil
	}
	if bad || r.Key != key || lruOf(r).expired(now) {
		// Remove it only if nobody replaced it meanwhile.
		if _, err := s.files.Replace(path, data, nil); err != nil {
			return Lookup{}, fsErr(err)
		}
		if idx != nil {
			delete(idx.entries, name)
		}
		return Lookup{Expired: !bad && r.Key == key}, nil
	}
	r.LastAccessedMs = max(now, s.newest(ns, r.LastAccessedMs)+1)
	// A hit rewrites last_accessed_ms, as the original does, but only over
	// the very bytes it read: a newer record written meanwhile wins.
	swapped, err := s.files.Replace(path, data, r.Encode())
	if err != nil {
		return Lookup{}, fsErr(err)
	}
	if swapped && idx != nil {
		idx.entries[name] = lruOf(r)
		idx.newest = max(idx.newest, r.LastAccessedMs)
	}
	return Lookup{Value: r.Value.AppendCompact(nil), Hit: true}, nil
}

// newest is the namespace's largest known last_accessed_ms (at least floor-1).
func (s *fsStore) newest(ns string, floor int64) int64 {
	if idx := s.index[ns]; idx != nil {
		return max(idx.newest, floor-1)
	}
	return floor - 1
}

func (s *fsStore) put(ns, key string, v jsonv.Value, _ []byte, now int64, ttlMs uint64, maxEntries uint32) (PutOutcome, error) {
	idx, err := s.sync(ns)
	if err != nil {
		return PutOutcome{}, err
	}
	r := record.New(key, v, now, ttlMs)
	r.LastAccessedMs = max(now, idx.newest+1)
	name := entryName(key)
	if err := s.files.WriteAtomic(s.dir(ns)+"/"+name, r.Encode()); err != nil {
		return PutOutcome{}, fsErr(err)
	}
	idx.entries[name] = lruOf(r)
	idx.newest = max(idx.newest, r.LastAccessedMs)
	return s.evict(ns, idx, now, int(maxEntries))
}

// sync brings the namespace's index up to date with the folder: names that
// appeared are read (once), names that vanished are dropped. The first call
// reads every record; later ones only what other writers added.
func (s *fsStore) sync(ns string) (*nsIndex, error) {
	idx := s.index[ns]
	if idx == nil {
		idx = &nsIndex{entries: map[string]lru{}}
		s.index[ns] = idx
	}
	names, err := s.files.List(s.dir(ns))
	if err != nil {
		return nil, fsErr(err)
	}
	present := make(map[string]struct{}, len(names))
	for _, name := range names {
		if !isEntryName(name) {
			continue
		}
		present[name] = struct{}{}
		if _, known := idx.entries[name]; known {
			continue
		}
		_, r, ok, bad, err := s.read(s.dir(ns) + "/" + name)
		if err != nil {
			return nil, fsErr(err)
		}
		if !ok || bad {
			continue // not a record: never touched
		}
		idx.entries[name] = lruOf(r)
		idx.newest = max(idx.newest, r.LastAccessedMs)
	}
	for name := range idx.entries {
		if _, ok := present[name]; !ok {
			delete(idx.entries, name)
		}
	}
	return idx, nil
}

// evict removes the namespace's expired records, then the least recently
// used beyond maxEntries. Each victim is re-read and removed only if
// unchanged; one that was refreshed meanwhile is re-ranked instead.
func (s *fsStore) evict(ns string, idx *nsIndex, now int64, maxEntries int) (PutOutcome, error) {
	var out PutOutcome
	type cand struct {
		name string
		lru
	}
	var live []cand
	for name, l := range idx.entries {
		if l.expired(now) {
			removed, err := s.removeIf(ns, idx, name, func(r record.Record) bool { return lruOf(r).expired(now) })
			if err != nil {
				return out, err
			}
			if removed {
				out.Expired++
				continue
			}
			if l2, ok := idx.entries[name]; ok {
				live = append(live, cand{name, l2})
			}
			continue
		}
		live = append(live, cand{name, l})
	}
	excess := len(live) - maxEntries
	if excess <= 0 {
		return out, nil
	}
	slices.SortFunc(live, func(a, b cand) int {
		if a.last != b.last {
			return cmpInt(a.last, b.last)
		}
		if a.created != b.created {
			return cmpInt(a.created, b.created)
		}
		return strings.Compare(a.name, b.name)
	})
	for _, c := range live {
		if excess == 0 {
			break
		}
		removed, err := s.removeIf(ns, idx, c.name, func(r record.Record) bool { return lruOf(r) == c.lru })
		if err != nil {
			return out, err
		}
		if removed {
			out.Evicted++
		}
		excess-- // a record refreshed meanwhile counts as handled: it is no longer the oldest
	}
	return out, nil
}

// removeIf re-reads a record and removes it (compare-and-swap) when ok says
// so; the index learns what it read either way.
func (s *fsStore) removeIf(ns string, idx *nsIndex, name string, ok func(record.Record) bool) (bool, error) {
	path := s.dir(ns) + "/" + name
	data, r, found, bad, err := s.read(path)
	if err != nil {
		return false, fsErr(err)
	}
	if !found || bad {
		delete(idx.entries, name)
		return false, nil
	}
	if !ok(r) {
		idx.entries[name] = lruOf(r)
		return false, nil
	}
	swapped, err := s.files.Replace(path, data, nil)
	if err != nil {
		return false, fsErr(err)
	}
	delete(idx.entries, name)
	return swapped, nil
}

func cmpInt(a, b int64) int {
	if a < b {
		return -1
	}
	return 1
}

func (s *fsStore) delete(ns, key string, now int64) (bool, error) {
	name := entryName(key)
	path := s.dir(ns) + "/" + name
	data, r, ok, bad, err := s.read(path)
	if err != nil || !ok {
		return false, fsErr0(err)
	}
	if bad {
		return false, nil // not a record: left alone
	}
	if idx := s.index[ns]; idx != nil {
		delete(idx.entries, name)
	}
	swapped, err := s.files.Replace(path, data, nil)
	if err != nil {
		return false, fsErr(err)
	}
	return swapped && r.Key == key && !lruOf(r).expired(now), nil
}

func fsErr0(err error) error {
	if err == nil {
		return nil
	}
	return fsErr(err)
}

// clear removes the namespace's records. The original removes the whole
// folder; sandcache removes only record files, then the folder if empty.
func (s *fsStore) clear(ns string) error {
	delete(s.index, ns)
	names, err := s.files.List(s.dir(ns))
	if err != nil {
		return fsErr(err)
	}
	others := false
	for _, name := range names {
		if !isEntryName(name) {
			others = true
			continue
		}
		path := s.dir(ns) + "/" + name
		data, _, ok, bad, err := s.read(path)
		if err != nil {
			return fsErr(err)
		}
		if !ok {
			continue
		}
		if bad {
			others = true
			continue
		}
		if _, err := s.files.Replace(path, data, nil); err != nil {
			return fsErr(err)
		}
	}
	if !others {
		if _, err := s.files.RemoveDir(s.dir(ns)); err != nil {
			return fsErr(err)
		}
	}
	return nil
}

func (s *fsStore) stats(ns string, now int64) (Stats, error) {
	idx, err := s.sync(ns)
	if err != nil {
		return Stats{}, err
	}
	var st Stats
	for _, l := range idx.entries {
		if l.expired(now) {
			st.Expired++
		} else {
			st.Entries++
		}
	}
	return st, nil
}

func (s *fsStore) purge(now int64) (uint64, error) {
	names, err := s.files.List(s.root)
	if err != nil {
		return 0, fsErr(err)
	}
	var n uint64
	for _, name := range names {
		ns, isDir := strings.CutSuffix(name, "/")
		if !isDir {
			continue
		}
		idx, err := s.sync(ns)
		if err != nil {
			return n, err
		}
		out, err := s.evict(ns, idx, now, 1<<31-1)
		if err != nil {
			return n, err
		}
		n += uint64(out.Expired)
	}
	return n, nil
}

func (s *fsStore) keys(ns, prefix string, now int64) ([]string, error) {
	idx, err := s.sync(ns)
	if err != nil {
		return nil, err
	}
	var keys []string
	for name, l := range idx.entries {
		if l.expired(now) {
			continue
		}
		_, r, ok, bad, err := s.read(s.dir(ns) + "/" + name)
		if err != nil {
			return nil, fsErr(err)
		}
		if ok && !bad && strings.HasPrefix(r.Key, prefix) && !lruOf(r).expired(now) {
			keys = append(keys, r.Key)
		}
	}
	slices.Sort(keys)
	return keys, nil
}
