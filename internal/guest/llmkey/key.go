// Package llmkey derives the original's canonical LLM cache key
// (docs/SPEC.md §7): "sha256:" and the lower-case hex SHA-256 of the
// canonical JSON of the request's identity object.
package llmkey

import (
	"encoding/hex"
	"errors"

	"github.com/sandcache/sandcache/internal/guest/digest"
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
	// The identity's canonical JSON is written here without building it
	// as a Value: the prompt and system, most of its bytes, are copied as
	// jsonv.Canonical gives them (their text as it is, when canonical
	// already), which spares a tree and its encoding (KeyOf(Identity(…))
	// gives the same key: TestKeyIsKeyOfIdentity).
	p, err := jsonv.Canonical(prompt) // required: empty text is an error
	if err != nil {
		return "", notJSON("prompt", err)
	}
	s := []byte("null")
	if len(system) > 0 {
		if s, err = jsonv.Canonical(system); err != nil {
			return "", notJSON("system", err)
		}
	}
	members, err := requestMembers(request)
	if err != nil {
		return "", err
	}
	texts := [...]struct {
		key  string
		json []byte
	}{{"prompt", p}, {"system", s}} // in key order
	id := make([]byte, 0, len(p)+len(s)+len(request)+256)
	id = append(id, '{')
	for t := 0; len(members) > 0 || t < len(texts); {
		if len(id) > 1 {
			id = append(id, ',')
		}
		if t < len(texts) && (len(members) == 0 || texts[t].key < members[0].Key) {
			id = jsonv.AppendString(id, texts[t].key)
			id = append(append(id, ':'), texts[t].json...)
			t++
			continue
		}
		id = jsonv.AppendString(id, members[0].Key)
		id = members[0].Value.AppendCompact(append(id, ':'))
		members = members[1:]
	}
	return keyOfJSON(append(id, '}')), nil
}

// KeyOf returns "sha256:" + hex(sha256(Canonical(identity))).
func KeyOf(identity jsonv.Value) string { return keyOfJSON(identity.AppendCompact(nil)) }

// keyOfJSON returns the key of an identity's canonical JSON.
func keyOfJSON(canonical []byte) string {
	sum := digest.Sum256(canonical)
	var out [len(keyPrefix) + 2*digest.Size]byte
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
		return jsonv.Value{}, notJSON(name, err)
	}
	return v, nil
}

// notJSON is the error of an argument that is not JSON text.
func notJSON(name string, err error) error {
	return errors.New(errPrefix + name + " is not valid JSON: " + err.Error())
}
