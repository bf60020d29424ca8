package options

import "strconv"

// Backend selects where entries live. The values match the WIT enum.
type Backend uint8

// The backends, in WIT order.
const (
	SQLite Backend = iota // one SQLite file (the default)
	FS                    // one JSON file per entry under a root folder
	Mem                   // process memory only
)

// String returns "sqlite", "fs" or "mem".
func (b Backend) String() string {
	switch b {
	case SQLite:
		return "sqlite"
	case FS:
		return "fs"
	case Mem:
		return "mem"
	}
	return "backend(" + strconv.Itoa(int(b)) + ")"
}
