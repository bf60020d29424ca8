package main

import (
	"os"
	"slices"
	"strings"

	"github.com/sandcache/sandcache/internal/hostbench"
	"github.com/sandcache/sandcache/sdk"
)

// envDSN is the environment fallback of --dsn.
const envDSN = "SANDCACHE_DSN"

// dsn is --dsn, else $SANDCACHE_DSN.
func (g *globals) dsnOrEnv() string {
	if g.dsn != "" {
		return g.dsn
	}
	return os.Getenv(envDSN)
}

// wantsServer reports whether --backend selects the postgres backend.
func (g *globals) wantsServer() bool {
	b, err := parseBackend(strings.ToLower(g.backend))
	return err == nil && b == sdk.Postgres
}

// checkServer: --backend postgres needs a server.
func (g *globals) checkServer() error {
	if g.wantsServer() && g.dsnOrEnv() == "" {
		return usagef("--backend postgres needs --dsn URL (or $%s)", envDSN)
	}
	return nil
}

// lendsServer reports whether the cache is opened with the server lent:
// --backend postgres, or (a.server) another name the guest resolved to it.
func (a *app) lendsServer() bool { return a.g.wantsServer() || a.server }

// withServer lends the cache the server when lendsServer says so.
func (a *app) withServer(cfg sdk.Config) sdk.Config {
	if !a.lendsServer() {
		return cfg
	}
	return cfg.WithPostgres(a.g.dsnOrEnv())
}

// reopenWithServer reopens c with the server lent, when the guest resolved
// the options to the postgres backend under a name (an alias such as "pg",
// or --options) that wantsServer does not know: the guest holds the names.
func (a *app) reopenWithServer(c *sdk.Cache) (*sdk.Cache, error) {
	c.Close()
	if a.g.dsnOrEnv() == "" {
		return nil, usagef("the postgres backend needs --dsn URL (or $%s)", envDSN)
	}
	a.server = true
	return a.open(c.Dir())
}

// benchServer completes a bench plan that measures postgres: the server
// (--dsn or $SANDCACHE_DSN) and, unless --callers, 1, 4 and 8 callers.
func (a *app) benchServer(p *benchPlan) error {
	if !slices.Contains(p.backends, sdk.Postgres) {
		return nil
	}
	if p.dsn = a.g.dsnOrEnv(); p.dsn == "" {
		return usagef("bench --backends postgres needs --dsn URL (or $%s)", envDSN)
	}
	if !a.flags.given["callers"] {
		p.callers = hostbench.PostgresCallers
	}
	return nil
}
