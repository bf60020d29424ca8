package sdk

import (
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sandcache/sandcache/internal/host"
)

// Postgres is the fleet backend: entries live on the PostgreSQL server
// given by Config.WithPostgres or WithPostgresPool, shared by every
// process (on any machine) pointed at it. Options.Path is only a label.
// Without a server on the Config, calls fail with ErrNotPermitted.
const Postgres = host.Postgres

// WithPostgres lends the cache the PostgreSQL server at dsn (a
// postgres:// URL or key=value string) and makes Postgres the default
// backend (a call's WithBackend still selects another). The role must
// reach one schema only (README, Fleet mode). Open fails with
// ErrInvalidArgument on a bad DSN; an unreachable server fails calls with
// ErrIO within their deadline.
func (c Config) WithPostgres(dsn string) Config {
	c.host = c.host.WithPostgres(dsn)
	c.defaults.Backend = Postgres
	return c
}

// WithPostgresPool is WithPostgres over a pool the embedder already has;
// its connections must already be confined (role and search_path). The
// cache does not close it.
func (c Config) WithPostgresPool(pool *pgxpool.Pool) Config {
	c.host = c.host.WithPostgresPool(pool)
	c.defaults.Backend = Postgres
	return c
}
