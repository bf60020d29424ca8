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
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sandcache/sandcache/internal/captest"
	"github.com/sandcache/sandcache/internal/guest/cache"
	"github.com/sandcache/sandcache/sdk"
)

// The hostile-folder suite for the fs backend in the default layout of the
// granted folder (issue 10, DESIGN "Sandboxing"): a FIFO, a socket, a
// device, a hard link or a symlink planted at every path the fs store uses
//
//	files/                               the fs root
//	files/ns/                            a namespace folder
//	files/ns/<sha256(k)>.json            the record of key k
//	files/ns/.sandcache-watch/           the watch folder (fsstore_watch.go)
//	files/ns/.sandcache-watch/<16 hex>   a watch token
//	files/ns/.<record>.<16 hex>.tmp      a temp file of WriteAtomic, stale
//
// and a sparse 200 GB file as the record. (The fs store has no lock file:
// filecap locks with flock on the folder itself.) Every operation, from
// the SDK and from the CLI, must end well within its deadline with the
// expected outcome, the process must stay alive with its memory flat, and
// nothing outside the granted folder may change or be read (newSbxWorld's
// outside holds a record of k with the value "secret", the target of the
// hard links).

// fbPlant makes a file of kind at rel in w.grant (captest.Plant), links
// pointing at the outside record of k.
func fbPlant(t *testing.T, w *sbxWorld, rel, kind string) {
	t.Helper()
	captest.Plant(t, filepath.Join(w.grant, filepath.FromSlash(rel)), kind, filepath.Join(w.outside, "ns", cache.EntryFileName("k")))
	// Planting a hard link changed the target's ctime only; the snapshot
	// holds bytes, mtime and atime.
	w.check(t, "planting")
}

// fbCase is one planted file and the outcome of each operation
// (sbxOutcome's words; "miss" for a get or delete that finds nothing).
type fbCase struct {
	name  string
	at    string // path in the grant
	kind  string
	want  string            // every operation's outcome unless in wantOp
	op    map[string]string // per operation
	stale bool              // set the planted file's times an hour back
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
			fbPlant(t, w, tc.at, tc.kind)
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
			o := []sdk.Option{sdk.WithBackend(sdk.FS), sdk.InNamespace("ns")}
			for _, op := range sbxOps {
				got, detail := fbRun(t, c, op, o)
				if want := tc.wantOf(op); got != want {
					t.Errorf("%s: %s (%s); want %s", op, got, detail, want)
				} else {
					t.Logf("%s: %s %s", op, got, detail)
				}
				w.check(t, op)
			}
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

// TestFolderSandboxSparseMemory measures the host around reads of a sparse
// 200 GB record: before filecap checked sizes it allocated size+1 bytes
// and the process died ("fatal error: runtime: out of memory").
func TestFolderSandboxSparseMemory(t *testing.T) {
	w := newSbxWorld(t)
	fbPlant(t, w, "files/ns/"+cache.EntryFileName("k"), "sparse")
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
	// What each outcome prints: the exit status and a word of the message.
	exit := map[string]int{"ok": 0, "hit": 0, "miss": 1, "not-permitted": 2, "corrupt": 2}
	message := map[string]string{"not-permitted": "(not a regular file|hard links|symbolic link)", "corrupt": "the limit is"}
	cmds := map[string][]string{
		"get": {"get", "k"}, "keys": {"keys"}, "stats": {"stats"}, "purge": {"purge"},
		"delete": {"delete", "k"}, "put": {"put", "k", `"mine"`}, "get-again": {"get", "k"}, "clear": {"clear"},
	}
	for _, tc := range fbCases() {
		t.Run(tc.name, func(t *testing.T) {
			w := newSbxWorld(t)
			fbPlant(t, w, tc.at, tc.kind)
			// With --json an error is {"error":...} on stdout (before the
			// loop, whose clear may remove the planted file).
			if want := tc.wantOf("delete"); want == "not-permitted" || want == "corrupt" {
				args := []string{"--json", "--dir", w.grant, "--backend", "fs", "--namespace", "ns", "--timeout", "5s", "delete", "k"}
				code, stdout, _ := fbCLI(t, bin, xdg, args)
				if code != 2 || !strings.HasPrefix(stdout, `{"error":"cache fs: files: `) {
					t.Errorf("--json delete: exit %d, stdout %q", code, stdout)
				}
				w.check(t, "sandcache --json delete")
			}
			for _, op := range fbCLIOps {
				want := tc.wantOf(op)
				args := append([]string{"--dir", w.grant, "--backend", "fs", "--namespace", "ns", "--timeout", "5s"}, cmds[op]...)
				code, stdout, stderr := fbCLI(t, bin, xdg, args)
				if code != exit[want] {
					t.Errorf("%s: exit %d (stdout %q, stderr %q); want %d (%s)", op, code, stdout, stderr, exit[want], want)
				}
				if re := message[want]; re != "" && !regexp.MustCompile(`^sandcache: cache fs: files: .*`+re).MatchString(stderr) {
					t.Errorf("%s: stderr %q does not match %q", op, stderr, re)
				}
				if strings.Contains(stdout+stderr, "secret") {
					t.Errorf("%s printed the outside record: %q %q", op, stdout, stderr)
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
