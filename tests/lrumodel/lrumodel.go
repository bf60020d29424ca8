// Package lrumodel is the exact LRU eviction of docs/SPEC.md §4 on a plain
// map, the model that store tests (internal/guest/cache, tests) compare a
// namespace's entries with.
package lrumodel

// Evict removes from last (key → last access, in ms) the least recently
// used keys until it holds at most max. Among keys of the same last
// access it removes any one.
func Evict(last map[string]int64, max int) {
	for len(last) > max {
		oldest := ""
		for k, l := range last {
			if oldest == "" || l < last[oldest] {
				oldest = k
			}
		}
		delete(last, oldest)
	}
}
