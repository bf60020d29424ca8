//go:build unix

package sqlcap

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"syscall"

	"github.com/ncruces/go-sqlite3"
	"github.com/ncruces/go-sqlite3/vfs"
	"golang.org/x/sys/unix"
)

// grantVFS is the go-sqlite3 VFS of one Grant: it reaches files only
// inside the granted folder, and only regular files with one link.
//
// SQLite hands it names relative to the folder (FullPathname turns them
// into absolute paths, which SQLite then extends with "-journal", "-wal"
// and "-shm"). Every file it opens is opened relative to the folder,
// component by component with O_NOFOLLOW, and with O_NONBLOCK, so a FIFO
// or device never blocks the open; the descriptor is then checked with
// fstat (a regular file, one link) before SQLite reads a byte.
//
// The main database file is reopened by go-sqlite3's own OS VFS (it holds
// the locking and the WAL-index shared memory), without O_CREAT, and must
// be the very file checked; its -shm file, which that VFS opens by path,
// is checked when the database is opened. Journals and WAL files are
// served by this VFS itself (plainFile). Anonymous temporary files go to
// the OS VFS (unlinked files in the system's temp folder).
type grantVFS struct {
	g *Grant
}

var osVFS = vfs.Find("os").(vfs.VFSFilename)

// refused is why a file of the grant was not opened; sqlErr turns it into
// NotPermitted.
type refused struct{ msg string }

func (r *refused) Error() string { return r.msg }

func refuse(format string, args ...any) error {
	return &refused{fmt.Sprintf(format, args...)}
}

// note turns a refusal into SQLite's CANTOPEN, recording why for the
// database rel belongs to: SQLite reports only the code, and go-sqlite3
// keeps a reason only until the next VFS call.
func (v *grantVFS) note(rel string, err error) error {
	if r, ok := err.(*refused); ok {
		v.g.noteRefusal(rel, r.msg)
		return sqlite3.CANTOPEN
	}
	return err
}

// rel returns the name relative to the granted folder of an absolute path
// made by FullPathname.
func (v *grantVFS) rel(name string) (string, error) {
	rel, ok := strings.CutPrefix(name, v.g.dir+"/")
	if !ok || checkName(rel) != nil {
		return "", refuse("%s is outside the granted folder", quoteRel(v.g, name))
	}
	return rel, nil
}

// quoteRel quotes name, relative to the grant when it is inside.
func quoteRel(g *Grant, name string) string {
	return fmt.Sprintf("%q", g.scrub(name))
}

// FullPathname accepts only names relative to the granted folder (checked
// like filecap paths: no "..", no absolute path, no URI).
func (v *grantVFS) FullPathname(name string) (string, error) {
	if err := checkName(name); err != nil {
		return "", sqlite3.CANTOPEN
	}
	return v.g.dir + "/" + name, nil
}

// parent opens the folder holding rel, walking from the granted folder
// without following symlinks; it returns the folder's descriptor (to
// close with closeDir) and the last component.
func (v *grantVFS) parent(rel string) (int, string, error) {
	parts := strings.Split(rel, "/")
	dir := v.g.dirFD
	for i, p := range parts[:len(parts)-1] {
		fd, err := unix.Openat(dir, p, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		v.closeDir(dir)
		if err != nil {
			if err == unix.ELOOP || err == unix.ENOTDIR {
				return -1, "", refuse("%q is not a folder (symbolic links are not followed)", strings.Join(parts[:i+1], "/"))
			}
			return -1, "", vfs.SystemError(fmt.Errorf("folder %q: %w", strings.Join(parts[:i+1], "/"), err), sqlite3.CANTOPEN)
		}
		dir = fd
	}
	return dir, parts[len(parts)-1], nil
}

func (v *grantVFS) closeDir(fd int) {
	if fd != v.g.dirFD {
		unix.Close(fd)
	}
}

// checkFD refuses a descriptor that is not a regular file with one link.
func checkFD(st *unix.Stat_t, rel string) error {
	switch mode := uint32(st.Mode); {
	case mode&unix.S_IFMT != unix.S_IFREG:
		return refuse("%q is a %s, not a regular file", rel, fileType(mode))
	case st.Nlink != 1:
		return refuse("%q has %d hard links; only a file with one link is used", rel, st.Nlink)
	}
	return nil
}

func fileType(mode uint32) string {
	switch mode & unix.S_IFMT {
	case unix.S_IFIFO:
		return "FIFO"
	case unix.S_IFSOCK:
		return "socket"
	case unix.S_IFCHR, unix.S_IFBLK:
		return "device"
	case unix.S_IFDIR:
		return "folder"
	case unix.S_IFLNK:
		return "symbolic link"
	}
	return "special file"
}

// openChecked opens rel for SQLite (flags) without blocking or following
// links, and returns it once it is known to be a regular file with one
// link, in blocking mode.
func (v *grantVFS) openChecked(rel string, flags vfs.OpenFlag) (*os.File, error) {
	dir, base, err := v.parent(rel)
	if err != nil {
		return nil, err
	}
	defer v.closeDir(dir)
	oflags := unix.O_NOFOLLOW | unix.O_NONBLOCK | unix.O_CLOEXEC
	switch {
	case flags&vfs.OPEN_READWRITE != 0:
		oflags |= unix.O_RDWR
	default:
		oflags |= unix.O_RDONLY
	}
	if flags&vfs.OPEN_CREATE != 0 {
		oflags |= unix.O_CREAT
	}
	if flags&vfs.OPEN_EXCLUSIVE != 0 {
		oflags |= unix.O_EXCL
	}
	fd, err := unix.Openat(dir, base, oflags, 0o666)
	switch {
	case err == unix.ELOOP:
		return nil, refuse("%q is a symbolic link; links are not followed", rel)
	case err == unix.EISDIR:
		return nil, vfs.SystemError(fmt.Errorf("%q is a folder", rel), sqlite3.CANTOPEN_ISDIR)
	case err == unix.ENXIO || err == unix.EOPNOTSUPP:
		return nil, refuse("%q is not a regular file", rel)
	case err != nil:
		return nil, vfs.SystemError(fmt.Errorf("%q: %w", rel, err), sqlite3.CANTOPEN)
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return nil, vfs.SystemError(fmt.Errorf("%q: %w", rel, err), sqlite3.CANTOPEN)
	}
	if err := checkFD(&st, rel); err != nil {
		unix.Close(fd)
		return nil, err
	}
	if err := unix.SetNonblock(fd, false); err != nil {
		unix.Close(fd)
		return nil, vfs.SystemError(fmt.Errorf("%q: %w", rel, err), sqlite3.CANTOPEN)
	}
	if flags&vfs.OPEN_DELETEONCLOSE != 0 {
		unix.Unlinkat(dir, base, 0)
	}
	return os.NewFile(uintptr(fd), rel), nil
}

// OpenFilename opens a file of the grant for SQLite.
func (v *grantVFS) OpenFilename(name *vfs.Filename, flags vfs.OpenFlag) (vfs.File, vfs.OpenFlag, error) {
	if name.String() == "" {
		return osVFS.OpenFilename(name, flags) // an anonymous temporary file
	}
	rel, err := v.rel(name.String())
	if err != nil {
		return nil, flags, v.note(name.String(), err)
	}
	f, err := v.openChecked(rel, flags)
	if err != nil {
		return nil, flags, v.note(rel, err)
	}
	if flags&vfs.OPEN_MAIN_DB == 0 {
		pf := &plainFile{File: f, flags: flags}
		if flags&vfs.OPEN_CREATE != 0 {
			pf.syncDir = func() error { return v.syncParent(rel) }
		}
		return pf, flags, nil
	}
	defer f.Close()
	if err := v.checkExisting(rel + "-shm"); err != nil {
		return nil, flags, v.note(rel, err)
	}
	// The OS VFS reopens the checked file (it exists now: no O_CREAT) and
	// keeps the locks and the WAL-index.
	file, out, err := osVFS.OpenFilename(name, flags&^(vfs.OPEN_CREATE|vfs.OPEN_EXCLUSIVE))
	if err != nil {
		return nil, flags, err
	}
	if err := sameFile(f, file, rel); err != nil {
		file.Close()
		return nil, flags, v.note(rel, err)
	}
	return file, out, nil
}

// sameFile checks that the OS VFS opened the file that was checked.
func sameFile(checked *os.File, opened vfs.File, rel string) error {
	s, ok := opened.(interface{ Stat() (fs.FileInfo, error) })
	if !ok {
		return refuse("%q cannot be checked", rel)
	}
	a, err1 := checked.Stat()
	b, err2 := s.Stat()
	if err1 != nil || err2 != nil || !os.SameFile(a, b) {
		return refuse("%q changed while it was opened", rel)
	}
	if st, ok := b.Sys().(*syscall.Stat_t); !ok || st.Nlink != 1 {
		return refuse("%q has more than one link", rel)
	}
	return nil
}

// checkExisting refuses rel when it exists and is not a regular file with
// one link (it is not opened: a FIFO cannot block).
func (v *grantVFS) checkExisting(rel string) error {
	dir, base, err := v.parent(rel)
	if err != nil {
		return err
	}
	defer v.closeDir(dir)
	var st unix.Stat_t
	err = unix.Fstatat(dir, base, &st, unix.AT_SYMLINK_NOFOLLOW)
	if err == unix.ENOENT {
		return nil
	}
	if err != nil {
		return vfs.SystemError(fmt.Errorf("%q: %w", rel, err), sqlite3.CANTOPEN)
	}
	return checkFD(&st, rel)
}

func (v *grantVFS) syncParent(rel string) error {
	dir, _, err := v.parent(rel)
	if err != nil {
		return err
	}
	defer v.closeDir(dir)
	return unix.Fsync(dir)
}

// Open is not used: go-sqlite3 calls OpenFilename.
func (v *grantVFS) Open(name string, flags vfs.OpenFlag) (vfs.File, vfs.OpenFlag, error) {
	if name == "" {
		return osVFS.OpenFilename(nil, flags)
	}
	return nil, flags, sqlite3.CANTOPEN
}

// Delete removes a file of the grant (a journal or WAL file).
func (v *grantVFS) Delete(name string, syncDir bool) error {
	rel, err := v.rel(name)
	if err != nil {
		return v.note(name, err)
	}
	dir, base, err := v.parent(rel)
	if err != nil {
		return v.note(rel, err)
	}
	defer v.closeDir(dir)
	if err := unix.Unlinkat(dir, base, 0); err == unix.ENOENT {
		return sqlite3.IOERR_DELETE_NOENT
	} else if err != nil {
		return vfs.SystemError(fmt.Errorf("delete %q: %w", rel, err), sqlite3.IOERR_DELETE)
	}
	if syncDir {
		if err := unix.Fsync(dir); err != nil {
			return vfs.SystemError(err, sqlite3.IOERR_DIR_FSYNC)
		}
	}
	return nil
}

// Access reports whether a file of the grant exists (or may be read and
// written), without following a symlink.
func (v *grantVFS) Access(name string, flags vfs.AccessFlag) (bool, error) {
	rel, err := v.rel(name)
	if err != nil {
		return false, nil
	}
	dir, base, err := v.parent(rel)
	if err != nil {
		return false, nil
	}
	defer v.closeDir(dir)
	var st unix.Stat_t
	if err := unix.Fstatat(dir, base, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		if err == unix.ENOENT {
			return false, nil
		}
		return false, vfs.SystemError(err, sqlite3.IOERR_ACCESS)
	}
	switch flags {
	case vfs.ACCESS_READWRITE:
		return unix.Faccessat(dir, base, unix.R_OK|unix.W_OK, 0) == nil, nil
	case vfs.ACCESS_READ:
		return unix.Faccessat(dir, base, unix.R_OK, 0) == nil, nil
	}
	return true, nil
}

// plainFile is a journal or WAL file of the grant. SQLite does not lock
// these files, so it needs no locks.
type plainFile struct {
	*os.File
	flags   vfs.OpenFlag
	lock    vfs.LockLevel
	syncDir func() error // the first Sync of a new file syncs its folder
}

func (f *plainFile) ReadAt(p []byte, off int64) (int, error) { return f.File.ReadAt(p, off) }

func (f *plainFile) WriteAt(p []byte, off int64) (int, error) {
	n, err := f.File.WriteAt(p, off)
	if errors.Is(err, unix.ENOSPC) {
		return n, vfs.SystemError(err, sqlite3.FULL)
	}
	return n, err
}

func (f *plainFile) Sync(vfs.SyncFlag) error {
	if err := f.File.Sync(); err != nil {
		return err
	}
	if f.syncDir != nil {
		sd := f.syncDir
		f.syncDir = nil
		if err := sd(); err != nil {
			return vfs.SystemError(err, sqlite3.IOERR_DIR_FSYNC)
		}
	}
	return nil
}

func (f *plainFile) Size() (int64, error) { return f.Seek(0, io.SeekEnd) }

func (f *plainFile) Lock(l vfs.LockLevel) error {
	if f.lock < l {
		f.lock = l
	}
	return nil
}

func (f *plainFile) Unlock(l vfs.LockLevel) error {
	if f.lock > l {
		f.lock = l
	}
	return nil
}

func (f *plainFile) CheckReservedLock() (bool, error) { return false, nil }
func (f *plainFile) SectorSize() int                  { return 4096 }

func (f *plainFile) DeviceCharacteristics() vfs.DeviceCharacteristic {
	return vfs.IOCAP_SUBPAGE_READ | vfs.IOCAP_POWERSAFE_OVERWRITE
}

func newGrantVFS(g *Grant) vfs.VFS { return &grantVFS{g: g} }

const vfsRelative = true
