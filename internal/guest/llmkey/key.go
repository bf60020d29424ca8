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
	// The identity's canonical JSON is written here without building a
	// Value (KeyOf(Identity(…)) gives the same key: TestKeyIsKeyOfIdentity
	// and FuzzKey): the options' canonical JSON first, in buf, then the
	// identity after it, its members in key order, the prompt and the
	// system written by jsonv.AppendCanonical in place.
	buf := make([]byte, 0, 2*(len(prompt)+len(system)+len(request))+256)
	req, err := canonicalOptions(buf, request)
	if err != nil {
		return "", firstError(prompt, system, err)
	}
	var vals [numSlots][]byte
	optionValues(&vals, req)
	id := append(req[len(req):], '{')
	for _, slot := range slotOrder {
		v := vals[slot]
		if v == nil && slot >= slotResponse {
			continue // absent
		}
		if len(id) > 1 {
			id = append(id, ',')
		}
		id = append(id, slotKeys[slot]...)
		switch slot {
		case slotPrompt: // required: empty text is an error
			if id, err = jsonv.AppendCanonical(id, prompt); err != nil {
				return "", notJSON("prompt", err)
			}
		case slotSystem:
			if len(system) == 0 {
				id = append(id, "null"...)
			} else if id, err = jsonv.AppendCanonical(id, system); err != nil {
				return "", notJSON("system", err)
			}
		case slotModel:
			id = appendModel(id, v, vals[slotProvider])
		case slotTemperature, slotTopP:
			id = appendFloatOf(id, v)
		default:
			id = append(id, v...)
		}
	}
	return keyOfJSON(append(id, '}')), nil
}

// canonicalOptions appends the canonical JSON of the request options to
// buf and returns it (what buf holds before excluded): an object, or null
// when request is empty; else the error Key returns for them.
func canonicalOptions(buf, request []byte) ([]byte, error) {
	if len(request) == 0 {
		return append(buf, "null"...)[len(buf):], nil
	}
	out, err := jsonv.AppendCanonical(buf, request)
	if err != nil {
		return nil, notJSON("options", err)
	}
	req := out[len(buf):]
	if req[0] != '{' && string(req) != "null" {
		v, _ := jsonv.Parse(request)
		return nil, errors.New(errPrefix + "options must be a dict; got " + v.VMTypeName())
	}
	return req, nil
}

// firstError returns the error Key reports when the options have err:
// the prompt's or the system's, which come first, if they have one.
func firstError(prompt, system []byte, err error) error {
	if _, perr := jsonv.Canonical(prompt); perr != nil {
		return notJSON("prompt", perr)
	}
	if len(system) > 0 {
		if _, serr := jsonv.Canonical(system); serr != nil {
			return notJSON("system", serr)
		}
	}
	return err
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
