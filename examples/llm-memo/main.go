// Command llm-memo memoizes a (simulated) model call with sandcache: the
// request's canonical LLM key names the cache entry, so the same request is
// answered from the cache instead of the model, in this process or a later
// one.
package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"strings"
	"time"

	"github.com/sandcache/sandcache/sdk"
)

func main() {
	if err := run(context.Background(), sdk.DefaultDir(), os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// run asks the same question twice and prints where each answer came from.
func run(ctx context.Context, dir string, w io.Writer) error {
	m, err := openMemo(ctx, dir, fakeModel)
	if err != nil {
		return err
	}
	defer m.close()
	for i := 1; i <= 2; i++ {
		start := time.Now()
		answer, hit, err := m.complete(ctx, "What is a sandbox?")
		if err != nil {
			return err
		}
		from := "model"
		if hit {
			from = "cache"
		}
		ms := float64(time.Since(start)) / float64(time.Millisecond)
		fmt.Fprintf(w, "call %d: %q from the %s in %.1f ms\n", i, answer, from, ms)
	}
	return nil
}

// memo answers prompts from the cache, calling the model only on a miss.
type memo struct {
	cache *sdk.Cache
	model func(ctx context.Context, prompt string) (string, error)
}

// openMemo opens the cache granted only dir for a memo of model.
func openMemo(ctx context.Context, dir string, model func(ctx context.Context, prompt string) (string, error)) (*memo, error) {
	c, err := sdk.Open(ctx, sdk.NewConfig().WithDir(dir))
	if err != nil {
		return nil, err
	}
	return &memo{cache: c, model: model}, nil
}

// close closes the memo's cache.
func (m *memo) close() error { return m.cache.Close() }

// complete returns the model's answer to prompt and whether it came from
// the cache: sdk.MemoizeLLM keys the request and calls the model only on a
// miss.
func (m *memo) complete(ctx context.Context, prompt string) (answer string, hit bool, err error) {
	temperature := 0.0
	req := sdk.LLMRequest{
		Provider:    "local",
		Model:       "toy-model-1",
		Prompt:      []sdk.Message{{Role: "user", Content: prompt}},
		System:      "Answer in one sentence.",
		MaxTokens:   256,
		Temperature: &temperature,
	}
	called := false
	answer, err = sdk.MemoizeLLM(ctx, m.cache, req, func(ctx context.Context, _ sdk.LLMRequest) (string, error) {
		called = true
		return m.model(ctx, prompt)
	}, sdk.InNamespace("llm-memo"), sdk.TTL(24*time.Hour))
	return answer, err == nil && !called, err
}

// fakeModel stands in for a slow model: 100 ms, and always the same answer.
func fakeModel(ctx context.Context, prompt string) (string, error) {
	select {
	case <-time.After(100 * time.Millisecond):
	case <-ctx.Done():
		return "", ctx.Err()
	}
	return "An isolated place to run code: " + strings.ToLower(strings.TrimSuffix(prompt, "?")) + ".", nil
}
