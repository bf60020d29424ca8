package host

import (
	"bytes"
	"crypto/sha256"
	"os"
	"path/filepath"
	"testing"
)

// The cache returns what instrument returns, from the file on the second
// call; a damaged, oversized or non-regular file is recomputed (and
// replaced), never used; no folder means no cache.
func TestInstrumentCached(t *testing.T) {
	want := instrumentedGuest(t)
	dir := t.TempDir()
	sum := sha256.Sum256(guestWasm)
	path := filepath.Join(dir, instrumentedName(sum))
	check := func(what string) {
		t.Helper()
		got, err := instrumentCached(dir, guestWasm, sum)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%s: %d bytes, %v; want instrument's %d bytes", what, len(got), err, len(want))
		}
	}
	check("empty cache")
	if got, err := readInstrumented(path, maxInstrumented(guestWasm)); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("the first call cached %d bytes, %v", len(got), err)
	}
	check("warm cache")

	// A flipped byte in the module: the trailer no longer matches.
	b, _ := os.ReadFile(path)
	b[100] ^= 1
	os.WriteFile(path, b, 0o600)
	if _, err := readInstrumented(path, maxInstrumented(guestWasm)); err != errBadCacheFile {
		t.Fatalf("damaged file: %v; want errBadCacheFile", err)
	}
	check("damaged file")
	if _, err := readInstrumented(path, maxInstrumented(guestWasm)); err != nil {
		t.Fatalf("the damaged file was not replaced: %v", err)
	}
	// Truncated, oversized, a folder.
	os.WriteFile(path, []byte("short"), 0o600)
	check("truncated file")
	if _, err := readInstrumented(path, 10); err != errBadCacheFile {
		t.Fatalf("over the limit: %v; want errBadCacheFile", err)
	}
	os.Remove(path)
	os.Mkdir(path, 0o700)
	check("a folder in its place")

	// The name depends on the input module.
	if instrumentedName(sum) == instrumentedName(sha256.Sum256(append([]byte{0}, guestWasm...))) {
		t.Fatal("two modules share a cache name")
	}
	got, err := instrumentCached("", guestWasm, sum)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("no cache folder: %d bytes, %v", len(got), err)
	}
}
