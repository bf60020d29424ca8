//go:build unix

package filecap

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestListRemovesStaleTemps: List hides temp files and removes those older
// than StaleTempAge (a crash's leftovers); young ones (writes in flight),
// symlinks and folders that look like temp files stay.
func TestListRemovesStaleTemps(t *testing.T) {
	f, dir := newFiles(t)
	mustWrite(t, f, "ns/a.json", []byte("a"))
	ns := filepath.Join(dir, "ns")
	outside := filepath.Join(t.TempDir(), "target")
	if err := os.WriteFile(outside, []byte("outside"), 0o666); err != nil {
		t.Fatal(err)
	}
	old, young, link, folder := tempName("a.json"), tempName("b.json"), tempName("c.json"), tempName("d.json")
	for _, n := range []string{old, young} {
		if err := os.WriteFile(filepath.Join(ns, n), []byte("x"), 0o666); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(outside, filepath.Join(ns, link)); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(ns, folder), 0o777); err != nil {
		t.Fatal(err)
	}
	past := time.Now().Add(-StaleTempAge - time.Minute)
	for _, p := range []string{filepath.Join(ns, old), filepath.Join(ns, folder), outside} {
		if err := os.Chtimes(p, past, past); err != nil {
			t.Fatal(err)
		}
	}
	names, err := f.List("ns")
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(names)
	if want := []string{folder + "/", "a.json"}; !slices.Equal(names, want) {
		t.Fatalf("List = %q; want %q", names, want)
	}
	var left []string
	ents, _ := os.ReadDir(ns)
	for _, e := range ents {
		left = append(left, e.Name())
	}
	want := []string{young, link, folder, "a.json"}
	slices.Sort(want)
	if !slices.Equal(left, want) {
		t.Fatalf("left %q; want %q (the stale temp file removed, nothing else)", left, want)
	}
	if b, err := os.ReadFile(outside); err != nil || string(b) != "outside" {
		t.Fatalf("symlink target: %q, %v", b, err)
	}
}
