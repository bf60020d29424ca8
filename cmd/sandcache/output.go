package main

import (
	"errors"

	"github.com/sandcache/sandcache/internal/guest/jsonv"
	"github.com/sandcache/sandcache/sdk"
)

// writeJSON prints v as canonical JSON (sorted keys, serde_json escaping
// and number forms) and a newline.
func (a *app) writeJSON(v jsonv.Value) error {
	_, err := a.stdout.Write(append(v.AppendCompact(nil), '\n'))
	return err
}

// writeRaw prints JSON text that is already canonical, and a newline.
func (a *app) writeRaw(b []byte) error {
	_, err := a.stdout.Write(append(b[:len(b):len(b)], '\n'))
	return err
}

// jsonObject builds an object from alternating keys and values.
func jsonObject(kv ...any) jsonv.Value {
	ms := make([]jsonv.Member, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		ms = append(ms, jsonv.Member{Key: kv[i].(string), Value: kv[i+1].(jsonv.Value)})
	}
	return jsonv.Object(ms...)
}

func jsonString(s string) jsonv.Value { return jsonv.String(s) }

// errorEnvelope is the original's error output: {"error":"<message>"}.
func errorEnvelope(msg string) jsonv.Value {
	return jsonObject("error", jsonv.String(msg))
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

// putEnvelope is {"key":K,"stored":true}, K escaped as serde_json does.
func putEnvelope(key string) jsonv.Value {
	return jsonObject("key", jsonv.String(key), "stored", jsonv.Bool(true))
}

// statsObject is the stats of a namespace as JSON.
func statsObject(s sdk.Stats) jsonv.Value {
	return jsonObject(
		"entries", jsonv.Uint(s.Entries),
		"expired", jsonv.Uint(s.Expired),
		"hits", jsonv.Uint(s.Hits),
		"misses", jsonv.Uint(s.Misses),
		"evictions", jsonv.Uint(s.Evictions),
		"expirations", jsonv.Uint(s.Expirations),
		"hit_rate", jsonv.Float(s.HitRate()),
	)
}
