package sdk

import "github.com/sandcache/sandcache/internal/host"

// Error kinds, for errors.Is.
var (
	// ErrInvalidArgument: bad input — empty, non-UTF-8 or oversized key,
	// invalid JSON, bad options, a dot-only namespace, a negative TTL.
	ErrInvalidArgument = host.ErrInvalidArgument
	// ErrNotPermitted: a path outside the granted folder.
	ErrNotPermitted = host.ErrNotPermitted
	// ErrIO: the store failed (I/O, SQLite error, read-only folder).
	ErrIO = host.ErrIO
	// ErrCorrupt: the store holds something that is not a cache.
	ErrCorrupt = host.ErrCorrupt
	// ErrInternal: a broken invariant in the guest or a capability.
	ErrInternal = host.ErrInternal
	// ErrGuestFault: the guest trapped, ran out of memory or the call's
	// context ended; that call failed and the instance was replaced.
	ErrGuestFault = host.ErrGuestFault
	// ErrClosed: the cache is closed.
	ErrClosed = host.ErrClosed
)

// Error is the type of every error the cache returns: the operation, the
// kind (one of the Err* values) and the guest's message, which for option
// and duration errors is the original Harn text.
type Error = host.Error
