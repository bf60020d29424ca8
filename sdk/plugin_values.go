package sdk

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
)

// Plugin values: wasi:keyvalue values are bytes, sandcache stores JSON.
//
//   - A value that is JSON text (valid UTF-8) is stored as that JSON, so the
//     CLI, the SDK and Harn read it; the store keeps JSON in its compact,
//     canonical form, so when that form differs from the value's bytes
//     (whitespace, "1.0", escapes) the exact text is kept next to it:
//     {"$json": <the value>, "$text": "<the value's text>"}.
//   - Any other byte string is stored as {"$bytes": "<standard base64>"}.
//   - A JSON value that has the shape of one of these envelopes (an object
//     whose members are exactly "$bytes", or exactly "$json" and "$text") is
//     stored in the $json/$text envelope too, so that reading it back gives
//     the value and not what it looks like.
//
// So every byte string round-trips exactly, and a get returns the bytes set.

// envelope is the shape decodePluginValue recognises.
type envelope struct {
	Bytes *string          `json:"$bytes"`
	JSON  *json.RawMessage `json:"$json"`
	Text  *string          `json:"$text"`
}

// envelopeOf reports whether v (JSON text) is an envelope, and decodes it.
func envelopeOf(v []byte) (out []byte, ok bool) {
	v = bytes.TrimSpace(v)
	if len(v) == 0 || v[0] != '{' {
		return nil, false
	}
	var members map[string]json.RawMessage
	if json.Unmarshal(v, &members) != nil {
		return nil, false
	}
	var e envelope
	if json.Unmarshal(v, &e) != nil {
		return nil, false
	}
	switch {
	case len(members) == 1 && e.Bytes != nil:
		b, err := base64.StdEncoding.DecodeString(*e.Bytes)
		return b, err == nil
	case len(members) == 2 && e.JSON != nil && e.Text != nil:
		return []byte(*e.Text), true
	}
	return nil, false
}

// encodePluginValue returns the JSON c stores for v. Whether v is JSON,
// and its canonical form, are the guest's to say (canonical-json), so the
// store keeps exactly the text chosen here.
func encodePluginValue(ctx context.Context, c *Cache, v []byte) ([]byte, error) {
	canon, err := c.sb.CanonicalJSON(ctx, v)
	switch {
	case errors.Is(err, ErrInvalidArgument):
		return bytesEnvelope(v), nil
	case err != nil:
		return nil, err
	}
	if _, looksLike := envelopeOf(v); looksLike || !bytes.Equal(canon, v) {
		return textEnvelope(v), nil
	}
	return v, nil
}

func bytesEnvelope(v []byte) []byte {
	b, _ := json.Marshal(map[string]string{"$bytes": base64.StdEncoding.EncodeToString(v)})
	return b
}

// textEnvelope keeps JSON text v exactly.
func textEnvelope(v []byte) []byte {
	text, _ := json.Marshal(string(v))
	var b bytes.Buffer
	b.WriteString(`{"$json":`)
	b.Write(v)
	b.WriteString(`,"$text":`)
	b.Write(text)
	b.WriteString(`}`)
	return b.Bytes()
}

// decodePluginValue returns the bytes a stored JSON value stands for.
func decodePluginValue(stored []byte) []byte {
	if b, ok := envelopeOf(stored); ok {
		return b
	}
	return stored
}
