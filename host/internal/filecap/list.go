package filecap

// listBatch is how many entries os.File.ReadDir returns at a time.
const listBatch = 4096

// List returns the names of the regular files directly in the folder path
// ("" is the granted folder), in no particular order: folders, symlinks,
// other non-regular files and WriteAtomic's temp files are left out. It
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
	if err := eachRegular(d, dir, func(name string) {
		if !IsTempName(name) {
			names = append(names, name)
		}
	}); err != nil {
		return nil, ioErr("list", path, err)
	}
	return names, nil
}
