package pgcap

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sandcache/sandcache/internal/guest/capability"
)

// CancelGrace is how long after a call's deadline a running statement is
// given to stop after the server was asked to cancel it, before the
// connection is abandoned (pools made by [Connect]).
const CancelGrace = 250 * time.Millisecond

// Config tunes a Capability. It is immutable: the With methods return
// changed copies. The zero Config is not valid; start from NewConfig.
type Config struct {
	schema           string
	maxResultBytes   int64
	statementTimeout time.Duration
	connectTimeout   time.Duration
	maxConns         int32
}

// NewConfig returns the defaults: no schema pinned by pgcap (the role's
// search_path applies), results up to 256 MiB, statements capped at 60 s
// server-side, connecting within 10 s, pgxpool's default pool size.
func NewConfig() Config {
	return Config{maxResultBytes: 256 << 20, statementTimeout: 60 * time.Second, connectTimeout: 10 * time.Second}
}

// WithSchema pins search_path to schema at connect (pools made by Connect).
func (c Config) WithSchema(schema string) Config { c.schema = schema; return c }

// WithMaxResultBytes caps the bytes one statement's buffered result may take.
func (c Config) WithMaxResultBytes(n int64) Config { c.maxResultBytes = n; return c }

// WithStatementTimeout sets the server-side statement_timeout of the
// connections Connect makes (0: the server's), which caps statements run
// without a call deadline.
func (c Config) WithStatementTimeout(d time.Duration) Config { c.statementTimeout = d; return c }

// WithConnectTimeout bounds connecting when the DSN sets no connect_timeout.
func (c Config) WithConnectTimeout(d time.Duration) Config { c.connectTimeout = d; return c }

// WithMaxConns sets the pool size of pools made by Connect (0: pgxpool's default).
func (c Config) WithMaxConns(n int32) Config { c.maxConns = n; return c }

// Capability is one PostgreSQL server lent as `sql`: a pool of
// connections shared by the Sessions of every guest instance. It is safe
// for concurrent use.
type Capability struct {
	pool *pgxpool.Pool
	own  bool
	cfg  Config
}

// Connect makes a pool for dsn (a postgres:// URL or key=value string).
// It does not connect yet: a bad DSN is an InvalidArgument error, an
// unreachable server an IO error at the first statement.
func Connect(dsn string, cfg Config) (*Capability, error) {
	pc, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, capability.Errorf(capability.InvalidArgument, "postgres: bad DSN: %s", err.Error())
	}
	cc := pc.ConnConfig
	if cc.ConnectTimeout == 0 {
		cc.ConnectTimeout = cfg.connectTimeout
	}
	if cfg.schema != "" {
		cc.RuntimeParams["search_path"] = pgx.Identifier{cfg.schema}.Sanitize()
	}
	if cfg.statementTimeout > 0 {
		cc.RuntimeParams["statement_timeout"] = fmt.Sprint(cfg.statementTimeout.Milliseconds())
		cc.RuntimeParams["idle_in_transaction_session_timeout"] = fmt.Sprint(cfg.statementTimeout.Milliseconds())
	}
	// Notice a vanished client within a second, so a statement whose
	// call gave up does not keep running (and holding locks).
	cc.RuntimeParams["client_connection_check_interval"] = "1000"
	cc.BuildContextWatcherHandler = func(c *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: c, DeadlineDelay: CancelGrace}
	}
	if cfg.maxConns > 0 {
		pc.MaxConns = cfg.maxConns
	}
	pool, err := pgxpool.NewWithConfig(context.Background(), pc)
	if err != nil {
		return nil, capability.Errorf(capability.InvalidArgument, "postgres: %s", err.Error())
	}
	return &Capability{pool: pool, own: true, cfg: cfg}, nil
}

// FromPool lends an embedder's pool. Its connections must already be
// confined (package doc): pgcap pins nothing on them, and does not close
// the pool.
func FromPool(pool *pgxpool.Pool, cfg Config) *Capability {
	return &Capability{pool: pool, cfg: cfg}
}

// Pool returns the pool statements run on.
func (c *Capability) Pool() *pgxpool.Pool { return c.pool }

// Close closes the pool if Connect made it.
func (c *Capability) Close() {
	if c.own {
		c.pool.Close()
	}
}
