package filecap

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"slices"

	"github.com/sandcache/sandcache/guest/capability"
)

// Read returns the whole file at path; ok is false when it (or a folder on
// the way) does not exist. A symlink as the file or a folder fails with
// NotPermitted, and so does anything but a regular file with one link (a
// FIFO, socket or device, a hard link); a folder fails with IO, a file over
// the size limit with Corrupt (see [WithSizeLimit]).
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
			// A socket cannot be opened at all: report it (and every
			// symlink) by its kind, not by the open's error.
			if fi, lerr := d.root.Lstat(name); lerr == nil && !fi.IsDir() {
				if kerr := checkKind(fi, rel); kerr != nil {
					return nil, false, kerr
				}
			}
			return nil, false, ioErr("read", rel, err)
		}
		// fstat first: what was opened (never blocking, never through a
		// symlink) must be a single-link regular file within the size
		// limit before a byte is read or allocated.
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
		}
		if err := checkKind(st, rel); err != nil {
			file.Close()
			return nil, false, err
		}
		if f.sizeLimit > 0 && st.Size() > f.sizeLimit {
			file.Close()
			return nil, false, tooLarge(rel, st.Size(), f.sizeLimit)
		}
		data, err := readAll(file, st.Size(), f.sizeLimit)
		file.Close()
		if err == errGrew {
			return nil, false, tooLarge(rel, -1, f.sizeLimit)
		}
		if err != nil {
			return nil, false, ioErr("read", rel, err)
		}
		return data, true, nil
	}
	return nil, false, capability.Errorf(capability.IO, "files: %s keeps changing", quoted(rel))
}

// errGrew reports a file that grew past the size limit while being read.
var errGrew = errors.New("file grew beyond the size limit")

// tooLarge is the error for a file over the size limit (size -1: it grew
// past it while being read). The code is Corrupt: no record this cache
// writes is that large, so the file is not one of its records; the guest
// reports it and neither treats it as a miss nor removes it.
func tooLarge(rel string, size, limit int64) error {
	if size < 0 {
		return capability.Errorf(capability.Corrupt, "files: %s grew beyond the limit of %d bytes while being read", quoted(rel), limit)
	}
	return capability.Errorf(capability.Corrupt, "files: %s is %d bytes; the limit is %d", quoted(rel), size, limit)
}

// readAll reads file to its end, expecting size bytes. With limit > 0 it
// never holds more than limit+1 bytes: a file that grows past limit fails
// with errGrew.
func readAll(file *os.File, size, limit int64) ([]byte, error) {
	want := size + 1 // +1 to see EOF without growing
	if limit > 0 {
		want = min(want, limit+1)
	}
	data := make([]byte, 0, want)
	for {
		n, err := file.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if limit > 0 && int64(len(data)) > limit {
			return nil, errGrew
		}
		if err == io.EOF {
			return data, nil
		}
		if err != nil {
			return nil, err
		}
		if len(data) == cap(data) {
			grow := int64(cap(data)) * 2
			if limit > 0 {
				grow = min(grow, limit+1)
			}
			data = slices.Grow(data, int(grow)-len(data))
		}
	}
}
