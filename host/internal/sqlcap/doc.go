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
// Database names are checked like file paths (filecap.SplitPath), the
// folders on the way are created and checked through os.Root without
// following any symlink (filecap.EnsureFolders), and a symlink as the
// database file is refused. SQLite then opens the file by absolute path
// with SQLITE_OPEN_NOFOLLOW: go-sqlite3's OS VFS resolves the full path and
// reports any symlink in it, which SQLite then refuses (CANTOPEN_SYMLINK),
// and it opens the database, -journal, -wal and -shm files with O_NOFOLLOW.
// So a symlink planted anywhere on the way, even after the checks, makes
// Open fail with NotPermitted; it never redirects SQLite.
//
// # Connections
//
// File databases use journal_mode=WAL, synchronous=NORMAL and a busy
// timeout of [BusyTimeout], so writers that begin with BEGIN IMMEDIATE
// queue for the lock instead of failing with "database is locked". A
// Session keeps one connection per database name, shared by every Open of
// that name until the last matching Close. go-sqlite3 runs each connection
// in its own wasm memory (up to 256 MiB); running out is an IO error.
package sqlcap
