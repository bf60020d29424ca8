package filecap

// listBatch is how many entries os.File.ReadDir returns at a time.
const listBatch = 4096

// List returns the names of the regular files and folders directly in the
// folder path ("" is the granted folder), folders with a trailing "/", in no
// particular order: symlinks, other kinds and WriteAtomic's temp files are
// left out. It
// returns nil when the folder does not exist. On Linux, entry types come
// from the directory itself, without a stat per entry.
func (f *Files) List(path string) ([]string, error) {
	var parts []string
	if path != "" {
		var err error
		if parts, err = SplitPath(path); err != nil {
			return nil, err
		}
	}
	d, err := openFolder(f.root, parts, false)
	if err == errMissing {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer d.close()
	dir, err := d.root.Open(".")
	if err != nil {
		return nil, ioErr("list", path, err)
	}
	defer dir.Close()
	names := []string{}
	if err := eachEntry(d, dir, func(name string, isDir bool) {
		switch {
		case isDir:
			names = append(names, name+"/")
		case !IsTempName(name):
			names = append(names, name)
		}
	}); err != nil {
		return nil, ioErr("list", path, err)
	}
	return names, nil
}
