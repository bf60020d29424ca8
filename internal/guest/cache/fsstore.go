package cache

import (
	"encoding/hex"
	"math"
	"slices"
	"strings"

	"github.com/sandcache/sandcache/internal/guest/capability"
	"github.com/sandcache/sandcache/internal/guest/digest"
	"github.com/sandcache/sandcache/internal/guest/jsonv"
	"github.com/sandcache/sandcache/internal/guest/record"
)

// fsStore is the fs backend (docs/SPEC.md §6): one pretty-printed JSON record
// per entry at <root>/<namespace>/<sha256hex(key)>.json, the original's
// layout and bytes.
//
// Differences from the original, all on the "fixed" list of docs/SPEC.md §6:
//
//   - Every rewrite or removal of a record that was read first is a
//     compare-and-swap (files.Replace): a hit, an eviction or an expiry
//     never overwrites or removes a newer record another writer put
//     meanwhile. A victim that changed is re-read and re-ranked.
//   - Only files named <64 hex>.json that parse as records are ever
//     touched; anything else in the folder is left alone (clear removes the
//     folder only when nothing else is left in it).
//   - A put does not read every record: each namespace has an index (entry
//     file name → LRU fields, heaps by age and by expiry; fsstore_index.go)
//     built once by a full scan, then kept current by listing the folder's
//     names and reading only records it has not seen, and in large
//     namespaces not even listing while no other writer changed the folder
//     (fsstore_watch.go, which also argues why max_entries still holds
//     across processes).
//   - last_accessed_ms is max(now, newest in the namespace + 1) (SPEC
//     §4), newest as this store's index knows it; another process's
//     hit in the same millisecond may tie, and ties go by created_at_ms,
//     then file name.
//
// Stale temp files of a crashed writer are hidden from listings and removed
// by the host's listing once old (filecap.List).
type fsStore struct {
	files capability.Files
	root  string
	id    string // this store's token name (fsstore_watch.go)
	index map[string]*nsIndex
}

func openFS(files capability.Files, root string) (*fsStore, error) {
	root = strings.TrimSuffix(root, "/")
	return &fsStore{files: files, root: root, id: newStoreID(), index: map[string]*nsIndex{}}, nil
}

// close gives up this store's tokens (best effort; a token left behind is
// removed by the next writer).
func (s *fsStore) close() {
	for ns, idx := range s.index {
		s.dropToken(ns, idx)
	}
	clear(s.index)
}

func (s *fsStore) dir(ns string) string { return s.root + "/" + ns }

// EntryFileName is the fs backend's file name for key: the lower-case hex
// SHA-256 of its UTF-8 bytes, then ".json" (docs/SPEC.md §6).
func EntryFileName(key string) string { return entryName(key) }

func entryName(key string) string {
	sum := digest.Sum256([]byte(key))
	return hex.EncodeToString(sum[:]) + ".json"
}

// IsEntryFileName reports whether name is the form of EntryFileName: <64
// lower-case hex>.json.
func IsEntryFileName(name string) bool { return isEntryName(name) }

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
	if err == nil {
		return nil
	}
	if e, ok := err.(*capability.Error); ok {
		return &capability.Error{Code: e.Code, Message: "cache fs: " + e.Message}
	}
	return capability.New(capability.Internal, "cache fs: "+err.Error())
}

func lruOf(r record.Record) lru {
	return lru{last: r.LastAccessedMs, created: r.CreatedAtMs, expires: r.ExpiresAtMs, hasExpiry: r.HasExpiry}
}

// read returns a record file's bytes and record; ok is false when it is
// missing, and bad is true when it exists but is not a record.
func (s *fsStore) read(path string) (data []byte, r record.Record, ok, bad bool, err error) {
	data, ok, err = s.files.Read(path)
	if err != nil || !ok {
		return nil, record.Record{}, false, false, fsErr(err)
	}
	r, derr := record.Decode(data)
	if derr != nil {
		return data, record.Record{}, true, true, nil
	}
	return data, r, true, false, nil
}

// maxRetries bounds the compare-and-swap loops that meet concurrent writers.
const maxRetries = 8

// entry is the record file of one key: its namespace, file name and path,
// and the namespace's index (nil when there is none yet).
type entry struct {
	ns, name, path string
	idx            *nsIndex
}

func (s *fsStore) entryOf(ns, key string) entry {
	name := entryName(key)
	return entry{ns: ns, name: name, path: s.dir(ns) + "/" + name, idx: s.index[ns]}
}

// readEntry reads e's record file as read does; a missing one is dropped
// from the index.
func (s *fsStore) readEntry(e entry) (data []byte, r record.Record, ok, bad bool, err error) {
	data, r, ok, bad, err = s.read(e.path)
	if err == nil && !ok && e.idx != nil {
		e.idx.drop(e.name)
	}
	return data, r, ok, bad, err
}

// removeRead removes e's record file if it still holds data (a
// compare-and-swap), drops it from the index and notifies the other stores;
// swapped is false when the file changed meanwhile.
func (s *fsStore) removeRead(e entry, data []byte) (swapped bool, err error) {
	swapped, err = s.files.Replace(e.path, data, nil)
	if err != nil || !swapped {
		return false, fsErr(err)
	}
	if e.idx != nil {
		e.idx.drop(e.name)
	}
	if _, _, err := s.notify(e.ns); err != nil {
		return false, err
	}
	return true, nil
}

func (s *fsStore) get(ns, key string, now int64) (Lookup, error) {
	e := s.entryOf(ns, key)
	name, path, idx := e.name, e.path, e.idx
	for range maxRetries {
		data, r, ok, bad, err := s.readEntry(e)
		if err != nil || !ok {
			return Lookup{}, err
		}
		if bad || r.Key != key || r.Expired(now) {
			// A record that does not parse, holds another key or has
			// expired is removed, but only if nobody replaced it meanwhile.
			swapped, err := s.removeRead(e, data)
			if err != nil {
				return Lookup{}, err
			}
			if !swapped {
				continue // changed meanwhile: look at the new one
			}
			return Lookup{Expired: !bad && r.Key == key}, nil
		}
		newest := r.LastAccessedMs
		if idx != nil {
			newest = max(newest, idx.newestLast())
		}
		r.LastAccessedMs = stampAfter(now, newest)
		// A hit rewrites last_accessed_ms, as the original does, but only
		// over the very bytes it read: a newer record written meanwhile
		// wins (and this hit returns what it read, a value that was current
		// when the get began).
		swapped, err := s.files.Replace(path, data, r.Encode())
		if err != nil {
			return Lookup{}, fsErr(err)
		}
		if swapped && idx != nil {
			idx.set(name, lruOf(r))
		}
		return Lookup{Value: r.Value.AppendCompact(nil), Hit: true}, nil
	}
	return Lookup{}, capability.New(capability.IO, "cache fs: "+path+" keeps changing")
}

func (s *fsStore) put(ns, key string, v jsonv.Value, _ []byte, now int64, ttlMs uint64, maxEntries uint32) (PutOutcome, error) {
	idx := s.index[ns]
	if idx == nil {
		// First put into this namespace: index it before writing, so the
		// new record's last_accessed_ms follows the newest one.
		idx = newIndex()
		if err := s.relist(ns, idx, true); err != nil {
			return PutOutcome{}, err
		}
		s.index[ns] = idx
	}
	if idx.watch.backoff > 0 {
		idx.watch.backoff--
	}
	r := record.New(key, v, now, ttlMs)
	r.LastAccessedMs = stampAfter(now, idx.newestLast())
	name := entryName(key)
	path := s.dir(ns) + "/" + name
	data := r.Encode()
	if err := s.files.WriteAtomic(path, data); err != nil {
		return PutOutcome{}, fsErr(err)
	}
	idx.set(name, lruOf(r))
	// Learn the folder's truth after the write (fsstore_watch.go).
	current, err := s.current(ns, idx)
	if err != nil {
		return PutOutcome{}, err
	}
	if !current {
		idx.unseenNewest = math.MinInt64
		if err := s.relist(ns, idx, true); err != nil {
			return PutOutcome{}, err
		}
		if idx.unseenNewest >= r.LastAccessedMs || r.LastAccessedMs > now {
			// The stamp came from the index before the listing: records
			// new to this store may be as recent (same millisecond), or
			// the ones that put it ahead of now may be gone. Stamp it as
			// docs/SPEC.md §4 says against what the listing showed, unless
			// it changed meanwhile.
			newest := int64(math.MinInt64)
			for n, l := range idx.entries {
				if n != name {
					newest = max(newest, l.last)
				}
			}
			if stamp := stampAfter(now, newest); stamp != r.LastAccessedMs {
				r.LastAccessedMs = stamp
				if swapped, err := s.files.Replace(path, data, r.Encode()); err != nil {
					return PutOutcome{}, fsErr(err)
				} else if swapped {
					idx.set(name, lruOf(r))
				}
			}
		}
	}
	out, err := s.evict(ns, idx, now, int(maxEntries))
	if err != nil {
		return out, err
	}
	if out.Expired+out.Evicted > 0 {
		if _, _, err := s.notify(ns); err != nil {
			return out, err
		}
	}
	return out, nil
}

// merge brings the index up to date with the folder's names: names that
// appeared are read (once), names that vanished are dropped. Records it
// already knows are not re-read.
func (s *fsStore) merge(ns string, idx *nsIndex) error {
	names, err := s.files.List(s.dir(ns))
	if err != nil {
		return fsErr(err)
	}
	known := 0
	var unseen []string
	for _, name := range names {
		if !isEntryName(name) {
			continue
		}
		if _, ok := idx.entries[name]; ok {
			known++
		} else {
			unseen = append(unseen, name)
		}
	}
	if known < len(idx.entries) { // some vanished
		present := make(map[string]struct{}, len(names))
		for _, name := range names {
			present[name] = struct{}{}
		}
		for name := range idx.entries {
			if _, ok := present[name]; !ok {
				idx.drop(name)
			}
		}
	}
	for _, name := range unseen {
		_, r, ok, bad, err := s.read(s.dir(ns) + "/" + name)
		if err != nil {
			if capability.CodeOf(err) == capability.NotPermitted {
				continue // a symlink swapped in: not a record
			}
			return err
		}
		if ok && !bad {
			idx.set(name, lruOf(r))
			idx.unseenNewest = max(idx.unseenNewest, r.LastAccessedMs)
		}
	}
	return nil
}

// scan reads every record of the namespace, making the index exact (names
// and contents), and calls visit (if set) with each record.
func (s *fsStore) scan(ns string, idx *nsIndex, visit func(name string, r record.Record)) error {
	names, err := s.files.List(s.dir(ns))
	if err != nil {
		return fsErr(err)
	}
	present := make(map[string]struct{}, len(names))
	for _, name := range names {
		if !isEntryName(name) {
			continue
		}
		_, r, ok, bad, err := s.read(s.dir(ns) + "/" + name)
		if err != nil {
			if capability.CodeOf(err) == capability.NotPermitted {
				continue
			}
			return err
		}
		if !ok || bad {
			continue
		}
		present[name] = struct{}{}
		idx.set(name, lruOf(r))
		if visit != nil {
			visit(name, r)
		}
	}
	for name := range idx.entries {
		if _, ok := present[name]; !ok {
			idx.drop(name)
		}
	}
	return nil
}

// removal is what removeIf did.
type removal int

const (
	removed removal = iota // the record was removed
	gone                   // it was already gone (or is not a record)
	kept                   // it changed and no longer qualifies; the index has its new fields
)

// removeIf re-reads a record and removes it (compare-and-swap) when ok
// says so; the index learns what it read either way.
func (s *fsStore) removeIf(ns string, idx *nsIndex, name string, ok func(lru) bool) (removal, error) {
	path := s.dir(ns) + "/" + name
	for range maxRetries {
		data, r, found, bad, err := s.read(path)
		if err != nil {
			return kept, err
		}
		if !found || bad {
			idx.drop(name)
			return gone, nil
		}
		if !ok(lruOf(r)) {
			idx.set(name, lruOf(r))
			return kept, nil
		}
		swapped, err := s.files.Replace(path, data, nil)
		if err != nil {
			return kept, fsErr(err)
		}
		if swapped {
			idx.drop(name)
			return removed, nil
		}
	}
	return kept, nil
}

// evict removes the namespace's expired records, then the least recently
// used beyond maxEntries, using the index's heaps: O(log n) per removal,
// nothing for the entries that stay. A victim that changed since the index
// saw it is re-ranked and the next one is taken, so the count really comes
// down to maxEntries (as far as the index knows the folder).
func (s *fsStore) evict(ns string, idx *nsIndex, now int64, maxEntries int) (PutOutcome, error) {
	var out PutOutcome
	for budget := len(idx.entries) + maxRetries; budget > 0; budget-- {
		it, ok := idx.nextExpired(now)
		if !ok {
			break
		}
		res, err := s.removeIf(ns, idx, it.name, func(l lru) bool { return l.expired(now) })
		if err != nil {
			return out, err
		}
		if res == removed {
			out.Expired++
		}
	}
	for budget := 2*len(idx.entries) + maxRetries; len(idx.entries) > maxEntries && budget > 0; budget-- {
		it, ok := idx.oldest()
		if !ok {
			break
		}
		res, err := s.removeIf(ns, idx, it.name, func(l lru) bool { return l == it.l })
		if err != nil {
			return out, err
		}
		if res == removed {
			out.Evicted++
		}
	}
	return out, nil
}

func (s *fsStore) delete(ns, key string, now int64) (bool, error) {
	e := s.entryOf(ns, key)
	for range maxRetries {
		data, r, ok, bad, err := s.readEntry(e)
		if err != nil || !ok || bad {
			return false, err // missing, or not a record: left alone
		}
		swapped, err := s.removeRead(e, data)
		if err != nil {
			return false, err
		}
		if !swapped {
			continue // replaced meanwhile: delete the new one
		}
		return r.Key == key && !r.Expired(now), nil
	}
	return false, capability.New(capability.IO, "cache fs: "+e.path+" keeps changing")
}

// clear removes the namespace's records. The original removes the whole
// folder; sandcache removes only record files and the tokens of
// .sandcache-watch (which notifies every other store), then the folder
// when nothing else is left in it.
func (s *fsStore) clear(ns string) error {
	delete(s.index, ns)
	names, err := s.files.List(s.dir(ns))
	if err != nil {
		return fsErr(err)
	}
	others := false
	for _, name := range names {
		if name == watchDir+"/" {
			continue
		}
		if !isEntryName(name) {
			others = true
			continue
		}
		path := s.dir(ns) + "/" + name
		data, _, ok, bad, err := s.read(path)
		if err != nil {
			if capability.CodeOf(err) == capability.NotPermitted {
				others = true
				continue
			}
			return err
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
	// Remove every token, this store's own included.
	tokens, err := s.files.List(s.watchPath(ns))
	if err != nil && capability.CodeOf(err) != capability.NotPermitted {
		return fsErr(err)
	}
	for _, name := range tokens {
		if !isTokenName(name) {
			others = true
			continue
		}
		if _, err := s.files.Remove(s.watchPath(ns) + "/" + name); err != nil {
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

// indexFor returns the namespace's index, creating an empty one.
func (s *fsStore) indexFor(ns string) *nsIndex {
	idx := s.index[ns]
	if idx == nil {
		idx = newIndex()
		s.index[ns] = idx
	}
	return idx
}

// stats reads every record: another writer may have changed any of them.
func (s *fsStore) stats(ns string, now int64) (Stats, error) {
	var st Stats
	err := s.scan(ns, s.indexFor(ns), func(_ string, r record.Record) {
		if r.Expired(now) {
			st.Expired++
		} else {
			st.Entries++
		}
	})
	return st, err
}

// purge removes the expired records of every namespace folder of the root.
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
		idx := s.indexFor(ns)
		var expired []string
		if err := s.scan(ns, idx, func(name string, r record.Record) {
			if r.Expired(now) {
				expired = append(expired, name)
			}
		}); err != nil {
			return n, err
		}
		var removedHere uint64
		for _, name := range expired {
			res, err := s.removeIf(ns, idx, name, func(l lru) bool { return l.expired(now) })
			if err != nil {
				return n, err
			}
			if res == removed {
				removedHere++
			}
		}
		if removedHere > 0 {
			if _, _, err := s.notify(ns); err != nil {
				return n, err
			}
		}
		n += removedHere
	}
	return n, nil
}

// keys reads every record of the namespace (file names are hashes).
func (s *fsStore) keys(ns, prefix string, now int64) ([]string, error) {
	var keys []string
	err := s.scan(ns, s.indexFor(ns), func(name string, r record.Record) {
		if name == entryName(r.Key) && strings.HasPrefix(r.Key, prefix) && !r.Expired(now) {
			keys = append(keys, r.Key)
		}
	})
	if err != nil {
		return nil, err
	}
	slices.Sort(keys)
	return keys, nil
}
