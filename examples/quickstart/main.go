// Command quickstart is the smallest sandcache program: open the cache,
// store a JSON value, read it back.
package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"time"

	"github.com/sandcache/sandcache/sdk"
)

func main() {
	// The cache lives in $SANDCACHE_DIR, else the user cache folder.
	if err := run(context.Background(), sdk.DefaultDir(), os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// run opens the cache granted only dir, puts a value and gets it back.
func run(ctx context.Context, dir string, w io.Writer) error {
	c, err := sdk.Open(ctx, sdk.NewConfig().WithDir(dir))
	if err != nil {
		return err
	}
	defer c.Close()

	ns := sdk.InNamespace("quickstart")
	if err := c.Put(ctx, "greeting", []byte(`{"text":"hello","n":1}`), ns, sdk.TTL(time.Hour)); err != nil {
		return err
	}
	value, hit, err := c.Get(ctx, "greeting", ns)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "hit=%v value=%s\n", hit, value)
	return nil
}
