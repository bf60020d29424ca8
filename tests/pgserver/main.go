package pgserver

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"
)

// EnvDSN names the environment variable holding the confined role's DSN of
// an already running server; tests start their own server when it is unset.
const EnvDSN = "SANDCACHE_TEST_DSN"

// shared is the server Main started, if any.
var shared *Server

// Main runs a package's tests (call it from TestMain) with a server: the
// one SANDCACHE_TEST_DSN names, else one it starts, publishes in
// SANDCACHE_TEST_DSN and stops after the tests, also when they fail.
func Main(m *testing.M) int {
	if os.Getenv(EnvDSN) != "" {
		return m.Run()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	s, err := Start(ctx)
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	defer s.Close()
	shared = s
	os.Setenv(EnvDSN, s.DSN())
	return m.Run()
}

// DSN returns the confined role's DSN of the tests' server.
func DSN() string { return os.Getenv(EnvDSN) }

// Shared returns the server Main started, or nil when the tests use one
// given by SANDCACHE_TEST_DSN (tests needing admin access then skip).
func Shared() *Server { return shared }
