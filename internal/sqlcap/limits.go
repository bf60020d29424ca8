package sqlcap

// Limits caps what one guest instance (one Session) may hold through the
// sql capability. Reaching a limit fails the call with a clear error;
// nothing is dropped silently. Zero or negative fields mean the default.
type Limits struct {
	// MemoryBytes caps the grant's in-memory database (the "mem" backend),
	// shared by every instance of the cache. Writes beyond it fail with IO
	// "memory database is full".
	MemoryBytes int64
	// Databases caps the database handles one instance holds open at once.
	Databases int
	// Connections caps the SQLite connections one instance keeps open at
	// once (each file database holds about three descriptors: the
	// database, -wal and -shm). Handles beyond it share the slots: the
	// least recently used idle connection is closed and reopened on its
	// next use, its statements prepared again.
	Connections int
	// Statements caps the prepared statements one instance holds.
	Statements int
}

// Defaults of Limits.
const (
	DefaultMemoryBytes = 256 << 20
	DefaultDatabases   = 1024
	DefaultConnections = 16
	DefaultStatements  = 16384
	// maxSQLBytes is the longest statement text accepted (SQLite's
	// SQLITE_LIMIT_SQL_LENGTH); the guest's longest is under 1 KiB.
	maxSQLBytes = 16 << 10
	// maxSQLTextBytes caps the statement text one Session keeps (to prepare
	// statements again after their connection was closed to make room);
	// the guest's statements for 1024 databases take about 5 MiB.
	maxSQLTextBytes = 16 << 20
)

// DefaultLimits returns the default limits.
func DefaultLimits() Limits {
	return Limits{MemoryBytes: DefaultMemoryBytes, Databases: DefaultDatabases,
		Connections: DefaultConnections, Statements: DefaultStatements}
}

// Normalized returns l with unset fields replaced by their defaults.
func (l Limits) Normalized() Limits {
	d := DefaultLimits()
	if l.MemoryBytes <= 0 {
		l.MemoryBytes = d.MemoryBytes
	}
	if l.Databases <= 0 {
		l.Databases = d.Databases
	}
	if l.Connections <= 0 {
		l.Connections = d.Connections
	}
	if l.Statements <= 0 {
		l.Statements = d.Statements
	}
	return l
}
