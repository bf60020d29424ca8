//go:build !unix

package filecap

import (
	"io/fs"
	"os"
)

// openNoFollow is added to the flags of creating opens: never through a
// symlink (O_EXCL already guarantees it).
const openNoFollow = 0

// openReadFlags opens files for reading.
const openReadFlags = os.O_RDONLY

// linkCount is 1: hard links are not counted here.
func linkCount(fs.FileInfo) uint64 { return 1 }

// syncFolder does nothing: folders cannot be fsynced here, and renames are
// journaled by the file system.
func syncFolder(*os.File) error {
	return nil
}
