package hostbench

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseOracleBench(t *testing.T) {
	r, err := ParseOracleBench("bench-get", 1000, []byte(`{"ops":1000,"seconds":0.5,"hits":256}`+"\n"))
	if err != nil || *r.Ops != 1000 || *r.Seconds != 0.5 || *r.Hits != 256 {
		t.Fatalf("%+v, %v", r, err)
	}
	if _, err := ParseOracleBench("bench-put", 3, []byte(`{"ops":3,"seconds":1e-3}`)); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ cmd, out, want string }{
		{"bench-put", ``, "cannot parse"},
		{"bench-put", `{"error":"usage: ..."}`, "cannot parse"},
		{"bench-put", `{"ops":3}`, "missing"},
		{"bench-put", `{"ops":4,"seconds":1}`, "ran 4 operations, not 3"},
		{"bench-put", `{"ops":3,"seconds":0}`, "not a positive"},
		{"bench-put", `{"ops":3,"seconds":-1}`, "not a positive"},
		{"bench-put", `{"ops":3,"seconds":"1"}`, "cannot parse"},
		{"bench-put", `{"ops":3,"seconds":1,"hits":1}`, "from a put"},
		{"bench-put", `{"ops":3,"seconds":1} {"ops":3,"seconds":1}`, "more than one"},
		{"bench-get", `{"ops":3,"seconds":1}`, "hits"},
		{"bench-get", `{"ops":3,"seconds":1,"hits":4}`, "hits"},
		{"bench-get", `{"ops":3,"seconds":1,"hits":-1}`, "hits"},
	} {
		_, err := ParseOracleBench(c.cmd, 3, []byte(c.out))
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "harncache "+c.cmd) {
			t.Errorf("%s %q: %v; want an error with %q", c.cmd, c.out, err, c.want)
		}
	}
}

// fakeOracle writes a shell script standing in for harncache: it checks
// HARNCACHE_STATE_ROOT and runs the shell command given for bench-put or
// bench-get ($2 is N).
func fakeOracle(t *testing.T, put, get string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "harncache")
	script := `#!/bin/sh
case "$HARNCACHE_STATE_ROOT" in "$PWD"/state) ;; *) echo '{"error":"state root"}'; exit 2;; esac
case "$1" in
bench-put) ` + put + `;;
bench-get) ` + get + `;;
*) echo '{"error":"usage"}'; exit 2;;
esac
`
	if err := os.WriteFile(p, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// pr is a shell command printing format with N.
func pr(format string) string { return `printf '` + format + `\n' "$2"` }

func TestMeasureAgainst(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("no /bin/sh")
	}
	ctx := context.Background()
	// 20 puts and gets: below max_entries 256, so every get hits, on both sides.
	oracle := fakeOracle(t, pr(`{"ops":%s,"seconds":0.2}`), pr(`{"ops":%s,"seconds":0.1,"hits":20}`))
	dirs := [][2]string{{"disk", t.TempDir()}, {"other", t.TempDir()}}
	a, err := MeasureAgainst(ctx, oracle, 20, 2, dirs, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	if a.Ops != 20 || a.Runs != 2 || len(a.Stores) != 2 {
		t.Fatalf("%+v", a)
	}
	for _, s := range a.Stores {
		if s.Error != "" {
			t.Fatalf("%s: %s", s.Store, s.Error)
		}
		if s.Original.PutUs != 10_000 || s.Original.GetUs != 5_000 || s.Original.Hits != 20 || len(s.Original.RunsPutUs) != 2 {
			t.Errorf("%s original: %+v", s.Store, s.Original)
		}
		if s.Sandcache.PutUs <= 0 || s.Sandcache.GetUs <= 0 || s.Sandcache.Hits != 20 || len(s.Sandcache.RunsGetUs) != 2 {
			t.Errorf("%s sandcache: %+v", s.Store, s.Sandcache)
		}
		if s.PutRatio != s.Original.PutUs/s.Sandcache.PutUs || s.GetRatio != s.Original.GetUs/s.Sandcache.GetUs {
			t.Errorf("%s ratios: %+v", s.Store, s)
		}
		if s.FSType == "" {
			t.Errorf("%s: no fs type", s.Store)
		}
	}
	// The stores' folders are removed after each run.
	for _, d := range dirs {
		if left, _ := os.ReadDir(d[1]); len(left) != 0 {
			t.Errorf("%s: %d entries left behind", d[1], len(left))
		}
	}
}

func TestMeasureAgainstFailures(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, c := range []struct {
		name, put, get, want string
	}{
		{"garbage", "echo ok", "echo ok", "harncache bench-put: cannot parse"},
		{"hits disagree", pr(`{"ops":%s,"seconds":0.2}`), pr(`{"ops":%s,"seconds":0.1,"hits":3}`), "sandcache's gets hit 5 times, the original's 3"},
		{"exit status", pr(`{"ops":%s,"seconds":0.2}`), `echo '{"error":"boom"}'; exit 1`, `harncache bench-get 5: exit status 1: {"error":"boom"}`},
	} {
		oracle := fakeOracle(t, c.put, c.get)
		a, err := MeasureAgainst(ctx, oracle, 5, 1, [][2]string{{"disk", t.TempDir()}}, nil)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if s := a.Stores[0]; !strings.Contains(s.Error, c.want) {
			t.Errorf("%s: error %q; want %q", c.name, s.Error, c.want)
		}
	}
	if _, err := MeasureAgainst(ctx, "/nonexistent/harncache", 5, 1, [][2]string{{"disk", t.TempDir()}}, nil); err != nil {
		t.Errorf("a missing oracle is a store failure, not a fatal error: %v", err)
	}
	if _, err := MeasureAgainst(ctx, "x", 0, 1, nil, nil); err == nil {
		t.Error("0 ops accepted")
	}
}
