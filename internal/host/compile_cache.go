package host

import (
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The compilation cache keeps each guest's compiled code (wazero's, ~12 MB
// for the embedded guest) and its instrumented module (~3.6 MB) in a
// folder of its own, named after the guest and the instrumenter: a new
// version of sandcache, or of a guest, starts a new folder, and the folders no start
// has used for staleCacheAge are removed when one is created. Only names
// this package writes are ever removed, so a cache folder shared with
// other programs keeps their files.
const (
	cacheVersionPrefix = "sandcache-"
	staleCacheAge      = 30 * 24 * time.Hour
)

// versionCacheDir returns the folder of dir that holds the compiled forms
// of the guest whose SHA-256 is sum (named after its instrumented form,
// so a new instrumenter starts a new folder too), creating it when missing. Every start
// marks its folder used (its modification time); a start that creates one
// also removes the sibling folders unused for staleCacheAge and the files
// an earlier layout kept at the top of dir (the instrumented modules; the
// compiled code of that layout sits in wazero's own folder, which is not
// ours to remove). A failure to clean up is ignored: it only costs disk.
func versionCacheDir(dir string, sum [32]byte, now time.Time) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	id := instrumentedID(sum)
	sub := filepath.Join(dir, cacheVersionPrefix+hex.EncodeToString(id[:8]))
	err := os.Mkdir(sub, 0o700)
	if errors.Is(err, fs.ErrExist) {
		_ = os.Chtimes(sub, now, now)
		return sub, nil
	}
	if err != nil {
		return "", err
	}
	pruneCache(dir, sub, now)
	return sub, nil
}

// pruneCache removes, from dir, the version folders other than keep that
// no start has used for staleCacheAge, and the earlier layout's
// instrumented modules.
func pruneCache(dir, keep string, now time.Time) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		name := e.Name()
		path := filepath.Join(dir, name)
		switch {
		case e.Type().IsRegular() && strings.HasPrefix(name, instrumentedPrefix):
			_ = os.Remove(path)
		case e.IsDir() && isVersionDir(name) && path != keep:
			if info, err := e.Info(); err == nil && now.Sub(info.ModTime()) > staleCacheAge {
				_ = os.RemoveAll(path)
			}
		}
	}
}

// isVersionDir reports whether name is a version folder's name:
// cacheVersionPrefix and 16 lower-case hex digits.
func isVersionDir(name string) bool {
	h, ok := strings.CutPrefix(name, cacheVersionPrefix)
	if !ok || len(h) != 16 {
		return false
	}
	_, err := hex.DecodeString(h)
	return err == nil && strings.ToLower(h) == h
}
