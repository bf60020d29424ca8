package sqlcap

import (
	"errors"
	"math/rand/v2"
	"net/url"
	"path/filepath"
	"strconv"
	"time"

	"github.com/ncruces/go-sqlite3"
	_ "github.com/ncruces/go-sqlite3/vfs/memdb" // registers the "memdb" VFS

	"github.com/sandcache/sandcache/internal/filecap"
	"github.com/sandcache/sandcache/internal/guest/capability"
)

// Open opens the database name, a path relative to the granted folder
// (checked like filecap paths; missing folders are created), or with
// memory the grant's in-memory database (name is then only a label). The
// same name (or memory) opened again returns the same handle; each Open
// needs a Close.
//
// Errors: InvalidArgument or NotPermitted for bad names, symlinks, hard
// links, FIFOs and other files that are not regular; Corrupt when the file
// is not an SQLite database or holds schema objects that are not a
// cache's; IO when Limits.Databases handles are open, and otherwise.
func (s *Session) Open(name string, memory bool) (db capability.DB, err error) {
	key := memoryKey
	if !memory {
		parts, err := filecap.SplitPath(name)
		if err != nil {
			return 0, fromFiles(err)
		}
		if err := filecap.EnsureFolders(s.g.root, parts[:len(parts)-1]); err != nil {
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
	if lim := s.g.limits.Databases; s.conns.live >= lim {
		return 0, capability.Errorf(capability.IO, "sql %s: too many open databases (the limit is %d per instance)", label, lim)
	}
	cn := &conn{key: key, label: label, name: name, memory: memory, refs: 1, stmts: map[capability.Stmt]*stmt{}}
	if err := s.ensureLive(cn); err != nil {
		return 0, err
	}
	h, ok := s.conns.add(cn)
	if !ok {
		s.park(cn)
		return 0, capability.Errorf(capability.IO, "sql %s: too many open databases", label)
	}
	s.byName[key] = capability.DB(h)
	return capability.DB(h), nil
}

// ensureLive makes sure c has an open SQLite connection, closing the least
// recently used idle one first when Limits.Connections are open.
func (s *Session) ensureLive(c *conn) (err error) {
	s.tick++
	c.lastUse = s.tick
	if c.c != nil {
		return nil
	}
	if s.live >= s.g.limits.Connections && !s.evictOne() {
		return capability.Errorf(capability.IO,
			"sql %s: too many databases in use at once (the limit is %d connections per instance)", c.label, s.g.limits.Connections)
	}
	if !s.g.connOpening() {
		return capability.Errorf(capability.IO, "sql %s: the cache is closed", c.label)
	}
	defer func() {
		if err != nil {
			s.g.connClosed()
		}
	}()
	defer s.recoverOOM(c.label, &err)
	var sc *sqlite3.Conn
	if c.memory {
		sc, err = s.openMemory(c)
	} else {
		sc, err = s.openFile(c)
	}
	if err != nil {
		return err
	}
	c.c = sc
	c.checkpointed = 0 // a new connection counts its changes from 0
	s.live++
	return nil
}

// evictOne closes the connection of the least recently used idle handle
// (no transaction, no statement bound or stepping); false when none is.
func (s *Session) evictOne() bool {
	var victim *conn
	s.conns.each(func(_ uint32, c *conn) {
		if c.c != nil && (victim == nil || c.lastUse < victim.lastUse) && idle(c) {
			victim = c
		}
	})
	if victim == nil {
		return false
	}
	s.park(victim)
	return true
}

// idle reports whether c's connection can be closed and reopened later
// without the guest noticing.
func idle(c *conn) bool {
	if !c.c.GetAutocommit() {
		return false
	}
	for _, e := range c.stmts {
		if e.bound || e.ncols > 0 || (e.s != nil && e.s.Busy()) {
			return false
		}
	}
	return true
}

// park finalizes c's statements (they keep their handles and SQL) and
// closes its connection.
func (s *Session) park(c *conn) {
	if c.c == nil {
		return
	}
	for _, e := range c.stmts {
		if e.s != nil {
			_ = e.s.Close()
			e.s = nil
		}
	}
	c.changes = c.c.Changes()
	_ = c.c.Close()
	c.c = nil
	s.live--
	s.g.connClosed()
}

// openMemory connects to the grant's shared in-memory database.
func (s *Session) openMemory(c *conn) (*sqlite3.Conn, error) {
	return s.openURI(c, "file:"+s.g.MemoryName()+"?vfs=memdb",
		sqlite3.OPEN_READWRITE|sqlite3.OPEN_CREATE|sqlite3.OPEN_URI)
}

// openFile opens (creating) the database file of c inside the grant,
// through the grant's VFS (see grantVFS), which refuses symlinks, hard
// links and files that are not regular, and never blocks.
func (s *Session) openFile(c *conn) (*sqlite3.Conn, error) {
	return s.openURI(c, s.fileURI(c.name),
		sqlite3.OPEN_READWRITE|sqlite3.OPEN_CREATE|sqlite3.OPEN_NOFOLLOW|sqlite3.OPEN_URI)
}

// openURI opens the database at uri with flags for c and configures it.
func (s *Session) openURI(c *conn, uri string, flags sqlite3.OpenFlag) (*sqlite3.Conn, error) {
	sc, err := sqlite3.OpenFlags(uri, flags)
	if err != nil {
		return nil, s.connErr(c, err)
	}
	if err := s.configure(sc, c); err != nil {
		sc.Close()
		return nil, s.connErr(c, err)
	}
	return sc, nil
}

// fileURI is the URI that opens name through the grant's VFS.
func (s *Session) fileURI(name string) string {
	path := name
	if !vfsRelative {
		path = filepath.ToSlash(filepath.Join(s.g.dir, filepath.FromSlash(name)))
	}
	u := url.URL{Scheme: "file", Opaque: (&url.URL{Path: path}).EscapedPath(), RawQuery: "vfs=" + url.QueryEscape(s.g.vfs)}
	return u.String()
}

// configure applies the Session's context and the connection's settings
// and confinement: the busy handler (busy.go); no attached databases, defensive mode,
// untrusted schema, no views, no extensions; for files WAL and
// synchronous=NORMAL, for memory the size cap; the schema check; and last
// the authorizer, so the host's own statements above are not subject to
// it. Switching to WAL reads the header, so a file that is not a database
// fails here.
func (s *Session) configure(sc *sqlite3.Conn, c *conn) error {
	sc.SetInterrupt(s.ctx)
	c.busy = newBusyWait()
	if err := sc.BusyHandler(c.busy.retry); err != nil {
		return err
	}
	sc.Limit(sqlite3.LIMIT_ATTACHED, 0)
	sc.Limit(sqlite3.LIMIT_SQL_LENGTH, maxSQLBytes)
	for _, o := range []struct {
		op sqlite3.DBConfig
		on bool
	}{
		{sqlite3.DBCONFIG_DEFENSIVE, true},
		{sqlite3.DBCONFIG_TRUSTED_SCHEMA, false},
		{sqlite3.DBCONFIG_ENABLE_VIEW, false},
		{sqlite3.DBCONFIG_ENABLE_LOAD_EXTENSION, false},
		{sqlite3.DBCONFIG_WRITABLE_SCHEMA, false},
		// Plans do not depend on bound values: statements are not prepared
		// again (and authorized again) on every step.
		{sqlite3.DBCONFIG_ENABLE_QPSG, true},
	} {
		if _, err := sc.Config(o.op, o.on); err != nil {
			return err
		}
	}
	if c.memory {
		pages := s.g.limits.MemoryBytes / memoryPageSize
		if err := sc.Exec("PRAGMA page_size=" + strconv.Itoa(memoryPageSize) + "; PRAGMA max_page_count=" + strconv.FormatInt(max(pages, 2), 10)); err != nil {
			return err
		}
	} else {
		if err := s.switchToWAL(sc); err != nil {
			return err
		}
		if err := sc.Exec("PRAGMA synchronous=NORMAL"); err != nil {
			return err
		}
	}
	if !s.permissive {
		if err := checkSchema(sc, c.label); err != nil {
			return err
		}
	}
	return sc.SetAuthorizer(func(action sqlite3.AuthorizerActionCode, name3, name4, schema, _ string) sqlite3.AuthorizerReturnCode {
		if s.permissive || authorize(action, name3, name4, schema) {
			return sqlite3.AUTH_OK
		}
		c.denied = describeAction(action, name3, name4, schema)
		return sqlite3.AUTH_DENY
	})
}

// memoryPageSize is the page size of the in-memory database.
const memoryPageSize = 4096

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

// closeConn finalizes c's statements, releases their handles and closes
// its connection.
func (s *Session) closeConn(c *conn) error {
	for h, e := range c.stmts {
		s.stmts.remove(uint32(h))
		s.text -= len(e.sql)
	}
	if c.c == nil {
		clear(c.stmts)
		return nil
	}
	for _, e := range c.stmts {
		if e.s != nil {
			_ = e.s.Close()
		}
	}
	clear(c.stmts)
	err := c.c.Close()
	c.c = nil
	s.live--
	s.g.connClosed()
	return s.g.sqlErr(c.label, err)
}
