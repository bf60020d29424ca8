// Package golden reads the cases recorded from the original Harn cache
// (docs/SPEC.md §8, tests/testdata/harn-golden.jsonl), for the tests of every
// package that replays them.
package golden

import (
	"bufio"
	"encoding/json"
	"os"
	"reflect"
	"testing"
)

// Case is one recorded case: the command, its environment, what the original
// printed and, on some cases, the SQLite rows or fs files it left.
type Case struct {
	ID     string            `json:"id"`
	Cmd    []string          `json:"cmd"`
	Env    map[string]string `json:"env"`
	Stdout string            `json:"stdout"`
	Exit   int               `json:"exit"`
	DB     [][]any           `json:"db"`
	FS     map[string]string `json:"fs"`
}

// Load reads every case of the JSON-lines file at path, in order; it fails
// the test on any error.
func Load(t testing.TB, path string) []Case {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []Case
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var c Case
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatal(err)
		}
		cases = append(cases, c)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return cases
}

// LoadCommand returns the cases of the file at path whose command is cmd,
// in order; it fails the test when there are fewer than min of them.
func LoadCommand(t testing.TB, path, cmd string, min int) []Case {
	t.Helper()
	var cases []Case
	for _, c := range Load(t, path) {
		if c.Cmd[0] == cmd {
			cases = append(cases, c)
		}
	}
	if len(cases) < min {
		t.Errorf("only %d %s cases in %s, want at least %d", len(cases), cmd, path, min)
	}
	return cases
}

// ErrorOutput is what the original prints for an error with err's text:
// {"error":"..."}.
func ErrorOutput(err error) string {
	b, _ := json.Marshal(map[string]string{"error": err.Error()})
	return string(b)
}

// Check fails the test when out and exit are not what c recorded and, when
// c recorded rows (c.DB), when the rows rows returns differ: got, read from
// the store, and want, c.DB as that store represents it. It reports whether
// it compared rows.
func (c Case) Check(t testing.TB, out string, exit int, rows func() (got, want [][]any)) (checkedRows bool) {
	t.Helper()
	if out != c.Stdout || exit != c.Exit {
		t.Errorf("%s: got %s (exit %d), want %s (exit %d)", c.ID, out, exit, c.Stdout, c.Exit)
	}
	if c.DB == nil {
		return false
	}
	if got, want := rows(); !reflect.DeepEqual(got, want) {
		t.Errorf("%s: rows\n got  %v\n want %v", c.ID, got, want)
	}
	return true
}
