package host

import (
	"crypto/sha256"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestVersionCacheDir: a guest's first start makes its folder and removes
// the version folders no start used for staleCacheAge and the earlier
// layout's instrumented modules, nothing else; a later start only marks
// its folder used.
func TestVersionCacheDir(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	old := now.Add(-staleCacheAge - time.Hour)
	mk := func(name string, dirToo bool, mtime time.Time) string {
		t.Helper()
		p := filepath.Join(dir, name)
		var err error
		if dirToo {
			err = os.Mkdir(p, 0o700)
		} else {
			err = os.WriteFile(p, []byte("x"), 0o600)
		}
		if err == nil {
			err = os.Chtimes(p, mtime, mtime)
		}
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	stale := mk("sandcache-0123456789abcdef", true, old)
	recent := mk("sandcache-fedcba9876543210", true, now.Add(-time.Hour))
	foreignDir := mk("wazero-v1.12.0-amd64-linux", true, old)
	notOurs := mk("sandcache-notaversion", true, old)
	upper := mk("sandcache-0123456789ABCDEF", true, old)
	earlier := mk(instrumentedPrefix+"abc.wasm", false, old)
	other := mk("notes.txt", false, old)

	sum := sha256.Sum256([]byte("guest"))
	sub, err := versionCacheDir(dir, sum, now)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(sub) != dir || !isVersionDir(filepath.Base(sub)) {
		t.Fatalf("versionCacheDir = %s, want a version folder of %s", sub, dir)
	}
	for _, p := range []string{sub, recent, foreignDir, notOurs, upper, other} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s: %v, want it kept", filepath.Base(p), err)
		}
	}
	for _, p := range []string{stale, earlier} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s: %v, want it removed", filepath.Base(p), err)
		}
	}

	// A later start: the same folder, marked used, nothing removed (the
	// folder made stale meanwhile stays until a new guest's first start).
	later := now.Add(48 * time.Hour)
	if err := os.Chtimes(recent, old, old); err != nil {
		t.Fatal(err)
	}
	again, err := versionCacheDir(dir, sum, later)
	if err != nil || again != sub {
		t.Fatalf("second start: %s, %v; want %s", again, err, sub)
	}
	if st, err := os.Stat(sub); err != nil || !st.ModTime().Equal(later) {
		t.Errorf("version folder's time after a start: %v, %v; want %v", st.ModTime(), err, later)
	}
	if _, err := os.Stat(recent); err != nil {
		t.Errorf("a start that makes no folder removed %s: %v", filepath.Base(recent), err)
	}

	// Another guest's first start removes it.
	if _, err := versionCacheDir(dir, sha256.Sum256([]byte("next guest")), later); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(recent); !os.IsNotExist(err) {
		t.Errorf("%s: %v, want it removed once unused for %v", filepath.Base(recent), err, staleCacheAge)
	}
	if _, err := os.Stat(sub); err != nil {
		t.Errorf("a recently used folder was removed: %v", err)
	}
}

// TestVersionCacheDirFails reports a cache folder that cannot be made.
func TestVersionCacheDirFails(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := versionCacheDir(filepath.Join(file, "cache"), [32]byte{}, time.Now()); err == nil {
		t.Error("versionCacheDir under a file: no error")
	}
}
