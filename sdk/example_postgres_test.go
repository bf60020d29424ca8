package sdk_test

import (
	"context"
	"fmt"
	"os"

	"github.com/sandcache/sandcache/sdk"
)

// Fleet mode: every machine opens the cache on the same PostgreSQL server
// (a role confined to one schema; see the README) and shares its entries.
// (No output: it needs a server.)
func ExampleConfig_WithPostgres() {
	ctx := context.Background()
	c, err := sdk.Open(ctx, sdk.NewConfig().WithPostgres(os.Getenv("SANDCACHE_DSN")))
	if err != nil {
		fmt.Println(err) // a DSN that does not parse: ErrInvalidArgument
		return
	}
	defer c.Close()
	if err := c.Put(ctx, "answer", []byte(`{"v":42}`), sdk.InNamespace("fleet")); err != nil {
		fmt.Println(err) // the server is down: ErrIO
		return
	}
	// On any other machine pointed at the server:
	v, hit, err := c.Get(ctx, "answer", sdk.InNamespace("fleet"))
	fmt.Println(string(v), hit, err)
	// sqlite, mem and fs keep working in the same cache.
	_ = c.Put(ctx, "local", []byte("1"), sdk.WithBackend(sdk.SQLite))
}
