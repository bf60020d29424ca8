package host

import (
	"fmt"

	"github.com/sandcache/sandcache/internal/witabi"
)

// Backend selects where entries live (WIT enum `backend`).
type Backend uint8

// Backends, in WIT order.
const (
	SQLite Backend = iota // one SQLite file (default cache.sqlite)
	FS                    // one JSON file per entry (default folder files/)
	Mem                   // an in-memory database kept per Sandbox
)

// String returns the backend's name (the WIT enum's case).
func (b Backend) String() string {
	if int(b) < len(witabi.BackendNames) {
		return witabi.BackendNames[b]
	}
	return fmt.Sprintf("backend(%d)", uint8(b))
}

// Options are what a caller gave for one call (the WIT record `options`):
// the guest fills the rest, from Dict, then with its defaults, and clamps
// MaxEntries (docs/SPEC.md §2). A non-zero Backend, TTLMillis or MaxEntries
// counts as given; Set marks an explicit zero.
type Options struct {
	Backend    Backend
	Namespace  string // raw; the guest sanitises it; "" is unset
	Path       string // relative to the granted folder; "" is unset
	TTLMillis  uint64 // time to live, fixed at put time
	MaxEntries int64  // per namespace; the guest clamps it to 1..100000
	Set        Fields // fields given even though zero
	// Dict is a Harn option dictionary (JSON text), "" for none. The guest
	// parses it after the call's other arguments, and the fields above
	// override it.
	Dict string
}

// Fields are bits naming fields of Options.
type Fields uint8

// Fields of Options that may be given as zero.
const (
	SetBackend Fields = 1 << iota
	SetTTL
	SetMaxEntries
)

// abi lowers o to the WIT record.
func (o Options) abi() witabi.Options {
	return witabi.Options{
		Backend:    witabi.Option[witabi.Backend]{Some: o.Backend != 0 || o.Set&SetBackend != 0, Value: witabi.Backend(o.Backend)},
		Namespace:  o.Namespace,
		Path:       o.Path,
		TTLMs:      witabi.Option[uint64]{Some: o.TTLMillis != 0 || o.Set&SetTTL != 0, Value: o.TTLMillis},
		MaxEntries: witabi.Option[int64]{Some: o.MaxEntries != 0 || o.Set&SetMaxEntries != 0, Value: o.MaxEntries},
		Dict:       o.Dict,
	}
}

// liftOptions is parse-options' result: every field set.
func liftOptions(v witabi.Options) Options {
	return Options{
		Backend: Backend(v.Backend.Value), Namespace: v.Namespace, Path: v.Path,
		TTLMillis: v.TTLMs.Value, MaxEntries: v.MaxEntries.Value,
		Set: SetBackend | SetTTL | SetMaxEntries,
	}
}

// Lookup is the result of Get.
type Lookup struct {
	Value   []byte // compact JSON; nil on a miss
	Hit     bool
	Expired bool // an expired entry was found and removed
}

// PutOutcome is what a put removed while enforcing TTL and max entries (the
// WIT record put-outcome).
type PutOutcome = witabi.PutOutcome

// StoreStats is what the store holds for one namespace (the WIT record
// store-stats).
type StoreStats = witabi.StoreStats
