package tests

import (
	"context"
	"errors"
	"github.com/sandcache/sandcache/tests/golden"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"

	"github.com/ncruces/go-sqlite3"

	"github.com/sandcache/sandcache/internal/guest/jsonv"
	"github.com/sandcache/sandcache/sdk"
)

// intendedDifferences are the cases where sandcache deliberately differs
// from the original (docs/SPEC.md §8), with the reason.
var intendedDifferences = map[string]string{}

// TestVectors replays every recorded case, in order, in one folder, through
// the SDK and so through the wasm guest, with the clock injected.
func TestVectors(t *testing.T) {
	root := t.TempDir()
	var vc vectorClock
	clock := vc.now
	ctx := context.Background()
	c, err := sdk.Open(ctx, sdk.NewConfig().WithDir(root).WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	vectors := golden.Load(t, "testdata/harn-golden.jsonl")
	if len(vectors) != 97 {
		t.Fatalf("%d vectors; the recorded file has 97", len(vectors))
	}
	var dbChecks, fsChecks int
	defer func() {
		t.Logf("%d cases replayed, %d SQLite snapshots and %d fs snapshots compared", len(vectors), dbChecks, fsChecks)
	}()
	for _, v := range vectors {
		vc.set(t, v)
		out, exit := run(ctx, c, v.Cmd)
		why, intended := intendedDifferences[v.ID]
		check := func(what string, got, want any) {
			if reflect.DeepEqual(got, want) {
				return
			}
			if intended {
				t.Logf("%s: %s differs as intended (%s):\n got  %v\n want %v", v.ID, what, why, got, want)
				return
			}
			t.Errorf("%s: %s:\n got  %v\n want %v", v.ID, what, got, want)
		}
		check("stdout", out, v.Stdout)
		check("exit", exit, v.Exit)
		if v.DB != nil {
			dbChecks++
			check("db rows", dbRows(t, filepath.Join(root, "state/cache/llm.sqlite")), normalizeRows(v.DB))
		}
		if v.FS != nil {
			fsChecks++
			check("fs files", fsFiles(t, root, "fsdir"), v.FS)
		}
	}
}

// run executes one recorded command the way the original's harness does and
// returns its stdout and exit code.
func run(ctx context.Context, c *sdk.Cache, cmd []string) (string, int) {
	out, exit, _ := runAs(ctx, c, cmd, nil)
	return out, exit
}

// runAs is run with the parsed options passed through remap (when not
// nil) before the call; skipped reports a case remap refused (not run).
func runAs(ctx context.Context, c *sdk.Cache, cmd []string, remap func(*sdk.Options) bool) (out string, exit int, skipped bool) {
	arg := func(i int) []byte {
		if i < len(cmd) {
			return []byte(cmd[i])
		}
		return nil
	}
	opts := func(i int) ([]sdk.Option, error) {
		dict := arg(i)
		if dict == nil {
			dict = []byte("null")
		}
		o, err := c.ParseOptions(ctx, dict)
		if err != nil {
			return nil, err
		}
		if o.Path == "" { // the original's defaults under HARNCACHE_STATE_ROOT=state
			o.Path = map[sdk.Backend]string{sdk.SQLite: "state/cache/llm.sqlite", sdk.FS: "state/cache/llm"}[o.Backend]
		}
		if remap != nil && !remap(&o) {
			return nil, errSkipCase
		}
		return []sdk.Option{sdk.WithOptions(o)}, nil
	}
	result, err := func() (jsonv.Value, error) {
		switch cmd[0] {
		case "put":
			o, err := opts(3)
			if err != nil {
				return jsonv.Value{}, err
			}
			if err := c.Put(ctx, cmd[1], arg(2), o...); err != nil {
				return jsonv.Value{}, err
			}
			return jsonv.Parse([]byte(`{"key":` + string(jsonv.String(cmd[1]).AppendCompact(nil)) + `,"stored":true}`))
		case "get":
			o, err := opts(2)
			if err != nil {
				return jsonv.Value{}, err
			}
			v, hit, err := c.Get(ctx, cmd[1], o...)
			if err != nil {
				return jsonv.Value{}, err
			}
			if !hit {
				return jsonv.Parse([]byte(`{"hit":false}`))
			}
			return jsonv.Parse([]byte(`{"hit":true,"value":` + string(v) + `}`))
		case "clear":
			o, err := opts(1)
			if err != nil {
				return jsonv.Value{}, err
			}
			if err := c.Clear(ctx, o...); err != nil {
				return jsonv.Value{}, err
			}
			return jsonv.Parse([]byte("null"))
		case "llm-key":
			system := arg(2)
			key, err := c.LLMKeyJSON(ctx, arg(1), system, arg(3))
			if err != nil {
				return jsonv.Value{}, err
			}
			return jsonv.String(key), nil
		case "duration":
			n, err := c.ParseDuration(ctx, cmd[1])
			if err != nil {
				return jsonv.Value{}, err
			}
			return jsonv.Parse([]byte(strconv.FormatUint(n, 10)))
		}
		return jsonv.Value{}, errors.New("unknown command " + cmd[0])
	}()
	if errors.Is(err, errSkipCase) {
		return "", 0, true
	}
	if err != nil {
		var e *sdk.Error
		msg := err.Error()
		if errors.As(err, &e) {
			msg = e.Message
		}
		return `{"error":` + string(jsonv.String(msg).AppendCompact(nil)) + `}`, 1, false
	}
	return string(result.AppendCompact(nil)), 0, false
}

// errSkipCase: runAs's remap refused the case.
var errSkipCase = errors.New("case skipped")

// dbRows lists cache_entries as the vectors record them.
func dbRows(t *testing.T, path string) [][]any {
	t.Helper()
	conn, err := sqlite3.Open("file:" + path + "?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	st, _, err := conn.Prepare("SELECT namespace, cache_key, value_json, created_at_ms, expires_at_ms, last_accessed_ms FROM cache_entries ORDER BY namespace, cache_key")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rows := [][]any{}
	for st.Step() {
		var exp any
		if st.ColumnType(4) != sqlite3.NULL {
			exp = st.ColumnInt64(4)
		}
		rows = append(rows, []any{st.ColumnText(0), st.ColumnText(1), st.ColumnText(2), st.ColumnInt64(3), exp, st.ColumnInt64(5)})
	}
	if err := st.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

// normalizeRows turns JSON-decoded rows (float64 numbers) into dbRows' types.
func normalizeRows(in [][]any) [][]any {
	out := [][]any{}
	for _, r := range in {
		row := make([]any, len(r))
		for i, v := range r {
			if f, ok := v.(float64); ok {
				row[i] = int64(f)
			} else {
				row[i] = v
			}
		}
		out = append(out, row)
	}
	return out
}

// fsFiles maps every file under root/sub (relative to root) to its text.
func fsFiles(t *testing.T, root, sub string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(filepath.Join(root, sub), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		files[filepath.ToSlash(rel)] = string(b)
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	return files
}
