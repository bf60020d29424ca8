// Package golden reads the cases recorded from the original Harn cache
// (docs/SPEC.md §8, tests/testdata/harn-golden.jsonl), for the tests of every
// package that replays them.
package golden

import (
	"bufio"
	"encoding/json"
	"os"
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
