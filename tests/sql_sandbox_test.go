//go:build unix

package tests

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ncruces/go-sqlite3"

	"github.com/sandcache/sandcache/internal/captest"
	"github.com/sandcache/sandcache/sdk"
)

// The sql capability against a hostile granted folder, through the SDK:
// files planted where the SQLite store lives (a FIFO journal, a hard link
// to a file outside, a view or trigger in the database) are refused with a
// clear error, never block past the caller's deadline, and leave a canary
// outside the grant unchanged byte for byte.

// sqlSbx is one case's folders: <parent>/grant is granted, and
// <parent>/outside/canary.sqlite must never change.
type sqlSbx struct {
	grant, canary string
	data          []byte
}

func newSQLSbx(t *testing.T) *sqlSbx {
	t.Helper()
	parent := t.TempDir()
	w := &sqlSbx{grant: filepath.Join(parent, "grant"), canary: filepath.Join(parent, "outside", "canary.sqlite")}
	for _, d := range []string{w.grant, filepath.Dir(w.canary)} {
		if err := os.MkdirAll(d, 0o777); err != nil {
			t.Fatal(err)
		}
	}
	w.data = []byte("canary: not to be read or written through the grant")
	if err := os.WriteFile(w.canary, w.data, 0o666); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *sqlSbx) check(t *testing.T, after string) {
	t.Helper()
	data, err := os.ReadFile(w.canary)
	if err != nil || !bytes.Equal(data, w.data) {
		t.Errorf("after %s: the canary outside the grant changed: %q, %v", after, data, err)
	}
	ents, _ := os.ReadDir(filepath.Dir(w.canary))
	if len(ents) != 1 {
		t.Errorf("after %s: the outside folder holds %d files", after, len(ents))
	}
}

// store makes cache.sqlite in the grant with one entry, then closes it.
func (w *sqlSbx) store(t *testing.T) {
	t.Helper()
	c := openCache(t, w.grant, sdk.NewConfig())
	if err := c.Put(context.Background(), "k", []byte(`{"v":1}`)); err != nil {
		t.Fatal(err)
	}
	c.Close()
}

// rawSQL runs sql on the grant's cache.sqlite as another program would.
func (w *sqlSbx) rawSQL(t *testing.T, sql string) {
	t.Helper()
	c, err := sqlite3.Open(filepath.Join(w.grant, "cache.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Exec(sql); err != nil {
		t.Fatal(err)
	}
}

// within runs f with a deadline and fails when it returns much later.
func within(t *testing.T, deadline time.Duration, f func(ctx context.Context) error) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	done := make(chan error, 1)
	start := time.Now()
	go func() { done <- f(ctx) }()
	select {
	case err := <-done:
		return err
	case <-time.After(deadline + 10*time.Second):
		t.Fatalf("still running %v after a %v deadline", time.Since(start), deadline)
		return nil
	}
}

func TestSQLSandboxFIFOJournal(t *testing.T) {
	for _, name := range []string{"cache.sqlite-journal", "cache.sqlite-wal", "cache.sqlite-shm"} {
		t.Run(name, func(t *testing.T) {
			w := newSQLSbx(t)
			w.store(t)
			captest.Plant(t, filepath.Join(w.grant, name), "fifo", "")
			c := openCache(t, w.grant, sdk.NewConfig())
			err := within(t, 2*time.Second, func(ctx context.Context) error {
				_, _, err := c.Get(ctx, "k")
				return err
			})
			if !errors.Is(err, sdk.ErrNotPermitted) || !strings.Contains(err.Error(), name) {
				t.Errorf("get with a FIFO as %s: %v (kind %v), want ErrNotPermitted naming it", name, err, kindOf(err))
			}
			w.check(t, "FIFO "+name)
		})
	}
}

func TestSQLSandboxHardLinks(t *testing.T) {
	for _, name := range []string{"cache.sqlite", "cache.sqlite-wal"} {
		t.Run(name, func(t *testing.T) {
			w := newSQLSbx(t)
			if name != "cache.sqlite" {
				w.store(t)
			}
			captest.Plant(t, filepath.Join(w.grant, name), "hardlink", w.canary)
			c := openCache(t, w.grant, sdk.NewConfig())
			ctx := context.Background()
			if err := c.Put(ctx, "k", []byte(`{"v":2}`)); !errors.Is(err, sdk.ErrNotPermitted) {
				t.Errorf("put with a hard link as %s: %v (kind %v), want ErrNotPermitted", name, err, kindOf(err))
			}
			_, _, err := c.Get(ctx, "k")
			if !errors.Is(err, sdk.ErrNotPermitted) {
				t.Errorf("get with a hard link as %s: %v (kind %v), want ErrNotPermitted", name, err, kindOf(err))
			}
			if err != nil && strings.Contains(err.Error(), w.grant) {
				t.Errorf("the error holds the host path: %v", err)
			}
			w.check(t, "hard link "+name)
		})
	}
}

func TestSQLSandboxPlantedObjects(t *testing.T) {
	for object, sql := range map[string]string{
		"spy":                    "CREATE VIEW spy AS SELECT * FROM cache_entries",
		"planted_trigger":        "CREATE TRIGGER planted_trigger AFTER INSERT ON cache_entries BEGIN DELETE FROM cache_entries; END",
		"sandcache_count_delete": "DROP TRIGGER sandcache_count_delete; CREATE TRIGGER sandcache_count_delete AFTER DELETE ON cache_entries BEGIN SELECT 1; END",
	} {
		t.Run(object, func(t *testing.T) {
			w := newSQLSbx(t)
			w.store(t)
			w.rawSQL(t, sql)
			c := openCache(t, w.grant, sdk.NewConfig())
			_, _, err := c.Get(context.Background(), "k")
			if !errors.Is(err, sdk.ErrCorrupt) || !strings.Contains(err.Error(), object) {
				t.Errorf("get with a planted %s: %v (kind %v), want ErrCorrupt naming it", object, err, kindOf(err))
			}
			// Other stores of the folder still work.
			if err := c.Put(context.Background(), "k", []byte("1"), sdk.AtPath("other.sqlite")); err != nil {
				t.Errorf("put to another store: %v", err)
			}
			w.check(t, "planted "+object)
		})
	}
}

func TestSQLSandboxLoopingTrigger(t *testing.T) {
	w := newSQLSbx(t)
	w.store(t)
	c := openCache(t, w.grant, sdk.NewConfig().WithPoolSize(1))
	ctx := context.Background()
	for i := range 40 {
		if err := c.Put(ctx, "key"+strings.Repeat("x", i), []byte("1")); err != nil {
			t.Fatal(err)
		}
	}
	// Planted by another process while the cache has the file open (a file
	// holding it from the start is refused when opened): a trigger that
	// never ends, made only of what the authorizer lets through.
	w.rawSQL(t, "DROP TRIGGER sandcache_count_delete; "+
		"CREATE TRIGGER sandcache_count_delete AFTER DELETE ON cache_entries BEGIN "+
		"DELETE FROM sandcache_counts WHERE (SELECT count(*) FROM cache_entries a, cache_entries b, cache_entries c, "+
		"cache_entries d, cache_entries e, cache_entries f, cache_entries g) < 0; END")
	start := time.Now()
	err := within(t, 200*time.Millisecond, func(ctx context.Context) error {
		_, err := c.Delete(ctx, "key")
		return err
	})
	if err == nil {
		t.Fatal("delete through a looping trigger succeeded")
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("the looping trigger ran %v past a 200 ms deadline", d)
	}
	// A cache opened now refuses the file, naming the trigger.
	c2 := openCache(t, w.grant, sdk.NewConfig())
	if _, _, err := c2.Get(ctx, "key"); !errors.Is(err, sdk.ErrCorrupt) || !strings.Contains(err.Error(), "sandcache_count_delete") {
		t.Errorf("get after the trigger was planted: %v (kind %v), want ErrCorrupt naming it", err, kindOf(err))
	}
	w.check(t, "looping trigger")
}
