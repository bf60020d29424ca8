package main

import (
	"bytes"
	"context"
	"testing"
)

func TestRun(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), t.TempDir(), &out); err != nil {
		t.Fatal(err)
	}
	want := `alpha: stored and read back api-token = "alpha's secret"
beta: api-token via its own namespace: miss
beta: api-token via namespace "alpha": miss
beta: api-token via path ../alpha/cache.sqlite: refused (not permitted)
`
	if out.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", out.String(), want)
	}
}
