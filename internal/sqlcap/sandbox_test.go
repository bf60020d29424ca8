//go:build unix

package sqlcap

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sandcache/sandcache/internal/captest"
	"github.com/sandcache/sandcache/internal/guest/capability"
)

// grantBeside is a fresh folder to grant, next to an outside folder holding a
// canary file (captest.NewGrant).
func grantBeside(t *testing.T) (string, *captest.Outside) {
	return captest.NewGrant(t, "cache.sqlite", []byte("canary, not a database"))
}

func TestPathEscapes(t *testing.T) {
	grantDir, o := grantBeside(t)
	os.Mkdir(filepath.Join(grantDir, "inner"), 0o777)
	links := map[string]string{
		"rel-dir":          "../outside",
		"abs-dir":          o.Dir,
		"in-dir":           "inner",
		"rel-file.sqlite":  "../outside/cache.sqlite",
		"abs-file.sqlite":  o.Canary,
		"dangling.sqlite":  "../outside/new.sqlite",
		"in-file.sqlite":   "inner/real.sqlite",
		"inner/deep-dir":   "../../outside",
		"inner/up.sqlite":  "../../outside/cache.sqlite",
		"inner/abs.sqlite": o.Canary,
	}
	for name, target := range links {
		must(t, os.Symlink(target, filepath.Join(grantDir, filepath.FromSlash(name))))
	}
	g := grantOn(t, grantDir)
	s := newSession(t, g)

	for _, name := range []string{
		"../outside/cache.sqlite", o.Canary, "/etc/passwd", "a/../../outside/cache.sqlite", "./cache.sqlite",
		"rel-dir/cache.sqlite", "abs-dir/cache.sqlite", "in-dir/x.sqlite", "rel-dir/new/x.sqlite",
		"inner/deep-dir/cache.sqlite", "inner/deep-dir/new.sqlite",
		"rel-file.sqlite", "abs-file.sqlite", "dangling.sqlite", "in-file.sqlite", "inner/up.sqlite", "inner/abs.sqlite",
	} {
		_, err := s.Open(name, false)
		wantCode(t, "Open "+name, err, capability.NotPermitted)
		if strings.Contains(err.Error(), grantDir) || strings.Contains(err.Error(), g.Dir()) {
			t.Errorf("Open %s: message names the host path: %v", name, err)
		}
		o.Check(t, "Open "+name)
	}
	_, err := s.Open("a\x00b", false)
	wantCode(t, "Open NUL", err, capability.InvalidArgument)
	_, err = s.Open("", false)
	wantCode(t, "Open empty", err, capability.InvalidArgument)
}

func TestCompanionFileSymlinks(t *testing.T) {
	// Symlinks planted as the -wal, -shm or -journal of a database are not
	// followed: go-sqlite3 opens them with O_NOFOLLOW.
	for _, suffix := range []string{"-wal", "-shm", "-journal"} {
		t.Run(suffix, func(t *testing.T) {
			grantDir, o := grantBeside(t)
			must(t, os.Symlink(o.Canary, filepath.Join(grantDir, "db.sqlite"+suffix)))
			g := grantOn(t, grantDir)
			s := newSession(t, g)
			db, err := s.Open("db.sqlite", false)
			if err == nil {
				err = s.Exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES (1)")
			}
			if err == nil {
				t.Logf("%s: no error (SQLite did not need the file)", suffix)
			} else if c := capability.CodeOf(err); c != capability.IO && c != capability.NotPermitted {
				t.Fatalf("%s: %v", suffix, err)
			} else {
				t.Logf("%s: %v", suffix, err)
			}
			s.CloseAll()
			o.Check(t, suffix)
		})
	}
}

func TestSymlinkedFolderSwappedIn(t *testing.T) {
	// Even when a folder is replaced by a symlink after Open's own checks,
	// the grant's VFS refuses (it opens every component with O_NOFOLLOW). Simulate the race by skipping Open's checks.
	grantDir, o := grantBeside(t)
	g := grantOn(t, grantDir)
	s := newSession(t, g)
	db := open(t, s, "sub/cache.sqlite")
	s.Close(db)
	must(t, os.RemoveAll(filepath.Join(grantDir, "sub")))
	must(t, os.Symlink(o.Dir, filepath.Join(grantDir, "sub")))
	_, err := s.Open("sub/cache.sqlite", false)
	wantCode(t, "Open through folder symlink", err, capability.NotPermitted)
	_, err = s.openFile(&conn{name: "sub/cache.sqlite", label: `"sub/cache.sqlite"`})
	wantCode(t, "open through swapped-in folder symlink", err, capability.NotPermitted)
	o.Check(t, "swapped folder")
	// Same for the file itself.
	must(t, os.Remove(filepath.Join(grantDir, "sub")))
	must(t, os.Symlink(o.Canary, filepath.Join(grantDir, "file.sqlite")))
	_, err = s.openFile(&conn{name: "file.sqlite", label: `"file.sqlite"`})
	wantCode(t, "open swapped-in file symlink", err, capability.NotPermitted)
	o.Check(t, "swapped file")
}
