package cache

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/sandcache/sandcache/internal/guest/options"
	"github.com/sandcache/sandcache/internal/guest/record"
	"github.com/sandcache/sandcache/tests/lrumodel"
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
	mustPut(t, e, "fkey", []byte(`{"s":"é<>&","a":[1,2]}`), fsOpts(2))
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
		mustPut(t, e, k, []byte(`1`), fsOpts(2))
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
	mustPut(t, e, "k", []byte(`"old"`), fsOpts(10))
	other, _ := fsEngine(t, &now)
	other.files = files
	// While the hit is in flight, another writer puts a newer value.
	files.beforeReplace = func(string) {
		now = 1001
		mustPut(t, other, "k", []byte(`"new"`), fsOpts(10))
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

// fsShared returns n engines over one in-memory folder with one clock, as n
// processes sharing a cache folder.
// mustPut puts value under key through e and fails the test on an error.
func mustPut(t *testing.T, e *Engine, key string, value []byte, o options.Options) {
	t.Helper()
	if _, err := e.Put(key, value, o); err != nil {
		t.Fatal(err)
	}
}

// fsPair is two engines (two stores) over one fs root, and their options
// with max entries max.
func fsPair(now *int64, max uint32) (a, b *Engine, files *memFiles, o options.Options) {
	es, files := fsShared(2, now)
	return es[0], es[1], files, fsOpts(max)
}

func fsShared(n int, now *int64) ([]*Engine, *memFiles) {
	files := newMemFiles()
	es := make([]*Engine, n)
	for i := range es {
		es[i] = New(nil, files, func() int64 { return *now })
	}
	return es, files
}

// recordNames returns the entry file names under root/ns.
func recordNames(files *memFiles, ns string) map[string]bool {
	names := map[string]bool{}
	for p := range files.files {
		if rest, ok := strings.CutPrefix(p, "root/"+ns+"/"); ok && isEntryName(rest) {
			names[rest] = true
		}
	}
	return names
}

func TestFSLargeNamespaceSkipsListing(t *testing.T) {
	now := int64(1000)
	e, files := fsEngine(t, &now)
	o := fsOpts(100_000)
	put := func(k string) {
		t.Helper()
		now++
		mustPut(t, e, k, []byte(`1`), o)
	}
	for i := range tokenEnter + 10 {
		put(fmt.Sprintf("k%d", i))
	}
	before := files.lists["root/ns"]
	for i := range 200 {
		put(fmt.Sprintf("n%d", i))
	}
	if n := files.lists["root/ns"] - before; n != 0 {
		t.Fatalf("200 puts into a namespace of %d entries listed it %d times; want 0", tokenEnter+10, n)
	}
	var token string
	for p := range files.files {
		if strings.HasPrefix(p, "root/ns/"+watchDir+"/") {
			token = p
		}
	}
	if token == "" {
		t.Fatal("no token in " + watchDir)
	}
	// Listing resumes every relistEvery puts, and stops again.
	for i := range relistEvery {
		put(fmt.Sprintf("m%d", i))
	}
	if n := files.lists["root/ns"] - before; n != 1 {
		t.Fatalf("%d puts listed the namespace %d times; want 1", relistEvery+200, n)
	}
	// Clear removes the records, the tokens and the folder.
	if err := e.Clear(o); err != nil {
		t.Fatal(err)
	}
	for p := range files.files {
		if strings.HasPrefix(p, "root/ns/") {
			t.Fatalf("%s left after clear", p)
		}
	}
}

// TestFSSharedFolderModel runs several stores (processes, in effect) on one
// namespace large enough for tokens, in bursts, and checks after every
// operation that the folder holds exactly the entries an exact LRU model
// holds: the newest max_entries keys by last access. Puts into a store
// whose token is intact do not list the folder, so this checks that other
// stores' puts, hits and deletes always reach it.
func TestFSSharedFolderModel(t *testing.T) {
	const maxEntries = tokenEnter + 20
	now := int64(1_000_000)
	es, files := fsShared(3, &now)
	o := fsOpts(maxEntries)
	rng := rand.New(rand.NewPCG(1, 2))
	last := map[string]int64{} // the model: key → last access
	puts, e := 0, es[0]
	listsBefore := 0
	for i := range 4000 {
		if i%25 == 0 {
			e = es[rng.IntN(len(es))]
		}
		now++
		k := fmt.Sprintf("k%d", rng.IntN(2*maxEntries))
		switch r := rng.IntN(10); {
		case r < 6:
			mustPut(t, e, k, []byte(`1`), o)
			puts++
			last[k] = now
			lrumodel.Evict(last, maxEntries)
		case r < 9:
			l, err := e.Get(k, o)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := last[k]; ok != l.Hit {
				t.Fatalf("op %d: get %s hit=%v, model %v", i, k, l.Hit, ok)
			}
			if l.Hit {
				last[k] = now
			}
		default:
			if _, err := e.Delete(k, o); err != nil {
				t.Fatal(err)
			}
			delete(last, k)
		}
		if i == 1000 {
			listsBefore = files.lists["root/ns"]
		}
		got := recordNames(files, "ns")
		if len(got) != len(last) {
			t.Fatalf("op %d: %d records on disk, model %d (max %d)", i, len(got), len(last), maxEntries)
		}
		for k := range last {
			if !got[entryName(k)] {
				t.Fatalf("op %d: %s missing on disk", i, k)
			}
		}
	}
	lists := files.lists["root/ns"] - listsBefore
	t.Logf("%d puts, the namespace listed %d times in the last 3000 ops", puts, lists)
	if lists > puts/2 {
		t.Errorf("the namespace was listed %d times for about %d puts: tokens are not used", lists, puts*3/4)
	}
}

// TestFSTokenBackoff: two stores taking turns put by put invalidate each
// other's token every time; they must stop re-creating it (an fsync each).
func TestFSTokenBackoff(t *testing.T) {
	now := int64(1000)
	es, files := fsShared(2, &now)
	o := fsOpts(100_000)
	for i := range 600 {
		now++
		mustPut(t, es[i%2], fmt.Sprintf("k%d", i), []byte(`1`), o)
	}
	tokens := 0
	for p, n := range files.writes {
		if strings.Contains(p, "/"+watchDir+"/") {
			tokens += n
		}
	}
	if tokens > 60 {
		t.Fatalf("%d token writes for 600 alternating puts", tokens)
	}
	if got := len(recordNames(files, "ns")); got != 600 {
		t.Fatalf("%d records, want 600", got)
	}
}

// TestFSStaleVictimReranked: store B indexed a and b; A refreshes a; B puts
// c with max_entries 2: b is the least recently used and goes, although
// B's index still ranks a first.
func TestFSStaleVictimReranked(t *testing.T) {
	now := int64(1000)
	a, b, files, o := fsPair(&now, 2)
	for _, k := range []string{"a", "b"} {
		now++
		mustPut(t, a, k, []byte(`1`), o)
	}
	now++
	if _, err := b.Stats(o); err != nil {
		t.Fatal(err)
	}
	now++
	if l, err := a.Get("a", o); err != nil || !l.Hit {
		t.Fatal(l, err)
	}
	now++
	out, err := b.Put("c", []byte(`1`), o)
	if err != nil || out.Evicted != 1 {
		t.Fatal(out, err)
	}
	got := recordNames(files, "ns")
	if len(got) != 2 || !got[entryName("a")] || !got[entryName("c")] {
		t.Fatalf("records %v; want a and c", got)
	}
}

// TestFSSameMillisecondAcrossStores: A puts x, then B (whose index predates
// x) puts y in the same millisecond with max_entries 1. y is the most
// recent (docs/SPEC.md §4) and must be the one kept.
func TestFSSameMillisecondAcrossStores(t *testing.T) {
	now := int64(1000)
	a, b, files, o := fsPair(&now, 1)
	mustPut(t, b, "old", []byte(`1`), o) // B indexes the namespace
	now = 2000
	mustPut(t, a, "x", []byte(`1`), o)
	mustPut(t, b, "y", []byte(`2`), o)
	got := recordNames(files, "ns")
	if len(got) != 1 || !got[entryName("y")] {
		t.Fatalf("records %v; want only y", got)
	}
	r, err := record.Decode(files.files["root/ns/"+entryName("y")])
	if err != nil || r.LastAccessedMs != 2001 {
		t.Fatalf("y: last_accessed_ms %d, %v; want 2001 (after x's 2000)", r.LastAccessedMs, err)
	}
}

// TestFSRecordFormsAndExpiry: records as the original may leave them.
func TestFSRecordFormsAndExpiry(t *testing.T) {
	now := int64(5000)
	e, files := fsEngine(t, &now)
	o := fsOpts(10)
	path := func(k string) string { return "root/ns/" + entryName(k) }
	files.files[path("noexp")] = []byte(`{"key":"noexp","value":1,"created_at_ms":1,"last_accessed_ms":1}`)
	files.files[path("nullexp")] = []byte(`{"extra":[1],"key":"nullexp","value":2,"created_at_ms":1,"expires_at_ms":null,"last_accessed_ms":1}`)
	files.files[path("seq")] = []byte(`["seq",3,1,null,1]`)
	files.files[path("expired")] = []byte(`{"key":"expired","value":4,"created_at_ms":1,"expires_at_ms":5000,"last_accessed_ms":1}`)
	files.files[path("other")] = []byte(`{"key":"not other","value":5,"created_at_ms":1,"expires_at_ms":null,"last_accessed_ms":1}`)
	files.files[path("broken")] = []byte(`{"key":"broken",`)
	for k, want := range map[string]string{"noexp": "1", "nullexp": "2", "seq": "3"} {
		l, err := e.Get(k, o)
		if err != nil || !l.Hit || string(l.Value) != want {
			t.Fatalf("%s: %+v %v", k, l, err)
		}
	}
	for k, expired := range map[string]bool{"expired": true, "other": false, "broken": false} {
		l, err := e.Get(k, o)
		if err != nil || l.Hit || l.Expired != expired {
			t.Fatalf("%s: %+v %v", k, l, err)
		}
		if _, ok := files.files[path(k)]; ok {
			t.Fatalf("%s: not removed", k)
		}
	}
	// A hit on a record without expiry keeps it without expiry.
	r, err := record.Decode(files.files[path("noexp")])
	if err != nil || r.HasExpiry || r.LastAccessedMs != 5000 {
		t.Fatalf("noexp after the hit: %+v %v", r, err)
	}
}
