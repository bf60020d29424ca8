package sdk

import (
	"os"
	"path/filepath"
	"time"

	"github.com/sandcache/sandcache/internal/host"
)

// Config configures Open. It is immutable: each With method returns a copy.
// Start from NewConfig.
type Config struct {
	valid    bool // made by NewConfig
	dir      string
	host     host.Config
	defaults Options
}

// NewConfig returns the defaults: the folder DefaultDir(), no options given
// (the guest's defaults) for every call, and host.NewConfig() for the sandbox (real clock, a pool
// of GOMAXPROCS instances, 64 KiB keys, 16 MiB values, 128 MiB per guest).
func NewConfig() Config {
	return Config{valid: true, host: host.NewConfig()}
}

// DefaultDir is $SANDCACHE_DIR when set, else <os.UserCacheDir()>/sandcache
// (or <os.TempDir()>/sandcache when there is no user cache folder).
func DefaultDir() string {
	if d := os.Getenv("SANDCACHE_DIR"); d != "" {
		return d
	}
	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	return filepath.Join(base, "sandcache")
}

// WithDir sets the folder granted to the cache. Every store lives inside it:
// the SQLite file cache.sqlite, the fs root files/, or paths given per call.
func (c Config) WithDir(dir string) Config { c.dir = dir; return c }

// WithDefaults sets the options every call starts from.
func (c Config) WithDefaults(opts ...Option) Config {
	for _, o := range opts {
		o(&c.defaults)
	}
	return c
}

// WithClock replaces the time the guest's clock import reads (milliseconds
// since the Unix epoch, any int64 of them): tests make TTLs expire by
// moving it, without sleeping.
func (c Config) WithClock(now func() time.Time) Config { c.host = c.host.WithClock(now); return c }

// WithPoolSize sets how many guest instances may run calls at once.
func (c Config) WithPoolSize(n int) Config { c.host = c.host.WithPoolSize(n); return c }

// WithCompilationCacheDir keeps the compiled guest in dir across processes:
// each guest (and sandcache version) in a folder sandcache-<hex> of its
// own, about 16 MB for the embedded guest. When a start makes a new one, it
// removes those no start has used for 30 days; nothing else in dir is
// touched.
func (c Config) WithCompilationCacheDir(dir string) Config {
	c.host = c.host.WithCompilationCacheDir(dir)
	return c
}

// WithMaxKeyBytes sets the largest key accepted.
func (c Config) WithMaxKeyBytes(n int) Config { c.host = c.host.WithMaxKeyBytes(n); return c }

// WithMaxValueBytes sets the largest value (JSON text) accepted. It also
// bounds the fs backend's record files: one larger than such a value's
// record (or than the guest's memory) is refused with ErrCorrupt before
// anything is read.
func (c Config) WithMaxValueBytes(n int) Config { c.host = c.host.WithMaxValueBytes(n); return c }

// WithMemoryLimitPages caps each guest's memory in 64 KiB pages.
func (c Config) WithMemoryLimitPages(pages uint32) Config {
	c.host = c.host.WithMemoryLimitPages(pages)
	return c
}

// WithMemoryDatabaseBytes caps the size of the "mem" backend's database
// (default host.DefaultMemoryDatabaseBytes); puts beyond it fail with ErrIO.
func (c Config) WithMemoryDatabaseBytes(n int64) Config {
	c.host = c.host.WithMemoryDatabaseBytes(n)
	return c
}

// WithMaxOpenDatabases caps the SQLite databases one guest instance holds
// open (default host.DefaultMaxOpenDatabases).
func (c Config) WithMaxOpenDatabases(n int) Config { c.host = c.host.WithMaxOpenDatabases(n); return c }

// WithMaxSQLConnections caps the SQLite connections, and so descriptors,
// one guest instance keeps open (default host.DefaultMaxSQLConnections).
func (c Config) WithMaxSQLConnections(n int) Config {
	c.host = c.host.WithMaxSQLConnections(n)
	return c
}

// WithMaxStatements caps the prepared statements of one guest instance
// (default host.DefaultMaxStatements).
func (c Config) WithMaxStatements(n int) Config { c.host = c.host.WithMaxStatements(n); return c }
