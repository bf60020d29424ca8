package filecap

import (
	"errors"
	"io/fs"

	"github.com/sandcache/sandcache/internal/guest/capability"
)

// Remove removes the file at path; existed is false when there was none. It
// removes files only: a folder fails with IO, a symlink or anything but a
// regular file with one link with NotPermitted (see checkKind).
func (f *Files) Remove(path string) (existed bool, err error) {
	d, parts, err := f.openParent(path, true)
	if d == nil {
		return false, err
	}
	defer d.close()
	return removeIn(d, parts[len(parts)-1], path)
}

// removeIn removes the file name of the locked folder d.
func removeIn(d *folder, name, rel string) (bool, error) {
	fi, err := d.root.Lstat(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	case err != nil:
		return false, ioErr("remove", rel, err)
	case fi.IsDir():
		return false, capability.Errorf(capability.IO, "files: %s is a folder; remove-dir removes folders", quoted(rel))
	}
	if err := checkKind(fi, rel); err != nil {
		return false, err
	}
	if err := d.root.Remove(name); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return false, nil
		}
		return false, ioErr("remove", rel, err)
	}
	return true, nil
}
