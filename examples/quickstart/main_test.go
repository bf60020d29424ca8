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
	if want := "hit=true value={\"n\":1,\"text\":\"hello\"}\n"; out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
}
