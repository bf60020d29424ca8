package sqlcap

import (
	"crypto/rand"
	"os"
	"path/filepath"

	"github.com/ncruces/go-sqlite3/vfs/memdb"

	"github.com/sandcache/sandcache/guest/capability"
)

// Grant is a folder granted to a cache for SQL databases, plus the cache's
// in-memory database. It is safe for concurrent use; Sessions of one Grant
// see the same files and the same in-memory database.
type Grant struct {
	root   *os.Root
	dir    string // absolute, symlinks resolved
	memory string // memdb name, without the leading "/"
}

// NewGrant grants the existing folder dir. Its absolute path is resolved
// once, symlinks included, so that SQLite's no-follow check only ever sees
// symlinks planted inside the folder.
func NewGrant(dir string) (*Grant, error) {
	abs, err := filepath.Abs(dir)
	if err == nil {
		abs, err = filepath.EvalSymlinks(abs)
	}
	if err != nil {
		return nil, capability.Errorf(capability.IO, "sql: cannot resolve the granted folder: %v", cause(err))
	}
	root, err := os.OpenRoot(abs)
	if err != nil {
		return nil, capability.Errorf(capability.IO, "sql: cannot open the granted folder: %v", cause(err))
	}
	g := &Grant{root: root, dir: abs, memory: "sandcache-" + rand.Text()}
	memdb.Create(g.memory, nil)
	return g, nil
}

// Dir returns the granted folder's absolute path, symlinks resolved.
func (g *Grant) Dir() string { return g.dir }

// MemoryName returns the name of the grant's shared in-memory database, as
// go-sqlite3's memdb VFS knows it ("/sandcache-<random>").
func (g *Grant) MemoryName() string { return "/" + g.memory }

// Close releases the folder and drops the in-memory database once the
// connections still open on it are closed. Close Sessions first.
func (g *Grant) Close() error {
	memdb.Delete(g.memory)
	return g.root.Close()
}
