//go:build unix

package tests

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sandcache/sandcache/internal/guest/cache"
	"github.com/sandcache/sandcache/sdk"
)

// Confinement at the SDK level (docs/SPEC.md §6, DESIGN "Sandboxing"): every
// escape attempt — through names (namespace, path, key) or through symlinks
// someone else planted inside the granted folder — is refused with
// ErrNotPermitted or ErrInvalidArgument, or misses, and nothing outside the
// granted folder is read, changed or removed.
//
// Each case gets a fresh world: <parent>/grant is granted to the cache;
// <parent>/outside holds a canary file, an fs namespace folder ns with a
// live record for key "k" (value "secret") and an expired one for "old",
// and a SQLite file cache.sqlite with the same two entries. Every file and
// folder outside is snapshotted (bytes, modification time, access time set
// well in the past so that any read moves it under relatime, listing) and
// compared after each operation.

// sbxWorld is one case's folders.
type sbxWorld struct {
	parent, grant, outside string
	snap                   map[string]sbxNode // by path relative to outside
	atime                  bool               // reads move access times here
}

type sbxNode struct {
	dir          bool
	data         []byte
	names        []string
	mtime, atime time.Time
}

const sbxSecret = `"secret"`

func newSbxWorld(t *testing.T) *sbxWorld {
	t.Helper()
	parent := t.TempDir()
	w := &sbxWorld{parent: parent, grant: filepath.Join(parent, "grant"), outside: filepath.Join(parent, "outside")}
	for _, d := range []string{w.grant, w.outside} {
		if err := os.Mkdir(d, 0o777); err != nil {
			t.Fatal(err)
		}
	}
	// The outside stores, written by sandcache itself with its own grant.
	clock := time.UnixMilli(1_700_000_000_000)
	ctx := context.Background()
	c, err := sdk.Open(ctx, sdk.NewConfig().WithDir(w.outside).WithPoolSize(1).WithClock(func() time.Time { return clock }))
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range []sdk.Backend{sdk.FS, sdk.SQLite} {
		o := []sdk.Option{sdk.WithBackend(b), sdk.InNamespace("ns")}
		if err := c.Put(ctx, "old", []byte(`"old"`), append(o, sdk.TTL(time.Millisecond))...); err != nil {
			t.Fatal(err)
		}
		if err := c.Put(ctx, "k", []byte(sbxSecret), append(o, sdk.TTL(1000*time.Hour))...); err != nil {
			t.Fatal(err)
		}
	}
	c.Close()
	// outside/files/ns → outside/ns: the namespace folder at the top.
	if err := os.Rename(filepath.Join(w.outside, "files", "ns"), filepath.Join(w.outside, "ns")); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(w.outside, "files")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(w.outside, "canary.json"), []byte("canary, do not touch"), 0o666); err != nil {
		t.Fatal(err)
	}
	w.snapshot(t)
	return w
}

// snapshot records everything outside, with times set in the past: access
// before modification, so that under relatime any read updates it.
func (w *sbxWorld) snapshot(t *testing.T) {
	t.Helper()
	w.snap = map[string]sbxNode{}
	mtime := time.Now().Add(-time.Hour).Truncate(time.Second)
	atime := mtime.Add(-48 * time.Hour)
	err := filepath.WalkDir(w.outside, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(w.outside, p)
		n := sbxNode{dir: d.IsDir(), mtime: mtime, atime: atime}
		if d.IsDir() {
			n.names = sbxNames(t, p)
		} else if n.data, err = os.ReadFile(p); err != nil {
			return err
		}
		w.snap[rel] = n
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for rel, n := range w.snap {
		if err := os.Chtimes(filepath.Join(w.outside, rel), n.atime, n.mtime); err != nil {
			t.Fatal(err)
		}
	}
	// Does a read move the access time on this file system (not noatime)?
	probe := filepath.Join(w.parent, "atime-probe")
	os.WriteFile(probe, []byte("x"), 0o666)
	os.Chtimes(probe, atime, mtime)
	os.ReadFile(probe)
	fi, _ := os.Stat(probe)
	w.atime = !sbxAtime(fi).Equal(atime)
}

func sbxNames(t *testing.T, dir string) []string {
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

func sbxAtime(fi os.FileInfo) time.Time {
	st := fi.Sys().(*syscall.Stat_t)
	return time.Unix(st.Atim.Sec, st.Atim.Nsec)
}

// check compares the outside with the snapshot: the same files and folders,
// the same bytes and listings, untouched modification and access times.
func (w *sbxWorld) check(t *testing.T, after string) {
	w.checkTimes(t, after, w.atime)
}

func (w *sbxWorld) checkTimes(t *testing.T, after string, atime bool) {
	t.Helper()
	seen := map[string]bool{}
	err := filepath.WalkDir(w.outside, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(w.outside, p)
		seen[rel] = true
		n, ok := w.snap[rel]
		if !ok {
			t.Errorf("after %s: %s appeared outside the granted folder", after, rel)
			return nil
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		if !fi.ModTime().Equal(n.mtime) {
			t.Errorf("after %s: outside %s was modified (mtime %v)", after, rel, fi.ModTime())
		}
		if atime && !sbxAtime(fi).Equal(n.atime) {
			t.Errorf("after %s: outside %s was read or listed (atime %v)", after, rel, sbxAtime(fi))
		}
		if n.dir {
			if got := sbxNames(t, p); !slices.Equal(got, n.names) {
				t.Errorf("after %s: outside folder %s holds %q, was %q", after, rel, got, n.names)
			}
		} else if data, err := os.ReadFile(p); err != nil || !bytes.Equal(data, n.data) {
			t.Errorf("after %s: outside %s holds %q (%v)", after, rel, data, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for rel, n := range w.snap {
		if !seen[rel] {
			t.Errorf("after %s: outside %s was removed", after, rel)
			continue
		}
		// Our own reads and listings moved the access times: put them back.
		if err := os.Chtimes(filepath.Join(w.outside, rel), n.atime, n.mtime); err != nil {
			t.Fatal(err)
		}
	}
}

// sbxOutcome classifies an operation's error.
func sbxOutcome(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, sdk.ErrNotPermitted):
		return "not-permitted"
	case errors.Is(err, sdk.ErrInvalidArgument):
		return "invalid"
	case errors.Is(err, sdk.ErrIO):
		return "io"
	case errors.Is(err, sdk.ErrCorrupt):
		return "corrupt"
	}
	return "other: " + err.Error()
}

// sbxCase is one escape attempt: plant prepares the granted folder, opts
// select the store, key is the key used by get, put and delete.
type sbxCase struct {
	name    string
	backend sdk.Backend
	plant   func(t *testing.T, w *sbxWorld)
	ns      string
	path    string
	key     string
	// want is the outcome of every operation ("ok", "not-permitted",
	// "invalid"), or per operation in wantOp.
	want   string
	wantOp map[string]string
}

// wantOf is the expected outcome of op; get-again expects what get does.
func (tc sbxCase) wantOf(op string) string {
	if op == "get-again" {
		op = "get"
	}
	if w, ok := tc.wantOp[op]; ok {
		return w
	}
	return tc.want
}

// sbxSkipped: a planted entry refused with not-permitted is left out of
// listings (keys, stats, purge) and left in place by clear.
var sbxSkipped = map[string]string{"keys": "ok", "stats": "ok", "purge": "ok", "clear": "ok"}

// sbxOps are the operations tried, in this order.
var sbxOps = []string{"get", "keys", "stats", "purge", "delete", "put", "get-again", "clear"}

// sbxResult is what one of sbxOps returned besides its error.
type sbxResult struct {
	value []byte   // get's value
	found bool     // get hit; delete found an entry
	keys  []string // keys' listing
}

// sbxCall runs op, one of sbxOps, on c with key and the options o (put
// stores "mine"). Nothing a sandbox test plants may count as an entry: it
// fails t when stats counts one, purge removes one or delete finds one.
func sbxCall(ctx context.Context, t *testing.T, c *sdk.Cache, op, key string, o []sdk.Option) (sbxResult, error) {
	var r sbxResult
	var err error
	switch op {
	case "get", "get-again":
		r.value, r.found, err = c.Get(ctx, key, o...)
	case "keys":
		r.keys, err = c.Keys(ctx, "", o...)
	case "stats":
		var st sdk.Stats
		st, err = c.Stats(ctx, o...)
		if st.Entries+st.Expired > 0 {
			t.Errorf("stats counted entries the test did not put: %+v", st)
		}
	case "purge":
		var n uint64
		n, err = c.Purge(ctx, o...)
		if n > 0 {
			t.Errorf("purge removed %d entries", n)
		}
	case "delete":
		r.found, err = c.Delete(ctx, key, o...)
		if r.found {
			t.Errorf("delete found an entry")
		}
	case "put":
		err = c.Put(ctx, key, []byte(`"mine"`), o...)
	case "clear":
		err = c.Clear(ctx, o...)
	default:
		t.Errorf("unknown operation %q", op)
	}
	return r, err
}

// sbxMakeDB makes the SQLite database of the granted folder dir.
func sbxMakeDB(t *testing.T, dir string) {
	t.Helper()
	ctx := context.Background()
	c, err := sdk.Open(ctx, sdk.NewConfig().WithDir(dir).WithPoolSize(1))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Put(ctx, "k", []byte(`"mine"`)); err != nil {
		t.Fatal(err)
	}
	c.Close()
}

func sbxSymlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(link), 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

// sbxRel is target relative to the folder of link.
func sbxRel(t *testing.T, link, target string) string {
	t.Helper()
	rel, err := filepath.Rel(filepath.Dir(link), target)
	if err != nil {
		t.Fatal(err)
	}
	return rel
}

func TestFSSandboxEscapes(t *testing.T) {
	entry := cache.EntryFileName("k")
	// link plants a symlink at grant/<at> to outside/<to>, absolute or
	// relative.
	link := func(at, to string, relative bool) func(*testing.T, *sbxWorld) {
		return func(t *testing.T, w *sbxWorld) {
			l, target := filepath.Join(w.grant, at), filepath.Join(w.outside, to)
			if relative {
				target = sbxRel(t, l, target)
			}
			sbxSymlink(t, target, l)
		}
	}
	var cases []sbxCase
	for _, rel := range []bool{false, true} {
		kind := map[bool]string{false: "absolute", true: "relative"}[rel]
		cases = append(cases,
			sbxCase{name: "fs root is a " + kind + " symlink", backend: sdk.FS, plant: link("files", "", rel), want: "not-permitted"},
			sbxCase{name: "namespace folder is a " + kind + " symlink", backend: sdk.FS, plant: link("files/ns", "ns", rel),
				wantOp: map[string]string{"purge": "ok", "clear": "not-permitted"}, want: "not-permitted"},
			sbxCase{name: "entry file is a " + kind + " symlink to a record", backend: sdk.FS, plant: link("files/ns/"+entry, "ns/"+entry, rel),
				wantOp: map[string]string{"keys": "ok", "stats": "ok", "purge": "ok", "clear": "ok"}, want: "not-permitted"},
			sbxCase{name: "entry file is a " + kind + " symlink to a folder", backend: sdk.FS, plant: link("files/ns/"+entry, "ns", rel),
				wantOp: map[string]string{"keys": "ok", "stats": "ok", "purge": "ok", "clear": "ok"}, want: "not-permitted"},
			sbxCase{name: "a folder of the fs path is a " + kind + " symlink", backend: sdk.FS, path: "sub", plant: link("sub", "", rel), want: "not-permitted"},
			sbxCase{name: "watch folder is a " + kind + " symlink", backend: sdk.FS, plant: link("files/ns/.sandcache-watch", "", rel), want: "ok"},
			sbxCase{name: "SQLite file is a " + kind + " symlink", backend: sdk.SQLite, plant: link("cache.sqlite", "cache.sqlite", rel), want: "not-permitted"},
			sbxCase{name: "SQLite folder is a " + kind + " symlink", backend: sdk.SQLite, path: "db/cache.sqlite", plant: link("db", "", rel), want: "not-permitted"},
		)
	}
	cases = append(cases,
		sbxCase{name: "fs root is a symlink inside the grant", backend: sdk.FS, want: "not-permitted", plant: func(t *testing.T, w *sbxWorld) {
			os.Mkdir(filepath.Join(w.grant, "real"), 0o777)
			sbxSymlink(t, "real", filepath.Join(w.grant, "files"))
		}},
		sbxCase{name: "entry file is a hard link to an outside record", backend: sdk.FS, want: "not-permitted", wantOp: sbxSkipped, plant: func(t *testing.T, w *sbxWorld) {
			os.MkdirAll(filepath.Join(w.grant, "files", "ns"), 0o777)
			if err := os.Link(filepath.Join(w.outside, "ns", entry), filepath.Join(w.grant, "files", "ns", entry)); err != nil {
				t.Skip("no hard links here:", err)
			}
		}},
		sbxCase{name: "entry file is a hard link to the canary", backend: sdk.FS, want: "not-permitted", wantOp: sbxSkipped, plant: func(t *testing.T, w *sbxWorld) {
			os.MkdirAll(filepath.Join(w.grant, "files", "ns"), 0o777)
			if err := os.Link(filepath.Join(w.outside, "canary.json"), filepath.Join(w.grant, "files", "ns", entry)); err != nil {
				t.Skip("no hard links here:", err)
			}
		}},
		// A new database: SQLite removes the planted WAL (as a link) and
		// makes its own.
		sbxCase{name: "SQLite WAL is a symlink", backend: sdk.SQLite, want: "ok", plant: func(t *testing.T, w *sbxWorld) {
			sbxSymlink(t, filepath.Join(w.outside, "canary.json"), filepath.Join(w.grant, "cache.sqlite-wal"))
		}},
		// An existing database: the grant's VFS refuses the symlinked WAL.
		sbxCase{name: "SQLite WAL of an existing database is a symlink", backend: sdk.SQLite, want: "not-permitted", plant: func(t *testing.T, w *sbxWorld) {
			sbxMakeDB(t, w.grant)
			sbxSymlink(t, filepath.Join(w.outside, "canary.json"), filepath.Join(w.grant, "cache.sqlite-wal"))
		}},
		// The grant's VFS checks the shm file when the database opens.
		sbxCase{name: "SQLite shm is a symlink", backend: sdk.SQLite, want: "not-permitted", plant: func(t *testing.T, w *sbxWorld) {
			sbxSymlink(t, filepath.Join(w.outside, "canary.json"), filepath.Join(w.grant, "cache.sqlite-shm"))
		}},
		sbxCase{name: "SQLite journal is a symlink", backend: sdk.SQLite, want: "ok", plant: func(t *testing.T, w *sbxWorld) {
			sbxSymlink(t, filepath.Join(w.outside, "canary.json"), filepath.Join(w.grant, "cache.sqlite-journal"))
		}},
	)
	// Names.
	for _, ns := range []string{".", "..", "..."} {
		cases = append(cases,
			sbxCase{name: "fs namespace " + ns, backend: sdk.FS, ns: ns, want: "invalid"},
			sbxCase{name: "sqlite namespace " + ns, backend: sdk.SQLite, ns: ns, want: "invalid"})
	}
	for _, ns := range []string{"../outside/ns", "../../outside/ns", "/abs/ns", "a\x00b", "ns/../..", "\\..\\outside"} {
		cases = append(cases, sbxCase{name: fmt.Sprintf("fs namespace %q", ns), backend: sdk.FS, ns: ns, want: "ok"})
	}
	cases = append(cases,
		sbxCase{name: "fs namespace of 256 bytes", backend: sdk.FS, ns: strings.Repeat("n", 256), want: "invalid",
			wantOp: map[string]string{"purge": "ok"}}, // purge takes no namespace
		sbxCase{name: "fs namespace of 255 bytes", backend: sdk.FS, ns: strings.Repeat("n", 255), want: "ok"},
		sbxCase{name: "fs key of 100 KiB", backend: sdk.FS, key: strings.Repeat("k", 100<<10),
			wantOp: map[string]string{"keys": "ok", "stats": "ok", "purge": "ok", "clear": "ok"}, want: "invalid"},
	)
	for _, key := range []string{"../../outside/canary.json", "/etc/passwd", "a\x00b", "..", "ns/../../x"} {
		cases = append(cases, sbxCase{name: fmt.Sprintf("fs key %q", key), backend: sdk.FS, key: key, want: "ok"})
	}
	for _, b := range []sdk.Backend{sdk.FS, sdk.SQLite} {
		for _, p := range []string{"../outside", "../outside/ns", "grant/../../outside", "/PARENT/outside", "..\\outside", "a:b"} {
			cases = append(cases, sbxCase{name: fmt.Sprintf("%s path %q", b, p), backend: b, path: p, want: "not-permitted"})
		}
		cases = append(cases,
			sbxCase{name: fmt.Sprintf("%s path with NUL", b), backend: b, path: "a\x00b", want: "invalid"},
			sbxCase{name: fmt.Sprintf("%s path of 5000 bytes", b), backend: b, path: strings.Repeat("p/", 2500), want: "invalid"},
			sbxCase{name: fmt.Sprintf("%s path component of 300 bytes", b), backend: b, path: strings.Repeat("p", 300), want: "invalid"},
		)
	}

	ctx := context.Background()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := newSbxWorld(t)
			if tc.plant != nil {
				tc.plant(t, w)
			}
			w.check(t, "planting")
			c := openCache(t, w.grant, sdk.NewConfig().WithPoolSize(1))
			ns, key, path := tc.ns, tc.key, strings.ReplaceAll(tc.path, "/PARENT", w.parent)
			if ns == "" {
				ns = "ns"
			}
			if key == "" {
				key = "k"
			}
			o := []sdk.Option{sdk.WithBackend(tc.backend), sdk.InNamespace(ns), sdk.AtPath(path)}
			putOK := false
			for _, op := range sbxOps {
				var err error
				func() {
					defer func() {
						if r := recover(); r != nil {
							t.Fatalf("%s panicked: %v", op, r)
						}
					}()
					var r sbxResult
					r, err = sbxCall(ctx, t, c, op, key, o)
					if v, hit := r.value, r.found; op == "get" || op == "get-again" {
						if hit && string(v) == sbxSecret {
							t.Errorf("%s read the outside record: %s", op, v)
						}
						if op == "get-again" && putOK && (err != nil || !hit || string(v) != `"mine"`) {
							t.Errorf("get after a successful put: %s %v %v", v, hit, err)
						}
					}
					if len(r.keys) > 0 {
						t.Errorf("keys listed %q", r.keys)
					}
				}()
				want := tc.wantOf(op)
				if got := sbxOutcome(err); got != want {
					t.Errorf("%s: %s; want %s", op, got, want)
				} else if err != nil {
					t.Logf("%s: %v", op, err)
				}
				if op == "put" {
					putOK = err == nil
				}
				w.check(t, op)
			}
		})
	}
}
