package filecap

import (
	"errors"
	"io/fs"
	"os"
	"strings"

	"github.com/sandcache/sandcache/internal/guest/capability"
)

// folder is a folder inside the granted folder, opened without following any
// symlink. Close it with close.
type folder struct {
	rel    string   // relative path, "" for the granted folder
	root   *os.Root // the folder
	parent *os.Root // its parent; nil for the granted folder
	name   string   // its name in parent
	base   *os.Root // the granted folder (not owned)

	dir    *os.File // the folder opened for locking and fsync (openLocked)
	unlock func()
}

func (d *folder) close() {
	if d.unlock != nil {
		d.unlock()
		d.unlock = nil
	}
	if d.dir != nil {
		d.dir.Close()
		d.dir = nil
	}
	if d.root != nil && d.root != d.base {
		d.root.Close()
	}
	if d.parent != nil && d.parent != d.base {
		d.parent.Close()
	}
	d.root, d.parent = nil, nil
}

// openFolder opens the folder whose components are parts (none: the granted
// folder itself). With create, missing folders are made; without, a missing
// folder, or a regular file where a folder is expected, yields errMissing. A
// symlink or special file (FIFO, socket, device) anywhere yields
// NotPermitted.
func openFolder(base *os.Root, parts []string, create bool) (*folder, error) {
	for range maxAttempts {
		d, err := tryOpenFolder(base, parts, create)
		if err != errRaced {
			return d, err
		}
	}
	return nil, capability.Errorf(capability.IO, "files: folder %s keeps changing", quoted(strings.Join(parts, "/")))
}

func tryOpenFolder(base *os.Root, parts []string, create bool) (*folder, error) {
	d := &folder{root: base, base: base}
	for i, name := range parts {
		rel := strings.Join(parts[:i+1], "/")
		fi, err := d.root.Lstat(name)
		if create && errors.Is(err, fs.ErrNotExist) {
			if err := d.root.Mkdir(name, 0o777); err != nil && !errors.Is(err, fs.ErrExist) {
				d.close()
				return nil, ioErr("create folder", rel, err)
			}
			fi, err = d.root.Lstat(name)
		}
		switch {
		case errors.Is(err, fs.ErrNotExist):
			d.close()
			if create { // made, then removed by someone else
				return nil, errRaced
			}
			return nil, errMissing
		case err != nil:
			d.close()
			return nil, ioErr("open folder", rel, err)
		case fi.Mode()&fs.ModeSymlink != 0:
			d.close()
			return nil, symlinkErr(rel)
		case !fi.IsDir() && !fi.Mode().IsRegular():
			// A FIFO, socket or device where a folder is expected.
			d.close()
			return nil, checkKind(fi, rel)
		case !fi.IsDir():
			d.close()
			if create {
				return nil, capability.Errorf(capability.IO, "files: %s is not a folder", quoted(rel))
			}
			return nil, errMissing
		}
		next, err := d.root.OpenRoot(name)
		if err != nil {
			d.close()
			return nil, errRaced
		}
		// next is what name led to when opened; fi is name itself. The same
		// file means no symlink was followed, even if one was swapped in.
		if st, err := next.Stat("."); err != nil || !os.SameFile(fi, st) {
			next.Close()
			d.close()
			return nil, errRaced
		}
		if d.parent != nil && d.parent != base {
			d.parent.Close()
		}
		d.parent, d.root, d.name = d.root, next, name
	}
	d.rel = strings.Join(parts, "/")
	return d, nil
}

// openLocked opens the folder like openFolder, then takes its write lock and
// checks, under the lock, that it is still linked where it was found (a
// concurrent RemoveDir may have removed it meanwhile; then it is opened
// again, or errMissing without create).
//
// After losing that race twice, a creating caller first takes the parent's
// lock, which RemoveDir also takes (locks are always taken parent first),
// so the folder it makes cannot be removed before it is locked.
func openLocked(base *os.Root, parts []string, create bool) (*folder, error) {
	for attempt := range maxAttempts {
		var guard *folder
		if create && attempt >= 2 && len(parts) > 0 {
			g, err := openLocked(base, parts[:len(parts)-1], true)
			if err != nil {
				return nil, err
			}
			guard = g
		}
		d, err := lockOnce(base, parts, create)
		if guard != nil {
			guard.close()
		}
		if err != errRaced {
			return d, err
		}
	}
	return nil, capability.Errorf(capability.IO, "files: folder %s keeps changing", quoted(strings.Join(parts, "/")))
}

// lockOnce is one attempt of openLocked; errRaced means try again.
func lockOnce(base *os.Root, parts []string, create bool) (*folder, error) {
	d, err := openFolder(base, parts, create)
	if err != nil {
		return nil, err
	}
	dir, err := d.root.Open(".")
	if err != nil {
		d.close()
		return nil, ioErr("open folder", d.rel, err)
	}
	d.dir = dir
	unlock, err := lockFolder(dir)
	if err != nil {
		d.close()
		return nil, ioErr("lock folder", d.rel, err)
	}
	d.unlock = unlock
	if d.parent == nil {
		return d, nil
	}
	fi, lerr := d.parent.Lstat(d.name)
	st, serr := dir.Stat()
	if lerr == nil && serr == nil && os.SameFile(fi, st) {
		return d, nil
	}
	d.close()
	if !create && errors.Is(lerr, fs.ErrNotExist) {
		return nil, errMissing
	}
	return nil, errRaced
}

// EnsureFolders makes sure the folders parts (components from [SplitPath])
// exist inside root as real folders, creating missing ones, and that none of
// them is a symlink. It returns *capability.Error: NotPermitted for a
// symlink, IO when a component is a file or cannot be created.
func EnsureFolders(root *os.Root, parts []string) error {
	d, err := openFolder(root, parts, true)
	if err != nil {
		return err
	}
	d.close()
	return nil
}

// openExisting opens the existing folder parts, with its write lock when
// locked (openLocked) or else as openFolder does; a missing folder gives nil
// and no error.
func (f *Files) openExisting(parts []string, locked bool) (*folder, error) {
	open := openFolder
	if locked {
		open = openLocked
	}
	d, err := open(f.root, parts, false)
	if err == errMissing {
		return nil, nil
	}
	return d, err
}

// openParent splits path (SplitPath) and opens the existing folder that
// holds it, as openExisting does; d is nil when path is invalid (err says
// why) or that folder does not exist (no error). parts are path's
// components.
func (f *Files) openParent(path string, locked bool) (d *folder, parts []string, err error) {
	if parts, err = SplitPath(path); err != nil {
		return nil, nil, err
	}
	d, err = f.openExisting(parts[:len(parts)-1], locked)
	return d, parts, err
}

// splitFolder splits the folder path dir like SplitPath; "" is the granted
// folder (no parts).
func splitFolder(dir string) ([]string, error) {
	if dir == "" {
		return nil, nil
	}
	return SplitPath(dir)
}

// eachEntryOf calls fn for each entry of folder d (dir is its relative path
// for errors), as eachEntry does.
func eachEntryOf(d *folder, dir string, fn func(name string, isDir bool)) error {
	file, err := d.root.Open(".")
	if err != nil {
		return ioErr("list", dir, err)
	}
	defer file.Close()
	if err := eachEntry(d, file, fn); err != nil {
		return ioErr("list", dir, err)
	}
	return nil
}
