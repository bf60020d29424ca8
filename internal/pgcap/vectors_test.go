package pgcap

import (
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/sandcache/sandcache/internal/guest/cache"
	"github.com/sandcache/sandcache/internal/guest/capability"
	"github.com/sandcache/sandcache/internal/guest/jsonv"
	"github.com/sandcache/sandcache/internal/guest/options"
	"github.com/sandcache/sandcache/tests/golden"
)

// Every recorded store case that is not for the fs backend gives the
// recorded output and leaves the recorded rows on postgres, run natively
// through the guest's engine in a fresh schema. (llm-key and duration
// cases do not touch a store.)
func TestVectorsOnPostgres(t *testing.T) {
	dsn := freshSchema(t, "sandcache_vectors")
	s := newSession(t, newCap(t, dsn, NewConfig()))
	var now int64
	realClock := false
	e := cache.New(s, nil, func() int64 {
		if realClock {
			return time.Now().UnixMilli()
		}
		return now
	})
	defer e.Close()

	replayed, dbChecks := 0, 0
	for _, v := range golden.Load(t, "../../tests/testdata/harn-golden.jsonl") {
		if v.Cmd[0] != "put" && v.Cmd[0] != "get" && v.Cmd[0] != "clear" {
			continue
		}
		ms, ok := v.Env["HARNCACHE_NOW_MS"]
		realClock = !ok
		if ok {
			var err error
			now, err = strconv.ParseInt(ms, 10, 64)
			must(t, err)
		}
		out, exit, fs := replay(e, v.Cmd)
		if fs {
			continue
		}
		replayed++
		if v.Check(t, out, exit, func() ([][]any, [][]any) { return allRows(t, s), normalize(v.DB) }) {
			dbChecks++
		}
	}
	if replayed < 30 || dbChecks == 0 {
		t.Fatalf("only %d cases replayed, %d row snapshots", replayed, dbChecks)
	}
	t.Logf("%d store cases replayed on postgres, %d row snapshots compared", replayed, dbChecks)
}

// replay runs one recorded command as the recording harness does; fs
// reports a case for the fs backend (not replayed).
func replay(e *cache.Engine, cmd []string) (out string, exit int, fs bool) {
	arg := func(i int) []byte {
		if i < len(cmd) {
			return []byte(cmd[i])
		}
		return []byte("null")
	}
	optsAt := map[string]int{"put": 3, "get": 2, "clear": 1}[cmd[0]]
	o, err := options.ParseDict(arg(optsAt))
	if err == nil && o.Backend == options.FS {
		return "", 0, true
	}
	var result string
	if err == nil {
		switch cmd[0] {
		case "put":
			if _, err = e.Put(cmd[1], arg(2), o); err == nil {
				result = `{"key":` + string(jsonv.String(cmd[1]).AppendCompact(nil)) + `,"stored":true}`
			}
		case "get":
			var l cache.Lookup
			if l, err = e.Get(cmd[1], o); err == nil {
				result = `{"hit":false}`
				if l.Hit {
					result = `{"hit":true,"value":` + string(l.Value) + `}`
				}
			}
		case "clear":
			if err = e.Clear(o); err == nil {
				result = "null"
			}
		}
	}
	if err != nil {
		msg := err.Error()
		var ce *capability.Error
		if errors.As(err, &ce) {
			msg = ce.Message
		}
		return `{"error":` + string(jsonv.String(msg).AppendCompact(nil)) + `}`, 1, false
	}
	return result, 0, false
}

// allRows lists cache_entries as the vectors record them.
func allRows(t *testing.T, s *Session) [][]any {
	db := open(t, s)
	defer s.Close(db)
	st, err := s.Prepare(db, `SELECT namespace, cache_key, value_json, created_at_ms, expires_at_ms, last_accessed_ms FROM cache_entries ORDER BY namespace COLLATE "C", cache_key COLLATE "C"`)
	must(t, err)
	defer s.Finalize(st)
	out := [][]any{}
	for {
		row, err := s.Step(st)
		must(t, err)
		if !row {
			return out
		}
		var exp any
		if s.ColumnKind(st, 4) != capability.KindNull {
			exp = s.ColumnInt(st, 4)
		}
		out = append(out, []any{s.ColumnText(st, 0), s.ColumnText(st, 1), s.ColumnText(st, 2), s.ColumnInt(st, 3), exp, s.ColumnInt(st, 5)})
	}
}

// normalize turns JSON-decoded rows (float64 numbers) into allRows' types.
func normalize(in [][]any) [][]any {
	out := [][]any{}
	for _, r := range in {
		row := append([]any(nil), r...)
		for _, i := range []int{3, 4, 5} {
			if f, ok := row[i].(float64); ok {
				row[i] = int64(f)
			} else if row[i] != nil {
				row[i] = fmt.Sprint(row[i])
			}
		}
		out = append(out, row)
	}
	return out
}
