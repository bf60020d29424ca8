package filecap

import (
	"errors"
	"io/fs"
	"os"

	"github.com/sandcache/sandcache/internal/guest/capability"
)

// errMissing reports that a folder on the way does not exist (or is not a
// folder); callers turn it into "not found" results.
var errMissing = errors.New("files: folder does not exist")

// errRaced reports that a folder changed while it was being opened; the
// caller retries.
var errRaced = errors.New("files: folder changed while being opened")

// maxAttempts bounds retries after concurrent changes (a folder removed
// while a write was about to use it, a file replaced while it was opened).
const maxAttempts = 64

// Cause strips the path wrappers of an os error (fs.PathError,
// os.LinkError, os.SyscallError), whose paths may be absolute, and returns
// the underlying error (usually a syscall.Errno), fit for a message the
// guest sees.
func Cause(err error) error {
	for {
		var pe *fs.PathError
		var le *os.LinkError
		var se *os.SyscallError
		switch {
		case errors.As(err, &pe):
			err = pe.Err
		case errors.As(err, &le):
			err = le.Err
		case errors.As(err, &se):
			err = se.Err
		default:
			return err
		}
	}
}

// ioErr builds the IO error of operation op on the relative path rel.
func ioErr(op, rel string, err error) error {
	return capability.Errorf(capability.IO, "files: cannot %s %s: %v", op, quoted(rel), Cause(err))
}

// symlinkErr is the error for a symlink met on the way to rel.
func symlinkErr(rel string) error {
	return capability.Errorf(capability.NotPermitted, "files: %s is a symbolic link; links are not followed", quoted(rel))
}

// quoted names rel in messages ("the granted folder" for "").
func quoted(rel string) string {
	if rel == "" {
		return "the granted folder"
	}
	return `"` + rel + `"`
}
