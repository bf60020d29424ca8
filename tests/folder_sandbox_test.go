//go:build linux

package tests

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ncruces/go-sqlite3"

	"github.com/sandcache/sandcache/internal/captest"
	"github.com/sandcache/sandcache/internal/guest/cache"
	"github.com/sandcache/sandcache/sdk"
)

// The hostile-folder suite (issue 10, DESIGN "Sandboxing"): a FIFO, a
// socket, a device, a hard link or a symlink planted at every path a store
// uses in the default layout of the granted folder,
//
//	files/                               the fs root
//	files/ns/                            a namespace folder
//	files/ns/<sha256(k)>.json            the record of key k
//	files/ns/.sandcache-watch/           the watch folder (fsstore_watch.go)
//	files/ns/.sandcache-watch/<16 hex>   a watch token
//	files/ns/.<record>.<16 hex>.tmp      a temp file of WriteAtomic, stale
//	cache.sqlite                         the SQLite store
//	cache.sqlite-journal, -wal, -shm     its companions, next to a database
//
// a sparse 200 GB file at the fs record and at each of the SQLite store's
// paths, and views and triggers planted in the database. (The fs store has
// no lock file: filecap locks with flock on the folder itself.) Every
// operation, from the SDK and from the CLI, must end well within its
// deadline with the expected outcome, an error naming the planted file or
// object and never the host's path, the process must stay alive with its
// memory flat, another store of the folder must still work, and nothing
// outside the granted folder may change or be read (newSbxWorld's outside
// holds a record of k with the value "secret" and a cache.sqlite holding
// it, the targets of the links). A trigger that never ends, planted while
// the database is open, ends at the caller's deadline
// (TestFolderSandboxLoopingTrigger).

// fbSQLite is the SQLite store's file; paths that start with it are the
// sqlite store's, the others the fs store's.
const fbSQLite = "cache.sqlite"

// fbLoopingTrigger replaces one of sandcache's triggers by one that never
// ends, made only of what the authorizer lets through.
const fbLoopingTrigger = "DROP TRIGGER sandcache_count_delete; " +
	"CREATE TRIGGER sandcache_count_delete AFTER DELETE ON cache_entries BEGIN " +
	"DELETE FROM sandcache_counts WHERE (SELECT count(*) FROM cache_entries a, cache_entries b, cache_entries c, " +
	"cache_entries d, cache_entries e, cache_entries f, cache_entries g) < 0; END"

// fbPlant prepares w.grant for tc: the grant's database (tc.db), a file of
// tc.kind at tc.at (captest.Plant), links pointing at the outside record
// of k or the outside cache.sqlite, and tc.sql run on the database.
func fbPlant(t *testing.T, w *sbxWorld, tc fbCase) {
	t.Helper()
	if tc.db {
		sbxMakeDB(t, w.grant)
	}
	if tc.kind != "" {
		target := filepath.Join(w.outside, "ns", cache.EntryFileName("k"))
		if tc.backend() == sdk.SQLite {
			target = filepath.Join(w.outside, fbSQLite)
		}
		captest.Plant(t, filepath.Join(w.grant, filepath.FromSlash(tc.at)), tc.kind, target)
	}
	if tc.sql != "" {
		fbExec(t, filepath.Join(w.grant, fbSQLite), tc.sql)
	}
	// Planting a hard link changed the target's ctime only; the snapshot
	// holds bytes, mtime and atime.
	w.check(t, "planting")
}

// fbExec runs sql on the database at path as another program would.
func fbExec(t *testing.T, path, sql string) {
	t.Helper()
	c, err := sqlite3.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Exec(sql); err != nil {
		t.Fatal(err)
	}
}

// fbCase is one planted file or object and the outcome of each operation
// (sbxOutcome's words; "miss" for a get or delete that finds nothing).
type fbCase struct {
	name  string
	at    string            // path in the grant: the store is the one that uses it
	kind  string            // captest.Plant's kind; "" plants no file
	db    bool              // the grant holds a database (sbxMakeDB) before planting
	sql   string            // run on the grant's database after planting
	names string            // what the message of every error holds
	want  string            // every operation's outcome unless in wantOp
	op    map[string]string // per operation
	stale bool              // set the planted file's times an hour back
}

// backend is the store that uses tc.at.
func (tc fbCase) backend() sdk.Backend {
	if strings.HasPrefix(tc.at, fbSQLite) {
		return sdk.SQLite
	}
	return sdk.FS
}

func (tc fbCase) wantOf(op string) string {
	if w, ok := tc.op[op]; ok {
		return w
	}
	if op == "get-again" && tc.wantOf("put") == "ok" {
		return "hit"
	}
	return tc.want
}

func fbCases() []fbCase {
	entry := cache.EntryFileName("k")
	var cases []fbCase
	for _, kind := range captest.PlantKinds {
		// A record that is not a single-link regular file: get, delete and
		// put refuse it by name; listings skip it; clear leaves it.
		cases = append(cases, fbCase{name: "record is a " + kind, at: "files/ns/" + entry, kind: kind,
			want: "not-permitted", op: map[string]string{"keys": "ok", "stats": "ok", "purge": "ok", "clear": "ok"}})
		if kind == "hardlink" {
			continue // no hard links to folders
		}
		cases = append(cases,
			fbCase{name: "namespace folder is a " + kind, at: "files/ns", kind: kind, want: "not-permitted",
				op: map[string]string{"purge": "ok"}}, // purge lists only real folders
			fbCase{name: "fs root is a " + kind, at: "files", kind: kind, want: "not-permitted"},
			// Not a folder, so it holds no token: nothing to notify.
			fbCase{name: "watch folder is a " + kind, at: "files/ns/.sandcache-watch", kind: kind, want: "ok",
				op: map[string]string{"get": "miss", "delete": "miss"}},
		)
	}
	for _, kind := range captest.PlantKinds {
		// Another store's token: listings show only regular files, so only
		// the hard link is seen; removing it is refused, which a put's
		// notice skips and clear reports.
		tc := fbCase{name: "watch token is a " + kind, at: "files/ns/.sandcache-watch/0123456789abcdef", kind: kind, want: "ok",
			op: map[string]string{"get": "miss", "delete": "miss"}}
		if kind == "hardlink" {
			tc.op["clear"] = "not-permitted"
		}
		cases = append(cases, tc)
		// A stale temp file: the listing's clean-up removes only regular
		// single-link files, so this one stays, and its target is intact.
		cases = append(cases, fbCase{name: "stale temp file is a " + kind, at: "files/ns/." + entry + ".0123456789abcdef.tmp", kind: kind,
			stale: true, want: "ok", op: map[string]string{"get": "miss", "delete": "miss"}})
	}
	// A sparse 200 GB record: larger than any record this configuration
	// can write, so corrupt, refused from its size before a byte is read.
	// Never a miss, which would remove it: every operation that reads it
	// (all of them here; a put indexes the namespace first) fails naming
	// it, until someone removes it.
	cases = append(cases, fbCase{name: "record is a sparse 200 GB file", at: "files/ns/" + entry, kind: "sparse", want: "corrupt"})
	// The SQLite store: the grant's VFS opens its files without following
	// links or blocking and uses only single-link regular files, so every
	// operation, which opens the database, is refused naming the file. The
	// database is checked when it is opened, with its -shm file; next to a
	// database, the -wal file is opened at once (the database is in WAL
	// mode) and a -journal file is taken for a hot journal, to be opened
	// and rolled back. (Without a database, SQLite removes a planted
	// -journal or -wal as stale: TestFSSandboxEscapes.)
	for _, suffix := range []string{"", "-journal", "-wal", "-shm"} {
		at := fbSQLite + suffix
		for _, kind := range captest.PlantKinds {
			cases = append(cases, fbCase{name: at + " is a " + kind, at: at, kind: kind, db: suffix != "",
				names: strconv.Quote(at), want: "not-permitted"})
		}
		// Sparse 200 GB files: SQLite reads a database's header, which
		// is not one (corrupt); a journal or WAL file whose header is
		// zeros holds nothing to replay, a zeroed -shm is rebuilt.
		tc := fbCase{name: at + " is a sparse 200 GB file", at: at, kind: "sparse", db: suffix != "", names: strconv.Quote(fbSQLite),
			want: "ok", op: map[string]string{"get": "miss", "delete": "miss"}}
		if suffix == "" {
			tc.want, tc.op = "corrupt", nil
		}
		cases = append(cases, tc)
	}
	// Schema objects another program planted in the database: the
	// database is refused as corrupt when opened, naming the object,
	// before a statement runs.
	for _, o := range []struct{ name, object, sql string }{
		{"a view", "spy", "CREATE VIEW spy AS SELECT * FROM cache_entries"},
		{"a trigger", "planted_trigger", "CREATE TRIGGER planted_trigger AFTER INSERT ON cache_entries BEGIN DELETE FROM cache_entries; END"},
		{"a trigger of sandcache's name", "sandcache_count_delete",
			"DROP TRIGGER sandcache_count_delete; CREATE TRIGGER sandcache_count_delete AFTER DELETE ON cache_entries BEGIN SELECT 1; END"},
		{"a trigger that never ends", "sandcache_count_delete", fbLoopingTrigger},
	} {
		cases = append(cases, fbCase{name: "database holds " + o.name, at: fbSQLite, db: true, sql: o.sql,
			names: strconv.Quote(o.object), want: "corrupt"})
	}
	return cases
}

// fbCLIOps are the operations the CLI suite runs (a process each): read by
// name, listing, write, read back, folder-wide removal.
var fbCLIOps = []string{"get", "stats", "put", "get-again", "clear"}

// fbDeadline bounds every call; fbWatchdog is when a call that has not
// returned fails the test.
const (
	fbDeadline = 5 * time.Second
	fbWatchdog = 10 * time.Second
)

func TestFolderSandboxSDK(t *testing.T) {
	for _, tc := range fbCases() {
		t.Run(tc.name, func(t *testing.T) {
			w := newSbxWorld(t)
			fbPlant(t, w, tc)
			// Age it; a hard link shares the outside file's times, already
			// an hour back, and a symlink's own times are not settable here.
			if tc.stale && tc.kind != "hardlink" && tc.kind != "symlink" {
				old := time.Now().Add(-time.Hour)
				if err := os.Chtimes(filepath.Join(w.grant, filepath.FromSlash(tc.at)), old, old); err != nil {
					t.Fatal(err)
				}
				w.check(t, "aging")
			}
			c := openCache(t, w.grant, sdk.NewConfig().WithPoolSize(1).WithCompilationCacheDir(sharedCompileDir()))
			o := []sdk.Option{sdk.WithBackend(tc.backend()), sdk.InNamespace("ns")}
			for _, op := range sbxOps {
				got, detail := fbRun(t, c, op, o)
				if want := tc.wantOf(op); got != want {
					t.Errorf("%s: %s (%s); want %s", op, got, detail, want)
				} else {
					t.Logf("%s: %s %s", op, got, detail)
				}
				if failed := got != "ok" && got != "hit" && got != "miss"; failed && !strings.Contains(detail, tc.names) {
					t.Errorf("%s: %q does not name %s", op, detail, tc.names)
				}
				if strings.Contains(detail, w.parent) {
					t.Errorf("%s: %q holds the host's path", op, detail)
				}
				w.check(t, op)
			}
			// The planted file spoils only its own store.
			if err := c.Put(context.Background(), "k", []byte("1"), sdk.AtPath("other.sqlite")); err != nil {
				t.Errorf("put to another store of the folder: %v", err)
			}
			w.check(t, "put to another store")
		})
	}
}

// fbRun runs op under a deadline and returns its outcome: sbxOutcome's
// word, or "miss" / "hit" for get and delete.
func fbRun(t *testing.T, c *sdk.Cache, op string, o []sdk.Option) (outcome, detail string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), fbDeadline)
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		r, err := sbxCall(ctx, t, c, op, "k", o)
		found := r.found
		if found && op != "delete" {
			detail = string(r.value)
			if string(r.value) != `"mine"` {
				t.Errorf("%s returned %s: not the value this test put", op, r.value)
			}
		}
		if len(r.keys) > 0 && err == nil {
			detail = strings.Join(r.keys, ",")
		}
		outcome = sbxOutcome(err)
		if err != nil {
			detail = err.Error()
		} else if op == "get" || op == "get-again" || op == "delete" {
			outcome = map[bool]string{true: "hit", false: "miss"}[found]
		}
	}()
	select {
	case <-done:
	case <-time.After(fbWatchdog):
		t.Fatalf("%s has not returned %s after its %s deadline", op, fbWatchdog-fbDeadline, fbDeadline)
	}
	return outcome, detail
}

// TestFolderSandboxLoopingTrigger plants a trigger that never ends in the
// database while the cache has it open (a file holding it from the start
// is refused when opened: fbCases): the delete that fires it ends at its
// deadline, and a cache opened afterwards refuses the file, naming it.
func TestFolderSandboxLoopingTrigger(t *testing.T) {
	w := newSbxWorld(t)
	c := openCache(t, w.grant, sdk.NewConfig().WithPoolSize(1).WithCompilationCacheDir(sharedCompileDir()))
	o := []sdk.Option{sdk.WithBackend(sdk.SQLite), sdk.InNamespace("ns")}
	ctx := context.Background()
	for i := range 40 {
		if err := c.Put(ctx, "key"+strings.Repeat("x", i), []byte("1"), o...); err != nil {
			t.Fatal(err)
		}
	}
	fbExec(t, filepath.Join(w.grant, fbSQLite), fbLoopingTrigger)
	dctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	var err error
	start := time.Now()
	captest.Within(t, "a delete through a looping trigger", fbWatchdog, func() { _, err = c.Delete(dctx, "key", o...) })
	if err == nil {
		t.Fatal("delete through a looping trigger succeeded")
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("the looping trigger ran %v past a 200 ms deadline", d)
	}
	t.Logf("delete through a looping trigger: %v after %v", err, time.Since(start))
	w.check(t, "looping trigger")
	c2 := openCache(t, w.grant, sdk.NewConfig().WithCompilationCacheDir(sharedCompileDir()))
	if _, _, err := c2.Get(ctx, "key", o...); !errors.Is(err, sdk.ErrCorrupt) || !strings.Contains(err.Error(), `"sandcache_count_delete"`) {
		t.Errorf("get after the trigger was planted: %v (kind %v), want ErrCorrupt naming it", err, kindOf(err))
	}
	w.check(t, "get")
}

// TestFolderSandboxSparseMemory measures the host around reads of a sparse
// 200 GB record: before filecap checked sizes it allocated size+1 bytes
// and the process died ("fatal error: runtime: out of memory").
func TestFolderSandboxSparseMemory(t *testing.T) {
	w := newSbxWorld(t)
	fbPlant(t, w, fbCase{at: "files/ns/" + cache.EntryFileName("k"), kind: "sparse"})
	c := openCache(t, w.grant, sdk.NewConfig().WithPoolSize(1).WithCompilationCacheDir(sharedCompileDir()))
	o := []sdk.Option{sdk.WithBackend(sdk.FS), sdk.InNamespace("ns")}
	// Warm up: the instance exists and has run the fs store.
	if _, _, err := c.Get(context.Background(), "k", sdk.WithBackend(sdk.FS), sdk.InNamespace("other")); err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	rssBefore := fbRSS(t)
	for range 10 {
		if got, detail := fbRun(t, c, "get", o); got != "corrupt" {
			t.Fatalf("get: %s (%s); want corrupt", got, detail)
		}
	}
	runtime.ReadMemStats(&after)
	rssAfter := fbRSS(t)
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("10 gets of a 200 GB sparse record: Go heap allocated %d KiB in all; RSS %d MiB before, %d MiB after",
		alloc>>10, rssBefore>>20, rssAfter>>20)
	if alloc > 16<<20 {
		t.Errorf("10 gets allocated %d bytes", alloc)
	}
	if rssAfter > rssBefore+64<<20 {
		t.Errorf("RSS grew from %d to %d bytes", rssBefore, rssAfter)
	}
	w.check(t, "gets")
}

// fbRSS is this process's resident set size in bytes.
func fbRSS(t *testing.T) int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip("no /proc/self/status:", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Skip("no VmRSS")
	return 0
}

// TestFolderSandboxCLI runs the sandcache command on the same planted
// folders: each command ends (exit 0, 1 for a miss, 2 for an error with
// the error's message) well before --timeout, and the outside is intact.
func TestFolderSandboxCLI(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "sandcache")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/sandcache").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	xdg := t.TempDir() // the compiled guest, shared by the runs
	// Compile the guest once, without a deadline (seconds on a loaded
	// machine), so that the runs below measure only themselves.
	if code, stdout, stderr := fbCLI(t, bin, xdg, []string{"--dir", t.TempDir(), "--timeout", "0", "duration", "1"}); code != 0 {
		t.Fatalf("warm-up: exit %d, %q %q", code, stdout, stderr)
	}
	// What each outcome prints: the exit status and a word of the message,
	// after the store's prefix.
	exit := map[string]int{"ok": 0, "hit": 0, "miss": 1, "not-permitted": 2, "corrupt": 2}
	message := map[string]string{"not-permitted": "(not a regular file|hard links|symbolic link)", "corrupt": "(the limit is|not part of a cache|not a database)"}
	prefix := map[sdk.Backend]string{sdk.FS: "cache fs: files: ", sdk.SQLite: `cache sqlite error: sql "cache.sqlite": `}
	cmds := map[string][]string{
		"get": {"get", "k"}, "keys": {"keys"}, "stats": {"stats"}, "purge": {"purge"},
		"delete": {"delete", "k"}, "put": {"put", "k", `"mine"`}, "get-again": {"get", "k"}, "clear": {"clear"},
	}
	for _, tc := range fbCases() {
		t.Run(tc.name, func(t *testing.T) {
			w := newSbxWorld(t)
			fbPlant(t, w, tc)
			flags := []string{"--dir", w.grant, "--backend", tc.backend().String(), "--namespace", "ns", "--timeout", "5s"}
			// With --json an error is {"error":...} on stdout (before the
			// loop, whose clear may remove the planted file).
			if want := tc.wantOf("delete"); want == "not-permitted" || want == "corrupt" {
				code, stdout, _ := fbCLI(t, bin, xdg, slices.Concat([]string{"--json"}, flags, []string{"delete", "k"}))
				if code != 2 || !strings.HasPrefix(stdout, `{"error":`+strings.TrimSuffix(strconv.Quote(prefix[tc.backend()]), `"`)) {
					t.Errorf("--json delete: exit %d, stdout %q", code, stdout)
				}
				w.check(t, "sandcache --json delete")
			}
			for _, op := range fbCLIOps {
				want := tc.wantOf(op)
				code, stdout, stderr := fbCLI(t, bin, xdg, slices.Concat(flags, cmds[op]))
				if code != exit[want] {
					t.Errorf("%s: exit %d (stdout %q, stderr %q); want %d (%s)", op, code, stdout, stderr, exit[want], want)
				}
				if re := message[want]; re != "" && !regexp.MustCompile(`^sandcache: `+regexp.QuoteMeta(prefix[tc.backend()])+`.*`+re).MatchString(stderr) {
					t.Errorf("%s: stderr %q does not match %q", op, stderr, re)
				}
				if code == 2 && !strings.Contains(stderr, tc.names) {
					t.Errorf("%s: stderr %q does not name %s", op, stderr, tc.names)
				}
				if strings.Contains(stdout+stderr, "secret") || strings.Contains(stdout+stderr, w.parent) {
					t.Errorf("%s printed the outside record or the host's path: %q %q", op, stdout, stderr)
				}
				w.check(t, "sandcache "+op)
			}
		})
	}
}

// fbCLI runs bin with args; a run that outlives its --timeout by far is
// killed and fails the test.
func fbCLI(t *testing.T, bin, xdg string, args []string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + xdg, "XDG_CACHE_HOME=" + xdg}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("sandcache %q did not end within 30 s", args)
	}
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("sandcache %q: %v", args, err)
	}
	return cmd.ProcessState.ExitCode(), out.String(), errb.String()
}
