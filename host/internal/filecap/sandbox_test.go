//go:build unix

package filecap

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/sandcache/sandcache/guest/capability"
)

// outside is a folder next to the granted one, with a canary file whose
// bytes, mtime and siblings must survive anything done through the grant.
type outside struct {
	dir, canary string
	data        []byte
	mtime       time.Time
}

func newOutside(t *testing.T, parent string) *outside {
	t.Helper()
	o := &outside{dir: filepath.Join(parent, "outside"), data: []byte("canary, do not touch")}
	if err := os.MkdirAll(o.dir, 0o777); err != nil {
		t.Fatal(err)
	}
	o.canary = filepath.Join(o.dir, "canary.json")
	if err := os.WriteFile(o.canary, o.data, 0o666); err != nil {
		t.Fatal(err)
	}
	o.mtime = time.Now().Add(-time.Hour).Truncate(time.Second)
	if err := os.Chtimes(o.canary, o.mtime, o.mtime); err != nil {
		t.Fatal(err)
	}
	return o
}

func (o *outside) check(t *testing.T, after string) {
	t.Helper()
	data, err := os.ReadFile(o.canary)
	if err != nil || !bytes.Equal(data, o.data) {
		t.Fatalf("after %s: canary is %q, %v", after, data, err)
	}
	fi, err := os.Stat(o.canary)
	if err != nil || !fi.ModTime().Equal(o.mtime) {
		t.Fatalf("after %s: canary mtime changed: %v, %v", after, fi.ModTime(), err)
	}
	ents, _ := os.ReadDir(o.dir)
	if len(ents) != 1 {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Fatalf("after %s: outside folder holds %q", after, names)
	}
}

func TestSymlinksAreNeverFollowed(t *testing.T) {
	parent := t.TempDir()
	o := newOutside(t, parent)
	grant := filepath.Join(parent, "grant")
	os.MkdirAll(filepath.Join(grant, "files", "ns"), 0o777)
	os.WriteFile(filepath.Join(grant, "files", "ns", "real.json"), []byte("real"), 0o666)
	f, err := Open(grant)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	links := map[string]string{
		// files pointing out, relative and absolute
		"files/ns/rel-file.json": "../../../outside/canary.json",
		"files/ns/abs-file.json": o.canary,
		// folders pointing out, relative and absolute
		"files/rel-dir": "../../outside",
		"files/abs-dir": o.dir,
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
	o.check(t, "setup")

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
		o.check(t, what)
	}
	for _, p := range append(slices.Clone(fileLinks), throughDirs...) {
		_, _, err := f.Read(p)
		notPermitted("Read "+p, err)
		notPermitted("WriteAtomic "+p, f.WriteAtomic(p, []byte("pwned")))
		_, err = f.Remove(p)
		notPermitted("Remove "+p, err)
		_, err = f.Replace(p, o.data, []byte("pwned"))
		notPermitted("Replace "+p, err)
		_, err = f.Replace(p, o.data, nil)
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
	o.check(t, "RemoveDir files")
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
	f, err := Open(link)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.WriteAtomic("a/b", []byte("x")); err != nil {
		t.Fatal(err)
	}
	if data, ok, err := f.Read("a/b"); string(data) != "x" || !ok || err != nil {
		t.Fatalf("Read = %q, %v, %v", data, ok, err)
	}
}

func TestFIFOIsNotRead(t *testing.T) {
	f, dir := newFiles(t)
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o666); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	done := make(chan error, 1)
	go func() {
		_, _, err := f.Read("fifo")
		done <- err
	}()
	select {
	case err := <-done:
		if capability.CodeOf(err) != capability.IO {
			t.Fatalf("Read fifo: %v; want io", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Read of a FIFO blocked")
	}
	wantCode(t, "WriteAtomic over a FIFO", f.WriteAtomic("fifo", nil), capability.IO)
	if names, _ := f.List(""); len(names) != 0 {
		t.Fatalf("List shows %q", names)
	}
}
