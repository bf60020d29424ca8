// Package llmkey derives the original's canonical LLM cache key
// (docs/SPEC.md §7): "sha256:" and the lower-case hex SHA-256 of the
// canonical JSON of the request's identity object.
package llmkey

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"

	"github.com/sandcache/sandcache/internal/guest/jsonv"
)

// Key returns the cache key of an LLM request:
//
//   - prompt is the JSON text of the prompt (a string, a list of messages,
//     any JSON), required;
//   - system is the JSON text of the system prompt, or nil (or empty) when
//     there is none, which gives the same key as `null`;
//   - request is the JSON text of the request options (an object), `null`,
//     or nil (or empty) for none.
//
// A request that is neither an object nor null is the original's error
// `__llm_cache_key(prompt, system?, options?): options must be a dict; got
// <type>`. See Identity for what the key covers.
func Key(prompt, system, request []byte) (string, error) {
	id, err := Identity(prompt, system, request)
	if err != nil {
		return "", err
	}
	// The canonical identity is about as long as the arguments: sizing its
	// buffer once spares the appends' regrowth, half of the encoding's
	// time in WebAssembly.
	return keyOf(id, len(prompt)+len(system)+len(request)+256), nil
}

// KeyOf returns "sha256:" + hex(sha256(Canonical(identity))).
func KeyOf(identity jsonv.Value) string { return keyOf(identity, 0) }

// keyOf is KeyOf with the canonical JSON's buffer sized for sizeHint bytes.
func keyOf(identity jsonv.Value, sizeHint int) string {
	sum := sum256(identity.AppendCompact(make([]byte, 0, sizeHint)))
	var out [len(keyPrefix) + 2*sha256.Size]byte
	copy(out[:], keyPrefix)
	hex.Encode(out[len(keyPrefix):], sum[:])
	return string(out[:])
}

// keyPrefix starts every key.
const keyPrefix = "sha256:"

// Canonical returns the canonical JSON of v, the bytes the key hashes:
// compact, object keys sorted by UTF-8 bytes at every level, serde_json's
// string escaping and number formatting (see jsonv.Value.AppendCompact).
func Canonical(v jsonv.Value) []byte { return v.AppendCompact(nil) }

// errPrefix starts the errors of Key, after the original's signature.
const errPrefix = "__llm_cache_key(prompt, system?, options?): "

// parseArg parses an optional JSON argument; empty text is absent (null).
func parseArg(name string, text []byte) (jsonv.Value, error) {
	if len(text) == 0 {
		return jsonv.Null(), nil
	}
	v, err := jsonv.Parse(text)
	if err != nil {
		return jsonv.Value{}, errors.New(errPrefix + name + " is not valid JSON: " + err.Error())
	}
	return v, nil
}
