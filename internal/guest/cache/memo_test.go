package cache

import (
	"testing"

	"github.com/sandcache/sandcache/internal/guest/options"
)

// TestMemoFollowsTheOptions reuses one *options.Given, as the guest's
// export glue does, changing it in place between calls: each call must see
// its own options, never the memo's.
func TestMemoFollowsTheOptions(t *testing.T) {
	now := int64(1000)
	e, files := fsEngine(t, &now)
	g := &options.Given{Backend: options.FS, HasBackend: true, Path: "root", Namespace: "a"}
	put := func(key string) {
		t.Helper()
		if _, err := e.Put(key, []byte(`1`), g); err != nil {
			t.Fatal(err)
		}
	}
	hit := func(key string) bool {
		t.Helper()
		l, err := e.Get(key, g)
		if err != nil {
			t.Fatal(err)
		}
		return l.Hit
	}
	put("k")
	if !hit("k") {
		t.Fatal("miss in the namespace just written")
	}
	g.Namespace = "b"
	if hit("k") {
		t.Fatal("namespace b sees namespace a's entry")
	}
	// The dictionary's bytes change in place: the memo keeps its own copy.
	g.Namespace = ""
	g.Dict = []byte(`{"namespace":"a"}`)
	if !hit("k") {
		t.Fatal("dictionary namespace a misses")
	}
	copy(g.Dict, `{"namespace":"c"}`)
	if hit("k") {
		t.Fatal("a dictionary changed in place still resolves to namespace a")
	}
	put("k2")
	if _, ok := files.files["root/c/"+entryName("k2")]; !ok {
		t.Fatalf("k2 not written to namespace c: %v", files.files)
	}
	// An option error is reported every time, never memoized.
	g.Dict = []byte(`{"namespace":`)
	for range 2 {
		if _, err := e.Get("k", g); err == nil {
			t.Fatal("a bad dictionary was accepted")
		}
	}
	g.Dict = nil
	g.MaxEntries, g.HasMax = 1, true
	g.Namespace = "a"
	put("k3") // evicts k: max entries 1 applies although only it changed
	if hit("k") || !hit("k3") {
		t.Fatal("max entries given after a memoized call was not applied")
	}
}
