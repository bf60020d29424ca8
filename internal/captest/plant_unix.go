//go:build unix

package captest

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// PlantKinds are the kinds of file Plant makes that are not regular files
// with one link: what a hostile folder holds where a store expects its own.
var PlantKinds = []string{"fifo", "socket", "device", "hardlink", "symlink"}

// Plant makes, at path (creating its parent folders), a file of kind:
// "fifo"; "socket" (a socket file, as bind makes; bind limits the path's
// length); "device" (a character device with /dev/zero's numbers, 1 and 5:
// reading it never ends; making one needs root); "hardlink" or "symlink"
// (to target); "sparse" (a 200 GiB file that holds no data); "folder". It
// skips the test when the system cannot make one.
func Plant(t testing.TB, path, kind, target string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o777); err != nil {
		t.Fatal(err)
	}
	var err error
	switch kind {
	case "fifo":
		err = syscall.Mkfifo(path, 0o666)
	case "socket":
		err = syscall.Mknod(path, syscall.S_IFSOCK|0o666, 0)
	case "device":
		err = syscall.Mknod(path, syscall.S_IFCHR|0o666, 1<<8|5)
	case "hardlink":
		err = os.Link(target, path)
	case "symlink":
		err = os.Symlink(target, path)
	case "sparse":
		var f *os.File
		if f, err = os.Create(path); err == nil {
			err = f.Truncate(200 << 30)
			f.Close()
		}
	case "folder":
		err = os.Mkdir(path, 0o777)
	default:
		t.Fatalf("captest.Plant: unknown kind %q", kind)
	}
	if err != nil {
		t.Skipf("cannot plant a %s here: %v", kind, err)
	}
}
