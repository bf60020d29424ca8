package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/sandcache/sandcache/sdk"
)

// withStore opens the store the flags select, runs f on it and closes it.
func (a *app) withStore(f func(c *sdk.Cache, o sdk.Option) error) error {
	c, o, err := a.openStore()
	if err != nil {
		return err
	}
	defer c.Close()
	return f(c, sdk.WithOptions(o))
}

// answer ends a command that got err or else a result: with --json it
// writes the result's JSON js, else it runs text (nil: no output).
func (a *app) answer(err error, js []byte, text func() error) error {
	switch {
	case err != nil:
		return err
	case a.g.json:
		return a.writeJSON(js)
	case text != nil:
		return text()
	}
	return nil
}

// println writes the values as one line of text.
func (a *app) println(v ...any) error {
	_, err := fmt.Fprintln(a.stdout, v...)
	return err
}

func cmdGet(a *app, pos []string) error {
	return a.withStore(func(c *sdk.Cache, o sdk.Option) error {
		v, hit, err := c.Get(a.ctx, pos[0], o)
		return a.answer(err, getEnvelope(v, hit), func() error {
			if !hit {
				return errMiss
			}
			return a.writeJSON(v)
		})
	})
}

func cmdPut(a *app, pos []string) error {
	var value []byte
	if len(pos) == 2 && pos[1] != "-" {
		value = []byte(pos[1])
	} else {
		b, err := io.ReadAll(a.stdin)
		if err != nil {
			return fmt.Errorf("reading the value from stdin: %w", err)
		}
		value = bytes.TrimSpace(b)
	}
	return a.withStore(func(c *sdk.Cache, o sdk.Option) error {
		return a.answer(c.Put(a.ctx, pos[0], value, o), putEnvelope(pos[0]), nil)
	})
}

func cmdDelete(a *app, pos []string) error {
	return a.withStore(func(c *sdk.Cache, o sdk.Option) error {
		existed, err := c.Delete(a.ctx, pos[0], o)
		return a.answer(err, jsonObject("deleted", jsonBool(existed)), func() error {
			if !existed {
				return errMiss
			}
			return nil
		})
	})
}

func cmdClear(a *app, _ []string) error {
	return a.withStore(func(c *sdk.Cache, o sdk.Option) error {
		return a.answer(c.Clear(a.ctx, o), []byte("null"), nil)
	})
}

func cmdPurge(a *app, _ []string) error {
	return a.withStore(func(c *sdk.Cache, o sdk.Option) error {
		n, err := c.Purge(a.ctx, o)
		return a.answer(err, jsonObject("removed", jsonUint(n)), func() error { return a.println(n) })
	})
}

func keysFlags(a *app, fs *flagSet) { fs.str("prefix", &a.keysPrefix) }

func cmdKeys(a *app, _ []string) error {
	return a.withStore(func(c *sdk.Cache, o sdk.Option) error {
		keys, err := c.Keys(a.ctx, a.keysPrefix, o)
		return a.answer(err, jsonArrayOfStrings(keys), func() error {
			for _, k := range keys {
				if err := a.println(k); err != nil {
					return err
				}
			}
			return nil
		})
	})
}

func cmdStats(a *app, _ []string) error {
	return a.withStore(func(c *sdk.Cache, o sdk.Option) error {
		s, err := c.Stats(a.ctx, o)
		return a.answer(err, statsObject(s), func() error {
			_, err := fmt.Fprintf(a.stdout,
				"entries      %d\nexpired      %d\nhits         %d\nmisses       %d\nevictions    %d\nexpirations  %d\nhit_rate     %.2f\n",
				s.Entries, s.Expired, s.Hits, s.Misses, s.Evictions, s.Expirations, s.HitRate())
			return err
		})
	})
}

func cmdDuration(a *app, pos []string) error {
	c, err := a.openBase()
	if err != nil {
		return err
	}
	defer c.Close()
	secs, err := c.ParseDuration(a.ctx, pos[0])
	if err != nil {
		return err
	}
	return a.println(secs) // the same text with or without --json
}

// llmValues are llm-key's request flags: --extra, and the values of
// llmRequestFlags, in its order.
type llmValues struct {
	extra  string
	fields []string
}

// llmRequestFlag is a flag of llm-key that sets one field of the request:
// value turns the flag's text into the field's JSON.
type llmRequestFlag struct {
	flag, field string
	value       func(flag, text string) ([]byte, error)
}

// llmRequestFlags are the request-field flags, in the order llmRequest
// applies (and checks) them.
var llmRequestFlags = []llmRequestFlag{
	{"provider", "provider", jsonStringFlag},
	{"model", "model", jsonStringFlag},
	{"max-tokens", "max_tokens", jsonIntFlag},
	{"temperature", "temperature", jsonNumberFlag},
	{"top-p", "top_p", jsonNumberFlag},
}

func jsonStringFlag(_, text string) ([]byte, error) { return jsonString(text), nil }

func jsonIntFlag(flag, text string) ([]byte, error) {
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		return nil, usagef("flag --%s must be an integer; got %q", flag, text)
	}
	return strconv.AppendInt(nil, n, 10), nil
}

func jsonNumberFlag(flag, text string) ([]byte, error) {
	x, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		return nil, usagef("flag --%s must be a number; got %q", flag, text)
	}
	return jsonFloat(x), nil
}

func llmFlags(a *app, fs *flagSet) {
	fs.str("extra", &a.llm.extra)
	a.llm.fields = make([]string, len(llmRequestFlags))
	for i, f := range llmRequestFlags {
		fs.str(f.flag, &a.llm.fields[i])
	}
}

func cmdLLMKey(a *app, pos []string) error {
	request, err := a.llmRequest()
	if err != nil {
		return err
	}
	var system []byte
	if len(pos) == 2 {
		system = []byte(pos[1])
	}
	c, err := a.openBase()
	if err != nil {
		return err
	}
	defer c.Close()
	key, err := c.LLMKeyJSON(a.ctx, []byte(pos[0]), system, request)
	return a.answer(err, jsonString(key), func() error { return a.println(key) })
}

// llmRequest builds the request object the guest's llm-key takes: the
// members of --options, then of --extra, then the named flags (a later
// member replaces an earlier one of the same name), with the number types
// the key needs (max_tokens an integer, temperature and top_p floats). The
// guest reads the fields and canonicalizes the values; without flags,
// --options is passed as given (nil when absent).
func (a *app) llmRequest() ([]byte, error) {
	given := a.flags.given
	anyFlag := given["extra"]
	for _, f := range llmRequestFlags {
		anyFlag = anyFlag || given[f.flag]
	}
	if !anyFlag {
		if a.g.options == "" {
			return nil, nil
		}
		return []byte(a.g.options), nil
	}
	members := map[string][]byte{}
	if a.g.options != "" {
		if err := jsonMembers(a.g.options, members); err != nil {
			return nil, usagef("--options must be a JSON object to combine with request flags: %v", err)
		}
	}
	if given["extra"] {
		if err := jsonMembers(a.llm.extra, members); err != nil {
			return nil, usagef("--extra must be a JSON object: %v", err)
		}
	}
	for i, f := range llmRequestFlags {
		if !given[f.flag] {
			continue
		}
		m, err := f.value(f.flag, a.llm.fields[i])
		if err != nil {
			return nil, err
		}
		members[f.field] = m
	}
	kv := make([]any, 0, 2*len(members))
	for k, m := range members {
		kv = append(kv, k, m)
	}
	return jsonObject(kv...), nil
}

// jsonMembers adds the members of the JSON object text to members.
func jsonMembers(text string, members map[string][]byte) error {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal([]byte(text), &obj); err != nil {
		return err
	}
	if obj == nil {
		return errors.New("got null")
	}
	for k, m := range obj {
		members[k] = m
	}
	return nil
}
