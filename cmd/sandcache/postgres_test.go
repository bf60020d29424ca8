package main

import (
	"strings"
	"testing"
)

// --backend postgres and bench --backends postgres need a server: a
// missing DSN is a usage error, a bad one a clear error, both exit 2
// before anything is stored (the end-to-end tests against a real server
// are in tests/postgres_cli_test.go).
func TestPostgresFlags(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--backend", "postgres", "get", "k"}, "--backend postgres needs --dsn URL (or $SANDCACHE_DSN)"},
		{[]string{"--backend", "postgres", "--json", "put", "k", "1"}, "--backend postgres needs --dsn"},
		{[]string{"bench", "--quick", "--backends", "sqlite,postgres"}, "bench --backends postgres needs --dsn URL"},
		{[]string{"--backend", "postgres", "--dsn", "postgres://u@[::1", "get", "k"}, "postgres: bad DSN"},
		{[]string{"--backend", "nosuch", "get", "k"}, `cache backend must be "sqlite" or "fs"; got "nosuch"`},
	} {
		r := c.run(tc.args...)
		if r.code != 2 || !strings.Contains(r.stderr+r.stdout, tc.want) {
			t.Errorf("sandcache %q: exit %d, stdout %q, stderr %q; want exit 2 and %q", tc.args, r.code, r.stdout, r.stderr, tc.want)
		}
	}
	// The DSN matters only to the postgres backend.
	c.want(0, "", "--dsn", "postgres://u@[::1", "put", "k", "1")
	c.want(0, "1\n", "--dsn", "postgres://u@[::1", "get", "k")
}
