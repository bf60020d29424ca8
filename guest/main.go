//go:build wasip1

// Command guest is sandcache's guest module: the cache logic of package
// cache behind the canonical-ABI glue of the world in wit/sandcache.wit.
//
// Build it with build.sh (GOOS=wasip1 GOARCH=wasm, -buildmode=c-shared,
// -trimpath); the host embeds the result as host/guest.wasm. The module has
// no WASI preopens: its only I/O is the `sql` and `files` imports, and it
// reads the time through the `clock` import.
package main

import "github.com/sandcache/sandcache/internal/guest/cache"

// engine serves every export; an instance runs one call at a time. Its
// clock is the host's (import clock, any s64 of milliseconds), not WASI's
// clock_time_get, whose u64 nanoseconds cannot hold the original's range.
var engine = cache.New(&sqlImport{}, &filesImport{}, ClockImport{}.NowMs)

func main() {}
