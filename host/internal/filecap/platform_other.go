//go:build !unix

package filecap

import "os"

// openReadFlags opens files for reading.
const openReadFlags = os.O_RDONLY

// syncFolder does nothing: folders cannot be fsynced here, and renames are
// journaled by the file system.
func syncFolder(*os.File) error {
	return nil
}
