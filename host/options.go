package host

import "fmt"

// Backend selects where entries live (WIT enum `backend`).
type Backend uint8

// Backends, in WIT order.
const (
	SQLite Backend = iota // one SQLite file (default cache.sqlite)
	FS                    // one JSON file per entry (default folder files/)
	Mem                   // an in-memory database kept per Sandbox
)

// String returns the backend's name.
func (b Backend) String() string {
	switch b {
	case SQLite:
		return "sqlite"
	case FS:
		return "fs"
	case Mem:
		return "mem"
	case Postgres:
		return "postgres"
	}
	return fmt.Sprintf("backend(%d)", uint8(b))
}

// Options is the WIT record `options`: every field explicit. Use
// DefaultOptions for the defaults.
type Options struct {
	Backend    Backend
	Namespace  string // raw; the guest sanitises it ("" means "default")
	Path       string // relative to the granted folder; "" = backend default
	TTLMillis  uint64 // time to live, fixed at put time
	MaxEntries uint32 // per namespace; the guest clamps to 1..100000
}

// DefaultOptions returns sqlite, "default", the default path, 600 s, 256.
func DefaultOptions() Options {
	return Options{Backend: SQLite, Namespace: "default", TTLMillis: 600_000, MaxEntries: 256}
}

// Lookup is the result of Get.
type Lookup struct {
	Value   []byte // compact JSON; nil on a miss
	Hit     bool
	Expired bool // an expired entry was found and removed
}

// PutOutcome is what a put removed while enforcing TTL and max entries.
type PutOutcome struct {
	Expired uint32
	Evicted uint32
}

// StoreStats is what the store holds for one namespace.
type StoreStats struct {
	Entries uint64 // live entries
	Expired uint64 // expired entries not yet removed
}
