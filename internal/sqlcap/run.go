package sqlcap

import "github.com/sandcache/sandcache/internal/guest/capability"

// Run runs a batch of statements (WIT `sql.run`; see capability.RunEach).
// A call that may not wait runs with its connection's busy handler giving
// up at once, so a lock another connection holds ends the batch instead
// of being waited for.
func (s *Session) Run(calls []capability.Call) ([]capability.Value, int, error) {
	clear(s.vals)
	vals, ran, err := capability.RunEach(s, calls, s.vals[:0], capability.MaxRunBytes)
	if cap(vals) <= maxKeptValues {
		s.vals = vals
	}
	return vals, ran, err
}

// maxKeptValues caps the values a Session keeps room for between Runs.
const maxKeptValues = 64

// SetWait sets whether the busy handler of st's connection waits
// (capability.Waiter).
func (s *Session) SetWait(st capability.Stmt, wait bool) {
	if e, ok := s.stmts.get(uint32(st)); ok && e.db.busy != nil {
		e.db.busy.noWait = !wait
	}
}
