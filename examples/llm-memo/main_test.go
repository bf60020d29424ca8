package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestMemo(t *testing.T) {
	ctx := context.Background()
	var out bytes.Buffer
	if err := run(ctx, t.TempDir(), &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "from the model") || !strings.Contains(lines[1], "from the cache") {
		t.Fatalf("output:\n%s", out.String())
	}
	answer := `"An isolated place to run code: what is a sandbox."`
	for _, l := range lines {
		if !strings.Contains(l, answer) {
			t.Errorf("line %q lacks the answer %s", l, answer)
		}
	}
}

func TestModelCalledOnce(t *testing.T) {
	ctx := context.Background()
	calls := 0
	m, err := openMemo(ctx, t.TempDir(), func(ctx context.Context, prompt string) (string, error) {
		calls++
		return "answer to " + prompt, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	defer m.close()
	for i, want := range []bool{false, true, true} {
		answer, hit, err := m.complete(ctx, "q")
		if err != nil || hit != want || answer != "answer to q" {
			t.Errorf("call %d: %q, hit %v, %v", i+1, answer, hit, err)
		}
	}
	if _, hit, _ := m.complete(ctx, "another"); hit {
		t.Error("a different prompt hit")
	}
	if calls != 2 {
		t.Errorf("the model was called %d times, want 2", calls)
	}
}
