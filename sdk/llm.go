package sdk

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
)

// Message is one chat message of a prompt.
type Message struct {
	Role    string `json:"role"`
	Content any    `json:"content"`
}

// LLMRequest identifies a model call for caching (docs/SPEC.md §7). Two
// requests get the same key exactly when the original Harn runtime would
// give them the same key, and requests that differ in any
// response-changing field get different keys.
type LLMRequest struct {
	Provider    string   // "" or "auto" means "anthropic"
	Model       string   // "" means the provider's default model
	Prompt      any      // a string, []Message, or any JSON value (json.RawMessage is used as is)
	System      any      // nil means absent (a different key from "")
	MaxTokens   int      // 0 means the default, 16384
	Temperature *float64 // nil means unset
	TopP        *float64 // nil means unset
	// Extra holds further response-changing fields, such as "tools",
	// "tool_choice", "stop", "seed", "response_format", "top_k",
	// "frequency_penalty", "presence_penalty" and "thinking". Absent and
	// null fields leave the key as the original computes it.
	Extra map[string]any
}

// LLMKey returns the canonical cache key "sha256:<64 hex>" of req.
func (c *Cache) LLMKey(ctx context.Context, req LLMRequest) (string, error) {
	prompt, err := marshal("prompt", req.Prompt)
	if err != nil {
		return "", err
	}
	var system []byte
	if req.System != nil {
		if system, err = marshal("system", req.System); err != nil {
			return "", err
		}
	}
	fields := map[string]any{}
	for k, v := range req.Extra {
		fields[k] = v
	}
	if req.Provider != "" {
		fields["provider"] = req.Provider
	}
	if req.Model != "" {
		fields["model"] = req.Model
	}
	if req.MaxTokens != 0 {
		fields["max_tokens"] = req.MaxTokens
	}
	if req.Temperature != nil {
		fields["temperature"] = *req.Temperature
	}
	if req.TopP != nil {
		fields["top_p"] = *req.TopP
	}
	request, err := marshal("request", fields)
	if err != nil {
		return "", err
	}
	return c.sb.LLMKey(ctx, prompt, system, request)
}

// LLMKeyJSON is LLMKey over JSON texts, as the original's
// __llm_cache_key(prompt, system?, options?) takes them: system nil when
// absent, options a JSON object or nil.
func (c *Cache) LLMKeyJSON(ctx context.Context, prompt, system, options []byte) (string, error) {
	return c.sb.LLMKey(ctx, prompt, system, options)
}

// marshal encodes v as JSON without HTML escaping; non-finite floats are an
// error from encoding/json, reported as an invalid argument.
func marshal(what string, v any) ([]byte, error) {
	if raw, ok := v.(json.RawMessage); ok {
		return raw, nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, &Error{Op: "llm-key", Kind: ErrInvalidArgument, Message: fmt.Sprintf("%s: %v", what, err), Err: err}
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}
