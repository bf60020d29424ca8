package host

import (
	"errors"

	"github.com/sandcache/sandcache/internal/guest/capability"
)

// Error kinds, for errors.Is. Every error a Sandbox returns is an *Error
// whose Kind is one of these.
var (
	// ErrInvalidArgument: bad input (empty or oversized key, invalid JSON
	// value, bad options, dot-only namespace).
	ErrInvalidArgument = errors.New("invalid argument")
	// ErrNotPermitted: a path outside the granted folder.
	ErrNotPermitted = errors.New("not permitted")
	// ErrIO: the store failed (I/O, SQLite error, busy).
	ErrIO = errors.New("i/o error")
	// ErrCorrupt: the store holds something that is not a cache.
	ErrCorrupt = errors.New("corrupt store")
	// ErrInternal: a broken invariant in the guest or a capability.
	ErrInternal = errors.New("internal error")
	// ErrGuestFault: the guest trapped, ran out of memory, exceeded the
	// call's deadline (looping or not) or broke the ABI (a result out of
	// range, a string that is not UTF-8, a discriminant out of range, an
	// import called from cabi_realloc or cabi_post_*, an export with
	// another signature); the instance was replaced.
	ErrGuestFault = errors.New("guest fault")
	// ErrClosed: the Sandbox is closed, or Close interrupted the
	// call (it was still running 500 ms after Close began).
	ErrClosed = errors.New("closed")
)

var kindByCode = [...]error{
	capability.InvalidArgument: ErrInvalidArgument,
	capability.NotPermitted:    ErrNotPermitted,
	capability.IO:              ErrIO,
	capability.Corrupt:         ErrCorrupt,
	capability.Internal:        ErrInternal,
}

// Error is an error from a Sandbox operation.
type Error struct {
	Op      string // the operation: "get", "put", ...
	Kind    error  // one of the Err* kinds
	Message string // the guest's message (the original's exact text where it has one)
	Err     error  // the underlying cause, if any (a wazero error, a context error)
}

// Error returns "sandcache: <op>: <message>".
func (e *Error) Error() string { return "sandcache: " + e.Op + ": " + e.Message }

// Is reports whether target is e's kind.
func (e *Error) Is(target error) bool { return target == e.Kind }

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

func guestError(op string, code uint8, msg string) *Error {
	kind := ErrInternal
	if int(code) < len(kindByCode) {
		kind = kindByCode[code]
	}
	return &Error{Op: op, Kind: kind, Message: msg}
}

func newError(op string, kind error, msg string, cause error) *Error {
	return &Error{Op: op, Kind: kind, Message: msg, Err: cause}
}
