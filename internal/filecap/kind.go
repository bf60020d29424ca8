package filecap

import (
	"io/fs"

	"github.com/sandcache/sandcache/internal/guest/capability"
)

// checkKind accepts only what a file of the cache may be: a regular file
// with exactly one link. fi comes from lstat of the name, or from fstat of
// what opening it (without following a symlink) gave. A symlink, FIFO,
// socket, device or other special file, and a regular file with more than
// one link (a hard link may share its contents with a file outside the
// granted folder), fail with NotPermitted; a folder with IO, as before.
func checkKind(fi fs.FileInfo, rel string) error {
	m := fi.Mode()
	switch {
	case m&fs.ModeSymlink != 0:
		return symlinkErr(rel)
	case m.IsDir():
		return capability.Errorf(capability.IO, "files: %s is a folder", quoted(rel))
	case !m.IsRegular():
		return capability.Errorf(capability.NotPermitted, "files: %s is not a regular file (%s); only regular files are used", quoted(rel), kindName(m))
	case linkCount(fi) != 1:
		return capability.Errorf(capability.NotPermitted, "files: %s has %d hard links; only files with one link are used", quoted(rel), linkCount(fi))
	}
	return nil
}

// kindName names a special file's type for messages.
func kindName(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "a special file"
}
