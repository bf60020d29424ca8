package filecap

// RemoveDir removes the folder at path and everything in it; existed is
// false when there was no such folder (or path is a file). Symlinks inside
// are removed as links, never followed; a symlink as the folder itself (or
// on the way) fails with NotPermitted. The write locks of the parent and of
// the folder are held while it is removed, so a concurrent WriteAtomic into
// it either lands before the removal or recreates the folder afterwards.
func (f *Files) RemoveDir(path string) (existed bool, err error) {
	parent, parts, err := f.openParent(path, true)
	if parent == nil {
		return false, err
	}
	defer parent.close()
	d, err := f.openExisting(parts, true)
	if d == nil {
		return false, err
	}
	defer d.close()
	if err := d.parent.RemoveAll(d.name); err != nil {
		return false, ioErr("remove folder", path, err)
	}
	return true, nil
}
