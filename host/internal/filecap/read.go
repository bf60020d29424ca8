package filecap

import (
	"errors"
	"io"
	"io/fs"
	"os"

	"github.com/sandcache/sandcache/guest/capability"
)

// Read returns the whole file at path; ok is false when it (or a folder on
// the way) does not exist. A symlink as the file or a folder fails with
// NotPermitted; a folder or other non-regular file with IO.
func (f *Files) Read(path string) (data []byte, ok bool, err error) {
	parts, err := SplitPath(path)
	if err != nil {
		return nil, false, err
	}
	d, err := openFolder(f.root, parts[:len(parts)-1], false)
	if err == errMissing {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	defer d.close()
	return f.readIn(d, parts[len(parts)-1], path)
}

// readIn reads the file name of folder d (rel is its relative path).
func (f *Files) readIn(d *folder, name, rel string) ([]byte, bool, error) {
	for range maxAttempts {
		file, err := d.root.OpenFile(name, openReadFlags, 0)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, false, nil
		}
		if err != nil {
			// os.Root refuses symlinks that leave the root; report every
			// symlink the same way.
			if fi, lerr := d.root.Lstat(name); lerr == nil && fi.Mode()&fs.ModeSymlink != 0 {
				return nil, false, symlinkErr(rel)
			}
			return nil, false, ioErr("read", rel, err)
		}
		st, serr := file.Stat()
		fi, lerr := d.root.Lstat(name)
		switch {
		case lerr == nil && fi.Mode()&fs.ModeSymlink != 0:
			file.Close()
			return nil, false, symlinkErr(rel)
		case serr != nil:
			file.Close()
			return nil, false, ioErr("read", rel, serr)
		case lerr != nil || !os.SameFile(fi, st):
			// Replaced or removed since it was opened: look again.
			file.Close()
			continue
		case st.IsDir():
			file.Close()
			return nil, false, capability.Errorf(capability.IO, "files: %s is a folder", quoted(rel))
		case !st.Mode().IsRegular():
			file.Close()
			return nil, false, capability.Errorf(capability.IO, "files: %s is not a regular file", quoted(rel))
		case f.readLimit > 0 && st.Size() > f.readLimit:
			file.Close()
			return nil, false, capability.Errorf(capability.IO, "files: %s is %d bytes; the limit is %d", quoted(rel), st.Size(), f.readLimit)
		}
		data, err := readAll(file, st.Size(), f.readLimit)
		file.Close()
		if err != nil {
			return nil, false, ioErr("read", rel, err)
		}
		return data, true, nil
	}
	return nil, false, capability.Errorf(capability.IO, "files: %s keeps changing", quoted(rel))
}

// readAll reads file to its end, expecting size bytes; limit > 0 caps it.
func readAll(file *os.File, size, limit int64) ([]byte, error) {
	data := make([]byte, 0, size+1) // +1 to see EOF without growing
	for {
		n, err := file.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if err == io.EOF {
			return data, nil
		}
		if err != nil {
			return nil, err
		}
		if limit > 0 && int64(len(data)) > limit {
			return nil, errors.New("file grew beyond the read limit")
		}
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
	}
}
