package sdk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
)

// GetJSON loads the value stored under key into a T with encoding/json. ok
// is false on a miss.
func GetJSON[T any](ctx context.Context, c *Cache, key string, opts ...Option) (v T, ok bool, err error) {
	raw, ok, err := c.Get(ctx, key, opts...)
	if err != nil || !ok {
		return v, ok, err
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return v, false, &Error{Op: "get", Kind: ErrInvalidArgument, Message: fmt.Sprintf("value of %q does not decode into %T: %v", key, v, err), Err: err}
	}
	return v, true, nil
}

// PutJSON stores v under key as JSON (encoding/json, without HTML escaping).
// Non-finite floats, which JSON cannot hold, are stored as null, as the
// original does.
func PutJSON[T any](ctx context.Context, c *Cache, key string, v T, opts ...Option) error {
	raw, err := encodeJSON(v)
	if err != nil {
		return &Error{Op: "put", Kind: ErrInvalidArgument, Message: fmt.Sprintf("value for %q does not encode as JSON: %v", key, err), Err: err}
	}
	return c.Put(ctx, key, raw, opts...)
}

// encodeJSON marshals v; on NaN or ±Inf it retries with them as null.
func encodeJSON(v any) ([]byte, error) {
	raw, err := marshalNoEscape(v)
	var unsupported *json.UnsupportedValueError
	if errors.As(err, &unsupported) {
		return marshalNoEscape(nullNonFinite(v))
	}
	return raw, err
}

func marshalNoEscape(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
