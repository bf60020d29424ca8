package options

import "strconv"

// Backend selects where entries live. The values match the WIT enum.
type Backend uint8

// The backends, in WIT order.
const (
	SQLite   Backend = iota // one SQLite file (the default)
	FS                      // one JSON file per entry under a root folder
	Mem                     // process memory only
	Postgres                // the host's database server (sql.open-server)
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
	case Postgres:
		return "postgres"
	}
	return "backend(" + strconv.Itoa(int(b)) + ")"
}
