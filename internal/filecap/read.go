package filecap

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"slices"

	"github.com/sandcache/sandcache/internal/guest/capability"
)

// Read returns the whole file at path; ok is false when it (or a folder on
// the way) does not exist. A symlink as the file or a folder fails with
// NotPermitted, and so does anything but a regular file with one link (a
// FIFO, socket or device, a hard link); a folder fails with IO, a file over
// the size limit with Corrupt (see [WithSizeLimit]).
func (f *Files) Read(path string) (data []byte, ok bool, err error) {
	d, parts, err := f.openParent(path, false)
	if d == nil {
		return nil, false, err
	}
	defer d.close()
	return f.readIn(d, parts[len(parts)-1], path)
}

// readIn reads the file name of folder d (rel is its relative path).
//
// The name is checked with lstat before it is opened, so a FIFO, device or
// symlink is refused without being opened at all (opening some devices has
// effects). Then it is opened with O_NOFOLLOW|O_NONBLOCK and checked again
// with fstat, before a byte is read or allocated: the same file as the
// lstat (else something was swapped in: look again), a single-link regular
// file, within the size limit.
func (f *Files) readIn(d *folder, name, rel string) ([]byte, bool, error) {
	for range maxAttempts {
		fi, err := d.root.Lstat(name)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, ioErr("read", rel, err)
		}
		if fi.Mode().IsRegular() && linkCount(fi) == 0 {
			continue // a write renamed over it while lstat looked: look again
		}
		if err := f.checkReadable(fi, rel); err != nil {
			return nil, false, err
		}
		file, err := d.root.OpenFile(name, openReadFlags, 0)
		if err != nil {
			if again, lerr := d.root.Lstat(name); errors.Is(lerr, fs.ErrNotExist) || lerr == nil && !os.SameFile(fi, again) {
				continue // removed or replaced since the lstat
			}
			return nil, false, ioErr("read", rel, err)
		}
		st, err := file.Stat()
		if err != nil {
			file.Close()
			return nil, false, ioErr("read", rel, err)
		}
		if !os.SameFile(fi, st) || linkCount(st) == 0 {
			// Replaced since the lstat (a write renamed over it, leaving
			// it with no link), or a symlink os.Root resolved: look again.
			file.Close()
			continue
		}
		if err := f.checkReadable(st, rel); err != nil {
			file.Close()
			return nil, false, err
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

// checkReadable accepts a single-link regular file within the size limit.
func (f *Files) checkReadable(fi fs.FileInfo, rel string) error {
	if err := checkKind(fi, rel); err != nil {
		return err
	}
	if f.sizeLimit > 0 && fi.Size() > f.sizeLimit {
		return tooLarge(rel, fi.Size(), f.sizeLimit)
	}
	return nil
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
