package filecap

import "time"

// CleanStaleTemps removes WriteAtomic's temp files (see [IsTempName]) left
// directly in the folder dir ("" is the granted folder) by a crash, when
// they were last modified more than olderThan ago, and returns how many it
// removed. A missing folder is not an error. Temp files of writes in flight
// are young and left alone. List does the same with StaleTempAge for the
// folders it lists.
func (f *Files) CleanStaleTemps(dir string, olderThan time.Duration) (removed int, err error) {
	parts, err := splitFolder(dir)
	if err != nil {
		return 0, err
	}
	d, err := f.openExisting(parts, false)
	if d == nil {
		return 0, err
	}
	defer d.close()
	cutoff := time.Now().Add(-olderThan)
	var temps []string
	if err := eachEntryOf(d, dir, func(name string, isDir bool) {
		if !isDir && IsTempName(name) {
			temps = append(temps, name)
		}
	}); err != nil {
		return 0, err
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
