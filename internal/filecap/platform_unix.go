//go:build unix

package filecap

import (
	"io/fs"
	"os"
	"syscall"
)

// openNoFollow is added to the flags of creating opens: never through a
// symlink (O_EXCL already guarantees it).
const openNoFollow = syscall.O_NOFOLLOW

// openReadFlags opens files for reading without following a symlink as the
// last component (os.Root adds O_NOFOLLOW itself, then resolves a symlink
// that stays inside the root: readIn sees a different file than its lstat
// and refuses it) and without blocking on a FIFO or device swapped in
// after readIn's lstat: it is then refused by its fstat before anything is
// read.
const openReadFlags = os.O_RDONLY | syscall.O_NOFOLLOW | syscall.O_NONBLOCK

// linkCount returns the number of hard links of the file fi describes (from
// lstat or fstat).
func linkCount(fi fs.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Nlink)
	}
	return 1
}

// syncFolder makes the folder's entries (a rename) durable.
func syncFolder(dir *os.File) error {
	return dir.Sync()
}
