package sqlcap

import (
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/ncruces/go-sqlite3/vfs"
	"github.com/ncruces/go-sqlite3/vfs/memdb"

	"github.com/sandcache/sandcache/internal/filecap"
	"github.com/sandcache/sandcache/internal/guest/capability"
)

// Grant is a folder granted to a cache for SQL databases, plus the cache's
// in-memory database. It is safe for concurrent use; Sessions of one Grant
// see the same files and the same in-memory database.
type Grant struct {
	root   *os.Root
	dir    string // absolute, symlinks resolved
	dirFD  int    // the folder, for the VFS's *at calls
	dirF   *os.File
	vfs    string // name of the grant's VFS
	memory string // memdb name, without the leading "/"
	limits Limits

	mu       sync.Mutex
	refusals map[string]string // database name → why the VFS refused one of its files
	conns    int               // SQLite connections open on the grant's files
	closed   bool
}

// connOpened and connClosed count the SQLite connections on the grant's
// VFS: it stays registered until the grant is closed and the last one is.
// connOpening is called before a connection opens (false once the grant
// is closed), connClosed after it closed or failed to open.
func (g *Grant) connOpening() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return false
	}
	g.conns++
	return true
}

func (g *Grant) connClosed() {
	g.mu.Lock()
	g.conns--
	last := g.closed && g.conns == 0
	g.mu.Unlock()
	if last {
		g.release()
	}
}

// release unregisters the VFS and closes the folder's descriptor.
func (g *Grant) release() {
	vfs.Unregister(g.vfs)
	g.dirF.Close()
}

// noteRefusal records why the VFS refused file rel (a database or one of
// its -journal, -wal, -shm files).
func (g *Grant) noteRefusal(rel, msg string) {
	for _, suffix := range []string{"-journal", "-wal", "-shm"} {
		if db, ok := strings.CutSuffix(rel, suffix); ok {
			rel = db
			break
		}
	}
	g.mu.Lock()
	if g.refusals == nil {
		g.refusals = map[string]string{}
	}
	g.refusals[rel] = msg
	g.mu.Unlock()
}

// takeRefusal returns and forgets the last refusal for database name.
func (g *Grant) takeRefusal(name string) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	msg := g.refusals[name]
	delete(g.refusals, name)
	return msg
}

// NewGrant grants the existing folder dir with the limits lim (the
// defaults, DefaultLimits, when none is given). Its absolute path is
// resolved once, symlinks included.
func NewGrant(dir string, lim ...Limits) (*Grant, error) {
	abs, err := filepath.Abs(dir)
	if err == nil {
		abs, err = filepath.EvalSymlinks(abs)
	}
	if err != nil {
		return nil, capability.Errorf(capability.IO, "sql: cannot resolve the granted folder: %v", filecap.Cause(err))
	}
	root, err := os.OpenRoot(abs)
	if err != nil {
		return nil, capability.Errorf(capability.IO, "sql: cannot open the granted folder: %v", filecap.Cause(err))
	}
	dirF, err := os.Open(abs)
	if err != nil {
		root.Close()
		return nil, capability.Errorf(capability.IO, "sql: cannot open the granted folder: %v", filecap.Cause(err))
	}
	g := &Grant{root: root, dir: abs, dirF: dirF, dirFD: int(dirF.Fd()),
		vfs: "sandcache-" + rand.Text(), memory: "sandcache-" + rand.Text(), limits: DefaultLimits()}
	if len(lim) > 0 {
		g.limits = lim[0].Normalized()
	}
	vfs.Register(g.vfs, newGrantVFS(g))
	memdb.Create(g.memory, nil)
	return g, nil
}

// checkName checks a database name like a filecap path.
func checkName(name string) error {
	_, err := filecap.SplitPath(name)
	return err
}

// Dir returns the granted folder's absolute path, symlinks resolved.
func (g *Grant) Dir() string { return g.dir }

// Limits returns the grant's limits.
func (g *Grant) Limits() Limits { return g.limits }

// MemoryName returns the name of the grant's shared in-memory database, as
// go-sqlite3's memdb VFS knows it ("/sandcache-<random>").
func (g *Grant) MemoryName() string { return "/" + g.memory }

// Close releases the folder and drops the in-memory database once the
// connections still open on it are closed. Close Sessions first: files
// opened from now on are refused, and connections still open fail.
func (g *Grant) Close() error {
	memdb.Delete(g.memory)
	g.mu.Lock()
	g.closed = true
	last := g.conns == 0
	g.mu.Unlock()
	if last {
		g.release()
	}
	return g.root.Close()
}
