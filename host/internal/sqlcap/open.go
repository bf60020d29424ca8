package sqlcap

import (
	"errors"
	"io/fs"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"time"

	"github.com/ncruces/go-sqlite3"
	_ "github.com/ncruces/go-sqlite3/vfs/memdb" // registers the "memdb" VFS

	"github.com/sandcache/sandcache/guest/capability"
	"github.com/sandcache/sandcache/host/internal/filecap"
)

// Open opens the database name, a path relative to the granted folder
// (checked like filecap paths; missing folders are created), or with
// memory the grant's in-memory database (name is then only a label). The
// same name (or memory) opened again returns the same handle; each Open
// needs a Close.
//
// Errors: InvalidArgument or NotPermitted for bad names and symlinks,
// Corrupt when the file is not an SQLite database, IO otherwise.
func (s *Session) Open(name string, memory bool) (db capability.DB, err error) {
	key := memoryKey
	var parts []string
	if !memory {
		if parts, err = filecap.SplitPath(name); err != nil {
			return 0, fromFiles(err)
		}
		key = name
	}
	if h, ok := s.byName[key]; ok {
		c, _ := s.conns.get(uint32(h))
		c.refs++
		return h, nil
	}
	label := "memory database"
	if !memory {
		label = strconv.Quote(name)
	}
	defer s.recoverOOM(label, &err)
	var c *sqlite3.Conn
	if memory {
		c, err = s.openMemory(label)
	} else {
		c, err = s.openFile(name, parts, label)
	}
	if err != nil {
		return 0, err
	}
	cn := &conn{c: c, key: key, label: label, refs: 1, stmts: map[capability.Stmt]struct{}{}}
	h, ok := s.conns.add(cn)
	if !ok {
		c.Close()
		return 0, capability.Errorf(capability.IO, "sql %s: too many open databases", label)
	}
	s.byName[key] = capability.DB(h)
	return capability.DB(h), nil
}

// openMemory connects to the grant's shared in-memory database.
func (s *Session) openMemory(label string) (*sqlite3.Conn, error) {
	c, err := sqlite3.OpenFlags("file:"+s.g.MemoryName()+"?vfs=memdb",
		sqlite3.OPEN_READWRITE|sqlite3.OPEN_CREATE|sqlite3.OPEN_URI)
	if err != nil {
		return nil, s.g.sqlErr(label, err)
	}
	if err := s.configure(c, false); err != nil {
		c.Close()
		return nil, s.g.sqlErr(label, err)
	}
	return c, nil
}

// openFile opens (creating) the database file name inside the grant.
func (s *Session) openFile(name string, parts []string, label string) (*sqlite3.Conn, error) {
	if err := filecap.EnsureFolders(s.g.root, parts[:len(parts)-1]); err != nil {
		return nil, fromFiles(err)
	}
	fi, err := s.g.root.Lstat(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, capability.Errorf(capability.IO, "sql %s: %v", label, cause(err))
	case fi.Mode()&fs.ModeSymlink != 0:
		return nil, capability.Errorf(capability.NotPermitted, "sql %s: is a symbolic link; links are not followed", label)
	case fi.IsDir():
		return nil, capability.Errorf(capability.IO, "sql %s: is a folder", label)
	case !fi.Mode().IsRegular():
		return nil, capability.Errorf(capability.IO, "sql %s: is not a regular file", label)
	}
	return s.openPath(name, label)
}

// openPath opens the file database name (checked) by absolute path. With
// SQLITE_OPEN_NOFOLLOW, SQLite refuses the file when its resolved path
// holds any symlink, so a symlink swapped in after the checks is refused
// too.
func (s *Session) openPath(name, label string) (*sqlite3.Conn, error) {
	path := filepath.Join(s.g.dir, filepath.FromSlash(name))
	c, err := sqlite3.OpenFlags(path, sqlite3.OPEN_READWRITE|sqlite3.OPEN_CREATE|sqlite3.OPEN_NOFOLLOW)
	if err != nil {
		return nil, s.g.sqlErr(label, err)
	}
	if err := s.configure(c, true); err != nil {
		c.Close()
		return nil, s.g.sqlErr(label, err)
	}
	return c, nil
}

// configure applies the Session's context and the connection settings:
// busy timeout first, then, for files, WAL and synchronous=NORMAL.
// Switching to WAL reads the header, so a file that is not a database
// fails here.
func (s *Session) configure(c *sqlite3.Conn, file bool) error {
	c.SetInterrupt(s.ctx)
	if err := c.BusyTimeout(BusyTimeout); err != nil {
		return err
	}
	if !file {
		return nil
	}
	if err := s.switchToWAL(c); err != nil {
		return err
	}
	return c.Exec("PRAGMA synchronous=NORMAL")
}

// switchToWAL sets journal_mode=WAL. SQLite takes the exclusive lock this
// needs without calling the busy handler (it may hold a shared lock, and
// waiting could deadlock), so when other connections are opening the same
// new file it fails with BUSY at once: retry, within BusyTimeout and the
// Session's context.
func (s *Session) switchToWAL(c *sqlite3.Conn) error {
	deadline := time.Now().Add(BusyTimeout)
	for {
		err := c.Exec("PRAGMA journal_mode=WAL")
		if err == nil || !errors.Is(err, sqlite3.BUSY) || time.Now().After(deadline) || s.ctx.Err() != nil {
			return err
		}
		time.Sleep(time.Millisecond + rand.N(4*time.Millisecond))
	}
}

// Close closes db once every Open of it has been matched, finalizing its
// statements. Unknown handles are ignored.
func (s *Session) Close(db capability.DB) {
	c, ok := s.conns.get(uint32(db))
	if !ok {
		return
	}
	if c.refs--; c.refs > 0 {
		return
	}
	_ = s.closeConn(c)
	s.conns.remove(uint32(db))
	delete(s.byName, c.key)
}

// closeConn finalizes c's statements and closes it.
func (s *Session) closeConn(c *conn) error {
	for h := range c.stmts {
		if st, ok := s.stmts.get(uint32(h)); ok {
			_ = st.s.Close()
			s.stmts.remove(uint32(h))
		}
	}
	clear(c.stmts)
	return s.g.sqlErr(c.label, c.c.Close())
}
