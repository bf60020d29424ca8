//go:build unix

package filecap

import (
	"os"
	"syscall"
)

// openReadFlags opens files for reading without blocking on a FIFO planted
// where a file is expected (it is then refused as not a regular file).
const openReadFlags = os.O_RDONLY | syscall.O_NONBLOCK

// syncFolder makes the folder's entries (a rename) durable.
func syncFolder(dir *os.File) error {
	return dir.Sync()
}
