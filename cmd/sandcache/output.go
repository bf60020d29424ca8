package main

import (
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/sandcache/sandcache/sdk"
)

// The --json envelopes, in the original's canonical JSON (serde_json's
// compact form, object keys sorted). Values the cache returns are already
// canonical text and are written as is; what the CLI adds itself is small:
// strings, integers, booleans and the hit rate.

// writeJSON prints JSON text (canonical) and a newline.
func (a *app) writeJSON(b []byte) error {
	_, err := a.stdout.Write(append(b[:len(b):len(b)], '\n'))
	return err
}

// jsonObject builds an object from alternating keys (string) and values
// (JSON text), members sorted by key.
func jsonObject(kv ...any) []byte {
	type member struct {
		key   string
		value []byte
	}
	ms := make([]member, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		ms = append(ms, member{kv[i].(string), kv[i+1].([]byte)})
	}
	slices.SortStableFunc(ms, func(x, y member) int { return strings.Compare(x.key, y.key) })
	out := []byte{'{'}
	for i, m := range ms {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(appendJSONString(out, m.key), ':')
		out = append(out, m.value...)
	}
	return append(out, '}')
}

// jsonArrayOfStrings is a JSON array of strings.
func jsonArrayOfStrings(items []string) []byte {
	out := []byte{'['}
	for i, s := range items {
		if i > 0 {
			out = append(out, ',')
		}
		out = appendJSONString(out, s)
	}
	return append(out, ']')
}

func jsonString(s string) []byte { return appendJSONString(nil, s) }

func jsonBool(b bool) []byte { return strconv.AppendBool(nil, b) }

func jsonUint(n uint64) []byte { return strconv.AppendUint(nil, n, 10) }

// appendJSONString appends s as serde_json writes a string: `"` and `\`
// escaped, C0 controls as \b \t \n \f \r or \u00xx (lower-case hex),
// everything else raw; an invalid UTF-8 byte becomes U+FFFD.
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = utf8.AppendRune(dst, utf8.RuneError)
		case r == '"' || r == '\\':
			dst = append(dst, '\\', byte(r))
		case r == '\b':
			dst = append(dst, `\b`...)
		case r == '\t':
			dst = append(dst, `\t`...)
		case r == '\n':
			dst = append(dst, `\n`...)
		case r == '\f':
			dst = append(dst, `\f`...)
		case r == '\r':
			dst = append(dst, `\r`...)
		case r < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hex[r>>4], hex[r&0xF])
		default:
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return append(dst, '"')
}

// jsonFloat writes f as serde_json does (ryu's shortest digits): fixed
// notation with at least one decimal ("1.0", "0.001") when the decimal
// exponent is in (-5, 16], else scientific ("1e-7", "1.5e+16"); non-finite
// values are null.
func jsonFloat(f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return []byte("null")
	}
	var out []byte
	if math.Signbit(f) {
		out, f = append(out, '-'), -f
	}
	if f == 0 {
		return append(out, "0.0"...)
	}
	sci := strconv.FormatFloat(f, 'e', -1, 64) // d.ddde±xx
	mant, expText, _ := strings.Cut(sci, "e")
	exp, _ := strconv.Atoi(expText)
	digits := string(mant[0]) + mant[min(2, len(mant)):]
	nd, k := len(digits), exp+1 // 10^(k-1) <= f < 10^k
	switch {
	case k >= nd && k <= 16:
		out = append(out, digits...)
		for range k - nd {
			out = append(out, '0')
		}
		return append(out, ".0"...)
	case k > 0 && k <= 16:
		return append(append(append(out, digits[:k]...), '.'), digits[k:]...)
	case k > -5 && k <= 0:
		out = append(out, "0."...)
		for range -k {
			out = append(out, '0')
		}
		return append(out, digits...)
	}
	out = append(out, digits[0])
	if nd > 1 {
		out = append(append(out, '.'), digits[1:]...)
	}
	out = append(out, 'e')
	if k-1 >= 0 {
		out = append(out, '+')
	}
	return strconv.AppendInt(out, int64(k-1), 10)
}

// errorEnvelope is the original's error output: {"error":"<message>"}.
func errorEnvelope(msg string) []byte {
	return jsonObject("error", jsonString(msg))
}

// errorMessage is the text reported for err: the cache's own message (the
// original's exact text for option and duration errors), else err's text.
func errorMessage(err error) string {
	var e *sdk.Error
	if errors.As(err, &e) && e.Message != "" {
		return e.Message
	}
	return err.Error()
}

// getEnvelope is {"hit":true,"value":V} or {"hit":false}; value is the
// cache's compact JSON, written as is.
func getEnvelope(value []byte, hit bool) []byte {
	if !hit {
		return []byte(`{"hit":false}`)
	}
	out := append([]byte(`{"hit":true,"value":`), value...)
	return append(out, '}')
}

// putEnvelope is {"key":K,"stored":true}.
func putEnvelope(key string) []byte {
	return jsonObject("key", jsonString(key), "stored", jsonBool(true))
}

// statsObject is the stats of a namespace as JSON.
func statsObject(s sdk.Stats) []byte {
	return jsonObject(
		"entries", jsonUint(s.Entries),
		"expired", jsonUint(s.Expired),
		"hits", jsonUint(s.Hits),
		"misses", jsonUint(s.Misses),
		"evictions", jsonUint(s.Evictions),
		"expirations", jsonUint(s.Expirations),
		"hit_rate", jsonFloat(s.HitRate()),
	)
}
