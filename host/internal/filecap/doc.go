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
// NotPermitted for paths or symlinks that leave the rules, IO for everything
// the file system refuses. Messages name the relative path only, never the
// host's absolute path.
package filecap
