package filecap

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sandcache/sandcache/internal/captest"
	"github.com/sandcache/sandcache/internal/guest/capability"
)

// newFiles grants a fresh folder and returns it with its Files.
// wantCode is package captest's assertion.
var wantCode = captest.WantCode

func newFiles(t testing.TB) (*Files, string) {
	t.Helper()
	dir := t.TempDir()
	return openFiles(t, dir), dir
}

// openFiles opens Files on dir with opts and closes them when the test
// ends.
func openFiles(t testing.TB, dir string, opts ...Option) *Files {
	t.Helper()
	f, err := Open(dir, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// mustWrite writes data to path with WriteAtomic and fails the test on an
// error.
func mustWrite(t testing.TB, f *Files, path string, data []byte) {
	t.Helper()
	if err := f.WriteAtomic(path, data); err != nil {
		t.Fatal(err)
	}
}

func TestOpenMissingFolder(t *testing.T) {
	_, err := Open(filepath.Join(t.TempDir(), "nope"))
	wantCode(t, "Open", err, capability.IO)
}

func TestReadWrite(t *testing.T) {
	f, dir := newFiles(t)
	if data, ok, err := f.Read("files/ns/a.json"); data != nil || ok || err != nil {
		t.Fatalf("Read missing = %q, %v, %v", data, ok, err)
	}
	mustWrite(t, f, "files/ns/a.json", []byte(`{"a":1}`))
	data, ok, err := f.Read("files/ns/a.json")
	if string(data) != `{"a":1}` || !ok || err != nil {
		t.Fatalf("Read = %q, %v, %v", data, ok, err)
	}
	mustWrite(t, f, "files/ns/a.json", []byte(`2`))
	if data, _, _ := f.Read("files/ns/a.json"); string(data) != "2" {
		t.Fatalf("after overwrite Read = %q", data)
	}
	mustWrite(t, f, "empty", nil)
	if data, ok, err := f.Read("empty"); data == nil || len(data) != 0 || !ok || err != nil {
		t.Fatalf("Read empty = %#v, %v, %v", data, ok, err)
	}
	big := bytes.Repeat([]byte("0123456789"), 100_000)
	mustWrite(t, f, "big", big)
	if data, _, _ := f.Read("big"); !bytes.Equal(data, big) {
		t.Fatalf("big read back %d bytes", len(data))
	}
	// On disk where expected, no temp file left.
	if b, err := os.ReadFile(filepath.Join(dir, "files", "ns", "a.json")); err != nil || string(b) != "2" {
		t.Fatalf("on disk: %q, %v", b, err)
	}
	ents, _ := os.ReadDir(filepath.Join(dir, "files", "ns"))
	if len(ents) != 1 {
		t.Fatalf("folder holds %v", ents)
	}
	// Missing parents and a file where a folder is expected read as missing.
	for _, p := range []string{"files/other/a.json", "files/ns/a.json/x", "nope/x/y"} {
		if data, ok, err := f.Read(p); data != nil || ok || err != nil {
			t.Errorf("Read(%q) = %q, %v, %v", p, data, ok, err)
		}
	}
	// But writing through a file fails with IO, without the host's path.
	err = f.WriteAtomic("files/ns/a.json/x", []byte("x"))
	wantCode(t, "write under a file", err, capability.IO)
	if strings.Contains(err.Error(), dir) {
		t.Errorf("message names the host path: %v", err)
	}
	// A folder is not a file.
	_, _, err = f.Read("files/ns")
	wantCode(t, "Read folder", err, capability.IO)
	wantCode(t, "WriteAtomic folder", f.WriteAtomic("files/ns", []byte("x")), capability.IO)
	// Bad paths.
	_, _, err = f.Read("../x")
	wantCode(t, "Read ..", err, capability.NotPermitted)
	wantCode(t, "WriteAtomic abs", f.WriteAtomic(filepath.Join(dir, "x"), nil), capability.NotPermitted)
}

func TestSizeLimit(t *testing.T) {
	dir := t.TempDir()
	f := openFiles(t, dir, WithSizeLimit(10))
	// Writes over the limit are refused, so every file written reads back.
	wantCode(t, "WriteAtomic over limit", f.WriteAtomic("a", make([]byte, 11)), capability.InvalidArgument)
	if _, err := os.Lstat(filepath.Join(dir, "a")); !os.IsNotExist(err) {
		t.Fatalf("refused write left a file: %v", err)
	}
	mustWrite(t, f, "a", make([]byte, 10))
	if data, ok, err := f.Read("a"); len(data) != 10 || !ok || err != nil {
		t.Fatalf("Read at limit = %d, %v, %v", len(data), ok, err)
	}
	_, err := f.Replace("a", make([]byte, 10), make([]byte, 11))
	wantCode(t, "Replace over limit", err, capability.InvalidArgument)
	// A file put there by someone else, over the limit: Corrupt, not a miss.
	if err := os.WriteFile(filepath.Join(dir, "a"), make([]byte, 11), 0o666); err != nil {
		t.Fatal(err)
	}
	data, ok, err := f.Read("a")
	wantCode(t, "Read over limit", err, capability.Corrupt)
	if data != nil || ok {
		t.Fatalf("Read over limit = %d bytes, %v", len(data), ok)
	}
	_, err = f.Replace("a", make([]byte, 11), nil)
	wantCode(t, "Replace-remove over limit", err, capability.Corrupt)
	if fi, err := os.Stat(filepath.Join(dir, "a")); err != nil || fi.Size() != 11 {
		t.Fatalf("the oversized file was changed: %v, %v", fi, err)
	}
}

func TestReadAllBounded(t *testing.T) {
	// A file that grows past the limit after its fstat: readAll never holds
	// more than limit+1 bytes and reports it.
	dir := t.TempDir()
	p := filepath.Join(dir, "grows")
	if err := os.WriteFile(p, make([]byte, 100), 0o666); err != nil {
		t.Fatal(err)
	}
	file, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	if _, err := readAll(file, 5, 50); err != errGrew {
		t.Fatalf("readAll of a file that grew = %v; want errGrew", err)
	}
	file.Seek(0, 0)
	data, err := readAll(file, 5, 0)
	if err != nil || len(data) != 100 {
		t.Fatalf("readAll without limit = %d, %v", len(data), err)
	}
}

// wantExisted calls remove (Remove or RemoveDir) on path and fails the test
// unless it succeeds with existed == want; what names the call.
func wantExisted(t *testing.T, what string, remove func(string) (bool, error), path string, want bool) {
	t.Helper()
	if existed, err := remove(path); existed != want || err != nil {
		t.Fatalf("%s %q = %v, %v; want %v", what, path, existed, err, want)
	}
}

func TestRemove(t *testing.T) {
	f, _ := newFiles(t)
	wantExisted(t, "Remove missing", f.Remove, "ns/a", false)
	mustWrite(t, f, "ns/a", []byte("x"))
	wantExisted(t, "Remove", f.Remove, "ns/a", true)
	if _, ok, _ := f.Read("ns/a"); ok {
		t.Fatal("still there")
	}
	wantExisted(t, "Remove again", f.Remove, "ns/a", false)
}

// TestRemoveRefused: Remove and RemoveDir refuse what they must not remove,
// and remove nothing then.
func TestRemoveRefused(t *testing.T) {
	f, _ := newFiles(t)
	mustWrite(t, f, "ns/a", []byte("x"))
	for _, c := range []struct {
		what   string
		remove func(string) (bool, error)
		path   string
		code   capability.Code
	}{
		{"Remove folder", f.Remove, "ns", capability.IO},
		{"Remove empty path", f.Remove, "", capability.InvalidArgument},
		{"RemoveDir of the granted folder", f.RemoveDir, "", capability.InvalidArgument},
		{"RemoveDir ..", f.RemoveDir, "..", capability.NotPermitted},
	} {
		_, err := c.remove(c.path)
		wantCode(t, c.what, err, c.code)
	}
	if _, ok, _ := f.Read("ns/a"); !ok {
		t.Fatal("a refused removal removed ns/a")
	}
}

func TestReplace(t *testing.T) {
	f, _ := newFiles(t)
	if ok, err := f.Replace("ns/a", []byte("x"), []byte("y")); ok || err != nil {
		t.Fatalf("Replace missing = %v, %v", ok, err)
	}
	if _, ok, _ := f.Read("ns/a"); ok {
		t.Fatal("Replace created the file")
	}
	mustWrite(t, f, "ns/a", []byte("v1"))
	if ok, err := f.Replace("ns/a", []byte("v0"), []byte("v2")); ok || err != nil {
		t.Fatalf("Replace stale = %v, %v", ok, err)
	}
	if ok, err := f.Replace("ns/a", []byte("v1"), []byte("v2")); !ok || err != nil {
		t.Fatalf("Replace = %v, %v", ok, err)
	}
	if data, _, _ := f.Read("ns/a"); string(data) != "v2" {
		t.Fatalf("after Replace: %q", data)
	}
	if ok, err := f.Replace("ns/a", []byte("v2"), []byte{}); !ok || err != nil {
		t.Fatalf("Replace with empty = %v, %v", ok, err)
	}
	if data, ok, _ := f.Read("ns/a"); !ok || len(data) != 0 {
		t.Fatalf("after Replace with empty: %q, %v", data, ok)
	}
	if ok, err := f.Replace("ns/a", []byte("zz"), nil); ok || err != nil {
		t.Fatalf("Replace-remove stale = %v, %v", ok, err)
	}
	if ok, err := f.Replace("ns/a", nil, nil); !ok || err != nil {
		t.Fatalf("Replace-remove = %v, %v", ok, err)
	}
	if _, ok, _ := f.Read("ns/a"); ok {
		t.Fatal("Replace with nil data did not remove")
	}
}

func TestReplaceIsAtomic(t *testing.T) {
	// Increment a counter with read + compare-and-swap from many goroutines,
	// through two Files on the same folder (separate descriptors, as two
	// processes would have): no increment may be lost.
	f1, dir := newFiles(t)
	f2 := openFiles(t, dir)
	mustWrite(t, f1, "ns/counter", []byte("0"))
	const workers, each = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		f := f1
		if w%2 == 1 {
			f = f2
		}
		wg.Go(func() {
			for range each {
				for {
					cur, _, err := f.Read("ns/counter")
					if err != nil {
						errs <- err
						return
					}
					var n int
					fmt.Sscan(string(cur), &n)
					ok, err := f.Replace("ns/counter", cur, []byte(fmt.Sprint(n+1)))
					if err != nil {
						errs <- err
						return
					}
					if ok {
						break
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if data, _, _ := f1.Read("ns/counter"); string(data) != fmt.Sprint(workers*each) {
		t.Fatalf("counter = %s; want %d", data, workers*each)
	}
}

func TestReadersNeverSeePartialWrites(t *testing.T) {
	f, _ := newFiles(t)
	a := bytes.Repeat([]byte("a"), 256<<10)
	b := bytes.Repeat([]byte("b"), 128<<10)
	mustWrite(t, f, "ns/x", a)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			data := a
			if i%2 == 1 {
				data = b
			}
			if err := f.WriteAtomic("ns/x", data); err != nil {
				t.Error(err)
				return
			}
		}
	})
	deadline := time.Now().Add(300 * time.Millisecond)
	for n := 0; time.Now().Before(deadline) || n < 20; n++ {
		data, ok, err := f.Read("ns/x")
		if err != nil || !ok {
			t.Fatalf("Read = %v, %v", ok, err)
		}
		if !bytes.Equal(data, a) && !bytes.Equal(data, b) {
			t.Fatalf("partial read: %d bytes", len(data))
		}
	}
	close(stop)
	wg.Wait()
}

func TestList(t *testing.T) {
	f, dir := newFiles(t)
	if names, err := f.List("ns"); names != nil || err != nil {
		t.Fatalf("List missing = %v, %v", names, err)
	}
	for _, n := range []string{"b.json", "a.json", "c"} {
		mustWrite(t, f, "ns/"+n, []byte(n))
	}
	mustWrite(t, f, "ns/sub/d.json", []byte("d"))
	nsDir := filepath.Join(dir, "ns")
	os.Symlink("a.json", filepath.Join(nsDir, "link.json"))
	os.WriteFile(filepath.Join(nsDir, tempName("e.json")), []byte("partial"), 0o666)
	os.WriteFile(filepath.Join(nsDir, ".hidden"), []byte("h"), 0o666)
	names, err := f.List("ns")
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(names)
	if want := []string{".hidden", "a.json", "b.json", "c", "sub/"}; !slices.Equal(names, want) {
		t.Fatalf("List = %q; want %q", names, want)
	}
	root, err := f.List("")
	if err != nil || !slices.Equal(root, []string{"ns/"}) {
		t.Fatalf("List root = %q, %v", root, err)
	}
	if names, err := f.List("ns/c"); names != nil || err != nil {
		t.Fatalf("List of a file = %v, %v", names, err)
	}
	empty := filepath.Join(dir, "empty")
	os.Mkdir(empty, 0o777)
	if names, err := f.List("empty"); names == nil || len(names) != 0 || err != nil {
		t.Fatalf("List empty = %#v, %v", names, err)
	}
}

// TestListMany lists a folder that takes many getdents calls (10 000
// entries, ~0.9 MB of records against a 64 KiB buffer).
func TestListMany(t *testing.T) {
	n := 10_000
	if testing.Short() {
		n = 5_000
	}
	f, dir := newFiles(t)
	ns := filepath.Join(dir, "ns")
	os.Mkdir(ns, 0o777)
	for i := range n {
		if err := os.WriteFile(filepath.Join(ns, fmt.Sprintf("%064x.json", i)), nil, 0o666); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	names, err := f.List("ns")
	if err != nil || len(names) != n {
		t.Fatalf("List = %d names, %v", len(names), err)
	}
	t.Logf("List of %d entries: %v", n, time.Since(start))
}

func TestRemoveDir(t *testing.T) {
	f, dir := newFiles(t)
	wantExisted(t, "RemoveDir missing", f.RemoveDir, "ns", false)
	for _, p := range []string{"ns/a", "ns/b", "ns/sub/c", "other/d"} {
		mustWrite(t, f, p, []byte(p))
	}
	wantExisted(t, "RemoveDir", f.RemoveDir, "ns", true)
	if _, err := os.Lstat(filepath.Join(dir, "ns")); !os.IsNotExist(err) {
		t.Fatalf("ns still there: %v", err)
	}
	if _, ok, _ := f.Read("other/d"); !ok {
		t.Fatal("RemoveDir removed a sibling")
	}
	wantExisted(t, "RemoveDir of a file", f.RemoveDir, "other/d", false)
}

func TestRemoveDirWhileWriting(t *testing.T) {
	// Writes racing with removal of their folder either land before the
	// removal or recreate the folder; none fails.
	f, _ := newFiles(t)
	var wg sync.WaitGroup
	var stop atomic.Bool
	defer wg.Wait()
	defer stop.Store(true)
	wg.Go(func() {
		for !stop.Load() {
			if _, err := f.RemoveDir("ns"); err != nil {
				t.Error(err)
				return
			}
		}
	})
	for i := range 300 {
		mustWrite(t, f, fmt.Sprintf("ns/%d", i%7), []byte("x"))
	}
}

func TestCleanStaleTemps(t *testing.T) {
	f, dir := newFiles(t)
	mustWrite(t, f, "ns/a.json", []byte("a"))
	ns := filepath.Join(dir, "ns")
	old, young := tempName("a.json"), tempName("b.json")
	for _, n := range []string{old, young, ".notatemp.tmp"} {
		os.WriteFile(filepath.Join(ns, n), []byte("x"), 0o666)
	}
	past := time.Now().Add(-2 * time.Hour)
	os.Chtimes(filepath.Join(ns, old), past, past)
	os.Chtimes(filepath.Join(ns, ".notatemp.tmp"), past, past)
	n, err := f.CleanStaleTemps("ns", time.Hour)
	if n != 1 || err != nil {
		t.Fatalf("CleanStaleTemps = %d, %v", n, err)
	}
	var left []string
	ents, _ := os.ReadDir(ns)
	for _, e := range ents {
		left = append(left, e.Name())
	}
	want := []string{young, ".notatemp.tmp", "a.json"}
	slices.Sort(want)
	if !slices.Equal(left, want) {
		t.Fatalf("left %q; want %q", left, want)
	}
	if n, err := f.CleanStaleTemps("missing", time.Hour); n != 0 || err != nil {
		t.Fatalf("CleanStaleTemps missing = %d, %v", n, err)
	}
}

func TestClosed(t *testing.T) {
	f, _ := newFiles(t)
	f.Close()
	_, _, err := f.Read("a")
	wantCode(t, "Read after Close", err, capability.IO)
	wantCode(t, "WriteAtomic after Close", f.WriteAtomic("a", nil), capability.IO)
}

func BenchmarkRead(b *testing.B) {
	f, _ := newFiles(b)
	if err := f.WriteAtomic("files/ns/x.json", bytes.Repeat([]byte("x"), 200)); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, ok, err := f.Read("files/ns/x.json"); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}

func BenchmarkWriteAtomic(b *testing.B) {
	f, _ := newFiles(b)
	data := bytes.Repeat([]byte("x"), 200)
	for b.Loop() {
		if err := f.WriteAtomic("files/ns/x.json", data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkList100k(b *testing.B) {
	f, dir := newFiles(b)
	ns := filepath.Join(dir, "ns")
	os.Mkdir(ns, 0o777)
	for i := range 100_000 {
		os.WriteFile(filepath.Join(ns, fmt.Sprintf("%064x.json", i)), nil, 0o666)
	}
	for b.Loop() {
		if names, err := f.List("ns"); len(names) != 100_000 || err != nil {
			b.Fatal(len(names), err)
		}
	}
}
