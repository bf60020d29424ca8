package cache

import (
	"strings"
	"testing"

	"github.com/sandcache/sandcache/guest/options"
)

func fsEngine(t *testing.T, now *int64) (*Engine, *memFiles) {
	t.Helper()
	files := newMemFiles()
	return New(nil, files, func() int64 { return *now }), files
}

func fsOpts(max uint32) options.Options {
	o := options.Default()
	o.Backend = options.FS
	o.Path = "root"
	o.Namespace = "ns"
	o.MaxEntries = max
	return o
}

func TestFSPutGetLayout(t *testing.T) {
	now := int64(1000)
	e, files := fsEngine(t, &now)
	if _, err := e.Put("fkey", []byte(`{"s":"é<>&","a":[1,2]}`), fsOpts(2)); err != nil {
		t.Fatal(err)
	}
	want := "{\n  \"key\": \"fkey\",\n  \"value\": {\n    \"a\": [\n      1,\n      2\n    ],\n    \"s\": \"é<>&\"\n  },\n  \"created_at_ms\": 1000,\n  \"expires_at_ms\": 601000,\n  \"last_accessed_ms\": 1000\n}"
	got := string(files.files["root/ns/8e60f2eeb1805b82b46bf6e2f2ea91a8671a57d17403e09d754c3157601fdda8.json"])
	if got != want {
		t.Fatalf("record:\n%s\nwant\n%s", got, want)
	}
	now = 2000
	l, err := e.Get("fkey", fsOpts(2))
	if err != nil || !l.Hit || string(l.Value) != `{"a":[1,2],"s":"é<>&"}` {
		t.Fatalf("get = %+v, %v", l, err)
	}
}

func TestFSEvictionTouchesOnlyRecords(t *testing.T) {
	now := int64(1000)
	e, files := fsEngine(t, &now)
	files.files["root/ns/notes.txt"] = []byte("keep me")
	files.files["root/ns/"+foreignName] = []byte("not a record")
	for i, k := range []string{"a", "b", "c"} {
		now = int64(1000 + i)
		if _, err := e.Put(k, []byte(`1`), fsOpts(2)); err != nil {
			t.Fatal(err)
		}
	}
	if string(files.files["root/ns/notes.txt"]) != "keep me" {
		t.Fatal("eviction removed a file that is not a record")
	}
	if string(files.files["root/ns/"+foreignName]) != "not a record" {
		t.Fatal("eviction removed a .json file that is not a record")
	}
	if l, _ := e.Get("a", fsOpts(2)); l.Hit {
		t.Fatal("a should have been evicted")
	}
	for _, k := range []string{"b", "c"} {
		if l, _ := e.Get(k, fsOpts(2)); !l.Hit {
			t.Fatalf("%s should be there", k)
		}
	}
	if err := e.Clear(fsOpts(2)); err != nil {
		t.Fatal(err)
	}
	if string(files.files["root/ns/notes.txt"]) != "keep me" {
		t.Fatal("clear removed a file that is not a record")
	}
}

// foreignName is an entry-shaped file name no key of these tests hashes to.
var foreignName = strings.Repeat("f", 64) + ".json"

func TestFSHitDoesNotOverwriteNewerRecord(t *testing.T) {
	now := int64(1000)
	e, files := fsEngine(t, &now)
	if _, err := e.Put("k", []byte(`"old"`), fsOpts(10)); err != nil {
		t.Fatal(err)
	}
	other, _ := fsEngine(t, &now)
	other.files = files
	// While the hit is in flight, another writer puts a newer value.
	files.beforeReplace = func(string) {
		now = 1001
		if _, err := other.Put("k", []byte(`"new"`), fsOpts(10)); err != nil {
			t.Fatal(err)
		}
	}
	now = 1000
	l, err := e.Get("k", fsOpts(10))
	if err != nil || !l.Hit || string(l.Value) != `"old"` {
		t.Fatalf("get = %+v, %v", l, err)
	}
	l, err = e.Get("k", fsOpts(10))
	if err != nil || string(l.Value) != `"new"` {
		t.Fatalf("after the race: %s, %v (the stale hit overwrote the newer put)", l.Value, err)
	}
}
