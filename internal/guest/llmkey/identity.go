package llmkey

import (
	"errors"
	"strings"

	"github.com/sandcache/sandcache/internal/guest/jsonv"
)

// DefaultProvider is the provider of a request that names none (or "auto").
const DefaultProvider = "anthropic"

// DefaultMaxTokens is max_tokens when the request has no integer one.
const DefaultMaxTokens = 16384

// DefaultModel returns the model of a request to provider that names none:
// harn's per-provider fallback table.
func DefaultModel(provider string) string {
	switch provider {
	case "openai", "local":
		return "gpt-4o"
	case "ollama":
		return "llama3.2"
	case "openrouter":
		return "anthropic/claude-sonnet-4.6"
	case "mlx":
		return "unsloth/Qwen3.6-27B-UD-MLX-4bit"
	}
	return "claude-sonnet-4-20250514"
}

// ResponseFields are the request fields beyond the original's seven that
// change the response. Each joins the identity, as given, only when it is
// present and not null, so a request without them keeps the original's key.
var ResponseFields = responseFields[:]

var responseFields = [...]string{
	"tools",
	"tool_choice",
	"stop",
	"seed",
	"response_format",
	"top_k",
	"frequency_penalty",
	"presence_penalty",
	"thinking",
}

// Identity returns the identity object a key hashes (arguments as for
// Key). Its members are the original's seven:
//
//   - provider: the request's provider; absent, not a string, empty or
//     "auto" (any case) → DefaultProvider;
//   - model: the request's model when a non-empty string, else the
//     provider's default (DefaultModel);
//   - prompt, system: the JSON given (system null when absent);
//   - max_tokens: the request's max_tokens when an integer (within int64),
//     else DefaultMaxTokens;
//   - temperature, top_p: the request's value as a float when a number
//     (1 and 1.0 are the same), else null;
//
// plus each of ResponseFields the request sets to a non-null value.
func Identity(prompt, system, request []byte) (jsonv.Value, error) {
	p, err := jsonv.Parse(prompt) // required: empty text is an error
	if err != nil {
		return jsonv.Value{}, notJSON("prompt", err)
	}
	s, err := parseArg("system", system)
	if err != nil {
		return jsonv.Value{}, err
	}
	members, err := requestMembers(request)
	if err != nil {
		return jsonv.Value{}, err
	}
	members = append(members, jsonv.Member{Key: "prompt", Value: p}, jsonv.Member{Key: "system", Value: s})
	return jsonv.Object(members...), nil
}

// requestMembers parses the request options and returns the identity's
// members that come from them: all but prompt and system, in key order.
func requestMembers(request []byte) ([]jsonv.Member, error) {
	req, err := parseArg("options", request)
	if err != nil {
		return nil, err
	}
	if k := req.Kind(); k != jsonv.KindObject && k != jsonv.KindNull {
		return nil, errors.New(errPrefix + "options must be a dict; got " + req.VMTypeName())
	}

	provider := stringField(req, "provider")
	if provider == "" || strings.EqualFold(provider, "auto") {
		provider = DefaultProvider
	}
	model := stringField(req, "model")
	if model == "" {
		model = DefaultModel(provider)
	}
	maxTokens := int64(DefaultMaxTokens)
	if v, ok := req.Get("max_tokens"); ok {
		if n, isInt := v.AsInt(); isInt {
			maxTokens = n
		}
	}

	members := make([]jsonv.Member, 0, 7+len(ResponseFields))
	members = append(members,
		jsonv.Member{Key: "max_tokens", Value: jsonv.Int(maxTokens)},
		jsonv.Member{Key: "model", Value: jsonv.String(model)},
		jsonv.Member{Key: "provider", Value: jsonv.String(provider)},
		jsonv.Member{Key: "temperature", Value: floatField(req, "temperature")},
		jsonv.Member{Key: "top_p", Value: floatField(req, "top_p")},
	)
	for _, name := range ResponseFields {
		if v, ok := req.Get(name); ok && !v.IsNull() {
			members = append(members, jsonv.Member{Key: name, Value: v})
		}
	}
	return jsonv.Object(members...).Members(), nil
}

// stringField returns req[name] when it is a string, else "".
func stringField(req jsonv.Value, name string) string {
	v, _ := req.Get(name)
	s, _ := v.AsString()
	return s
}

// floatField returns req[name] as a float when it is a number (an integer
// converted, as the original's opt_float does), else null.
func floatField(req jsonv.Value, name string) jsonv.Value {
	v, _ := req.Get(name)
	if f, ok := v.Number(); ok {
		return jsonv.Float(f)
	}
	return jsonv.Null()
}
