// Package filecap is the host's native implementation of the `files`
// capability (WIT interface `files`, Go interface capability.Files): whole
// files under a granted folder, confined to it with os.Root.
//
// # Confinement
//
// Every path is checked by [SplitPath] first: relative, "/"-separated, no
// empty, "." or ".." components, no backslash, colon, NUL or other control
// character, at most 255 bytes per component and 4096 in all.
//
// os.Root then guarantees that no operation ever leaves the granted folder,
// whatever symlinks exist or appear concurrently. On top of that, filecap
// follows no symlink at all, even one that stays inside the folder: each
// folder on the way is opened one component at a time, and the folder (or
// file) that was opened is compared with what the name refers to without
// following links (os.SameFile on Lstat and Stat), so a symlink is detected
// even when it is swapped in concurrently. A symlink where a folder or the
// file itself is expected fails with NotPermitted. RemoveDir removes symlinks
// inside the removed folder as links, never their targets.
//
// # Kinds of file and sizes
//
// A file filecap reads, replaces or removes must be a regular file with
// exactly one link. A FIFO, socket, device or other special file, and a
// hard link (whose contents may be shared with a file outside the folder),
// fail with NotPermitted, like a symlink. Reads open with O_NOFOLLOW and
// O_NONBLOCK, then check the kind, link count and size with fstat before a
// byte is read, so a planted FIFO or device never blocks and never feeds
// data. With [WithSizeLimit], a file larger than the limit fails with
// Corrupt before anything is allocated (a sparse 200 GB file costs
// nothing), reading never holds more than limit+1 bytes even if the file
// grows meanwhile, and writes larger than the limit fail with
// InvalidArgument. Temp files are created with O_EXCL, so never through
// anything planted; stale ones are removed only when they are regular
// files with one link.
//
// # Writes and locking
//
// WriteAtomic writes `.<name>.<16 hex>.tmp` in the target's folder, fsyncs
// it, renames it over the target and fsyncs the folder, so readers see the
// old or the new contents, never a mix. Every write (WriteAtomic, Replace,
// Remove, RemoveDir) holds an exclusive lock on the folder it changes: flock
// on the folder itself on Linux, macOS and the BSDs, which also excludes
// other processes; elsewhere a lock inside this process only. Reads take no
// lock. Temp files left by a crash are hidden from List, and removed by
// [Files.CleanStaleTemps] or by List itself once older than
// [StaleTempAge]: leftovers in a cache folder go away the next time the
// guest lists that folder, with no extra call for the WIT to carry.
//
// # Errors
//
// Errors are *capability.Error values: InvalidArgument for malformed paths,
// NotPermitted for paths, symlinks and kinds of file that leave the rules,
// Corrupt for files over the size limit, IO for everything the file system
// refuses. Messages name the relative path only, never the
// host's absolute path.
package filecap
