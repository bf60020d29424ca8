// Package capability is the guest's view of what the host lends it: the Go
// form of the WIT interfaces `sql` and `files` (wit/sandcache.wit), and the
// typed error every capability and export returns.
//
// Inside guest.wasm these interfaces are implemented by canonical-ABI glue
// over the module's imports; natively (tests, benchmarks) the host's own
// implementations are plugged in directly, so the cache logic runs unchanged
// on both sides.
package capability

import (
	"fmt"
	"strconv"
)

// Code classifies an error; the values match the WIT enum `error-code`.
type Code uint8

// Error codes, in WIT order.
const (
	InvalidArgument Code = iota // bad input
	NotPermitted                // outside the grant
	IO                          // the store failed
	Corrupt                     // the store holds something that is not a cache
	Internal                    // a bug or broken invariant
)

var codeNames = [...]string{"invalid-argument", "not-permitted", "io", "corrupt", "internal"}

// String returns the WIT name of the code.
func (c Code) String() string {
	if int(c) < len(codeNames) {
		return codeNames[c]
	}
	return "error-code(" + strconv.Itoa(int(c)) + ")"
}

// Error is the WIT record `error`: a code and a human-readable message.
type Error struct {
	Code    Code
	Message string
}

// Error returns the message.
func (e *Error) Error() string { return e.Message }

// New builds an *Error. The guest builds its messages with New rather
// than Errorf: fmt (and the reflect it brings) would be about 8% of
// guest.wasm's code, which every start decodes and validates.
func New(code Code, message string) *Error {
	return &Error{Code: code, Message: message}
}

// Errorf builds an *Error with a formatted message (for hosts).
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid gives a plain error (a parser's) the invalid-argument code; an
// *Error keeps its own.
func Invalid(err error) error {
	if _, ok := err.(*Error); ok {
		return err
	}
	return New(InvalidArgument, err.Error())
}

// CodeOf returns the code of err: its own when err is an *Error, else Internal.
func CodeOf(err error) Code {
	if e, ok := err.(*Error); ok {
		return e.Code
	}
	return Internal
}

// DB is an open database handle (WIT `sql.db`).
type DB uint32

// Stmt is a prepared statement handle (WIT `sql.statement`).
type Stmt uint32

// Kind is the storage class of a result column (WIT `sql.column-kind`).
type Kind uint8

// Column kinds, in WIT order.
const (
	KindInteger Kind = iota
	KindFloat
	KindText
	KindBlob
	KindNull
)

// SQL is the statement-level database capability (WIT interface `sql`).
// Parameter indexes are 1-based, column indexes 0-based, as in SQLite.
type SQL interface {
	Dialect() string
	Open(name string, memory bool) (DB, error)
	Close(db DB)
	Exec(db DB, sql string) error
	Prepare(db DB, sql string) (Stmt, error)
	BindNull(s Stmt, index uint32) error
	BindInt(s Stmt, index uint32, v int64) error
	BindFloat(s Stmt, index uint32, v float64) error
	BindText(s Stmt, index uint32, v string) error
	BindBlob(s Stmt, index uint32, v []byte) error
	Step(s Stmt) (bool, error)
	ColumnCount(s Stmt) uint32
	ColumnKind(s Stmt, index uint32) Kind
	ColumnInt(s Stmt, index uint32) int64
	ColumnFloat(s Stmt, index uint32) float64
	ColumnText(s Stmt, index uint32) string
	ColumnBlob(s Stmt, index uint32) []byte
	Changes(db DB) int64
	Reset(s Stmt) error
	Finalize(s Stmt)
	// Run runs a batch of statements in order (WIT `sql.run`): each is
	// bound and stepped to its first row and on up to its Rows; one that
	// reached its end is reset at once, the others when the batch ends.
	// It returns the values of the rows read, row after row, and how many
	// calls ran or were skipped (Call.IfRow): all unless a call that may
	// not wait found a lock taken, which ends the batch without error.
	// The first failure ends the batch with its error. The values may be
	// reused by the next call.
	Run(calls []Call) (vals []Value, ran int, err error)
}

// ServerSQL is implemented by an SQL capability that also lends a database
// server (WIT `sql.open-server`): OpenServer returns a handle, used with
// the SQL methods, to a database whose dialect is "postgres".
type ServerSQL interface {
	OpenServer(name string) (DB, error)
}

// Files is the file capability (WIT interface `files`). Paths are relative to
// the granted folder and use "/".
type Files interface {
	// Read returns the file's bytes; ok is false when it does not exist.
	Read(path string) (data []byte, ok bool, err error)
	// WriteAtomic replaces the file with data atomically, creating parent folders.
	WriteAtomic(path string, data []byte) error
	// Remove removes a file; existed is false when there was none.
	Remove(path string) (existed bool, err error)
	// Replace swaps the file for data (or removes it when data is nil) only
	// if it still holds expected; swapped is false when it changed or is gone.
	Replace(path string, expected, data []byte) (swapped bool, err error)
	// List returns the names of the regular files and folders in a folder,
	// folders with a trailing "/"; none when it does not exist.
	List(path string) ([]string, error)
	// RemoveDir removes a folder and its contents; existed is false when there was none.
	RemoveDir(path string) (existed bool, err error)
}
