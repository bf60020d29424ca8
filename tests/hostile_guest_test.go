package tests

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sandcache/sandcache/internal/guest/capability"
	"github.com/sandcache/sandcache/internal/host"
	"github.com/sandcache/sandcache/internal/testhooks"
)

// The hostile-guest suite: a guest module written to attack
// (tests/hostile/attacker, built by build.sh into
// tests/testdata/hostile/attacker.wasm) runs through the real host and its
// real capabilities, substituted for the embedded guest through
// internal/testhooks. Every attack must end in an error to the caller of
// the expected kind, leave the host working (the next call, on a fresh
// instance, succeeds), leave a canary folder outside the grant unchanged
// byte for byte, and leak no goroutine or descriptor.

var (
	attackerOnce sync.Once
	attackerWasm []byte
	attackerErr  error
)

func attacker(t *testing.T) []byte {
	t.Helper()
	attackerOnce.Do(func() { attackerWasm, attackerErr = hostileModule("attacker") })
	if attackerErr != nil {
		t.Fatal(attackerErr)
	}
	return attackerWasm
}

// hostileModule reads tests/testdata/hostile/NAME.wasm.
func hostileModule(name string) ([]byte, error) {
	b, err := os.ReadFile(filepath.Join("testdata", "hostile", name+".wasm"))
	if err != nil {
		return nil, fmt.Errorf("%w (run ./build.sh)", err)
	}
	return b, nil
}

// hostileConfig: one instance (so "arm:" modes reach the next call) and
// 32 MiB of guest memory (so "oom" is quick).
func hostileConfig() host.Config {
	return host.NewConfig().WithPoolSize(1).WithMemoryLimitPages(512)
}

// arena is a granted folder next to a canary folder that holds a real
// SQLite cache and a secret file.
type arena struct {
	root, grant, canary string
	before              map[string]string
}

func newArena(t *testing.T) *arena {
	t.Helper()
	root := t.TempDir()
	a := &arena{root: root, grant: filepath.Join(root, "grant"), canary: filepath.Join(root, "canary")}
	for _, d := range []string{a.grant, filepath.Join(a.canary, "sub")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// A real cache database, written by the real guest.
	ctx := context.Background()
	sb, err := host.Open(ctx, a.canary, host.NewConfig().WithPoolSize(1))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sb.Put(ctx, "secret", []byte(`"canary"`), host.Options{}); err != nil {
		t.Fatal(err)
	}
	sb.Close()
	if err := os.WriteFile(filepath.Join(a.canary, "secret.txt"), []byte("canary secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	a.before = snapshot(t, a.canary)
	return a
}

// snapshot maps every path under dir to its mode and content.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		v := info.Mode().String()
		if info.Mode().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			v += "\n" + string(b)
		}
		m[p] = v
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func (a *arena) checkCanary(t *testing.T) {
	t.Helper()
	after := snapshot(t, a.canary)
	for p, v := range a.before {
		if w, ok := after[p]; !ok {
			t.Errorf("canary: %s was removed", p)
		} else if w != v {
			t.Errorf("canary: %s changed", p)
		}
	}
	for p := range after {
		if _, ok := a.before[p]; !ok {
			t.Errorf("canary: %s appeared", p)
		}
	}
	// Nothing may appear next to the grant either.
	ents, err := os.ReadDir(a.root)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.Name() != "grant" && e.Name() != "canary" {
			t.Errorf("%s appeared next to the grant", e.Name())
		}
	}
}

// open opens the attacker on the grant. The caller closes it (before its
// leak check).
func (a *arena) open(t *testing.T) *host.Sandbox {
	t.Helper()
	sb, err := host.Open(testhooks.WithGuest(context.Background(), attacker(t)), a.grant, hostileConfig())
	if err != nil {
		t.Fatal(err)
	}
	return sb
}

// start warms the attacker's engine (compiled once per process), takes the
// leak baseline and opens the attacker; the returned func closes it and
// checks for leaks.
func (a *arena) start(t *testing.T) (*host.Sandbox, func()) {
	t.Helper()
	warm := a.open(t)
	checkAlive(t, warm)
	warm.Close()
	done := leakCheck(t, 0)
	sb := a.open(t)
	checkAlive(t, sb)
	return sb, func() {
		t.Helper()
		sb.Close()
		done()
	}
}

// attacked starts the arena's Sandbox (start), runs attack with it and a
// 30 s context, then checks that the canary is untouched; the Sandbox is
// closed and leaks are checked after.
func (a *arena) attacked(t *testing.T, attack func(ctx context.Context, sb *host.Sandbox)) {
	t.Helper()
	sb, done := a.start(t)
	defer done()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	attack(ctx, sb)
	a.checkCanary(t)
}

// get runs the attacker's get with key as the attack.
func get(ctx context.Context, sb *host.Sandbox, key string) (host.Lookup, error) {
	return sb.Get(ctx, key, host.Options{})
}

// checkAlive checks that the Sandbox still serves a call (on a fresh
// instance when the attack broke the last one).
func checkAlive(t *testing.T, sb *host.Sandbox) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if l, err := get(ctx, sb, "hit:1"); err != nil || !l.Hit || string(l.Value) != "1" {
		t.Errorf("the sandbox does not serve calls after the attack: %+v, %v", l, err)
	}
}

func wantKind(t *testing.T, what string, err error, kinds ...error) {
	t.Helper()
	for _, k := range kinds {
		if errors.Is(err, k) {
			return
		}
	}
	t.Errorf("%s: got %v (kind %v), want one of %v", what, err, kindOf(err), kinds)
}

// TestHostileResults: a guest returning garbage to the host (pointers and
// lengths out of range, invalid UTF-8, discriminants out of range, absurd
// list lengths, traps, running out of memory) fails the call with
// ErrGuestFault; nothing of it reaches the caller.
func TestHostileResults(t *testing.T) {
	a := newArena(t)
	a.attacked(t, func(_ context.Context, sb *host.Sandbox) {
		ctx := context.Background() // no deadline: many calls, each may replace the instance
		cases := []struct {
			name string
			call func() error
		}{
			{"result pointer out of range", func() error { _, err := get(ctx, sb, "ret-oob"); return err }},
			{"value pointer out of range", func() error { _, err := get(ctx, sb, "value-ptr-oob"); return err }},
			{"value length out of range", func() error { _, err := get(ctx, sb, "value-len-oob"); return err }},
			{"value not UTF-8", func() error { _, err := get(ctx, sb, "value-utf8"); return err }},
			{"error message not UTF-8", func() error { _, err := get(ctx, sb, "err-utf8"); return err }},
			{"result discriminant 2", func() error { _, err := get(ctx, sb, "bad-tag"); return err }},
			{"error code 99", func() error { _, err := get(ctx, sb, "bad-code"); return err }},
			{"option discriminant 2", func() error { _, err := get(ctx, sb, "bad-hit"); return err }},
			{"bool 3 (expired)", func() error { _, err := get(ctx, sb, "bad-expired"); return err }},
			{"bool 5 (delete)", func() error { _, err := sb.Delete(ctx, "bad-bool", host.Options{}); return err }},
			{"keys: 2^31 elements", func() error { _, err := sb.Keys(ctx, "huge", host.Options{}); return err }},
			{"keys: 2^20 elements aliasing 1 MiB", func() error { _, err := sb.Keys(ctx, "alias", host.Options{}); return err }},
			{"keys: array out of range", func() error { _, err := sb.Keys(ctx, "arr-oob", host.Options{}); return err }},
			{"keys: element out of range", func() error { _, err := sb.Keys(ctx, "elem-oob", host.Options{}); return err }},
			{"keys: element not UTF-8", func() error { _, err := sb.Keys(ctx, "elem-utf8", host.Options{}); return err }},
			{"llm-key not UTF-8", func() error { _, err := sb.LLMKey(ctx, []byte(`"utf8"`), nil, nil); return err }},
			{"llm-key out of range", func() error { _, err := sb.LLMKey(ctx, []byte(`"oob"`), nil, nil); return err }},
			{"canonical-json not UTF-8", func() error { _, err := sb.CanonicalJSON(ctx, []byte(`"utf8"`)); return err }},
			{"canonical-json out of range", func() error { _, err := sb.CanonicalJSON(ctx, []byte(`"oob"`)); return err }},
			{"options: backend 9", func() error { _, err := sb.ParseOptions(ctx, []byte(`"bad-backend"`)); return err }},
			{"options: namespace not UTF-8", func() error { _, err := sb.ParseOptions(ctx, []byte(`"ns-utf8"`)); return err }},
			{"import argument out of range", func() error { _, err := get(ctx, sb, "import-arg-oob"); return err }},
			{"import return area out of range", func() error { _, err := get(ctx, sb, "import-ret-oob"); return err }},
			{"sql.run: calls out of range", func() error { _, err := get(ctx, sb, "run-list-oob"); return err }},
			{"sql.run: 2^28 calls claimed", func() error { _, err := get(ctx, sb, "run-list-huge"); return err }},
			{"sql.run: parameters out of range", func() error { _, err := get(ctx, sb, "run-params-oob"); return err }},
			{"sql.run: storage class 9", func() error { _, err := get(ctx, sb, "run-kind"); return err }},
			{"sql.run: text out of range", func() error { _, err := get(ctx, sb, "run-text-oob"); return err }},
			{"sql.run: blob out of range", func() error { _, err := get(ctx, sb, "run-blob-oob"); return err }},
			{"trap", func() error { _, err := get(ctx, sb, "trap"); return err }},
			{"memory grown to the limit", func() error { _, err := get(ctx, sb, "oom"); return err }},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				wantKind(t, c.name, c.call(), host.ErrGuestFault)
				checkAlive(t, sb)
			})
		}
	})
}

// TestHostileABI: a cabi_realloc that returns garbage or calls an import,
// and a cabi_post_* that traps or calls an import.
func TestHostileABI(t *testing.T) {
	a := newArena(t)
	a.attacked(t, func(ctx context.Context, sb *host.Sandbox) {
		cases := []struct {
			name  string
			arm   string // the arm: call (its own result goes through the mode)
			then  string // the attack, "" when the arm call is the attack
			kinds []error
		}{
			// Out of range: the host refuses the buffer, for arguments and
			// for an import's results.
			{"realloc out of range (arguments)", "realloc-oob", "miss", []error{host.ErrGuestFault}},
			{"realloc out of range (import result)", "late-realloc-oob", "import", []error{host.ErrGuestFault}},
			// 0 and the result area are in range: the host writes there,
			// which can only break the guest itself.
			{"realloc returns 0", "realloc-zero", "miss", []error{nil, host.ErrGuestFault}},
			{"realloc returns 0 (import result)", "late-realloc-zero", "import", []error{nil, host.ErrGuestFault}},
			{"realloc overlaps the result area", "late-realloc-overlap", "import", []error{nil, host.ErrGuestFault}},
			// Re-entrant calls: an import from cabi_realloc or cabi_post_*.
			{"realloc calls an import (arguments)", "realloc-reenter", "miss", []error{host.ErrGuestFault}},
			{"realloc calls an import (import result)", "late-realloc-reenter", "import", []error{host.ErrGuestFault}},
			{"post calls an import", "post-reenter", "", []error{host.ErrGuestFault}},
			{"post traps", "post-trap", "", []error{host.ErrGuestFault}},
			// A trap in cabi_post_* after an error result is a fault, not
			// the guest's error, and the instance is not reused.
			{"post traps after an error result", "post-trap+fail", "", []error{host.ErrGuestFault}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				_, err := get(ctx, sb, "arm:"+c.arm)
				if c.then != "" {
					if err != nil {
						t.Fatalf("arm: %v", err)
					}
					_, err = get(ctx, sb, c.then)
				}
				for _, k := range c.kinds {
					if k == nil && err == nil {
						goto ok
					}
				}
				wantKind(t, c.name, err, c.kinds...)
			ok:
				checkAlive(t, sb)
				// Disarm whatever instance serves next.
				if _, err := get(ctx, sb, "arm:"); err != nil {
					t.Fatalf("disarm: %v", err)
				}
			})
		}
	})
}

// TestHostileLoops: a guest that loops, with or without calling a
// capability, ends at its deadline (the call returns ErrGuestFault, its
// instance is discarded, the pool slot is free again), and Close ends a
// loop that has no deadline.
func TestHostileLoops(t *testing.T) {
	a := newArena(t)
	a.attacked(t, func(_ context.Context, sb *host.Sandbox) {
		const deadline = 200 * time.Millisecond
		for _, attack := range []string{"loop", "loop-cap", "signal-loop", "arm:realloc-loop"} {
			t.Run(attack, func(t *testing.T) {
				ctx, cancel := context.WithTimeout(context.Background(), deadline)
				defer cancel()
				start := time.Now()
				_, err := get(ctx, sb, attack)
				if attack == "arm:realloc-loop" { // the arm call succeeds; the next call's arguments loop
					if err != nil {
						t.Fatalf("arm: %v", err)
					}
					_, err = get(ctx, sb, "miss")
				}
				late := time.Since(start) - deadline
				wantKind(t, attack, err, host.ErrGuestFault)
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("%s: %v does not wrap context.DeadlineExceeded", attack, err)
				}
				// The bound is 100 ms; assert a generous one (a
				// shared machine) and log the figure.
				t.Logf("%s: returned %v after the deadline", attack, late)
				if late > time.Second {
					t.Errorf("%s: returned %v after its deadline", attack, late)
				}
				checkAlive(t, sb) // the only pool slot was reclaimed
			})
		}
		t.Run("close", func(t *testing.T) {
			entered := make(chan struct{})
			var once sync.Once
			sb2, err := host.Open(testhooks.WithGuest(context.Background(), attacker(t)), a.grant, hostileConfig())
			if err != nil {
				t.Fatal(err)
			}
			testhooks.SetCapabilities(sb2, testhooks.Capabilities{SQL: func(s capability.SQL) capability.SQL {
				return signalSQL{SQL: s, signal: func() { once.Do(func() { close(entered) }) }}
			}})
			callErr := make(chan error, 1)
			go func() {
				_, err := get(context.Background(), sb2, "signal-loop")
				callErr <- err
			}()
			select {
			case <-entered:
			case err := <-callErr: // the guest never reached its loop
				t.Fatalf("signal-loop returned before looping: %v", err)
			case <-time.After(30 * time.Second):
				t.Fatal("signal-loop never reached its loop")
			}
			// While the guest loops (no deadline), the rest of the process
			// runs, garbage collection included: a stop-the-world that waited
			// for the looping goroutine would never end.
			gcDone := make(chan struct{})
			go func() { runtime.GC(); close(gcDone) }()
			select {
			case <-gcDone:
			case <-time.After(10 * time.Second):
				t.Fatal("a garbage collection did not finish while the guest looped")
			}
			start := time.Now()
			if err := sb2.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
			took := time.Since(start)
			t.Logf("Close with a looping call in flight took %v", took)
			if took > 2*time.Second {
				t.Errorf("Close took %v with a looping call in flight; want about 0.5 s", took)
			}
			wantKind(t, "looping call during Close", <-callErr, host.ErrClosed)
		})
	})
}

// signalSQL calls signal on Dialect.
type signalSQL struct {
	capability.SQL
	signal func()
}

func (s signalSQL) Dialect() string { s.signal(); return s.SQL.Dialect() }

// TestHostileSQL: the guest's SQL through the real sql capability cannot
// reach a database outside the grant, write one, or learn the grant's
// absolute path.
//
// NEEDS THE SQL CONFINEMENT BRANCH (issue 10, item 1): on a branch
// without it, ATTACH, VACUUM INTO and PRAGMA database_list escape and
// these cases fail. They assert the final behaviour: ErrNotPermitted and
// the canary unchanged.
func TestHostileSQL(t *testing.T) {
	a := newArena(t)
	t.Chdir(filepath.Join(a.canary, "sub")) // "../x.db" from the process's folder is the canary
	a.attacked(t, func(ctx context.Context, sb *host.Sandbox) {
		outside := filepath.Join(a.canary, "cache.sqlite")
		for _, verb := range []string{"sql", "sqlmem"} {
			for _, stmt := range []string{
				"ATTACH DATABASE '" + outside + "' AS o",
				"ATTACH DATABASE '../x.db' AS o",
				"ATTACH DATABASE 'file:" + filepath.Join(a.canary, "uri.db") + "?mode=rwc' AS o",
				"ATTACH DATABASE 'file:" + outside + "' AS o",
				"VACUUM INTO '" + filepath.Join(a.canary, "copy.db") + "'",
				"VACUUM INTO '../copy.db'",
			} {
				t.Run(verb+": "+stmt, func(t *testing.T) {
					_, err := get(ctx, sb, verb+":"+stmt)
					wantKind(t, stmt, err, host.ErrNotPermitted)
					// Whatever was refused, nothing outside may be readable.
					if l, err := get(ctx, sb, strings.Replace(verb, "sql", "query", 1)+":SELECT value_json FROM o.cache_entries"); err == nil {
						t.Errorf("the attached canary is readable: %s", l.Value)
					}
				})
			}
			t.Run(verb+": PRAGMA database_list", func(t *testing.T) {
				q := strings.Replace(verb, "sql", "query", 1)
				l, err := get(ctx, sb, q+":PRAGMA database_list")
				if err == nil && bytes.Contains(l.Value, []byte(a.root)) {
					t.Errorf("PRAGMA database_list gives the guest the host path: %s", l.Value)
				}
				if err != nil {
					wantKind(t, "PRAGMA database_list", err, host.ErrNotPermitted)
				}
			})
		}
		checkAlive(t, sb)
	})
}

// TestHostileFiles: paths that leave the grant, through the real files
// capability, are refused.
func TestHostileFiles(t *testing.T) {
	a := newArena(t)
	a.attacked(t, func(ctx context.Context, sb *host.Sandbox) {
		secret := filepath.Join(a.canary, "secret.txt")
		for _, attack := range []string{
			"file-read:../canary/secret.txt",
			"file-read:" + secret,
			"file-read:a/../../canary/secret.txt",
			"file-write:../canary/planted.json",
			"file-write:" + filepath.Join(a.canary, "planted.json"),
			"file-remove:../canary/secret.txt",
			"file-remove:" + secret,
			"file-list:..",
			"file-list:" + a.canary,
		} {
			t.Run(attack, func(t *testing.T) {
				l, err := get(ctx, sb, attack)
				wantKind(t, attack, err, host.ErrNotPermitted)
				if bytes.Contains(l.Value, []byte("canary")) {
					t.Errorf("%s: the canary leaked: %s", attack, l.Value)
				}
			})
		}
		for _, attack := range []string{"file-read:a\x00b", "file-write:x\x00/../../canary/p.json"} {
			t.Run(strings.ReplaceAll(attack, "\x00", "NUL"), func(t *testing.T) {
				_, err := get(ctx, sb, attack)
				wantKind(t, "NUL in a path", err, host.ErrNotPermitted, host.ErrInvalidArgument)
			})
		}
		checkAlive(t, sb)
	})
}

// TestHostileSignature: a module whose export has another core signature
// than the ABI's is refused (ErrGuestFault, saying which export), never
// called with the host's idea of its parameters.
func TestHostileSignature(t *testing.T) {
	wasm, err := hostileModule("badsig")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	sb, err := host.Open(testhooks.WithGuest(ctx, wasm), t.TempDir(), hostileConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	for range 2 { // and again: nothing was kept
		_, err = sb.Get(ctx, "k", host.Options{})
		wantKind(t, "get on a module with a bad signature", err, host.ErrGuestFault)
		if err == nil || !strings.Contains(err.Error(), "sandcache:cache/cache@0.1.0#get") {
			t.Errorf("the error does not name the export: %v", err)
		}
	}
}
