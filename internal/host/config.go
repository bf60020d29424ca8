package host

import (
	"runtime"
	"time"

	"github.com/sandcache/sandcache/internal/sqlcap"
)

// Config configures a Sandbox (Open). It is immutable: each With method returns a
// copy. The zero value is not valid; start from NewConfig.
type Config struct {
	compileCacheDir string
	memoryPages     uint32
	poolSize        int
	maxKeyBytes     int
	maxValueBytes   int
	clock           func() time.Time
	sqlCaps         sqlcap.Limits // zero fields: sqlcap's defaults
	server          serverConfig  // postgres.go
}

// Defaults.
const (
	// DefaultMaxKeyBytes is the largest key accepted (64 KiB).
	DefaultMaxKeyBytes = 64 << 10
	// DefaultMaxValueBytes is the largest value accepted (16 MiB of JSON text).
	DefaultMaxValueBytes = 16 << 20
	// DefaultMemoryPages caps each guest's memory (64 KiB pages; 2048 = 128 MiB).
	DefaultMemoryPages = 2048
)

// NewConfig returns the defaults: no compilation cache on disk, 128 MiB of
// memory per guest, a pool of GOMAXPROCS instances per Sandbox, the limits
// above and the real wall clock.
func NewConfig() Config {
	return Config{
		memoryPages:   DefaultMemoryPages,
		poolSize:      runtime.GOMAXPROCS(0),
		maxKeyBytes:   DefaultMaxKeyBytes,
		maxValueBytes: DefaultMaxValueBytes,
	}
}

// WithCompilationCacheDir keeps wazero's compiled code in dir, so later
// processes start in tens of milliseconds instead of hundreds. "" disables it.
func (c Config) WithCompilationCacheDir(dir string) Config { c.compileCacheDir = dir; return c }

// WithMemoryLimitPages caps each guest's linear memory, in 64 KiB pages. A
// guest that needs more fails the call with ErrGuestFault.
func (c Config) WithMemoryLimitPages(pages uint32) Config { c.memoryPages = pages; return c }

// WithPoolSize sets how many guest instances a Sandbox may run at once
// (created lazily). Values below 1 mean 1.
func (c Config) WithPoolSize(n int) Config { c.poolSize = max(n, 1); return c }

// WithMaxKeyBytes sets the largest key, in bytes, a Sandbox accepts.
func (c Config) WithMaxKeyBytes(n int) Config { c.maxKeyBytes = n; return c }

// WithMaxValueBytes sets the largest value (JSON text), in bytes, a Sandbox accepts.
func (c Config) WithMaxValueBytes(n int) Config { c.maxValueBytes = n; return c }

// WithClock replaces the time the guest's clock import reads, in
// milliseconds since the Unix epoch (for tests: TTLs expire when the
// clock says so, without sleeping). nil means the real clock.
func (c Config) WithClock(now func() time.Time) Config { c.clock = now; return c }

// SQL capability caps (defaults in parentheses). Values below 1 mean the
// default. A guest that reaches one gets a clear error for that call.
const (
	// DefaultMemoryDatabaseBytes caps the "mem" backend's database, shared by
	// the instances of a Sandbox (256 MiB).
	DefaultMemoryDatabaseBytes = sqlcap.DefaultMemoryBytes
	// DefaultMaxOpenDatabases caps the database handles one guest instance
	// holds open (1024): one per distinct SQLite path it has used.
	DefaultMaxOpenDatabases = sqlcap.DefaultDatabases
	// DefaultMaxSQLConnections caps the SQLite connections one guest
	// instance keeps open (16, about 3 descriptors each); databases beyond
	// it are closed when idle and reopened on use.
	DefaultMaxSQLConnections = sqlcap.DefaultConnections
	// DefaultMaxStatements caps the prepared statements of one guest
	// instance (16384).
	DefaultMaxStatements = sqlcap.DefaultStatements
)

// WithMemoryDatabaseBytes caps the size of the "mem" backend's database;
// puts beyond it fail with ErrIO ("the memory database is full").
func (c Config) WithMemoryDatabaseBytes(n int64) Config { c.sqlCaps.MemoryBytes = n; return c }

// WithMaxOpenDatabases caps the database handles one guest instance holds.
func (c Config) WithMaxOpenDatabases(n int) Config { c.sqlCaps.Databases = n; return c }

// WithMaxSQLConnections caps the SQLite connections (and so descriptors)
// one guest instance keeps open at once.
func (c Config) WithMaxSQLConnections(n int) Config { c.sqlCaps.Connections = n; return c }

// WithMaxStatements caps the prepared statements of one guest instance.
func (c Config) WithMaxStatements(n int) Config { c.sqlCaps.Statements = n; return c }

// Files of the fs backend: how large a record file may be.
const (
	// recordExpansion bounds how much larger than its JSON text a value
	// becomes in an fs record, pretty-printed (indentation, ": ").
	recordExpansion = 8
	// recordOverhead bounds the record's own members and punctuation.
	recordOverhead = 4096
)

// fileSizeLimit is the largest file the files capability reads or writes
// (filecap.WithSizeLimit): the record of the largest key (escaped, up to 6
// bytes per byte) and value this Config accepts, and never more than the
// guest's memory, which must hold whatever is read. A planted file over it
// fails with ErrCorrupt before the host allocates anything for it; a value
// whose pretty-printed record would exceed it (only deeply nested values
// near the value limit) fails to put with ErrInvalidArgument.
func (c Config) fileSizeLimit() int64 {
	n := 6*int64(c.maxKeyBytes) + recordExpansion*int64(c.maxValueBytes) + recordOverhead
	if mem := int64(c.memoryPages) << 16; mem > 0 {
		n = min(n, mem)
	}
	return n
}
