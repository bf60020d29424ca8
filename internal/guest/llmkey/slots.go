package llmkey

import (
	"slices"
	"strconv"
	"strings"

	"github.com/sandcache/sandcache/internal/guest/jsonv"
)

// The members of the identity, by slot: the original's seven, then
// ResponseFields (ResponseFields[i] is slot slotResponse+i).
const (
	slotMaxTokens = iota
	slotModel
	slotProvider
	slotTemperature
	slotTopP
	slotPrompt
	slotSystem
	slotResponse
	numSlots = slotResponse + len(responseFields)
)

// slotNames are the identity's keys, by slot.
var slotNames = func() (names [numSlots]string) {
	copy(names[:], []string{"max_tokens", "model", "provider", "temperature", "top_p", "prompt", "system"})
	copy(names[slotResponse:], responseFields[:])
	return names
}()

// slotOrder lists the slots in key order, the order in which the
// identity's canonical JSON has its members.
var slotOrder = func() (order [numSlots]int) {
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order[:], func(a, b int) int { return strings.Compare(slotNames[a], slotNames[b]) })
	return order
}()

// slotKeys are the identity's keys as its canonical JSON writes them,
// quoted and followed by ':', by slot.
var slotKeys = func() (keys [numSlots][]byte) {
	for i, name := range slotNames {
		keys[i] = append(jsonv.AppendString(nil, name), ':')
	}
	return keys
}()

// slotOf returns the slot of an identity key, or -1.
func slotOf(key []byte) int {
	for i, name := range slotNames {
		// Length and first byte first: a string comparison is a call.
		if len(name) == len(key) && name[0] == key[0] && name == string(key) {
			return i
		}
	}
	return -1
}

// optionValues sets, in vals, the canonical JSON of the identity's members
// that come from the request options, all but prompt and system: req is
// the options' canonical JSON, an object or null (see Identity for the
// rules). Temperature and top_p are left as the number given (or nil);
// appendFloatOf writes them. The model is nil when it is the provider's
// default.
func optionValues(vals *[numSlots][]byte, req []byte) {
	for key, v := range jsonv.CanonicalMembers(req) {
		switch slot := slotOf(key); slot {
		case slotProvider, slotModel:
			if len(v) > 2 && v[0] == '"' { // a non-empty string
				vals[slot] = v
			}
		case slotMaxTokens:
			if isInteger(v) {
				if _, err := strconv.ParseInt(string(v), 10, 64); err == nil {
					vals[slot] = v
				}
			}
		case slotTemperature, slotTopP:
			if v[0] == '-' || '0' <= v[0] && v[0] <= '9' {
				vals[slot] = v
			}
		case -1, slotPrompt, slotSystem:
		default: // one of ResponseFields
			if string(v) != "null" {
				vals[slot] = v
			}
		}
	}
	// A provider's literal is `"auto"` when its text is "auto" in any case
	// (no escaped character, nor any but ASCII letters, folds to a letter
	// of "auto").
	if p := vals[slotProvider]; p == nil || strings.EqualFold(string(p), `"auto"`) {
		vals[slotProvider] = quotedDefaultProvider
	}
	if vals[slotMaxTokens] == nil {
		vals[slotMaxTokens] = defaultMaxTokensJSON
	}
}

var (
	quotedDefaultProvider = jsonv.AppendString(nil, DefaultProvider)
	defaultMaxTokensJSON  = strconv.AppendInt(nil, DefaultMaxTokens, 10)
)

// appendModel appends the canonical JSON of the identity's model: model
// when not nil, else the default of provider (a string literal).
func appendModel(id, model, provider []byte) []byte {
	if model != nil {
		return append(id, model...)
	}
	// The default models' providers need no escape: the text between the
	// quotes is the provider's name when it is one of them.
	return jsonv.AppendString(id, DefaultModel(string(provider[1:len(provider)-1])))
}

// appendFloatOf appends the canonical JSON of num, a number's canonical
// JSON or nil, as the float the identity takes (an integer converted, as
// Rust's `as f64` does), or null when nil.
func appendFloatOf(id, num []byte) []byte {
	switch {
	case num == nil:
		return append(id, "null"...)
	case !isInteger(num):
		return append(id, num...) // written as a float already
	}
	if n, err := strconv.ParseInt(string(num), 10, 64); err == nil {
		return jsonv.AppendFloat(id, float64(n))
	}
	u, _ := strconv.ParseUint(string(num), 10, 64) // beyond int64: within uint64
	return jsonv.AppendFloat(id, float64(u))
}

// isInteger reports whether v, canonical JSON, is an integer: digits after
// an optional '-' (a canonical float has a '.' or an 'e').
func isInteger(v []byte) bool {
	if len(v) > 0 && v[0] == '-' {
		v = v[1:]
	}
	if len(v) == 0 {
		return false
	}
	for _, c := range v {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
