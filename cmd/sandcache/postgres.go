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

// withServer lends the cache the server when --backend postgres is given.
func (a *app) withServer(cfg sdk.Config) sdk.Config {
	if !a.g.wantsServer() {
		return cfg
	}
	return cfg.WithPostgres(a.g.dsnOrEnv())
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
