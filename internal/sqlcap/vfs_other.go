//go:build !unix

package sqlcap

import "github.com/ncruces/go-sqlite3/vfs"

// newGrantVFS: off unix the OS VFS is used as is (names are still checked
// by Open, and SQLite opens them with SQLITE_OPEN_NOFOLLOW).
func newGrantVFS(*Grant) vfs.VFS { return vfs.Find("os") }

const vfsRelative = false
