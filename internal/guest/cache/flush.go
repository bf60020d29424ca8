package cache

// Flush writes the LRU stamps this engine deferred (sqlstamps.go) to
// every store, waiting for their write locks; it returns the first error.
// Close does the same (best effort) before releasing the stores; a host
// that keeps the engine calls Flush before it lets the instance sit idle
// or go, so that no stamp waits or is lost.
func (e *Engine) Flush() error {
	var first error
	for _, s := range e.stores {
		if q, ok := s.(*sqlStore); ok {
			if err := q.flush(); err != nil && first == nil {
				first = err
			}
		}
	}
	return first
}
