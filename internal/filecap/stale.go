package filecap

import "time"

// CleanStaleTemps removes WriteAtomic's temp files (see [IsTempName]) left
// directly in the folder dir ("" is the granted folder) by a crash, when
// they were last modified more than olderThan ago, and returns how many it
// removed. A missing folder is not an error. Temp files of writes in flight
// are young and left alone. List does the same with StaleTempAge for the
// folders it lists.
func (f *Files) CleanStaleTemps(dir string, olderThan time.Duration) (removed int, err error) {
	var parts []string
	if dir != "" {
		if parts, err = SplitPath(dir); err != nil {
			return 0, err
		}
	}
	d, err := openFolder(f.root, parts, false)
	if err == errMissing {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	defer d.close()
	file, err := d.root.Open(".")
	if err != nil {
		return 0, ioErr("list", dir, err)
	}
	defer file.Close()
	cutoff := time.Now().Add(-olderThan)
	var temps []string
	if err := eachEntry(d, file, func(name string, isDir bool) {
		if !isDir && IsTempName(name) {
			temps = append(temps, name)
		}
	}); err != nil {
		return 0, ioErr("list", dir, err)
	}
	return removeStale(d, temps, cutoff)
}

// joinRel joins a relative folder and a name.
func joinRel(dir, name string) string {
	if dir == "" {
		return name
	}
	return dir + "/" + name
}
