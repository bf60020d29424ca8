package hostbench

import (
	"context"

	"github.com/sandcache/sandcache/internal/guest/capability"
	"github.com/sandcache/sandcache/internal/host"
	"github.com/sandcache/sandcache/internal/pgcap"
)

// The postgres backend: both sides run on one server given by a DSN. The
// sandboxed side is a host.Sandbox configured WithPostgres (the guest's
// statements cross the wasm boundary, then pgx); the native side runs the
// same internal/guest/cache statements compiled into this process, straight
// through pgcap and pgx, with a pool of connections as large. The two
// sides use different namespaces of the same schema (the native ones end
// in nativeNSSuffix), so neither evicts the other's entries.

// nativeNSSuffix marks the native side's namespaces on a shared server.
const nativeNSSuffix = "-native"

// PostgresOps are the operations measured on postgres.
var PostgresOps = []Op{GetHit, GetMiss, Put}

// PostgresCallers are the caller counts measured on postgres by default.
var PostgresCallers = []int{1, 4, 8}

// NewPostgresFixture is NewFixture for the postgres backend on the server
// dsn names (the role's schema; the fixture's namespaces are filled
// through each side and left on the server).
func NewPostgresFixture(ctx context.Context, tmp, dsn string, entries, pool int, logf func(format string, args ...any)) (*Fixture, error) {
	return newFixture(ctx, tmp, host.Postgres, dsn, entries, pool, logf)
}

// connectNative makes the native side's pool of pool connections.
func connectNative(dsn string, pool int) (*pgcap.Capability, error) {
	return pgcap.Connect(dsn, pgcap.NewConfig().WithMaxConns(int32(max(pool, 1))))
}

// nativeServerSession is a pgcap session lent as the host's server (the
// guest's postgres backend opens it with OpenServer).
type nativeServerSession struct{ *pgcap.Session }

func newNativeServerSession(c *pgcap.Capability) nativeServerSession {
	return nativeServerSession{pgcap.NewSession(c)}
}

// OpenServer implements capability.ServerSQL.
func (s nativeServerSession) OpenServer(name string) (capability.DB, error) {
	return s.Open(name, false)
}
