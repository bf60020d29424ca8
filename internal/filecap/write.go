package filecap

import (
	"errors"
	"io/fs"
	"os"
)

// WriteAtomic replaces the file at path with data, creating the folders on
// the way: temp file in the same folder, write, fsync, rename over the
// target, fsync the folder. Readers see the old or the new file, never a
// partial one. A symlink as the file or a folder fails with NotPermitted,
// and so does an existing file that is not a regular file with one link;
// data over the size limit fails with InvalidArgument.
func (f *Files) WriteAtomic(path string, data []byte) error {
	parts, err := SplitPath(path)
	if err != nil {
		return err
	}
	d, err := openLocked(f.root, parts[:len(parts)-1], true)
	if err != nil {
		return err
	}
	defer d.close()
	name := parts[len(parts)-1]
	if err := f.checkWriteSize(path, len(data)); err != nil {
		return err
	}
	if err := checkTarget(d, name, path); err != nil {
		return err
	}
	return writeIn(d, name, path, data)
}

// checkTarget refuses to replace anything but a regular file with one link
// (or nothing): see checkKind.
func checkTarget(d *folder, name, rel string) error {
	fi, err := d.root.Lstat(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return ioErr("write", rel, err)
	}
	return checkKind(fi, rel)
}

// writeIn atomically replaces name in the locked folder d with data.
func writeIn(d *folder, name, rel string, data []byte) error {
	tmp, file, err := createTemp(d.root, name)
	if err != nil {
		return ioErr("write", rel, err)
	}
	if err := writeSyncClose(file, data); err != nil {
		_ = d.root.Remove(tmp)
		return ioErr("write", rel, err)
	}
	if err := d.root.Rename(tmp, name); err != nil {
		_ = d.root.Remove(tmp)
		return ioErr("write", rel, err)
	}
	if err := syncFolder(d.dir); err != nil {
		return ioErr("sync the folder of", rel, err)
	}
	return nil
}

func writeSyncClose(file *os.File, data []byte) error {
	_, err := file.Write(data)
	if err == nil {
		err = file.Sync()
	}
	if cerr := file.Close(); err == nil {
		err = cerr
	}
	return err
}

// createTemp creates a new temp file for name in root (O_EXCL, so never
// through a symlink).
func createTemp(root *os.Root, name string) (string, *os.File, error) {
	var err error
	for range maxAttempts {
		tmp := tempName(name)
		var file *os.File
		file, err = root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL|openNoFollow, 0o666)
		if err == nil {
			return tmp, file, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			break
		}
	}
	return "", nil, err
}
