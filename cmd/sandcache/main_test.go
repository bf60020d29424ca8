package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// binary is the sandcache command built once for the tests; cacheHome is a
// shared XDG_CACHE_HOME, so the compiled guest is reused across runs.
var binary, cacheHome string

func TestMain(m *testing.M) {
	os.Exit(func() int {
		tmp, err := os.MkdirTemp("", "sandcache-cli-test")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(tmp)
		binary = filepath.Join(tmp, "sandcache")
		cacheHome = filepath.Join(tmp, "xdg-cache")
		out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
		if err != nil {
			fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
			return 1
		}
		return m.Run()
	}())
}

// cli runs the binary on one cache folder with a fixed clock.
type cli struct {
	t     *testing.T
	dir   string // SANDCACHE_DIR
	now   int64  // SANDCACHE_NOW_MS; 0 means unset
	cwd   string // working directory; "" means a fresh temp folder
	stdin string
}

func newCLI(t *testing.T) *cli {
	return &cli{t: t, dir: t.TempDir(), now: 1_700_000_000_000}
}

type result struct {
	stdout, stderr string
	code           int
}

func (c *cli) run(args ...string) result {
	c.t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = c.cwd
	if cmd.Dir == "" {
		cmd.Dir = c.t.TempDir()
	}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SANDCACHE_") && !strings.HasPrefix(kv, "XDG_CACHE_HOME=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "SANDCACHE_DIR="+c.dir, "XDG_CACHE_HOME="+cacheHome)
	if c.now != 0 {
		cmd.Env = append(cmd.Env, "SANDCACHE_NOW_MS="+strconv.FormatInt(c.now, 10))
	}
	cmd.Stdin = strings.NewReader(c.stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		c.t.Fatalf("sandcache %q: %v", args, err)
	}
	return r
}

// want runs args and checks the exit status and the exact stdout.
func (c *cli) want(code int, stdout string, args ...string) result {
	c.t.Helper()
	r := c.run(args...)
	if r.code != code || r.stdout != stdout {
		c.t.Errorf("sandcache %q\n got exit %d stdout %q (stderr %q)\nwant exit %d stdout %q",
			args, r.code, r.stdout, r.stderr, code, stdout)
	}
	return r
}

func TestPutGet(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.want(0, "", "put", "k", `{"b":1,"a":1.0,"c":[-0.0,1e21,"<&>"]}`)
	c.want(0, `{"a":1.0,"b":1,"c":[-0.0,1e+21,"<&>"]}`+"\n", "get", "k")
	c.want(1, "", "get", "missing")
	c.want(0, `{"hit":true,"value":{"a":1.0,"b":1,"c":[-0.0,1e+21,"<&>"]}}`+"\n", "--json", "get", "k")
	c.want(0, `{"hit":false}`+"\n", "--json", "get", "missing")
	// Flags may also follow the command.
	c.want(0, `{"hit":false}`+"\n", "get", "missing", "--json")
}

func TestJSONEnvelopes(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.want(0, `{"key":"ключ <>&","stored":true}`+"\n", "--json", "put", "ключ <>&", `"v"`)
	c.want(0, `{"hit":true,"value":"v"}`+"\n", "--json", "get", "ключ <>&")
	c.want(0, `{"key":"q\"b\\s\u0001\n/","stored":true}`+"\n", "--json", "put", "q\"b\\s\x01\n/", "1")
	c.want(0, "null\n", "--json", "clear")
	c.want(0, `{"hit":false}`+"\n", "--json", "get", "ключ <>&")
}

func TestDeleteClearKeys(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	for _, k := range []string{"ab", "ac", "b"} {
		c.want(0, "", "put", k, "true")
	}
	c.want(0, "ab\nac\n", "keys", "--prefix", "a")
	c.want(0, `["ab","ac","b"]`+"\n", "--json", "keys")
	c.want(0, `{"deleted":true}`+"\n", "--json", "delete", "ab")
	c.want(0, `{"deleted":false}`+"\n", "--json", "delete", "ab")
	c.want(0, "", "delete", "ac")
	c.want(1, "", "delete", "ac")
	c.want(0, "b\n", "keys")
	c.want(0, "", "clear")
	c.want(0, "", "keys")
	c.want(0, "[]\n", "keys", "--json")
}

func TestNamespaces(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.want(0, "", "--namespace", "one", "put", "k", "1")
	c.want(1, "", "get", "k")
	c.want(0, "1\n", "get", "k", "--namespace", "one")
	// From an option dictionary, and a flag overriding it.
	c.want(0, "1\n", "--options", `{"store":"one"}`, "get", "k")
	c.want(1, "", "--options", `{"store":{"namespace":"one"}}`, "--namespace", "two", "get", "k")
	c.want(0, "", "clear", "--namespace", "one")
	c.want(1, "", "get", "k", "--namespace", "one")
}

func TestTTL(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	start := c.now
	c.want(0, "", "--ttl", "10s", "put", "k", `"v"`)
	c.want(0, "", "--options", `{"ttl":"1m"}`, "put", "long", `"w"`)
	c.now = start + 9_999
	c.want(0, "\"v\"\n", "get", "k")
	c.now = start + 10_000 // expiry is strict: expires_at <= now is gone
	c.want(1, "", "get", "k")
	c.want(0, "\"w\"\n", "get", "long")
	c.now = start + 60_000
	c.want(0, `{"entries":0,"evictions":0,"expirations":0,"expired":1,"hit_rate":0.0,"hits":0,"misses":0}`+"\n", "--json", "stats")
	c.want(0, `{"removed":1}`+"\n", "--json", "purge")
	c.want(0, "0\n", "purge")
	// The default TTL is 600 s.
	c.want(0, "", "put", "d", "1")
	c.now += 599_999
	c.want(0, "1\n", "get", "d")
	c.now++
	c.want(1, "", "get", "d")
}

func TestStats(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.want(0, "", "put", "a", "1")
	c.want(0, "", "put", "b", "2")
	c.want(0, `{"entries":2,"evictions":0,"expirations":0,"expired":0,"hit_rate":0.0,"hits":0,"misses":0}`+"\n", "--json", "stats")
	c.want(0, "entries      2\nexpired      0\nhits         0\nmisses       0\nevictions    0\nexpirations  0\nhit_rate     0.00\n", "stats")
}

func TestLRU(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	// All at the same millisecond: the order of puts still decides.
	for _, k := range []string{"a", "b", "c"} {
		c.want(0, "", "--max-entries", "2", "put", k, strconv.Quote(k))
	}
	c.want(0, "b\nc\n", "keys")
	c.want(0, "\"b\"\n", "get", "b") // b is now the most recently used
	c.want(0, "", "put", "d", `"d"`, "--max-entries", "2")
	c.want(0, "b\nd\n", "keys")
}

func TestStdin(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.stdin = "{\"x\": [1, 2.50]}\n"
	c.want(0, "", "put", "k", "-")
	c.stdin = "\"from stdin\""
	c.want(0, "", "put", "k2")
	c.stdin = ""
	c.want(0, "{\"x\":[1,2.5]}\n", "get", "k")
	c.want(0, "\"from stdin\"\n", "get", "k2")
}

func TestRelativePath(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.dir = filepath.Join(t.TempDir(), "unused")
	c.cwd = t.TempDir()
	c.want(0, "", "--path", "sub/my.sqlite", "put", "k", "1")
	if _, err := os.Stat(filepath.Join(c.cwd, "sub", "my.sqlite")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(c.dir); err == nil {
		t.Error("--dir was created although --path names another folder")
	}
	c.want(1, "", "get", "k")
	c.want(0, "1\n", "get", "k", "--path", filepath.Join(c.cwd, "sub", "my.sqlite"))
	c.want(0, "1\n", "--options", `{"path":"sub/my.sqlite"}`, "get", "k")
	// From elsewhere, the relative path names another file.
	c.cwd = t.TempDir()
	c.want(1, "", "--path", "sub/my.sqlite", "get", "k")
}

func TestFSBackend(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.want(0, "", "--backend", "fs", "--ttl", "60", "put", "k", `{"value":"a"}`)
	sum := sha256.Sum256([]byte("k"))
	file := filepath.Join(c.dir, "files", "default", hex.EncodeToString(sum[:])+".json")
	got, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("{\n  \"key\": \"k\",\n  \"value\": {\n    \"value\": \"a\"\n  },\n  \"created_at_ms\": %d,\n  \"expires_at_ms\": %d,\n  \"last_accessed_ms\": %d\n}", c.now, c.now+60_000, c.now)
	if string(got) != want {
		t.Errorf("record:\n%s\nwant:\n%s", got, want)
	}
	c.want(0, `{"value":"a"}`+"\n", "--backend", "files", "get", "k")
	c.want(1, "", "get", "k") // the sqlite store is another store

	// A relative fs root, granted on its own.
	c.cwd = t.TempDir()
	c.want(0, "", "--backend", "fs", "--path", "root", "put", "k", "2")
	if _, err := os.Stat(filepath.Join(c.cwd, "root", "default", hex.EncodeToString(sum[:])+".json")); err != nil {
		t.Error(err)
	}
	c.want(0, "2\n", "--options", `{"store":{"backend":"fs","path":"root"}}`, "get", "k")
}

func TestMemBackend(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.want(0, "", "--backend", "mem", "put", "k", "1")
	c.want(1, "", "--backend", "mem", "get", "k") // gone with the process
}

func TestErrors(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	msg := "cache option ttl must be seconds or a duration string; got bool"
	c.want(2, `{"error":"`+msg+`"}`+"\n", "--json", "--options", `{"ttl":true}`, "put", "k", "1")
	r := c.want(2, "", "--options", `{"ttl":true}`, "get", "k")
	if r.stderr != "sandcache: "+msg+"\n" {
		t.Errorf("stderr %q", r.stderr)
	}
	c.want(2, `{"error":"cache options must be a dict or nil; got list"}`+"\n", "--json", "--options", "[]", "get", "k")
	c.want(2, `{"error":"cache backend must be \"sqlite\" or \"fs\"; got \"redis\""}`+"\n", "--json", "--options", `{"backend":"Redis"}`, "get", "k")
	c.want(2, `{"error":"cache duration \"1w\" must use ms, s, m, h, or d"}`+"\n", "--json", "--ttl", "1w", "put", "k", "1")
	if r := c.run("put", "k", "{"); r.code != 2 || !strings.HasPrefix(r.stderr, "sandcache: ") {
		t.Errorf("invalid JSON value: %+v", r)
	}
	if r := c.run("--json", "get", ""); r.code != 2 || !strings.HasPrefix(r.stdout, `{"error":`) {
		t.Errorf("empty key: %+v", r)
	}
	// Argument errors come before option errors, as in the original.
	emptyKey := `{"error":"__cache_put(key, value, options?): argument 1 must be a non-empty string; got string"}` + "\n"
	c.want(2, emptyKey, "--json", "--options", `{"ttl":true}`, "put", "", "1")
	c.want(2, emptyKey, "--json", "--options", `[]`, "put", "", "1")
	// --backend names are the guest's (its aliases, its error text).
	c.want(2, `{"error":"cache backend must be \"sqlite\" or \"fs\"; got \"redis\""}`+"\n", "--json", "--backend", "Redis", "get", "k")
	c.want(1, "", "--backend", " MEMORY ", "get", "k")
	// A path given on the command line may lie outside --dir: its folder
	// is granted instead.
	base := t.TempDir()
	c.cwd = filepath.Join(base, "in")
	if err := os.Mkdir(c.cwd, 0o755); err != nil {
		t.Fatal(err)
	}
	c.want(0, "", "--path", "../outside.sqlite", "put", "k", "1")
	if _, err := os.Stat(filepath.Join(base, "outside.sqlite")); err != nil {
		t.Error(err)
	}
}

func TestUsage(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	for _, args := range [][]string{
		{},
		{"frobnicate"},
		{"get"},
		{"get", "a", "b"},
		{"put"},
		{"--bogus", "get", "k"},
		{"get", "k", "--bogus"},
		{"--max-entries", "many", "get", "k"},
		{"--dir"},
		{"llm-key", `"p"`, "--temperature", "hot"},
	} {
		r := c.run(args...)
		if r.code != 2 || !strings.Contains(r.stderr, "usage: sandcache") {
			t.Errorf("sandcache %q: exit %d, stderr %q", args, r.code, r.stderr)
		}
	}
	// The messages, as --json gives them.
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"get"}, "usage: sandcache get KEY"},
		{[]string{"put", "k", "1", "2"}, "usage: sandcache put KEY [VALUE_JSON | -]"},
		{[]string{"run"}, "usage: sandcache run [global flags] MODULE.wasm [ARGS...]"},
		{[]string{"llm-key", `"p"`, "--max-tokens", "many"}, `flag --max-tokens must be an integer; got "many"`},
		{[]string{"llm-key", `"p"`, "--top-p", "NaN"}, `flag --top-p must be a number; got "NaN"`},
	} {
		r := c.run(append([]string{"--json"}, tc.args...)...)
		if want := string(errorEnvelope(tc.msg)) + "\n"; r.code != 2 || r.stdout != want {
			t.Errorf("sandcache --json %q: exit %d, stdout %q; want %q", tc.args, r.code, r.stdout, want)
		}
	}
	if r := c.run("help"); r.code != 0 || !strings.Contains(r.stdout, "SANDCACHE_NOW_MS") {
		t.Errorf("help: %+v", r)
	}
	if r := c.run("--json", "nope"); r.code != 2 || r.stdout != `{"error":"unknown command \"nope\""}`+"\n" {
		t.Errorf("--json usage error: %+v", r)
	}
	if r := c.run("version"); r.code != 0 || !strings.HasPrefix(r.stdout, "sandcache "+version+" (go") {
		t.Errorf("version: %+v", r)
	}
	if r := c.run("bench", "extra"); r.code != 2 || !strings.Contains(r.stderr, "usage: sandcache bench") {
		t.Errorf("bench extra: %+v", r)
	}
}

func TestBadClock(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.now = 0
	cmd := exec.Command(binary, "get", "k")
	cmd.Env = append(os.Environ(), "SANDCACHE_DIR="+c.dir, "XDG_CACHE_HOME="+cacheHome, "SANDCACHE_NOW_MS=soon")
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 || !strings.Contains(string(out), "SANDCACHE_NOW_MS") {
		t.Errorf("err %v, output %q", err, out)
	}
}

func TestDuration(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	for text, want := range map[string]string{
		"1.5h": "5400", "500ms": "1", "10": "10", "2d": "172800", "": "600", "3 mins": "180", "-5s": "0",
	} {
		c.want(0, want+"\n", "duration", text)
		c.want(0, want+"\n", "--json", "duration", text)
	}
	r := c.want(2, "", "duration", "5 weeks")
	if r.stderr != "sandcache: cache duration \"5 weeks\" has an invalid number\n" {
		t.Errorf("stderr %q", r.stderr)
	}
	c.want(2, `{"error":"cache duration \"5 weeks\" has an invalid number"}`+"\n", "--json", "duration", "5 weeks")
	c.want(2, `{"error":"cache duration \"1w\" must use ms, s, m, h, or d"}`+"\n", "duration", "1w", "--json")
}

func TestLLMKey(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	const hello = "sha256:8922b2d3bf6f734b2915ae3765d7e8310fb0e554952c57c7c183fdacc057e315"
	const openai = "sha256:9a621873bb197fe535d24d75273182334ae87cff8323970be388269e7e65fabb"
	c.want(0, hello+"\n", "llm-key", `"hello"`)
	c.want(0, `"`+hello+`"`+"\n", "--json", "llm-key", `"hello"`)
	c.want(0, hello+"\n", "llm-key", `"hello"`, "--provider", "anthropic", "--max-tokens", "16384")
	c.want(0, openai+"\n", "llm-key", `"hello"`, "--provider", "openai", "--model", "gpt-4o", "--temperature", "1")
	c.want(0, openai+"\n", "--options", `{"provider":"openai","model":"gpt-4o","temperature":1}`, "llm-key", `"hello"`)
	c.want(0, openai+"\n", "--options", `{"provider":"ollama","temperature":0.5}`, "llm-key", `"hello"`,
		"--provider", "openai", "--model", "gpt-4o", "--temperature", "1.0")
	// A system prompt, extra fields and top_p change the key.
	seen := map[string]bool{hello: true}
	for _, args := range [][]string{
		{"llm-key", `"hello"`, `""`},
		{"llm-key", `"hello"`, `"be brief"`},
		{"llm-key", `"hello"`, "--extra", `{"seed":7}`},
		{"llm-key", `"hello"`, "--top-p", "0.9"},
		{"llm-key", `[{"role":"user","content":"hello"}]`},
	} {
		r := c.run(args...)
		key := strings.TrimSpace(r.stdout)
		if r.code != 0 || !strings.HasPrefix(key, "sha256:") || len(key) != 71 || seen[key] {
			t.Errorf("sandcache %q: %+v", args, r)
		}
		seen[key] = true
	}
	// A null extra field keeps the original's key.
	c.want(0, hello+"\n", "llm-key", `"hello"`, "--extra", `{"seed":null}`)
}

func TestDemo(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.now = 0
	r := c.run("demo")
	if r.code != 0 {
		t.Fatalf("demo: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"→ hit", "→ miss", "expired", "keys → a c d", "(cache hit)", "hit rate"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("demo output lacks %q:\n%s", want, r.stdout)
		}
	}
	// Twice in a row, and on another backend.
	if r := c.run("demo"); r.code != 0 {
		t.Errorf("second demo: %+v", r)
	}
	if r := c.run("--backend", "fs", "demo"); r.code != 0 {
		t.Errorf("fs demo: %+v", r)
	}
	if r := c.run("--backend", "mem", "demo"); r.code != 0 {
		t.Errorf("mem demo: %+v", r)
	}
}

func TestTimeoutFlag(t *testing.T) {
	c := newCLI(t)
	c.want(0, "", "put", "k", "1")
	c.want(0, "1\n", "--timeout", "0", "get", "k")
	c.want(0, "1\n", "get", "k", "--timeout=5m")
	r := c.want(2, "", "get", "k", "--timeout", "1ns")
	if !strings.Contains(r.stderr, "timed out after 1ns") {
		t.Errorf("stderr %q; want the timeout", r.stderr)
	}
	c.want(2, `{"error":"timed out after 1ns (--timeout; 0 means no deadline)"}`+"\n", "--json", "--timeout", "1ns", "get", "k")
	for _, bad := range []string{"-1s", "soon", "10"} {
		r := c.run("--timeout", bad, "get", "k")
		if r.code != 2 || !strings.Contains(r.stderr, "flag --timeout must be a duration") {
			t.Errorf("--timeout %s: exit %d, stderr %q", bad, r.code, r.stderr)
		}
	}
}

// startBlockedPut starts "put k -" on a stdin pipe that never closes, and
// returns once the command reads it (the write of more than a pipe buffer
// returns only then): the process is in its command, signals handled.
func startBlockedPut(t *testing.T, args ...string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(binary, append(args, "put", "k", "-")...)
	cmd.Env = append(os.Environ(), "SANDCACHE_DIR="+t.TempDir(), "XDG_CACHE_HOME="+cacheHome)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close() })
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	if _, err := stdin.Write(bytes.Repeat([]byte(" "), 1<<20)); err != nil {
		t.Fatal(err)
	}
	return cmd, &stdout, &stderr
}

// waitExit waits for cmd to end, at most 5 s, and returns its exit code.
func waitExit(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatal(err)
		}
		return cmd.ProcessState.ExitCode()
	case <-time.After(5 * time.Second):
		t.Fatal("the command did not end within 5 s")
		return 0
	}
}

func TestTimeoutEndsAStuckCommand(t *testing.T) {
	// The command is stuck where no context reaches (reading stdin): the
	// deadline still ends it.
	cmd, _, stderr := startBlockedPut(t, "--timeout", "200ms")
	if code := waitExit(t, cmd); code != 2 || !strings.Contains(stderr.String(), "timed out after 200ms") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
}

func TestSignalsInterrupt(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGINT or SIGTERM to send on Windows")
	}
	for _, sig := range []os.Signal{os.Interrupt, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd, stdout, _ := startBlockedPut(t, "--timeout", "0", "--json")
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			if code := waitExit(t, cmd); code != 2 || stdout.String() != `{"error":"interrupted (SIGINT or SIGTERM)"}`+"\n" {
				t.Fatalf("exit %d, stdout %q", code, stdout)
			}
		})
	}
}

func TestBenchHasNoDefaultTimeout(t *testing.T) {
	for _, tc := range []struct {
		flag, cmd string
		want      time.Duration
	}{{"", "get", 30 * time.Second}, {"", "bench", 0}, {"5s", "bench", 5 * time.Second}, {"0", "get", 0}} {
		if got, err := parseTimeout(tc.flag, tc.cmd); got != tc.want || err != nil {
			t.Errorf("parseTimeout(%q, %q) = %v, %v; want %v", tc.flag, tc.cmd, got, err, tc.want)
		}
	}
}

// TestClockFullRange: the guest's clock is the host's, in milliseconds, over
// the original's whole i64 range (through WASI's u64 nanoseconds, a time
// past 2554 wrapped: 9223372036854775806 became 18446744073707).
func TestClockFullRange(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.now = math.MaxInt64 - 1
	c.want(0, "", "--backend", "fs", "put", "k", "1")
	sum := sha256.Sum256([]byte("k"))
	got, err := os.ReadFile(filepath.Join(c.dir, "files", "default", hex.EncodeToString(sum[:])+".json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, field := range []string{`"created_at_ms": 9223372036854775806`, `"last_accessed_ms": 9223372036854775806`} {
		if !strings.Contains(string(got), field) {
			t.Errorf("record lacks %s:\n%s", field, got)
		}
	}
	c.want(0, "1\n", "--backend", "fs", "get", "k") // live: expiry saturates at 2^63-1
	// Before the epoch, too.
	c.now = math.MinInt64 + 1
	c.want(0, "", "--backend", "fs", "put", "k", "2")
	got, err = os.ReadFile(filepath.Join(c.dir, "files", "default", hex.EncodeToString(sum[:])+".json"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(got), `"created_at_ms": -9223372036854775807`) {
		t.Errorf("record at MinInt64+1:\n%s", got)
	}
}
