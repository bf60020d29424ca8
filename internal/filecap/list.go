package filecap

import (
	"errors"
	"io/fs"
	"time"
)

// StaleTempAge is how old a temp file of WriteAtomic must be (by its
// modification time) before List removes it as a crash leftover. No write
// in flight lasts that long.
const StaleTempAge = 10 * time.Minute

// List returns the names of the regular files and folders directly in the
// folder path ("" is the granted folder), folders with a trailing "/", in no
// particular order: symlinks, other kinds and WriteAtomic's temp files are
// left out. It returns nil when the folder does not exist. On Linux, entry
// types come from the directory itself, without a stat per entry.
//
// Temp files older than StaleTempAge that List meets are removed, as
// CleanStaleTemps(path, StaleTempAge) would: that is how a crash's leftovers
// go away without anyone calling CleanStaleTemps (the guest can only list).
// Only a folder that holds temp files pays for it (one lstat each); a
// failure to remove one is ignored.
func (f *Files) List(path string) ([]string, error) {
	parts, err := splitFolder(path)
	if err != nil {
		return nil, err
	}
	d, err := f.openExisting(parts, false)
	if d == nil {
		return nil, err
	}
	defer d.close()
	names := []string{}
	var temps []string
	if err := eachEntryOf(d, path, func(name string, isDir bool) {
		switch {
		case isDir:
			names = append(names, name+"/")
		case IsTempName(name):
			temps = append(temps, name)
		default:
			names = append(names, name)
		}
	}); err != nil {
		return nil, err
	}
	if len(temps) > 0 {
		removeStale(d, temps, time.Now().Add(-StaleTempAge))
	}
	return names, nil
}

// removeStale removes the temp files names of folder d that are regular
// files with one link (checkKind) last modified before cutoff, and returns how many it removed.
func removeStale(d *folder, names []string, cutoff time.Time) (int, error) {
	removed := 0
	for _, name := range names {
		info, err := d.root.Lstat(name)
		if err != nil || checkKind(info, "") != nil || !info.ModTime().Before(cutoff) {
			continue
		}
		if err := d.root.Remove(name); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			return removed, ioErr("remove", joinRel(d.rel, name), err)
		}
		removed++
	}
	return removed, nil
}
