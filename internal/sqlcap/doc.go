// Package sqlcap is the host's native implementation of the `sql`
// capability (WIT interface `sql`, Go interface capability.SQL) on
// github.com/ncruces/go-sqlite3: SQLite databases inside a granted folder,
// plus one shared in-memory database per grant.
//
// A [Grant] is a granted folder and its in-memory database; it is shared by
// every guest instance of one cache. A [Session] is one guest instance's
// view: its open connections, prepared statements and their handles.
//
// # Confinement
//
// The guest is assumed hostile (it may run any SQL through the capability)
// and so is the granted folder (anything may be planted in it).
//
// Files. Database names are checked like file paths (filecap.SplitPath)
// and missing folders are created through os.Root without following
// symlinks (filecap.EnsureFolders). SQLite then reaches files only through
// the grant's own VFS (vfs_unix.go): every file is opened relative to the
// granted folder, each component with O_NOFOLLOW, with O_NONBLOCK (a FIFO
// or device cannot block the open), and fstat-checked before SQLite reads
// a byte: the database and its -journal, -wal and -shm must be regular
// files with exactly one link. A FIFO, socket, device, hard link or
// symlink makes the call fail with NotPermitted, naming the file. The main
// database file is reopened by go-sqlite3's OS VFS (for its locks and
// WAL-index), which must open the very file checked; the -shm file it
// opens by path is checked when the database is opened.
//
// SQL. Every connection (file and memory) allows no attached database
// (SQLITE_LIMIT_ATTACHED = 0), runs with SQLITE_DBCONFIG_DEFENSIVE, an
// untrusted schema, views disabled and no extension loading, and has an
// authorizer (authorizer.go) that allows exactly what a cache needs: the
// guest's queries on cache_entries and sandcache_counts, its own CREATE
// TABLE/INDEX/TRIGGER and DROP TRIGGER, BEGIN/COMMIT/ROLLBACK, the
// functions count, max, coalesce, substr and length, and the pragmas
// journal_mode=WAL, synchronous=NORMAL and busy_timeout. Anything else
// (ATTACH, VACUUM INTO, PRAGMA database_list, other tables, functions and
// pragmas, recursive queries) fails with NotPermitted when it is prepared.
// Before that, Open reads the schema: an object neither sandcache nor Harn
// creates (a planted trigger or view, or a known name with other SQL) fails
// Open with Corrupt, naming it. Error messages carry names relative to the
// grant, never the host's absolute path.
//
// # Connections and limits
//
// File databases use journal_mode=WAL, synchronous=NORMAL and a busy
// timeout of [BusyTimeout], so writers that begin with BEGIN IMMEDIATE
// queue for the lock instead of failing with "database is locked". A
// Session keeps one handle per database name, shared by every Open of
// that name until the last matching Close. [Limits] caps the handles, the
// prepared statements and the SQLite connections of a Session, and the
// in-memory database's size. Handles beyond the connection cap share
// connections: the least recently used idle connection (no transaction,
// no statement bound or stepping) is closed and reopened on its next use,
// its statements prepared again, so descriptors do not grow with the
// number of databases used. go-sqlite3 runs each connection in its own
// wasm memory (up to 256 MiB); running out is an IO error.
package sqlcap
