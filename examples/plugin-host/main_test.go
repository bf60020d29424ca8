package main

import (
	"bytes"
	"context"
	"testing"
)

// TestRun: two real .wasm plugins, each with its own grant and quota; beta
// tries to read alpha's secret by bucket name, path-like names and key,
// and gets nothing or a refusal; beta's set over its byte quota is refused.
func TestRun(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), "../../plugins/testdata", t.TempDir(), &out); err != nil {
		t.Fatal(err)
	}
	want := `alpha: set vault api-token "alpha's secret" -> 
alpha: get vault api-token -> "alpha's secret"
beta: get vault api-token -> (none)
beta: get alpha api-token -> (none)
beta: get default vault/api-token -> (none)
beta: get ../alpha/vault api-token -> refused (exit 3: keyvalue: access-denied)
beta: get $BASE/alpha api-token -> refused (exit 3: keyvalue: access-denied)
beta: set vault big "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" -> refused (exit 3: keyvalue: value of 102 bytes (stored) exceeds the plugin's byte quota of 64)
beta: stats vault -> entries=0 bytes=0/64
`
	if out.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", out.String(), want)
	}
}
