package host

import (
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sandcache/sandcache/internal/pgcap"
)

// Postgres is the backend on the database server given by
// Config.WithPostgres or WithPostgresPool (WIT backend `postgres`): one
// cache shared by every process pointed at the server. Options.Path is
// only a label.
const Postgres Backend = Mem + 1

// serverConfig is the PostgreSQL server a Config lends, if any.
type serverConfig struct {
	dsn  string
	pool *pgxpool.Pool
}

// WithPostgres lends the guest the PostgreSQL server at dsn (a
// postgres:// URL or key=value string) for the Postgres backend. The role
// must be confined to one schema (see the README's Fleet mode section);
// a search_path may also be pinned in the DSN (search_path=NAME). Open
// fails with ErrInvalidArgument on a bad DSN; an unreachable server fails
// calls with ErrIO, within their deadline. "" lends no server.
func (c Config) WithPostgres(dsn string) Config {
	c.server = serverConfig{dsn: dsn}
	return c
}

// WithPostgresPool lends the guest an embedder's pool for the Postgres
// backend. Its connections must already be confined (role and
// search_path); the Sandbox does not close it. nil lends no server.
func (c Config) WithPostgresPool(pool *pgxpool.Pool) Config {
	c.server = serverConfig{pool: pool}
	return c
}

// connectServer returns the capability for the server c lends, or nil.
func (c Config) connectServer() (*pgcap.Capability, error) {
	cfg := pgcap.NewConfig().WithMaxConns(int32(c.poolSize))
	switch {
	case c.server.pool != nil:
		return pgcap.FromPool(c.server.pool, cfg), nil
	case c.server.dsn != "":
		return pgcap.Connect(c.server.dsn, cfg)
	}
	return nil, nil
}
