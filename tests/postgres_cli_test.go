package tests

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// pgCLI runs the sandcache binary as one machine would: its own cache
// folder, its own environment (extra: more variables), a fixed clock.
type pgCLI struct {
	t   *testing.T
	bin string
	xdg string // XDG_CACHE_HOME: the compiled guest, shared by the runs
	env []string
}

func (c pgCLI) run(args ...string) (code int, stdout, stderr string, took time.Duration) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.bin, args...)
	cmd.Env = append([]string{"PATH=/usr/bin:/bin", "HOME=" + c.xdg, "XDG_CACHE_HOME=" + c.xdg, "SANDCACHE_NOW_MS=1700000000000"}, c.env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	took = time.Since(start)
	// Errorf, not Fatalf: run may be called from a goroutine.
	if ctx.Err() != nil {
		c.t.Errorf("sandcache %q did not end within 60 s", args)
		return -1, "", "", took
	}
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		c.t.Errorf("sandcache %q: %v", args, err)
		return -1, "", "", took
	}
	return cmd.ProcessState.ExitCode(), out.String(), errb.String(), took
}

// TestPostgresCLI: the CLI's every command and --json envelope on
// --backend postgres are those of sqlite; two "machines" (separate
// processes, folders and environments) share entries through the server,
// one given --dsn, the other SANDCACHE_DSN; a bad DSN, a missing one and
// an unreachable server exit 2 with a clear message, within --timeout.
func TestPostgresCLI(t *testing.T) {
	dsn := pgDSN(t)
	bin := filepath.Join(t.TempDir(), "sandcache")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/sandcache").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	base := pgCLI{t: t, bin: bin, xdg: t.TempDir()}
	if code, _, stderr, _ := base.run("--dir", t.TempDir(), "--timeout", "0", "duration", "1"); code != 0 {
		t.Fatalf("warm-up: exit %d: %s", code, stderr)
	}

	script := [][]string{
		{"put", "a", `{"x":[1,2.50,"y"]}`}, {"put", "b", "2"}, {"put", "c", "3", "--ttl", "1s"},
		{"get", "a"}, {"get", "missing"}, {"keys"}, {"keys", "--prefix", "b"}, {"stats"},
		{"delete", "b"}, {"delete", "b"}, {"purge"}, {"put", "d", "not json"},
		{"get", ""}, {"clear"}, {"stats"}, {"keys"},
	}
	sqliteDir := t.TempDir()
	machineA := []string{"--dir", t.TempDir(), "--backend", "postgres", "--dsn", dsn}
	for _, json := range []bool{false, true} {
		for _, cmd := range script {
			args := append([]string(nil), cmd...)
			if json {
				args = append(args, "--json")
			}
			// Both stores at once (two cores).
			var wantCode int
			var wantOut, wantErr string
			done := make(chan struct{})
			go func() {
				defer close(done)
				wantCode, wantOut, wantErr, _ = base.run(append([]string{"--dir", sqliteDir, "--backend", "sqlite"}, args...)...)
			}()
			code, out, stderr, _ := base.run(append(append([]string(nil), machineA...), args...)...)
			<-done
			if code != wantCode || out != wantOut || (stderr == "") != (wantErr == "") {
				t.Errorf("%q: postgres exit %d, %q, stderr %q; sqlite exit %d, %q, stderr %q",
					args, code, out, stderr, wantCode, wantOut, wantErr)
			}
		}
	}

	// A second machine: another folder, the DSN from the environment.
	if code, out, stderr, _ := base.run(append(machineA, "put", "shared", `{"from":"A"}`)...); code != 0 {
		t.Fatalf("machine A put: exit %d %s %s", code, out, stderr)
	}
	machineB := pgCLI{t: t, bin: bin, xdg: base.xdg, env: []string{"SANDCACHE_DSN=" + dsn}}
	code, out, stderr, _ := machineB.run("--dir", t.TempDir(), "--backend", "postgres", "get", "shared", "--json")
	if code != 0 || out != `{"hit":true,"value":{"from":"A"}}`+"\n" {
		t.Fatalf("machine B get: exit %d %q %s", code, out, stderr)
	}

	// The backend named by an alias or by --options reaches the server too.
	for _, sel := range [][]string{{"--backend", "pg"}, {"--backend", "PostgreSQL"}, {"--options", `{"backend":"postgres"}`}} {
		code, out, stderr, _ := machineB.run(append(append([]string{"--dir", t.TempDir()}, sel...), "get", "shared", "--json")...)
		if code != 0 || out != `{"hit":true,"value":{"from":"A"}}`+"\n" {
			t.Errorf("%q: exit %d %q %s", sel, code, out, stderr)
		}
	}

	// Errors: exit 2 with a message, within --timeout.
	for _, tc := range []struct {
		name string
		args []string
		env  []string
		want string
	}{
		{"missing DSN", []string{"--backend", "postgres", "get", "k"}, nil, "needs --dsn"},
		{"missing DSN, alias", []string{"--backend", "pg", "get", "k"}, nil, "needs --dsn"},
		{"missing DSN, --options", []string{"--options", `{"backend":"postgresql"}`, "get", "k"}, nil, "needs --dsn"},
		{"bad DSN", []string{"--backend", "postgres", "--dsn", "postgres://u@[::1", "get", "k"}, nil, "bad DSN"},
		{"bad DSN from the environment", []string{"--backend", "postgres", "get", "k"}, []string{"SANDCACHE_DSN=postgres://u@[::1"}, "bad DSN"},
		{"nobody listening", []string{"--backend", "postgres", "--dsn", "host=" + t.TempDir() + " user=x dbname=x", "--timeout", "2s", "put", "k", "1"}, nil, "cannot reach the server"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := pgCLI{t: t, bin: bin, xdg: base.xdg, env: tc.env}
			code, out, stderr, took := m.run(append([]string{"--dir", t.TempDir()}, tc.args...)...)
			if code != 2 || !strings.Contains(stderr, tc.want) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit 2 and %q", code, out, stderr, tc.want)
			}
			if took > 20*time.Second {
				t.Fatalf("took %v", took)
			}
		})
	}

	// A server that accepts but never answers: the command ends at
	// --timeout, exit 2.
	if srv := pgServer(t); srv != nil {
		if err := srv.Freeze(); err != nil {
			t.Fatal(err)
		}
		code, out, stderr, took := base.run(append(append([]string(nil), machineA...), "--timeout", "1s", "get", "a", "--json")...)
		if err := srv.Thaw(); err != nil {
			t.Fatal(err)
		}
		if code != 2 || !strings.HasPrefix(out, `{"error":`) {
			t.Fatalf("frozen server: exit %d %q %q; want exit 2 and a JSON error", code, out, stderr)
		}
		if took > 4*time.Second {
			t.Fatalf("frozen server: the command took %v with --timeout 1s", took)
		}
		t.Logf("frozen server, --timeout 1s: exit 2 after %v: %s", took.Round(time.Millisecond), strings.TrimSpace(out))
	}
}
