//go:build unix

package filecap

import (
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/sandcache/sandcache/internal/captest"
	"github.com/sandcache/sandcache/internal/guest/capability"
)

// grantBeside is a fresh folder to grant, next to an outside folder holding a
// canary file (captest.NewGrant).
func grantBeside(t *testing.T) (string, *captest.Outside) {
	return captest.NewGrant(t, "canary.json", []byte("canary, do not touch"))
}

func TestSymlinksAreNeverFollowed(t *testing.T) {
	grant, o := grantBeside(t)
	os.MkdirAll(filepath.Join(grant, "files", "ns"), 0o777)
	os.WriteFile(filepath.Join(grant, "files", "ns", "real.json"), []byte("real"), 0o666)
	f := openFiles(t, grant)

	links := map[string]string{
		// files pointing out, relative and absolute
		"files/ns/rel-file.json": "../../../outside/canary.json",
		"files/ns/abs-file.json": o.Canary,
		// folders pointing out, relative and absolute
		"files/rel-dir": "../../outside",
		"files/abs-dir": o.Dir,
		// symlinks that stay inside the grant are refused too
		"files/ns/in-file.json": "real.json",
		"files/in-dir":          "ns",
		// dangling, into a name that would be created outside
		"files/ns/new.json": "../../../outside/new.json",
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(grant, filepath.FromSlash(name))); err != nil {
			t.Fatal(err)
		}
	}
	o.Check(t, "setup")

	fileLinks := []string{"files/ns/rel-file.json", "files/ns/abs-file.json", "files/ns/in-file.json", "files/ns/new.json"}
	dirLinks := []string{"files/rel-dir", "files/abs-dir", "files/in-dir"}
	var throughDirs []string
	for _, d := range dirLinks {
		throughDirs = append(throughDirs, d+"/canary.json", d+"/real.json", d+"/sub/new.json")
	}

	notPermitted := func(what string, err error) {
		t.Helper()
		if capability.CodeOf(err) != capability.NotPermitted {
			t.Errorf("%s: %v; want not-permitted", what, err)
		}
		o.Check(t, what)
	}
	for _, p := range append(slices.Clone(fileLinks), throughDirs...) {
		_, _, err := f.Read(p)
		notPermitted("Read "+p, err)
		notPermitted("WriteAtomic "+p, f.WriteAtomic(p, []byte("pwned")))
		_, err = f.Remove(p)
		notPermitted("Remove "+p, err)
		_, err = f.Replace(p, o.Data, []byte("pwned"))
		notPermitted("Replace "+p, err)
		_, err = f.Replace(p, o.Data, nil)
		notPermitted("Replace-remove "+p, err)
	}
	for _, d := range dirLinks {
		_, err := f.List(d)
		notPermitted("List "+d, err)
		_, err = f.RemoveDir(d)
		notPermitted("RemoveDir "+d, err)
		_, err = f.RemoveDir(d + "/sub")
		notPermitted("RemoveDir "+d+"/sub", err)
		_, err = f.CleanStaleTemps(d, 0)
		notPermitted("CleanStaleTemps "+d, err)
	}
	// Listing the folder that holds the links shows neither.
	names, err := f.List("files/ns")
	if err != nil || !slices.Equal(names, []string{"real.json"}) {
		t.Errorf("List files/ns = %q, %v", names, err)
	}
	// Removing a folder that holds the links removes the links only.
	if existed, err := f.RemoveDir("files"); !existed || err != nil {
		t.Fatalf("RemoveDir files = %v, %v", existed, err)
	}
	o.Check(t, "RemoveDir files")
	if _, err := os.Lstat(filepath.Join(grant, "files")); !os.IsNotExist(err) {
		t.Fatalf("files still there: %v", err)
	}
}

func TestGrantedFolderBehindSymlink(t *testing.T) {
	// The granted folder itself may be reached through a symlink (e.g. /tmp
	// on macOS): that is the host's choice, not the guest's.
	parent := t.TempDir()
	real := filepath.Join(parent, "real")
	os.Mkdir(real, 0o777)
	link := filepath.Join(parent, "link")
	os.Symlink(real, link)
	f := openFiles(t, link)
	mustWrite(t, f, "a/b", []byte("x"))
	if data, ok, err := f.Read("a/b"); string(data) != "x" || !ok || err != nil {
		t.Fatalf("Read = %q, %v, %v", data, ok, err)
	}
}

// within is captest.Within with a bound of 5 s.
func within(t *testing.T, what string, fn func()) {
	t.Helper()
	captest.Within(t, what, 5*time.Second, fn)
}

func TestSpecialFilesAreRefused(t *testing.T) {
	for _, kind := range []string{"fifo", "socket", "device", "hardlink", "symlink"} {
		t.Run(kind, func(t *testing.T) {
			grant, o := grantBeside(t)
			const rel = "files/ns/0000000000000000000000000000000000000000000000000000000000000000.json"
			captest.Plant(t, filepath.Join(grant, filepath.FromSlash(rel)), kind, o.Canary)
			f := openFiles(t, grant, WithSizeLimit(1<<20))
			notPermitted := func(what string, err error) {
				t.Helper()
				if capability.CodeOf(err) != capability.NotPermitted {
					t.Errorf("%s of a %s: %v; want not-permitted", what, kind, err)
				}
				o.Check(t, what)
			}
			within(t, "Read", func() {
				data, ok, err := f.Read(rel)
				notPermitted("Read", err)
				if data != nil || ok {
					t.Errorf("Read of a %s returned %q, %v", kind, data, ok)
				}
			})
			within(t, "Replace", func() {
				_, err := f.Replace(rel, o.Data, []byte("pwned"))
				notPermitted("Replace", err)
				_, err = f.Replace(rel, o.Data, nil)
				notPermitted("Replace-remove", err)
			})
			within(t, "WriteAtomic", func() { notPermitted("WriteAtomic", f.WriteAtomic(rel, []byte("pwned"))) })
			within(t, "Remove", func() {
				_, err := f.Remove(rel)
				notPermitted("Remove", err)
			})
			within(t, "List", func() {
				// A hard link is a regular file by its entry: listed (the
				// name is harmless), refused when used.
				names, err := f.List("files/ns")
				if err != nil || len(names) != 0 && kind != "hardlink" {
					t.Errorf("List shows %q, %v", names, err)
				}
			})
			if _, err := os.Lstat(filepath.Join(grant, filepath.FromSlash(rel))); err != nil {
				t.Errorf("the planted %s is gone: %v", kind, err)
			}
			// RemoveDir removes it as a name, never touching what it points to.
			within(t, "RemoveDir", func() {
				if existed, err := f.RemoveDir("files"); !existed || err != nil {
					t.Errorf("RemoveDir = %v, %v", existed, err)
				}
			})
			o.Check(t, "RemoveDir")
		})
	}
}

func TestStaleHardLinkedTempIsKept(t *testing.T) {
	// A temp-named hard link to the outside, old enough to be stale: the
	// clean-up leaves it alone (it is not a file of the cache).
	grant, o := grantBeside(t)
	tmp := ".a.json.0123456789abcdef.tmp"
	captest.Plant(t, filepath.Join(grant, filepath.FromSlash(tmp)), "hardlink", o.Canary)
	old := time.Now().Add(-time.Hour)
	os.Chtimes(filepath.Join(grant, tmp), old, old)
	os.Chtimes(o.Canary, o.MTime, o.MTime)
	f := openFiles(t, grant)
	if n, err := f.CleanStaleTemps("", time.Minute); n != 0 || err != nil {
		t.Fatalf("CleanStaleTemps = %d, %v", n, err)
	}
	o.Check(t, "CleanStaleTemps")
}

func TestSparseHugeFileIsNotAllocated(t *testing.T) {
	dir := t.TempDir()
	f := openFiles(t, dir, WithSizeLimit(1<<20))
	p := filepath.Join(dir, "huge.json")
	file, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := file.Truncate(200 << 30); err != nil {
		file.Close()
		t.Skip("no sparse 200 GB files here:", err)
	}
	file.Close()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	var rerr error
	within(t, "Read", func() { _, _, rerr = f.Read("huge.json") })
	runtime.ReadMemStats(&after)
	wantCode(t, "Read of a 200 GB file", rerr, capability.Corrupt)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 1<<20 {
		t.Fatalf("Read of a 200 GB file allocated %d bytes", grew)
	}
}

func TestSpecialFileAsFolder(t *testing.T) {
	for _, kind := range []string{"fifo", "socket", "device"} {
		t.Run(kind, func(t *testing.T) {
			grant, o := grantBeside(t)
			captest.Plant(t, filepath.Join(grant, filepath.FromSlash("files/ns")), kind, o.Canary)
			f := openFiles(t, grant)
			within(t, "calls", func() {
				_, _, err := f.Read("files/ns/a.json")
				wantCode(t, "Read", err, capability.NotPermitted)
				wantCode(t, "WriteAtomic", f.WriteAtomic("files/ns/a.json", []byte("x")), capability.NotPermitted)
				_, err = f.List("files/ns")
				wantCode(t, "List", err, capability.NotPermitted)
				_, err = f.Remove("files/ns/a.json")
				wantCode(t, "Remove", err, capability.NotPermitted)
			})
			o.Check(t, kind)
		})
	}
}
