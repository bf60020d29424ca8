//go:build wasip1

// Command guest is sandcache's guest module: the cache logic of package
// cache behind the canonical-ABI glue of the world in wit/sandcache.wit.
//
// Build it with build.sh (GOOS=wasip1 GOARCH=wasm, -buildmode=c-shared,
// -trimpath); the host embeds the result as host/guest.wasm. The module has
// no WASI preopens: its only I/O is the `sql` and `files` imports.
package main

import (
	"time"

	"github.com/sandcache/sandcache/guest/cache"
)

// engine serves every export; an instance runs one call at a time.
var engine = cache.New(sqlImport{}, filesImport{}, func() int64 { return time.Now().UnixMilli() })

func main() {}
