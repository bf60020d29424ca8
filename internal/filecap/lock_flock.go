//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package filecap

import (
	"os"
	"syscall"
)

// lockFolder takes an exclusive flock on the opened folder dir, which
// excludes other processes and other opens in this one. It blocks until the
// lock is free; closing dir also releases it.
func lockFolder(dir *os.File) (unlock func(), err error) {
	rc, err := dir.SyscallConn()
	if err != nil {
		return nil, err
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) {
		for {
			ferr = syscall.Flock(int(fd), syscall.LOCK_EX)
			if ferr != syscall.EINTR {
				return
			}
		}
	}); err != nil {
		return nil, err
	}
	if ferr != nil {
		return nil, &os.SyscallError{Syscall: "flock", Err: ferr}
	}
	return func() {
		_ = rc.Control(func(fd uintptr) { _ = syscall.Flock(int(fd), syscall.LOCK_UN) })
	}, nil
}
