package filecap

import "bytes"

// Replace is a compare-and-swap under the folder's write lock: if the file
// at path holds exactly expected, it is replaced atomically with data (as
// WriteAtomic does), or removed when data is nil, and swapped is true. When
// the file differs or does not exist, nothing changes and swapped is false.
// Replace never creates folders. The file is read and written as Read and
// WriteAtomic do, with their refusals (kinds of file, size limit).
func (f *Files) Replace(path string, expected, data []byte) (swapped bool, err error) {
	parts, err := SplitPath(path)
	if err != nil {
		return false, err
	}
	if data != nil {
		if err := f.checkWriteSize(path, len(data)); err != nil {
			return false, err
		}
	}
	d, err := f.openExisting(parts[:len(parts)-1], true)
	if d == nil {
		return false, err
	}
	defer d.close()
	name := parts[len(parts)-1]
	current, ok, err := f.readIn(d, name, path)
	if err != nil || !ok || !bytes.Equal(current, expected) {
		return false, err
	}
	if data == nil {
		return removeIn(d, name, path)
	}
	if err := writeIn(d, name, path, data); err != nil {
		return false, err
	}
	return true, nil
}
