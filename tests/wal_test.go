package tests

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/sandcache/sandcache/sdk"
)

// TestHitsKeepTheWALBounded: a workload of get-hits alone must not grow
// the SQLite write-ahead log without bound. Each hit writes its LRU stamp;
// those commits happened while the hit's read was open, so SQLite's own
// checkpoints never reached the end of the log and it never started over
// (43 MB after 5 000 hits). The log now stays within a few megabytes.
func TestHitsKeepTheWALBounded(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	c := openCache(t, dir, sdk.NewConfig())
	for i := range 100 {
		if err := c.Put(ctx, fmt.Sprint("k", i), []byte(`{"a":1}`)); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 5000 {
		if _, ok, err := c.Get(ctx, fmt.Sprint("k", i%100)); err != nil || !ok {
			t.Fatalf("get %d: hit %v, %v", i, ok, err)
		}
	}
	st, err := os.Stat(filepath.Join(dir, "cache.sqlite-wal"))
	if err != nil {
		t.Fatal(err)
	}
	if st.Size() > 8<<20 {
		t.Fatalf("the WAL holds %d bytes after 5 000 hits; want at most 8 MiB", st.Size())
	}
}
