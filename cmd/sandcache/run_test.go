package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func pluginPath(name string) string {
	p, _ := filepath.Abs(filepath.Join("..", "..", "plugins", "testdata", name))
	return p
}

// TestRunPersists: plugins written only against the published
// wasi:keyvalue WIT (hand-written WAT, and Go through plugin/keyvalue) run
// under `sandcache run`, and their entries persist across runs.
func TestRunPersists(t *testing.T) {
	c := newCLI(t)
	c.want(0, "1\n", "run", pluginPath("counter.wasm"))
	c.want(0, "2\n", "run", pluginPath("counter.wasm"))
	c.want(0, "2\n", "--namespace", "counter", "get", "runs")

	c.want(0, "", "run", pluginPath("notes.wasm"), "set", "b", "k", `{"a": [1, 2]}`)
	c.want(0, `{"a": [1, 2]}`+"\n", "run", pluginPath("notes.wasm"), "get", "b", "k")
	c.want(0, `{"$json":{"a":[1,2]},"$text":"{\"a\": [1, 2]}"}`+"\n", "--namespace", "b", "get", "k")
	c.want(0, "", "run", pluginPath("notes.wasm"), "set", "b", "plain", `[1,2]`)
	c.want(0, "[1,2]\n", "--namespace", "b", "get", "plain")
}

func TestRunExitCodes(t *testing.T) {
	c := newCLI(t)
	r := c.want(64, "", "run", pluginPath("notes.wasm"), "bogus", "b")
	if !strings.Contains(r.stderr, "bad arguments") {
		t.Errorf("stderr %q", r.stderr)
	}
	r = c.want(2, "", "run", pluginPath("counter.wasm"), "trap")
	if !strings.Contains(r.stderr, "unreachable") {
		t.Errorf("a trap: stderr %q, want the trap", r.stderr)
	}
	r = c.run("run", filepath.Join(t.TempDir(), "missing.wasm"))
	if r.code == 0 || !strings.Contains(r.stderr, "missing.wasm") {
		t.Errorf("missing module: %+v", r)
	}
	c.want(2, "", "run")
}

// TestRunTimeout: --timeout ends a plugin that loops (the module is
// instrumented like the sandcache guest).
func TestRunTimeout(t *testing.T) {
	c := newCLI(t)
	start := time.Now()
	r := c.run("--timeout", "300ms", "run", pluginPath("counter.wasm"), "loop")
	if r.code == 0 {
		t.Fatalf("a looping plugin exited 0: %+v", r)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Fatalf("a looping plugin with --timeout 300ms ran %v", d)
	}
	// The grant is intact and usable afterwards.
	c.want(0, "1\n", "run", pluginPath("counter.wasm"))
}

// TestRunHostilePlugin: a plugin that breaks the ABI traps itself (exit 2,
// the reason on stderr) or gets an error (exit 1); the grant stays usable.
func TestRunHostilePlugin(t *testing.T) {
	c := newCLI(t)
	for _, tc := range []struct{ mode, stderr string }{
		{"p", "100 bytes at 0xfffffff0 are outside guest memory"},
		{"r", "return area 0xfffffff8"},
		{"n", "length 17179869176"}, // 2^31-1 elements of 8 bytes
		{"c", "cabi_realloc returned 0xfffffff0"},
	} {
		r := c.want(2, "", "run", pluginPath("hostile.wasm"), tc.mode)
		if !strings.Contains(r.stderr, "guest broke the canonical ABI") || !strings.Contains(r.stderr, tc.stderr) {
			t.Errorf("mode %s: stderr %q, want %q", tc.mode, r.stderr, tc.stderr)
		}
	}
	for _, mode := range []string{"h", "d", "t"} { // bad handles: error::other
		c.want(1, "error:2\n", "run", pluginPath("hostile.wasm"), mode)
	}
	c.want(0, "1\n", "run", pluginPath("counter.wasm"))
}

// TestRunDraftPlugin: a plugin built against wasi:keyvalue@0.2.0-draft
// shares the grant's buckets with 0.2.0-draft2 plugins.
func TestRunDraftPlugin(t *testing.T) {
	c := newCLI(t)
	c.want(0, "1\n", "run", pluginPath("draft-counter.wasm"))
	c.want(0, "2\n", "run", pluginPath("draft-counter.wasm"))
	c.want(0, "1\n", "run", pluginPath("counter.wasm"))
	c.want(0, "old!\nruns\n", "--namespace", "counter", "keys")
}

// TestRunArgsVerbatim: what follows MODULE.wasm goes to the plugin as it
// is, flags included; global flags come before it.
func TestRunArgsVerbatim(t *testing.T) {
	c := newCLI(t)
	c.want(0, "", "run", pluginPath("notes.wasm"), "set", "--dir", "k", "v1")
	c.want(0, "v1\n", "--timeout", "20s", "run", pluginPath("notes.wasm"), "get", "--dir", "k")
	// Not JSON: stored as base64 in a $bytes envelope ("v1").
	c.want(0, `{"$bytes":"djE="}`+"\n", "--namespace", "--dir", "get", "k")
}

// TestRunFlags: --backend and --max-entries apply to run; the flags that
// select a store or keys are refused.
func TestRunFlags(t *testing.T) {
	c := newCLI(t)
	c.want(0, "1\n", "--backend", "fs", "run", pluginPath("counter.wasm"))
	c.want(0, "1\n", "--backend", "fs", "--namespace", "counter", "get", "runs")
	c.want(0, "1\n", "run", pluginPath("counter.wasm")) // sqlite: another store
	for _, k := range []string{"a", "b", "c"} {
		c.want(0, "", "--max-entries", "2", "run", pluginPath("notes.wasm"), "set", "lru", k, "1")
	}
	c.want(0, "b\nc\n", "run", pluginPath("notes.wasm"), "list", "lru")
	for _, flag := range [][]string{{"--namespace", "x"}, {"--path", "p.sqlite"}, {"--ttl", "1s"}, {"--options", "{}"}, {"--max-entries", "0"}} {
		r := c.run(append(flag, "run", pluginPath("counter.wasm"))...)
		if r.code != 2 || !strings.Contains(r.stderr, flag[0]) {
			t.Errorf("%v run: exit %d, stderr %q", flag, r.code, r.stderr)
		}
	}
}

// TestRunNotACommand: a module without _start (a reactor, here the
// sandcache guest itself) or that is not WebAssembly is refused with exit 2.
func TestRunNotACommand(t *testing.T) {
	c := newCLI(t)
	guest, _ := filepath.Abs(filepath.Join("..", "..", "host", "guest.wasm"))
	r := c.want(2, "", "run", guest)
	if !strings.Contains(r.stderr, "exports no _start") {
		t.Errorf("reactor: stderr %q", r.stderr)
	}
	notWasm := filepath.Join(t.TempDir(), "x.wasm")
	if err := os.WriteFile(notWasm, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	r = c.want(2, "", "run", notWasm)
	if !strings.Contains(r.stderr, "plugin module") {
		t.Errorf("not wasm: stderr %q", r.stderr)
	}
}
